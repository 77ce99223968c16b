#!/usr/bin/env bash
# Page load test with wrk on loopback (BENCHMARKS.md, issue 18): builds the
# server (make build), starts it in demo mode on a free loopback port over a
# fresh data directory, signs in (a cookie jar; the CSRF check reads Origin
# and Sec-Fetch-Site), waits for the demo's traffic backfill, then loads
# each page with wrk (--latency) for a bounded time and prints one table of
# requests/s and p50/p90/p99. Stops the server and removes its data at exit.
#   scripts/wrk-pages.sh [duration, default 10s] [connections, default 32]
# Only 127.0.0.1 is ever addressed.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10s}
CONNS=${2:-32}
if ! command -v wrk >/dev/null; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk
fi
[ -n "${SKIP_BUILD:-}" ] || make build >/dev/null
# A free port: ask the kernel for one, on loopback.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
BASE="http://127.0.0.1:$PORT"
DATA=$(mktemp -d)
PASS=wrk-admin-password-18
STORELENS_ADMIN_PASSWORD=$PASS ./bin/storelens --addr 127.0.0.1:$PORT --data-dir "$DATA" --demo on --log-level error \
  >"$DATA/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"' EXIT
up=""
for _ in $(seq 1 120); do
  if curl -fs --max-time 2 "$BASE/healthz" >/dev/null; then up=1; break; fi
  sleep 0.5
done
[ -n "$up" ] || { echo "the server did not start:"; cat "$DATA/server.log"; exit 1; }
JAR="$DATA/cookies"
curl -fs --max-time 10 -c "$JAR" -o /dev/null -H "Origin: $BASE" -H 'Sec-Fetch-Site: same-origin' \
  --data-urlencode username=admin --data-urlencode password=$PASS "$BASE/login"
COOKIE=$(awk '$6 == "storelens_session" {print $6 "=" $7}' "$JAR")
[ -n "$COOKIE" ] || { echo "sign-in failed"; exit 1; }
# Let the demo's backfill (120 days of its shops) finish first: bounded.
for _ in $(seq 1 240); do
  curl -fs --max-time 2 -b "$JAR" "$BASE/shops/1/traffic/backfill" | grep -q '"state":"done"' && break; sleep 0.5
done
YEAR_FROM=$(date -u -d '365 days ago' +%F)
YEAR_TO=$(date -u -d 'yesterday' +%F)
PAGES=(
  "/events/history"
  "/shops"
  "/traffic?preset=custom&from=$YEAR_FROM&to=$YEAR_TO&gran=month"
  "/traffic?preset=custom&from=$YEAR_FROM&to=$YEAR_TO&gran=day"
)
for path in "${PAGES[@]}"; do
  code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -b "$JAR" "$BASE$path")
  [ "$code" = 200 ] || { echo "GET $path: HTTP $code (not signed in?)"; exit 1; }
done
echo "wrk: $CONNS connections, 2 threads, $DURATION per page, 127.0.0.1; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# The server's CPU time (user+system, clock ticks) from /proc: per request,
# it says what a page costs however loaded the shared machine is.
TICK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
printf '| %-62s | %9s | %8s | %8s | %8s | %7s | %11s |\n' page "req/s" p50 p90 p99 non-2xx "cpu ms/req"
printf '|%s|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..64})" ----------- ---------- ---------- ---------- --------- -------------
for path in "${PAGES[@]}"; do
  c0=$(cpu_ticks)
  out=$(wrk -t2 -c"$CONNS" -d"$DURATION" --timeout 5s --latency -H "Cookie: $COOKIE" -H "Accept-Language: zh-CN" "$BASE$path")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p90=$(awk '$1 == "90%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  cpu=$(awk -v t="$(( $(cpu_ticks) - c0 ))" -v hz="$TICK" -v n="$reqs" 'BEGIN { if (n > 0) printf "%.2f", t * 1000 / hz / n; else print "-" }')
  printf '| %-62s | %9s | %8s | %8s | %8s | %7s | %11s |\n' "$path" "$rps" "$p50" "$p90" "$p99" "${bad:-0}" "$cpu"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
