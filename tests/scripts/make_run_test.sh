#!/usr/bin/env bash
# `make run` builds only what it runs (berthd, berthctl and the fetchers), not the test suites.
# Reads the plan of `make -n run`: nothing is built or started.
set -euo pipefail
cd "$(dirname "$0")/../.."
want="berthd berthctl berth-fetch berth-fetch-tarball"
plan=$(make -n --no-print-directory run BUILD=build-planned JOBS=2)
builds=$(grep -E '^cmake --build' <<<"$plan" || true)
fail() { printf '%s\nmake -n run:\n%s\n' "$1" "$plan"; exit 1; }

[ "$(wc -l <<<"$builds")" = 1 ] || fail "make run should run one cmake --build"
[[ $builds == *" --target "* ]] || fail "make run builds every target (no --target)"
got=$(tr ' ' '\n' <<<"${builds#* --target }" | sort | xargs)
[ "$got" = "$(tr ' ' '\n' <<<"$want" | sort | xargs)" ] ||
  fail "make run builds '$got', not '$want'"
grep -qx 'examples/run-demo.sh build-planned' <<<"$plan" || fail "make run no longer runs run-demo.sh"
# Every program run-demo.sh starts is one of them.
for program in $(grep -o '\$build/[a-z-]*' examples/run-demo.sh | sort -u); do
  [[ " $want " == *" ${program#\$build/} "* ]] || fail "run-demo.sh runs $program, which is not built"
done
echo "make run builds: $got"
