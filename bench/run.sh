#!/usr/bin/env bash
# Runs segview's overlay benchmark side by side with the Pillow pipeline
# (and OpenCV when installed) on real photos and on the synthetic image,
# and prints a Markdown table of P1–P5 (docs/benchmarks.md).
#
# The photos come from Debian packages, unpacked into a cache outside the
# repository (never committed), $SEGVIEW_BENCH_CACHE or ~/.cache/segview-bench:
#   - progressive: Elephants_5640x3172.jpg of mate-backgrounds, 17.9 MP, as shipped;
#   - baseline: Dragonfly_by_Bolly.jpg of lomiri-wallpapers-16.04, a 13.4 MP
#     (4224×3168) camera photo shipped progressive, rewritten as a baseline
#     JPEG by jpegtran (lossless: the same DCT coefficients, the same pixels).
# Installs what it needs from Debian when missing (run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
/usr/bin/python3 -c 'import PIL, numpy' 2>/dev/null || need+=(python3-pil python3-numpy)
command -v jpegtran >/dev/null || need+=(libjpeg-turbo-progs)
command -v dpkg-deb >/dev/null || need+=(dpkg)
ldconfig -p | grep libturbojpeg.so.0 >/dev/null || need+=(libturbojpeg0)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

cache=${SEGVIEW_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/segview-bench}
mkdir -p "$cache"
progressive=$cache/Elephants_5640x3172.jpg
baseline=$cache/Dragonfly_by_Bolly-baseline.jpg
# fetch PACKAGE PATH-IN-PACKAGE OUT: the file out of the package's .deb.
fetch() {
  [ -s "$3" ] && return 0
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download "$1" >/dev/null 2>&1 || { apt-get update -qq && apt-get download "$1" >/dev/null; })
  dpkg-deb -x "$tmp"/"$1"_*.deb "$tmp/x"
  cp "$tmp/x/$2" "$3.tmp" && mv "$3.tmp" "$3"
  rm -rf "$tmp"
}
fetch mate-backgrounds usr/share/backgrounds/mate/abstract/Elephants_5640x3172.jpg "$progressive"
if [ ! -s "$baseline" ]; then
  fetch lomiri-wallpapers-16.04 usr/share/backgrounds/Dragonfly_by_Bolly.jpg "$cache/Dragonfly_by_Bolly.jpg"
  jpegtran -copy all "$cache/Dragonfly_by_Bolly.jpg" >"$baseline.tmp" && mv "$baseline.tmp" "$baseline"
fi
exec go run ./bench/overlaybench -baseline "$baseline" -progressive "$progressive" "$@"
