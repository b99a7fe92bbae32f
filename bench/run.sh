#!/usr/bin/env bash
# Runs segview's overlay benchmark side by side with the Pillow and OpenCV
# pipelines on the same 12 MP JPEG, and prints a Markdown table of P1–P5.
# Installs what it needs from Debian when missing (run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
/usr/bin/python3 -c 'import PIL' 2>/dev/null || need+=(python3-pil)
/usr/bin/python3 -c 'import cv2' 2>/dev/null || need+=(python3-opencv)
ldconfig -p | grep libturbojpeg.so.0 >/dev/null || need+=(libturbojpeg0)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
exec go run ./bench/overlaybench "$@"
