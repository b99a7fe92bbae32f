// Package imagetest makes the images tests of the decoding and drawing
// packages share: photo-like pixels and EXIF-oriented copies, written out
// apart from the code under test.
package imagetest

import (
	"image"
	"math"
	"math/rand/v2"
)

// Photo returns a w×h opaque image that compresses like a photograph:
// smooth gradients and soft shapes with a little noise, deterministic for
// a seed.
func Photo(w, h int, seed uint64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(seed, 1))
	for y := range h {
		fy := float64(y) / float64(h)
		row := img.Pix[y*img.Stride:]
		for x := range w {
			fx := float64(x) / float64(w)
			wave := math.Sin(6*fx+3*fy) * math.Cos(4*fy-2*fx)
			n := float64(rng.IntN(13) - 6)
			row[4*x+0] = clamp(40 + 170*fx + 30*wave + n)
			row[4*x+1] = clamp(60 + 140*fy - 25*wave + n)
			row[4*x+2] = clamp(120 + 80*math.Sin(3*(fx+fy)) + n)
			row[4*x+3] = 0xff
		}
	}
	return img
}

func clamp(v float64) uint8 { return uint8(min(max(v, 0), 255)) }

// ExifSides is the EXIF standard's definition of Orientation, written out
// independently of any code that applies it: which visual side of the
// displayed image the stored image's 0th row and 0th column are.
var ExifSides = map[int][2]string{
	1: {"top", "left"}, 2: {"top", "right"}, 3: {"bottom", "right"}, 4: {"bottom", "left"},
	5: {"left", "top"}, 6: {"right", "top"}, 7: {"right", "bottom"}, 8: {"left", "bottom"},
}

// Stored returns the pixels a camera writes for the displayed image d
// under orientation o (1–8), using ExifSides: a correct orientation of
// Stored(d, o) by o gives back d.
func Stored(d image.Image, o int) *image.RGBA {
	b := d.Bounds()
	dw, dh := b.Dx(), b.Dy()
	row0, col0 := ExifSides[o][0], ExifSides[o][1]
	sw, sh := dw, dh
	if row0 == "left" || row0 == "right" {
		sw, sh = dh, dw
	}
	s := image.NewRGBA(image.Rect(0, 0, sw, sh))
	for r := range sh {
		for c := range sw {
			var x, y int
			switch row0 {
			case "top", "bottom":
				x, y = c, r
				if row0 == "bottom" {
					y = dh - 1 - r
				}
				if col0 == "right" {
					x = dw - 1 - c
				}
			default:
				x, y = r, c
				if row0 == "right" {
					x = dw - 1 - r
				}
				if col0 == "bottom" {
					y = dh - 1 - c
				}
			}
			s.Set(c, r, d.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return s
}
