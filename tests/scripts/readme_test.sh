#!/usr/bin/env bash
# README.md's berthctl, container app and "Apps from files" examples, taken from README.md as
# they are written, run against a real berthd laid out as `make run` lays it out:
# ./build/berthctl, state in ./.berth.
# The config dir (/etc/berth in the README) and the port (7070) are a temp dir and a free port.
# Usage: readme_test.sh BERTHD BERTHCTL
set -euo pipefail
berthd=$1 berthctl=$2
readme="$(cd "$(dirname "$0")/../.." && pwd)/README.md"
examples="$(dirname "$readme")/examples"
root=$(mktemp -d /tmp/berth-readme-XXXXXX)
chmod 755 "$root"  # apps run as their own users and must reach their dirs in .berth
clone=$root/clone config=$root/etc/berth
pid=
cleanup() {
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" || true
  docker_api DELETE "/containers/berth-readme-whoami?force=1" >/dev/null 2>&1 || true
  if command -v docker-compose >/dev/null && [ -d "$root/stack" ]; then
    docker-compose -p berth-readme-shop -f "$root/stack/stacks/shop/docker-compose.yml" \
      down --remove-orphans >/dev/null 2>&1 || true
  fi
  for user in svc_hello svc_web svc_site svc_readme_shop; do  # the users berthd made for this test's apps
    case $(getent passwd "$user" | cut -d: -f6) in "$root"/*) userdel "$user" || true ;; esac
  done
  rm -rf "$root"
}
trap cleanup EXIT
docker_api() { curl -sf --unix-socket /var/run/docker.sock -X "$1" "http://docker$2"; }
fail() { printf 'FAIL: %s\n--- berthd:\n%s\n' "$1" "$(tail -40 "$root/berthd.log")"; exit 1; }
# The first ```sh block after the heading $1.
block() { awk -v h="$1" '$0 == h {f=1} f && /^```sh/ {g=1; next} g && /^```/ {exit} g' "$readme"; }

mkdir -p "$clone/build" "$clone/.berth"
ln -s "$berthctl" "$clone/build/berthctl"
ln -s "$examples" "$clone/examples"
cd "$clone"
env -u BERTH_STATE_DIR -u BERTH_CONFIG_DIR -u BERTH_URL -u BERTH_TOKEN \
  "$berthd" --state-dir "$clone/.berth" --config-dir "$config" --listen 127.0.0.1:0 \
  --listen "unix:$clone/.berth/run/api.sock" --proxy-listen 127.0.0.1:0 >"$root/berthd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s .berth/run/listeners ] && break; sleep 0.1; done
port=$(grep -o '127.0.0.1:[0-9]*' .berth/run/listeners | head -1 || true)
[ -n "$port" ] || fail "berthd did not start"

# berthctl: every line, in order; `-f` and `events` follow forever, so logs run without -f and
# events not at all; health is asked (for 10 s at most) until the restarted app runs again.
wait_health='for _ in $(seq 100); do berthctl health >/dev/null \&\& break; sleep 0.1; done; '
script=$(block '## berthctl' | sed -E "s/ -f$//; /^berthctl events/d; s|^berthctl health|$wait_health&|")
[[ $script == *'berthctl ls'* ]] || fail "no berthctl block in README.md"
env -u BERTH_STATE_DIR -u BERTH_URL -u BERTH_TOKEN bash -euo pipefail -c "$script" ||
  fail "README's berthctl lines failed"

# Routing: the block's berthctl lines, then its curl through the proxy (at the address berthd
# chose), asked until the app answers.
proxy=$(head -1 .berth/run/proxy-listeners)
[ -n "$proxy" ] || fail "berthd wrote no proxy-listeners"
setup=$(block '## berthctl' | grep '^export')
routing=$(block '## Route a domain to an app, then turn on TLS' | sed "s|http://127.0.0.1:8000|$proxy|")
[[ $routing == *'examples/site.json'* ]] || fail "no routing block in README.md"
env -u BERTH_STATE_DIR -u BERTH_URL -u BERTH_TOKEN bash -euo pipefail -c \
  "$setup"$'\n'"$(grep '^berthctl' <<<"$routing")" >/dev/null || fail "README's routing lines failed"
ask=$(grep '^curl' <<<"$routing" | sed 's/ *#.*//')
for _ in $(seq 100); do bash -c "$ask -sf" >/dev/null 2>&1 && break; sleep 0.1; done
[[ $(bash -c "$ask -s" 2>&1) == *'Directory listing'* ]] || fail "no answer through the proxy: $(bash -c "$ask -s" 2>&1)"
./build/berthctl --url "http://$port" --token "$(cat .berth/admin-token)" rm site >/dev/null ||
  fail "cannot remove the routed app"
echo "README's routed app answers through the proxy"

# Users: the block's berthctl lines, then the user it made signs in as the dashboard does, and
# the dashboard is served.
users=$(block '## Users, permissions and the dashboard')
[[ $users == *'berthctl users add alice'* ]] || fail "no users block in README.md"
env -u BERTH_STATE_DIR -u BERTH_URL -u BERTH_TOKEN bash -euo pipefail -c "$setup"$'\n'"$users" \
  >/dev/null || fail "README's users lines failed"
signin=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  "http://$port/v1/session" -d '{"name": "alice", "password": "a long password for alice"}')
[ "$signin" = 200 ] || fail "alice cannot sign in: $signin"
curl -sf "http://$port/dashboard" | grep -q '<title>berth</title>' || fail "no dashboard at /dashboard"
echo "README's user signs in"

