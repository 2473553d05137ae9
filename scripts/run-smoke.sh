#!/usr/bin/env bash
# The README's first command, as a newcomer runs it from a fresh clone: `make run` on its
# embedded defaults (no DATABASE_URL, REDIS_URL or EMAIL_URL), far enough to serve the login
# page and a signed-in demo page, then stopped. CI runs this before `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${RUN_PORT:-8000}
base="http://127.0.0.1:$port"
log=$(mktemp)
# A session of its own, so that stopping it stops runserver's reloader and its child too.
env -u DATABASE_URL -u REDIS_URL -u EMAIL_URL -u DJANGO_SETTINGS_MODULE \
  setsid make run RUN_PORT="$port" >"$log" 2>&1 &
leader=$!
stop() { kill -- "-$leader" 2>/dev/null || true; wait "$leader" 2>/dev/null || true; }
trap stop EXIT

fail() { echo "make run: $1" >&2; tail -n 40 "$log" >&2; exit 1; }
# Installing into a new venv takes minutes on a fresh machine.
for _ in $(seq 1 900); do
  curl -fsS -o /dev/null "$base/accounts/login/" 2>/dev/null && break
  kill -0 "$leader" 2>/dev/null || fail "stopped before serving"
  sleep 1
done
curl -fsS -o /dev/null "$base/accounts/login/" || fail "does not serve $base/accounts/login/"

# Sign in as the demo admin and open the project list: the demo was seeded.
jar=$(mktemp)
curl -fsS -c "$jar" -b "$jar" -o /dev/null "$base/accounts/login/"
token=$(awk '$6 == "csrftoken" {print $7}' "$jar")
curl -fsS -c "$jar" -b "$jar" -o /dev/null -H "Referer: $base/accounts/login/" \
  --data-urlencode "csrfmiddlewaretoken=$token" --data-urlencode "username=admin@demo.test" \
  --data-urlencode "password=billwright-demo" "$base/accounts/login/"
page=$(curl -fsS -b "$jar" -L "$base/") || fail "the signed-in home page does not answer"
grep -q "Demo Builders" <<<"$page" || fail "the signed-in home page does not show the demo company"
echo "make run serves $base from this checkout, with the demo seeded"
