package jpegscale

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to Decode, at every scale, with a small
// pixel limit: it must return an image or an error, never panic, and an
// image must be as large as the header says, at the scale, and as Memory
// predicted. Seeds: the fixtures, package imaging's, and image/jpeg's output.
func FuzzDecode(f *testing.F) {
	for _, pattern := range []string{"testdata/*.jpg", "../imaging/testdata/*.jpg"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data, uint8(0))
		}
	}
	for _, img := range []image.Image{
		image.NewGray(image.Rect(0, 0, 9, 17)),
		image.NewYCbCr(image.Rect(0, 0, 33, 7), image.YCbCrSubsampleRatio420),
	} {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, nil); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes(), uint8(3))
	}
	const limit = 1 << 16
	f.Fuzz(func(t *testing.T, data []byte, minWidth uint8) {
		opts := Options{MinWidth: int(minWidth), MaxPixels: limit}
		want, merr := Memory(data, opts)
		img, err := Decode(data, opts)
		if errors.Is(err, ErrUnsupported) != errors.Is(merr, ErrUnsupported) {
			// A caller falls back to image/jpeg on ErrUnsupported and
			// budgets that from Memory.
			t.Fatalf("Decode: %v; Memory: %v", err, merr)
		}
		if err != nil {
			return
		}
		if merr != nil {
			t.Fatalf("Decode succeeded where Memory failed: %v", merr)
		}
		b := img.Bounds()
		if b.Min != (image.Point{}) || b.Empty() || int64(b.Dx())*int64(b.Dy()) > limit {
			t.Fatalf("bounds %v", b)
		}
		var got int64
		switch m := img.(type) {
		case *image.Gray:
			got = int64(len(m.Pix))
		case *image.YCbCr:
			got = int64(len(m.Y) + len(m.Cb) + len(m.Cr))
			if m.COffset(b.Max.X-1, b.Max.Y-1) >= len(m.Cb) || m.YOffset(b.Max.X-1, b.Max.Y-1) >= len(m.Y) {
				t.Fatalf("planes too small for %v", b)
			}
		default:
			t.Fatalf("decoded a %T", img)
		}
		if got > want {
			t.Fatalf("planes of %d bytes, Memory said %d in all", got, want)
		}
	})
}