# A container app, when Docker answers: the block with the app renamed (so that no
# berth-whoami of this machine is touched) on a free host port, without -f. It runs (and is
# asked over HTTP) only where Docker has the image or can pull it.
if docker_api GET /_ping >/dev/null 2>&1; then
  free=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
  setup=$(block '## berthctl' | grep '^export')
  app=$(block '## A container app in three commands' | sed -E \
    's/"name": "whoami"/"name": "readme-whoami"/; s/"host": 8081/"host": '"$free"'/;
     s/^(berthctl [a-z]+) whoami/\1 readme-whoami/; s/ -f$//')
  [[ $app == *'berthctl apply -f whoami.json'* ]] || fail "no container app block in README.md"
  env -u BERTH_STATE_DIR -u BERTH_URL -u BERTH_TOKEN bash -euo pipefail -c "$setup"$'\n'"$app" \
    >/dev/null || fail "README's container app lines failed"
  state() { ./build/berthctl show readme-whoami --json | grep -o '"state": "[a-z]*"'; }
  export BERTH_STATE_DIR=$clone/.berth
  for _ in $(seq 600); do  # a minute for a pull, then running, or backoff when it cannot be had
    [[ $(state) =~ running|backoff|failed ]] && break
    sleep 0.1
  done
  if [[ $(state) == *'"running"'* ]]; then
    answers() { curl -sf "http://127.0.0.1:$free/" | grep -q '^Hostname:'; }
    for _ in $(seq 100); do answers && break; sleep 0.1; done
    answers || fail "whoami did not answer"
    echo "README's container app runs"
  else
    echo "README's container app: berthctl works; its image cannot be had here ($(state))"
  fi
  ./build/berthctl rm readme-whoami >/dev/null || fail "cannot remove the container app"
  unset BERTH_STATE_DIR
else
  echo "README's container app: skipped, no Docker on /var/run/docker.sock"
fi

# A compose stack from Git with a webhook, when Docker, Compose and the test image are here:
# the block with the app renamed, its repository a local one holding the compose file it names
# (the test image in place of a registry's), without credentials; then a signed push, as the
# Git host would send it, deploys the next commit.
image=berth-test/busybox:1
if docker_api GET "/images/$image/json" >/dev/null 2>&1 && command -v docker-compose >/dev/null; then
  stack=$root/stack
  git init -q --initial-branch=main "$stack"
  mkdir -p "$stack/stacks/shop"
  compose() {
    printf 'services:\n  web:\n    image: %s\n    init: true\n    command: ["sh", "-c", "echo %s ${NETWORK_ID}; sleep 100000"]\n' \
      "$image" "$1" >"$stack/stacks/shop/docker-compose.yml"
    git -C "$stack" add -A && git -C "$stack" -c user.name=t -c user.email=t@t commit -qm "$1"
  }
  compose v1
  git clone -q --bare "$stack" "$root/infra.git"
  setup=$(block '## berthctl' | grep '^export')
  shop=$(block '## A Compose stack from Git, deployed on every push, in three commands' | sed -E \
    's|"name": "shop"|"name": "readme-shop"|; s|https://git.example.com/acme/infra.git|file://'"$root"'/infra.git|;
     s|"username": "ci", "token": "[^"]*"|"username": "", "token": ""|;
     s|^(berthctl [a-z]+) shop|\1 readme-shop|')
  [[ $shop == *'berthctl apply -f shop.json'* ]] || fail "no compose block in README.md"
  env -u BERTH_STATE_DIR -u BERTH_URL -u BERTH_TOKEN bash -euo pipefail -c "$setup"$'\n'"$shop" \
    >/dev/null || fail "README's compose lines failed"
  export BERTH_STATE_DIR=$clone/.berth
  state() { ./build/berthctl show readme-shop --json | grep -o '"state": "[a-z]*"' | head -1; }
  for _ in $(seq 900); do [[ $(state) =~ running|failed ]] && break; sleep 0.1; done
  [[ $(state) == *'"running"'* ]] || fail "README's stack is not running: $(./build/berthctl show readme-shop)"
  ./build/berthctl logs readme-shop -n 5 | grep -q 'web | v1 core' || fail "no line of the stack's web service"
  compose v2
  git -C "$stack" push -q "$root/infra.git" main
  body='{"ref": "refs/heads/main"}'
  secret=$(sed -n 's/.*"secret": "\([^"]*\)".*/\1/p' <<<"$shop")
  signature=sha256=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
  location=$(curl -s -o /dev/null -w '%{http_code} %header{location}' -X POST \
    -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' \
    -H "X-Hub-Signature-256: $signature" -d "$body" "http://$port/v1/apps/readme-shop/webhook")
  [[ $location == "202 /v1/apps/readme-shop/deployments/"* ]] || fail "the signed push answered $location"
  outcome() {
    ./build/berthctl deployments readme-shop "${location##*/}" --json | grep -o '"outcome": "[a-z_]*"'
  }
  for _ in $(seq 900); do [[ $(outcome) =~ succeeded|failed|rolled_back ]] && break; sleep 0.1; done
  [[ $(outcome) == *'"succeeded"'* ]] || fail "the pushed deployment: $(outcome)"
  for _ in $(seq 100); do ./build/berthctl logs readme-shop -n 5 | grep -q 'web | v2 core' && break; sleep 0.1; done
  ./build/berthctl logs readme-shop -n 5 | grep -q 'web | v2 core' || fail "the push did not reach the stack"
  ./build/berthctl rm readme-shop >/dev/null || fail "cannot remove the stack"
  unset BERTH_STATE_DIR
  echo "README's compose stack deploys on a signed push"
else
  echo "README's compose stack: skipped, no Docker, docker-compose or $image here"
fi

# Apps from files: the tour's variables, then the block; its last curl shows the file app.
tour=$(block '## A tour with curl' | head -3 | sed "s|127.0.0.1:7070|$port|")
files=$(block '## Apps from files' | sed "s|/etc/berth|$config|g; s|127.0.0.1:7070|$port|g")
[[ $files == *'mkdir -p'* ]] || fail "no apps.d block in README.md"
bash -euo pipefail -c "$tour"$'\n'"$files" >/dev/null 2>&1 || fail "README's apps.d lines failed"
show="$tour"$'\n'"$(grep '^curl' <<<"$files" | tail -1)"
for _ in $(seq 100); do
  [[ $(bash -c "$show" 2>/dev/null) == *'"source":"file"'* ]] && break
  sleep 0.1
done
[[ $(bash -c "$show" 2>&1) == *'"source":"file"'* ]] || fail "no app from apps.d: $(bash -c "$show" 2>&1)"
echo "README's berthctl and apps.d examples work"
