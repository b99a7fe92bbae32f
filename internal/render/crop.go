package render

import (
	"context"
	"fmt"
	"image"
	"image/draw"
	"math"
	"strconv"

	"github.com/segview/segview/internal/imaging"
	"github.com/segview/segview/internal/overlay"
)

// MinCrop is the smallest side of a crop, as a fraction of the image's.
const MinCrop = 0.001

// minCropSide is MinCrop less what float subtraction may lose of a side
// given in millionths, such as 0.3 − 0.299.
const minCropSide = MinCrop * (1 - 1e-9)

// checkCrop fails unless c is a rectangle within 0..1, at least MinCrop on
// each side.
func checkCrop(c overlay.Crop) error {
	ok := !math.IsNaN(c.X0+c.Y0+c.X1+c.Y1) && c.X0 >= 0 && c.Y0 >= 0 && c.X1 <= 1 && c.Y1 <= 1 &&
		c.X1-c.X0 >= minCropSide && c.Y1-c.Y0 >= minCropSide
	if !ok {
		return fmt.Errorf("render: crop %v is not a rectangle within the image at least %g of it on each side", c, MinCrop)
	}
	return nil
}

// cropKey is the crop's text in an ETag; "" without one.
func cropKey(c *overlay.Crop) string {
	if c == nil {
		return ""
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return f(c.X0) + "," + f(c.Y0) + "," + f(c.X1) + "," + f(c.Y1)
}

// cropSourceWidth is the width the whole image is decoded at for a crop
// output target wide: wide enough that the crop has target pixels across,
// so that it is never scaled up from a smaller decode; 0 (full size) when
// target is 0. The bucket above it (or full size) is decoded.
func cropSourceWidth(c overlay.Crop, target int) int {
	if target <= 0 {
		return 0
	}
	return int(min(math.Ceil(float64(target)/(c.X1-c.X0)), math.MaxInt32))
}

// cropRect is the rectangle of pixels of a w×h image that a crop takes:
// its edges rounded to whole pixels, at least one pixel each way.
func cropRect(w, h int, c overlay.Crop) image.Rectangle {
	side := func(lo, hi float64, n int) (int, int) {
		a, b := int(math.Round(lo*float64(n))), int(math.Round(hi*float64(n)))
		if b <= a {
			b = a + 1
		}
		if b > n {
			a, b = n-1, n
		}
		return a, b
	}
	x0, x1 := side(c.X0, c.X1, w)
	y0, y1 := side(c.Y0, c.Y1, h)
	return image.Rect(x0, y0, x1, y1)
}

// drawnCrop is the crop as drawn: the pixel rectangle r of a w×h image in
// normalized coordinates, so that the drawing lies exactly on the pixels cut.
func drawnCrop(r image.Rectangle, w, h int) *overlay.Crop {
	fw, fh := float64(w), float64(h)
	return &overlay.Crop{X0: float64(r.Min.X) / fw, Y0: float64(r.Min.Y) / fh, X1: float64(r.Max.X) / fw, Y1: float64(r.Max.Y) / fh}
}

// cropCanvas returns the canvas of a crop output at most target wide, and
// the crop to draw on it. The crop's pixels are cut from a decode of the
// whole image at least cropSourceWidth wide (up to its full size) and scaled
// down once to target; a crop narrower than target at full size keeps its
// own width, never scaled up. A layer gets a transparent canvas of the
// same size, computed from the image's size alone.
func (s *Service) cropCanvas(ctx context.Context, file versionKey, f Format, target int, c overlay.Crop) (image.Image, *overlay.Crop, error) {
	need := cropSourceWidth(c, target)
	if f == FormatLayer {
		size, err := s.size(ctx, file)
		if err != nil {
			return nil, nil, err
		}
		w, h := fitSize(size.X, size.Y, s.bucket(need))
		r := cropRect(w, h, c)
		ow, oh := fitSize(r.Dx(), r.Dy(), target)
		return image.NewRGBA(image.Rect(0, 0, ow, oh)), drawnCrop(r, w, h), nil
	}
	src, err := s.source(ctx, file, need)
	if err != nil {
		return nil, nil, err
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	r := cropRect(w, h, c).Add(src.Rect.Min)
	cut := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(cut, cut.Rect, src, r.Min, draw.Src)
	return imaging.FitWidth(cut, target), drawnCrop(r.Sub(src.Rect.Min), w, h), nil
}
