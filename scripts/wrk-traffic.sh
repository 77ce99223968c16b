#!/usr/bin/env bash
# Page test of the traffic report with wrk on loopback (BENCHMARKS.md).
# Builds the server, starts it in demo mode on a free port over a fresh
# data directory, signs in, waits for the demo's history, then loads
# /shops/1/traffic (last 30 days by day) and /traffic (all shops) with
# wrk, printing requests per second and the latency percentiles (p99).
#   scripts/wrk-traffic.sh [duration, default 15s] [connections, default 8]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-15s}
CONNS=${2:-8}
if ! command -v wrk >/dev/null; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk
fi
make build >/dev/null 2>&1
PORT=$((21000 + $$ % 20000))
DATA=$(mktemp -d)
PASS=wrk-admin-password
STORELENS_ADMIN_PASSWORD=$PASS ./bin/storelens --addr 127.0.0.1:$PORT --data-dir "$DATA" --demo on --log-level error >/dev/null 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done
JAR="$DATA/cookies"
curl -fs -c "$JAR" -o /dev/null -H "Origin: http://127.0.0.1:$PORT" -H 'Sec-Fetch-Site: same-origin' \
  --data-urlencode username=admin --data-urlencode password=$PASS "http://127.0.0.1:$PORT/login"
COOKIE=$(awk '$6 == "storelens_session" {print $6 "=" $7}' "$JAR")
# Let the demo's backfill (120 days of 3 shops) finish first.
for _ in $(seq 1 240); do
  curl -fs -b "$JAR" "http://127.0.0.1:$PORT/shops/1/traffic/backfill" | grep -q '"state":"done"' && break; sleep 0.5
done
for path in "/shops/1/traffic?preset=last30&gran=day" "/traffic?preset=last30&gran=day"; do
  echo "== GET $path ($CONNS connections, $DURATION)"
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency -H "Cookie: $COOKIE" -H "Accept-Language: zh-CN" "http://127.0.0.1:$PORT$path" |
    grep -E 'Requests/sec|Latency|50%|90%|99%|Non-2xx|requests in'
done
