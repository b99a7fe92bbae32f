#!/usr/bin/env bash
# Fires a burst of distinct COCO and GeoJSON exports of a 60-segment ×
# 1000-vertex job at segview (run as its own process against the simulator,
# on loopback) and prints segview's peak RSS and the answers' status codes.
# Arguments go to the driver, bench/exportbench: -n (default 300), -kind
# geojson|coco|mixed, -retries, -bin. SEGVIEW_* variables in the environment
# reach segview, e.g. SEGVIEW_MAX_EXPORTS=4 bench/exports.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./bench/exportbench "$@"
