#!/usr/bin/env python3
"""Compares segview's scaled photos with Pillow's thumbnail of the same photo.

    quality.py photo.jpg default.png go.png ...

The reference is what a notebook user gets: Image.open, thumbnail((w, w))
with Pillow's defaults (BICUBIC, reducing_gap 2.0), w the width of the
first candidate. For scale, Pillow's own resize with its BILINEAR filter
(a tent, as segview's) is compared too. Prints, for each candidate, PSNR (dB, over RGB) and SSIM
(on luma, 7×7 uniform windows, the constants of Wang et al. 2004), as one
JSON line. Needs python3-pil and python3-numpy (Debian).
"""
import json
import sys

import numpy as np
from PIL import Image


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def box(x, r=3):
    # Mean over (2r+1)×(2r+1) windows, valid region only, by summed-area table.
    s = np.pad(x, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    k = 2 * r + 1
    return (s[k:, k:] - s[:-k, k:] - s[k:, :-k] + s[:-k, :-k]) / (k * k)


def ssim(a, b):
    def luma(x):
        x = x.astype(np.float64)
        return 0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2]
    x, y = luma(a), luma(b)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mx, my = box(x), box(y)
    vx, vy, cxy = box(x * x) - mx * mx, box(y * y) - my * my, box(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(s.mean())


def main():
    photo, cands = sys.argv[1], sys.argv[2:]
    first = Image.open(cands[0])
    ref = Image.open(photo)
    ref.thumbnail((first.width, first.width))
    r = np.asarray(ref.convert("RGB"))
    out = {"photo": photo, "reference": "Pillow %s thumbnail %dx%d" % (Image.__version__, ref.width, ref.height)}
    for c in cands:
        a = np.asarray(Image.open(c).convert("RGB"))
        if a.shape != r.shape:
            out[c] = "size %s differs from the reference's %s" % (a.shape, r.shape)
            continue
        out[c] = {"psnr_db": round(psnr(a, r), 2), "ssim": round(ssim(a, r), 4)}
    bl = np.asarray(Image.open(photo).convert("RGB").resize(ref.size, Image.BILINEAR))
    out["Pillow resize BILINEAR"] = {"psnr_db": round(psnr(bl, r), 2), "ssim": round(ssim(bl, r), 4)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
