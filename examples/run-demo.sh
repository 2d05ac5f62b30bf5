#!/usr/bin/env bash
# `make run`: starts berthd in ./.berth on 127.0.0.1:7070 with app files in
# ${BERTH_CONFIG_DIR:-/etc/berth}/apps.d, applies examples/hello.json and prints the URL and
# token. Ctrl-C stops berthd (and with it every app).
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
state=$PWD/.berth
config=${BERTH_CONFIG_DIR:-/etc/berth}
mkdir -p "$state"
rm -f "$state/run/listeners"
"$build/berthd" --state-dir "$state" --config-dir "$config" \
  --listen 127.0.0.1:7070 --listen "unix:$state/run/api.sock" &
berthd=$!
trap 'kill -TERM $berthd 2>/dev/null; wait $berthd' INT TERM
for _ in $(seq 100); do [ -s "$state/run/listeners" ] && break; kill -0 $berthd || exit 1; sleep 0.1; done
token=${BERTH_ADMIN_TOKEN:-$(cat "$state/admin-token")}
"$build/berthctl" --url http://127.0.0.1:7070 --token "$token" apply -f examples/hello.json
cat <<MSG

berthd is running on http://127.0.0.1:7070 (state in $state)
admin token: $token
app files: $config/apps.d (applied as they appear)

try:
  curl -H 'Authorization: Bearer $token' http://127.0.0.1:7070/v1/apps
  BERTH_STATE_DIR=$state $build/berthctl ls
  BERTH_STATE_DIR=$state $build/berthctl logs hello -f

Ctrl-C stops berthd.
MSG
wait $berthd
