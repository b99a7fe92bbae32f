#!/usr/bin/env bash
# Load test: wrk against segview and the CDF simulator on loopback.
#  1. the job page and an overlay, 64 connections for 30 s each: expect zero
#     non-2xx answers and bounded memory;
#  2. the same while the simulator answers 10 % of CDF calls with 503 and
#     about 5 % with 429: the retries should keep every page at 200.
# Prints a Markdown table and exits 1 when any answer was not 2xx, a socket
# failed, or segview's peak RSS passed MAX_RSS_MB (default 400).
# Traffic goes to 127.0.0.1 only.
# Usage: bench/load.sh [duration] [connections]   (defaults 30s, 64)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-30s}
CONNS=${2:-64}
MAX_RSS_MB=${MAX_RSS_MB:-400}
FAILED=0

if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

tmp=$(mktemp -d)
cleanup() { kill "${SIM_PID:-}" "${WEB_PID:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
go build -o "$tmp/segview" ./cmd/web
go build -o "$tmp/cdfsim" ./cmd/cdfsim

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SIM_PORT=$(free_port)
WEB_PORT=$(free_port)
SECRET=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
SIM="http://127.0.0.1:$SIM_PORT"
WEB="http://127.0.0.1:$WEB_PORT"

"$tmp/cdfsim" -addr "127.0.0.1:$SIM_PORT" -client-id load -client-secret "$SECRET" -project demo 2>"$tmp/cdfsim.log" &
SIM_PID=$!
for _ in $(seq 100); do curl -sS -o /dev/null "$SIM/" 2>/dev/null && break; sleep 0.1; done
CDF_PROJECT=demo CDF_URL="$SIM" LOGIN_FLOW=client_credentials IDP_TOKEN_URL="$SIM/oauth2/token" \
  IDP_CLIENT_ID=load IDP_CLIENT_SECRET="$SECRET" \
  "$tmp/segview" -addr "127.0.0.1:$WEB_PORT" -env-file "$tmp/none.env" 2>"$tmp/segview.log" &
WEB_PID=$!
for _ in $(seq 100); do curl -fsS "$WEB/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

PAGE="$WEB/projects/demo/jobs/1001"
OVERLAY="$WEB$(curl -fsS "$PAGE" | grep -o 'data-testid="overlay" src="[^"]*"' | head -1 | sed 's/.*src="//; s/"$//; s/&amp;/\&/g')"

# wrk_row NAME URL: one table row with requests/s, latency, non-2xx and errors.
wrk_row() {
  local out
  out=$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency "$2" 2>&1)
  local rps lat50 lat99 non2xx sockerr
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  lat50=$(awk '$1=="50%" {print $2}' <<<"$out")
  lat99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); non2xx=${non2xx:-0}
  sockerr=$(awk -F'[ ,]+' '/Socket errors/ {print $4+$6+$8+$10}' <<<"$out"); sockerr=${sockerr:-0}
  local rss
  rss=$(awk '/VmHWM/ {printf "%d", $2/1024}' "/proc/$WEB_PID/status")
  echo "| $1 | $rps | $lat50 | $lat99 | $non2xx | $sockerr | $rss MB |"
  if [ "$non2xx" != 0 ] || [ "$sockerr" != 0 ] || [ "$rss" -gt "$MAX_RSS_MB" ]; then FAILED=1; fi
}

echo "wrk, $CONNS connections, $DURATION each, on $(nproc) cores, $(date -u +%F)"
echo
echo "| scenario | req/s | p50 | p99 | non-2xx | socket errors | segview peak RSS |"
echo "|---|---|---|---|---|---|---|"
wrk_row "job page" "$PAGE"
wrk_row "overlay" "$OVERLAY"
curl -fsS -X POST "$SIM/_sim/faults" -d '{"match":"","status":503,"probability":0.10}' >/dev/null
curl -fsS -X POST "$SIM/_sim/faults" -d '{"match":"","status":429,"probability":0.05}' >/dev/null
wrk_row "job page, 10 % 503 + 5 % 429 from CDF" "$PAGE"
wrk_row "overlay, 10 % 503 + 5 % 429 from CDF" "$OVERLAY"
if [ "$FAILED" != 0 ]; then
  echo
  echo "load: FAILED (non-2xx answers, socket errors or peak RSS over $MAX_RSS_MB MB)"
  exit 1
fi
