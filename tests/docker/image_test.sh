#!/usr/bin/env bash
# End-to-end test of the container image: builds it on a local Debian 12 base, runs it with two
# apps deployed from bare git repositories, and checks that both answer over their published
# ports, that the container turns healthy and berthctl inside it lists both running, that
# `docker stop` ends it with exit code 0, and that a restart serves them again from the releases
# it kept, without deploying again.
#
# Run as root from anywhere: tests/docker/image_test.sh. Needs docker.io and debootstrap (and
# curl, git). Starts dockerd (vfs storage) when none answers and stops it at the end; builds the
# base image berth-base:bookworm with debootstrap from Debian's mirror when it is missing and
# keeps it, with the package-only stages tagged berth-cache:build-deps and
# berth-cache:runtime-base, for the next run. Environment: BERTH_BASE_IMAGE (base image name),
# DEBIAN_MIRROR, BERTH_KEEP_IMAGE=1 (keep the image under test).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BASE_IMAGE=${BERTH_BASE_IMAGE:-berth-base:bookworm}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
IMAGE=berth-test:$$
CONTAINER=berth-image-test-$$
APP_DEADLINE=180     # seconds for both apps to be deployed and answer
HEALTH_DEADLINE=120  # seconds for the health check to report healthy
STOP_TIMEOUT=30      # seconds docker stop gives berthd before SIGKILL
export DOCKER_BUILDKIT=0  # the classic builder: needs no buildx plugin and no registry

WORK=""
DOCKERD_PID=""
CONTAINER_STARTED=0
IMAGE_BUILT=0
T0=$(date +%s.%N)
PHASE_START=$T0
PHASE=""
TIMINGS=()

say() { printf 'image_test: %s\n' "$*"; }

fail() {
  printf 'image_test: FAIL: %s\n' "$*" >&2
  exit 1
}

elapsed_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

phase() {
  PHASE=$1
  PHASE_START=$(date +%s.%N)
  say "== $1"
}

# Records how long the current phase took, under the name $1.
phase_done() {
  local took
  took=$(elapsed_since "$PHASE_START")
  TIMINGS+=("$(printf '%-30s %7ss' "$1" "$took")")
  say "   $1: ${took}s"
  PHASE=""
}

