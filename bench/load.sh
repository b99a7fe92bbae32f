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
#
# bench/load.sh replicas [duration] [connections] compares instead, behind
# the same round-robin proxy (bench/rrproxy): one replica, three replicas
# that share nothing, and three replicas sharing their work as peers
# (SEGVIEW_PEERS). wrk cycles through the overlays of the finished demo jobs (the
# page's JPEG, its PNG, and a view with min_score=0.5), each replica starting
# cold; the table gives requests per second, CDF downloads and decodes summed
# over the replicas (from their /metrics), downloads per image, and each
# replica's peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=standard
if [ "${1:-}" = replicas ]; then MODE=replicas; shift; fi
DURATION=${1:-30s}
CONNS=${2:-64}
MAX_RSS_MB=${MAX_RSS_MB:-400}
FAILED=0

if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

tmp=$(mktemp -d)
REPLICA_PIDS=()
PROXY_PID=
cleanup() { kill "${SIM_PID:-}" "${WEB_PID:-}" "${REPLICA_PIDS[@]}" ${PROXY_PID:+"$PROXY_PID"} 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
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

if [ "$MODE" = replicas ]; then
  go build -o "$tmp/rrproxy" ./bench/rrproxy
  PEER_SECRET=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
  # sum_metric NAME LABEL-FILTER PORTS...: a counter summed over replicas.
  sum_metric() {
    local name=$1 filter=$2; shift 2
    local total=0 v
    for p in "$@"; do
      v=$(curl -fsS "http://127.0.0.1:$p/metrics" | awk -v n="$name" -v f="$filter" 'index($0, n) == 1 && index($0, f) {s += $NF} END {printf "%d", s}')
      total=$((total + v))
    done
    echo "$total"
  }
  # cluster_row NAME N SHARE: start N replicas (SHARE=1: as peers) and the
  # proxy, run wrk through it, print a row, stop them.
  cluster_row() {
    local name=$1 n=$2 share=$3 i
    local ports=() mports=() pports=() peers=() backends=()
    for i in $(seq "$n"); do
      ports+=("$(free_port)"); mports+=("$(free_port)"); pports+=("$(free_port)")
      peers+=("http://127.0.0.1:${pports[-1]}"); backends+=("http://127.0.0.1:${ports[-1]}")
    done
    REPLICA_PIDS=()
    for i in $(seq 0 $((n - 1))); do
      local peerenv=()
      if [ "$share" = 1 ]; then
        peerenv=(SEGVIEW_PEERS="$(IFS=,; echo "${peers[*]}")" SEGVIEW_PEER_SELF="${peers[$i]}"
          SEGVIEW_PEER_ADDR="127.0.0.1:${pports[$i]}" SEGVIEW_PEER_SECRET="$PEER_SECRET")
      fi
      env CDF_PROJECT=demo CDF_URL="$SIM" LOGIN_FLOW=client_credentials IDP_TOKEN_URL="$SIM/oauth2/token" \
        IDP_CLIENT_ID=load IDP_CLIENT_SECRET="$SECRET" SEGVIEW_METRICS_ADDR="127.0.0.1:${mports[$i]}" \
        SEGVIEW_RENDER_CONCURRENCY=2 "${peerenv[@]}" \
        "$tmp/segview" -addr "127.0.0.1:${ports[$i]}" -env-file "$tmp/none.env" 2>"$tmp/segview-$name-$i.log" &
      REPLICA_PIDS+=($!)
    done
    local proxy_port; proxy_port=$(free_port)
    "$tmp/rrproxy" -addr "127.0.0.1:$proxy_port" -backends "$(IFS=,; echo "${backends[*]}")" 2>"$tmp/rrproxy.log" &
    PROXY_PID=$!
    for p in "${ports[@]}"; do
      for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$p/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
    done
    for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$proxy_port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
    local base="http://127.0.0.1:$proxy_port"
    # The overlays of every demo job, as the pages link them, their PNG
    # and a view; read through the proxy (job reads only: no image yet).
    local paths=()
    # The simulator's finished demo jobs (1002 runs and 1003 is queued:
    # their overlays are drawn again for every request, in every mode).
    # The page shows one file at a time, so each file of a job (1008 has
    # three) is asked for with file=.
    for job in 1001 1005 1006 1007 1008; do
      for file in $(curl -fsS "$base/projects/demo/jobs/$job.json" | python3 -c 'import json,sys; print(*sorted({i["fileId"] for i in json.load(sys.stdin).get("items", [])}))'); do
        for src in $(curl -fsS "$base/projects/demo/jobs/$job?file=$file" | { grep -o 'data-testid="overlay" src="[^"]*"' || true; } | sed 's/.*src="//; s/"$//; s/&amp;/\&/g'); do
          paths+=("$src" "${src/overlay.jpg/overlay.png}" "$src&min_score=0.5")
        done
      done
    done
    local images; images=$(printf '%s\n' "${paths[@]}" | grep -o '/files/[0-9]*/' | sort -u | wc -l)
    { echo "local paths = {"; printf '  "%s",\n' "${paths[@]}"; echo "}"
      echo 'local i = 0'
      echo 'request = function() i = i + 1; return wrk.format("GET", paths[(i % #paths) + 1]) end'
      # 503 with Retry-After is segview saying "busy, come back" while
      # every replica starts cold; any other non-2xx is a failure.
      echo 'local threads = {}'
      echo 'function setup(thread) table.insert(threads, thread) end'
      echo 'function init(args) busy = 0; other = 0 end'
      echo 'function response(status, headers, body)'
      echo '  if status == 503 and headers["Retry-After"] then busy = busy + 1 elseif status >= 300 then other = other + 1 end'
      echo 'end'
      echo 'function done(summary, latency, requests)'
      echo '  local b, o = 0, 0'
      echo '  for _, t in ipairs(threads) do b = b + t:get("busy"); o = o + t:get("other") end'
      echo '  io.write(string.format("busy503 %d\nother %d\n", b, o))'
      echo 'end'; } >"$tmp/paths.lua"
    local out rps busy other
    out=$(wrk -t2 -c"$CONNS" -d"$DURATION" -s "$tmp/paths.lua" "$base/" 2>&1)
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    busy=$(awk '$1=="busy503" {print $2}' <<<"$out"); busy=${busy:-0}
    other=$(awk '$1=="other" {print $2}' <<<"$out")
    if [ -z "$other" ]; then echo "load: wrk printed no status counts" >&2; other=1; fi
    local downloads decodes rss=()
    downloads=$(sum_metric segview_cdf_request_duration_seconds_count 'endpoint="GET download"' "${mports[@]}")
    decodes=$(sum_metric segview_render_stage_duration_seconds_count 'stage="decode"' "${mports[@]}")
    for pid in "${REPLICA_PIDS[@]}"; do rss+=("$(awk '/VmHWM/ {printf "%d", $2/1024}' "/proc/$pid/status")"); done
    echo "| $name | $rps | $busy | $other | $images | $downloads | $(awk -v d="$downloads" -v i="$images" 'BEGIN {printf "%.2f", d/i}') | $decodes | $(IFS=/; echo "${rss[*]}") MB |"
    if [ "$other" != 0 ]; then FAILED=1; fi
    kill "${REPLICA_PIDS[@]}" "$PROXY_PID" 2>/dev/null || true
    wait "${REPLICA_PIDS[@]}" "$PROXY_PID" 2>/dev/null || true
    REPLICA_PIDS=(); PROXY_PID=
  }
  echo "wrk through a round-robin proxy, $CONNS connections, $DURATION each, on $(nproc) cores, $(date -u +%F)"
  echo
  echo "| replicas | req/s | 503 busy (Retry-After) | other non-2xx | images | CDF downloads | downloads per image | decodes | peak RSS per replica |"
  echo "|---|---|---|---|---|---|---|---|---|"
  cluster_row "1" 1 0
  cluster_row "3, sharing nothing" 3 0
  cluster_row "3 as peers (SEGVIEW_PEERS)" 3 1
  if [ "$FAILED" != 0 ]; then echo; echo "load: FAILED (non-2xx answers other than 503 busy)"; exit 1; fi
  exit 0
fi
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
