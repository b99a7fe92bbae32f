package imaging

import "image"

// FitWidth returns img scaled down, keeping its aspect ratio, so that its
// width is at most maxWidth. It never upscales: when img is already narrow
// enough, or maxWidth <= 0, it returns img itself. Otherwise the result is a
// new *image.RGBA with its origin at (0, 0), exactly maxWidth wide and at
// least one pixel high, resampled once by Resize (an antialiasing cubic,
// straight from img's own pixel layout, on all cores).
func FitWidth(img image.Image, maxWidth int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if maxWidth <= 0 || w <= maxWidth || h <= 0 {
		return img
	}
	dh := max(1, int((int64(h)*int64(maxWidth)+int64(w)/2)/int64(w)))
	return Resize(img, maxWidth, dh)
}
