#!/usr/bin/env bash
# `make run`: starts berthd in ./.berth on 127.0.0.1:7070, with its proxy on a free local port
# and app files in ${BERTH_CONFIG_DIR:-/etc/berth}/apps.d, applies examples/hello.json and
# examples/site.json (a routed web app) and prints the URLs, the token and the dashboard's
# sign-in (user admin, a password made once into .berth/admin-password). Ctrl-C stops berthd
# (and with it every app).
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
state=$PWD/.berth
config=${BERTH_CONFIG_DIR:-/etc/berth}
mkdir -p "$state"
rm -f "$state/run/listeners" "$state/run/proxy-listeners"
if [ -z "${BERTH_ADMIN_PASSWORD:-}" ]; then
  [ -s "$state/admin-password" ] ||
    (umask 077; head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$state/admin-password")
  BERTH_ADMIN_PASSWORD=$(cat "$state/admin-password")
fi
BERTH_ADMIN_PASSWORD=$BERTH_ADMIN_PASSWORD "$build/berthd" --state-dir "$state" --config-dir "$config" \
  --listen 127.0.0.1:7070 --listen "unix:$state/run/api.sock" --proxy-listen 127.0.0.1:0 &
berthd=$!
trap 'kill -TERM $berthd 2>/dev/null; wait $berthd' INT TERM
for _ in $(seq 100); do [ -s "$state/run/listeners" ] && break; kill -0 $berthd || exit 1; sleep 0.1; done
token=${BERTH_ADMIN_TOKEN:-$(cat "$state/admin-token")}
"$build/berthctl" --url http://127.0.0.1:7070 --token "$token" apply -f examples/hello.json
"$build/berthctl" --url http://127.0.0.1:7070 --token "$token" apply -f examples/site.json
proxy=$(head -1 "$state/run/proxy-listeners")
cat <<MSG

berthd is running on http://127.0.0.1:7070 (state in $state)
admin token: $token
dashboard: http://127.0.0.1:7070/dashboard (user admin, password: $BERTH_ADMIN_PASSWORD)
proxy: $proxy (routes site.localhost to the app "site")
app files: $config/apps.d (applied as they appear)

try:
  curl -H 'Authorization: Bearer $token' http://127.0.0.1:7070/v1/apps
  BERTH_STATE_DIR=$state $build/berthctl ls
  BERTH_STATE_DIR=$state $build/berthctl logs hello -f
  curl -H 'Host: site.localhost' $proxy/

Ctrl-C stops berthd.
MSG
wait $berthd