print_timings() {
  ((${#TIMINGS[@]})) || return 0
  say "timings:"
  printf '  %s\n' "${TIMINGS[@]}"
  say "total $(elapsed_since "$T0")s"
}

# The last lines of a log file, indented, for a failure message.
tail_of() {
  if [[ -f "$1" ]]; then tail -n "${2:-40}" "$1" | sed 's/^/    | /' >&2; fi
}

# Unmounts whatever is left mounted below $1 (a failed debootstrap leaves /proc and /sys there)
# and removes it without crossing into another file system.
remove_tree() {
  local dir=$1 mount
  [[ -d "$dir" ]] || return 0
  awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r mount; do umount -l "$mount" 2>/dev/null || true; done
  rm -rf --one-file-system "$dir"
}

cleanup() {
  local status=$?
  set +e
  [[ -n "$PHASE" ]] && phase_done "$PHASE (unfinished)" >/dev/null
  if ((CONTAINER_STARTED)); then
    if ((status != 0)); then
      say "container log (last 60 lines):" >&2
      docker logs --tail 60 "$CONTAINER" 2>&1 | sed 's/^/    | /' >&2
    fi
    docker rm -f "$CONTAINER" >/dev/null 2>&1
  fi
  if ((IMAGE_BUILT)) && [[ "${BERTH_KEEP_IMAGE:-0}" != 1 ]]; then
    docker rmi "$IMAGE" >/dev/null 2>&1
  fi
  if docker_answers; then
    # Every build leaves the build stage's layers untagged: drop them (tagged build-deps stays).
    docker image prune -f --filter label=org.berth.stage=build >/dev/null 2>&1
  fi
  if [[ -n "$DOCKERD_PID" ]]; then
    stop_dockerd
  fi
  [[ -n "$WORK" ]] && remove_tree "$WORK"
  print_timings
  if ((status == 0)); then say "PASS"; else say "FAILED (exit $status)" >&2; fi
  exit "$status"
}

# Polls `$2...` every half second until it succeeds or $1 seconds have passed.
wait_for() {
  local deadline=$(($(date +%s) + $1))
  shift
  until "$@"; do
    (($(date +%s) < deadline)) || return 1
    sleep 0.5
  done
}

require_tools() {
  [[ $(id -u) == 0 ]] || fail "run as root (dockerd, debootstrap and docker need it)"
  local tool missing=()
  for tool in docker dockerd debootstrap curl git tar; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  ((${#missing[@]} == 0)) ||
    fail "missing: ${missing[*]} (apt-get install docker.io debootstrap curl git)"
}

docker_answers() { docker info >/dev/null 2>&1; }

dockerd_alive() { kill -0 "$DOCKERD_PID" 2>/dev/null; }

docker_up_or_dead() { docker_answers || ! dockerd_alive; }

ensure_dockerd() {
  phase "docker engine"
  if docker_answers; then
    say "   using the running Docker engine"
    phase_done "dockerd (already running)"
    return
  fi
  dockerd --storage-driver=vfs >"$WORK/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  if ! wait_for 60 docker_up_or_dead || ! docker_answers; then
    tail_of "$WORK/dockerd.log"
    fail "dockerd did not answer within 60s (log above)"
  fi
  phase_done "dockerd start"
}

dockerd_gone() { ! dockerd_alive; }

stop_dockerd() {
  kill -TERM "$DOCKERD_PID" 2>/dev/null
  if ! wait_for 30 dockerd_gone; then
    say "dockerd did not stop within 30s; killing it" >&2
    kill -KILL "$DOCKERD_PID" 2>/dev/null
  fi
  wait "$DOCKERD_PID" 2>/dev/null
  DOCKERD_PID=""
}

# Debian's apt sources for the base: the release, its updates and its security fixes.
write_apt_sources() {
  local rootfs=$1
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
}

ensure_base_image() {
  phase "base image $BASE_IMAGE"
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    say "   reusing $BASE_IMAGE"
    phase_done "base image (cached)"
    return
  fi
  local rootfs=$WORK/rootfs
  say "   debootstrap --variant=minbase bookworm from $MIRROR"
  if ! debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1
  then
    tail_of "$WORK/debootstrap.log"
    fail "debootstrap failed (log above)"
  fi
  write_apt_sources "$rootfs"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  phase_done "debootstrap"
  phase "docker import $BASE_IMAGE"
  tar --numeric-owner -C "$rootfs" -c . |
    docker import --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null ||
    fail "docker import of the debootstrap tree failed"
  remove_tree "$rootfs"
  phase_done "docker import"
}

# docker build from the repository root with the local base; $1 names the phase, the rest are
# extra arguments.
docker_build() {
  local what=$1
  shift
  phase "docker build: $what"
  if ! (cd "$ROOT" && docker build --build-arg BASE="$BASE_IMAGE" "$@" .) \
    >"$WORK/build-$what.log" 2>&1; then
    tail_of "$WORK/build-$what.log" 60
    fail "docker build ($what) failed (log above)"
  fi
  phase_done "docker build $what"
}

build_image() {
  # The package-only stages are tagged so that they, and the build cache below them, outlive
  # the removal of the image under test.
  docker_build build-deps --target build-deps -t berth-cache:build-deps
  docker_build runtime-base --target runtime-base -t berth-cache:runtime-base
  IMAGE_BUILT=1
  docker_build image -t "$IMAGE"
}

# Makes the bare repository $1.git from the files given as name=content pairs.
make_repo() {
  local name=$1 tree=$WORK/src/$1 file
  shift
  mkdir -p "$tree"
  for file in "$@"; do printf '%s\n' "${file#*=}" >"$tree/${file%%=*}"; done
  git -C "$tree" init -q -b main
  git -C "$tree" add -A
  git -C "$tree" -c user.name=berth-test -c user.email=test@berth.invalid commit -q -m "$name"
  git clone -q --bare "$tree" "$WORK/repos/$name.git"
}

make_repos() {
  phase "git repositories"
  mkdir -p "$WORK/repos"
  make_repo a "server.js=// Answers every request; listens on \$PORT as berth gives it.
const http = require('http');
http.createServer((req, res) => {
  res.writeHead(200, {'Content-Type': 'text/plain'});
  res.end('node app a says hello\n');
}).listen(Number(process.env.PORT));"
  make_repo b "index.html=<!doctype html><title>b</title><p>static app b says hello</p>"
  # The apps' users inside the container read these through the bind mount.
  chmod -R a+rX "$WORK/repos"
  phase_done "git repositories"
}

container_running() {
  [[ $(docker inspect -f '{{.State.Running}}' "$CONTAINER" 2>/dev/null) == true ]]
}

# The host address ("127.0.0.1:49153") docker published container port $1 on.
published() {
  local address
  address=$(docker port "$CONTAINER" "$1/tcp" | grep -m1 '^127\.0\.0\.1:') ||
    fail "container port $1 is not published on 127.0.0.1"
  printf '%s' "$address"
}

# True when http://$1/ answers 200 with a body containing $2; stops waiting (fails) when the
# container is gone.
answers() {
  container_running || fail "the container exited (exit code $(docker inspect -f \
    '{{.State.ExitCode}}' "$CONTAINER" 2>/dev/null))"
  curl -fsS --max-time 2 "http://$1/" 2>/dev/null | grep -qF "$2"
}

app_status() {
  docker exec "$CONTAINER" berthctl ls 2>&1 | sed 's/^/    | /' >&2 || true
}

# True when the app answers $2 on 127.0.0.1:$1 inside the container.
answers_inside() {
  docker exec "$CONTAINER" python3 -c 'import sys, urllib.request
url = "http://127.0.0.1:" + sys.argv[1] + "/"
sys.exit(sys.argv[2] not in urllib.request.urlopen(url, timeout=2).read().decode())' \
    "$1" "$2" >/dev/null 2>&1
}

wait_for_app() {
  local label=$1 port=$2 text=$3 address
  address=$(published "$port")
  if ! wait_for "$APP_DEADLINE" answers "$address" "$text"; then
    app_status
    if answers_inside "$port" "$text"; then
      fail "app $label answers on 127.0.0.1:$port inside the container but not on" \
        "http://$address/: it listens on the container's loopback only"
    fi
    fail "app $label did not answer '$text' on http://$address/ within ${APP_DEADLINE}s"
  fi
  say "   $label answers on http://$address/"
}

# Containers of earlier runs that were killed before their cleanup.
remove_stale_containers() {
  local stale
  mapfile -t stale < <(docker ps -aq --filter label=org.berth.test=image)
  ((${#stale[@]} == 0)) || docker rm -f "${stale[@]}" >/dev/null
}

run_container() {
  phase "docker run"
  remove_stale_containers
  docker run -d --name "$CONTAINER" --label org.berth.test=image \
    -v "$WORK/repos:/repos:ro" \
    -e SERVICE_A_REPO=file:///repos/a.git \
    -e SERVICE_B_REPO=file:///repos/b.git \
    -p 127.0.0.1::8080 -p 127.0.0.1::9090 \
    --health-interval=2s --health-timeout=5s \
    --stop-timeout "$STOP_TIMEOUT" \
    "$IMAGE" >/dev/null || fail "docker run failed"
  CONTAINER_STARTED=1
  phase_done "docker run"
  phase "both apps answer"
  wait_for_app "A (node)" 8080 "node app a says hello"
  wait_for_app "B (static)" 9090 "static app b says hello"
  phase_done "both apps answer"
}

healthy() {
  local health
  health=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$CONTAINER")
  [[ "$health" == healthy ]]
}

wait_for_healthy() {
  phase "health check"
  if ! wait_for "$HEALTH_DEADLINE" healthy; then
    docker inspect -f '{{json .State.Health}}' "$CONTAINER" >&2 || true
    fail "the container is not healthy after ${HEALTH_DEADLINE}s"
  fi
  phase_done "healthy"
}

# berthctl inside the container reaches the API on its loopback and sees both apps running.
check_berthctl() {
  phase "berthctl inside"
  local listing
  listing=$(docker exec "$CONTAINER" berthctl ls 2>&1) || fail "docker exec berthctl ls: $listing"
  printf '%s\n' "$listing" | sed 's/^/    | /'
  local name
  for name in a b; do
    printf '%s\n' "$listing" | grep -Eq "^service-$name +[a-z]+ +running" ||
      fail "berthctl ls does not show app service-$name running"
  done
  phase_done "berthctl ls"
}

# docker start on the same container and volume: provisioning finds its apps already there and
# both answer again.
restart_container() {
  phase "docker start again"
  docker start "$CONTAINER" >/dev/null || fail "docker start failed"
  wait_for_app "A (node), after restart" 8080 "node app a says hello"
  wait_for_app "B (static), after restart" 9090 "static app b says hello"
  # The releases in the volume serve again: no app was deployed a second time.
  local deployed
  deployed=$(docker logs "$CONTAINER" 2>&1 | grep -c 'serves release' || true)
  [[ "$deployed" == 2 ]] ||
    fail "after the restart the log shows $deployed deployments, not the first start's 2"
  phase_done "restart, both answer"
}

stop_container() {
  phase "docker stop"
  docker stop -t "$STOP_TIMEOUT" "$CONTAINER" >/dev/null || fail "docker stop failed"
  local code
  code=$(docker inspect -f '{{.State.ExitCode}}' "$CONTAINER")
  [[ "$code" == 0 ]] || fail "berthd exited with code $code after docker stop (expected 0)"
  say "   berthd exited 0"
  phase_done "stop"
}

main() {
  require_tools
  WORK=$(mktemp -d /tmp/berth-image-test.XXXXXX)
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  ensure_dockerd
  ensure_base_image
  build_image
  make_repos
  run_container
  wait_for_healthy
  check_berthctl
  stop_container
  restart_container
  stop_container
}

main "$@"
