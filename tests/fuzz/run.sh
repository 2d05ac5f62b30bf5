#!/usr/bin/env bash
# Builds the libFuzzer targets (if needed) and runs each for a while on a temp copy of its seed
# corpus. Usage: tests/fuzz/run.sh [SECONDS_PER_TARGET (default 20)] [TARGET...]
# Env: BERTH_FUZZ_BUILD_DIR (default <repo>/build-fuzz). Exits non-zero if any target fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="${BERTH_FUZZ_BUILD_DIR:-$repo/build-fuzz}"
seconds="${1:-20}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(fuzz_app_spec fuzz_line_splitter fuzz_sse_parser fuzz_router fuzz_provision
    fuzz_source_url fuzz_docker_log_frames fuzz_www_authenticate fuzz_image_reference
    fuzz_json_stream fuzz_webhook_signature fuzz_proxy_parser fuzz_stack_params)
fi

if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S "$repo" -B "$build" -DBERTH_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j2 --target "${targets[@]}" >/dev/null

work="$(mktemp -d "${TMPDIR:-/tmp}/berth-fuzz.XXXXXX")"
failed=0
for target in "${targets[@]}"; do
  dir="$work/$target"
  mkdir -p "$dir/artifacts"
  cp -r "$here/corpus/$target" "$dir/corpus"
  log="$dir/log"
  if "$build/$target" "$dir/corpus" -max_total_time="$seconds" -timeout=10 \
      -artifact_prefix="$dir/artifacts/" -print_final_stats=1 >"$log" 2>&1; then
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
    cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)"
    files="$(find "$dir/corpus" -type f | wc -l)"
    echo "$target: ok (${runs:-?} runs, cov ${cov:-?}, corpus $files) in ${seconds}s"
  else
    failed=1
    artifact="$(find "$dir/artifacts" -type f | head -1)"
    reason="$(grep -m1 -E '^==[0-9]+==ERROR|runtime error|^fuzz_|deadly signal|timeout' "$log" || true)"
    echo "$target: FAILED: ${reason:-see log}; reproducer $artifact; log $log"
  fi
done

if [ "$failed" -eq 0 ]; then
  rm -rf "$work"
else
  echo "kept $work (reproduce: $build/<target> <reproducer>)"
fi
exit "$failed"
