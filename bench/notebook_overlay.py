#!/usr/bin/env python3
"""The overlay a notebook user writes by hand, for comparison with segview.

Reads a JPEG and a JSON geometry file (segments of normalized polygons,
prompt points, a box), draws them the way a notebook would, and saves a
1600 px wide JPEG at quality 85. Prints one JSON line with the median and
all timings in seconds. Each run is cold: the file is opened from disk.

    notebook_overlay.py --lib pillow|opencv --image in.jpg --geometry g.json --runs 7 --out out.jpg

With --serve it times one run for each line read from standard input and
prints its seconds on a line of its own, so that a driver can interleave
its runs with others' in one benchmark.
"""
import argparse
import json
import statistics
import sys
import time

PALETTE = [(230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66),
           (0, 114, 178), (213, 94, 0), (204, 121, 167)]


def pillow_once(path, geo, out, width):
    from PIL import Image, ImageDraw, ImageOps
    im = Image.open(path)
    im = ImageOps.exif_transpose(im)
    im.thumbnail((width, width))
    w, h = im.size
    draw = ImageDraw.Draw(im, "RGBA")
    lw = max(1, round(2 * max(w, h) / 1000))
    for i, seg in enumerate(geo["segments"]):
        r, g, b = PALETTE[i % len(PALETTE)]
        for poly in seg:
            pts = [(x * w, y * h) for x, y in poly]
            draw.polygon(pts, fill=(r, g, b, 102), outline=(r, g, b, 255), width=lw)
    for x, y, label in geo["points"]:
        c = (26, 152, 80, 255) if label == 1 else (215, 48, 39, 255)
        rad = 6 * lw
        draw.ellipse((x * w - rad, y * h - rad, x * w + rad, y * h + rad), fill=c, outline=(255, 255, 255, 255), width=lw)
    bx = geo["box"]
    draw.rectangle((bx[0] * w, bx[1] * h, bx[2] * w, bx[3] * h), outline=(255, 255, 255, 255), width=lw)
    im.save(out, "JPEG", quality=85)


def opencv_once(path, geo, out, width):
    import cv2
    import numpy as np
    img = cv2.imread(path, cv2.IMREAD_COLOR)  # applies EXIF orientation
    h0, w0 = img.shape[:2]
    scale = min(1.0, width / max(w0, h0))
    if scale < 1.0:
        img = cv2.resize(img, (round(w0 * scale), round(h0 * scale)), interpolation=cv2.INTER_AREA)
    h, w = img.shape[:2]
    lw = max(1, round(2 * max(w, h) / 1000))
    layer = img.copy()
    for i, seg in enumerate(geo["segments"]):
        r, g, b = PALETTE[i % len(PALETTE)]
        polys = [np.array([[x * w, y * h] for x, y in poly], dtype=np.int32) for poly in seg]
        cv2.fillPoly(layer, polys, (b, g, r), lineType=cv2.LINE_AA)
    img = cv2.addWeighted(layer, 0.4, img, 0.6, 0)
    for i, seg in enumerate(geo["segments"]):
        r, g, b = PALETTE[i % len(PALETTE)]
        polys = [np.array([[x * w, y * h] for x, y in poly], dtype=np.int32) for poly in seg]
        cv2.polylines(img, polys, True, (b, g, r), lw, lineType=cv2.LINE_AA)
    for x, y, label in geo["points"]:
        c = (80, 152, 26) if label == 1 else (39, 48, 215)
        cv2.circle(img, (round(x * w), round(y * h)), 6 * lw, c, -1, lineType=cv2.LINE_AA)
    bx = geo["box"]
    cv2.rectangle(img, (round(bx[0] * w), round(bx[1] * h)), (round(bx[2] * w), round(bx[3] * h)), (255, 255, 255), lw)
    cv2.imwrite(out, img, [cv2.IMWRITE_JPEG_QUALITY, 85])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", choices=["pillow", "opencv"], required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--geometry", required=True)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--width", type=int, default=1600)
    ap.add_argument("--out", required=True)
    ap.add_argument("--serve", action="store_true", help="one timed run per line of standard input")
    a = ap.parse_args()
    with open(a.geometry) as f:
        geo = json.load(f)
    once = pillow_once if a.lib == "pillow" else opencv_once
    once(a.image, geo, a.out, a.width)  # import and warm the interpreter once
    if a.serve:
        print("ready", flush=True)
        for _ in sys.stdin:
            t0 = time.perf_counter()
            once(a.image, geo, a.out, a.width)
            print(time.perf_counter() - t0, flush=True)
        return
    times = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        once(a.image, geo, a.out, a.width)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"lib": a.lib, "median_s": statistics.median(times), "runs_s": times}))


if __name__ == "__main__":
    main()
