package jpegenc

import (
	"image"
	"image/jpeg"
	"io"
	"os"
	"testing"

	"golang.org/x/image/draw"

	"github.com/segview/segview/internal/imagetest"
	"github.com/segview/segview/internal/jpegscale"
)

// BenchmarkEncode encodes a 1600×1200 image at quality 85, segview's size
// and quality for a 1600 px overlay, with Encode and with image/jpeg:
// photo-like pixels, and the photo SEGVIEW_BENCH_PHOTO names scaled to
// 1600 px wide when it is set (e.g.
// ~/.cache/segview-bench/Dragonfly_by_Bolly-baseline.jpg). -cpu 1,2
// compares one core with two: image/jpeg uses one either way.
func BenchmarkEncode(b *testing.B) {
	b.Run("photo-like", func(b *testing.B) {
		benchEncoders(b, imagetest.Photo(1600, 1200, 8))
	})
	b.Run("photo", func(b *testing.B) {
		path := os.Getenv("SEGVIEW_BENCH_PHOTO")
		if path == "" {
			b.Skip("SEGVIEW_BENCH_PHOTO not set")
		}
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		img, err := jpegscale.Decode(data, jpegscale.Options{MinWidth: 1600})
		if err != nil {
			b.Fatal(err)
		}
		src := img.Bounds()
		dst := image.NewRGBA(image.Rect(0, 0, 1600, 1600*src.Dy()/src.Dx()))
		draw.BiLinear.Scale(dst, dst.Rect, img, src, draw.Src, nil)
		benchEncoders(b, dst)
	})
}

func benchEncoders(b *testing.B, img *image.RGBA) {
	b.Run("jpegenc", func(b *testing.B) {
		for b.Loop() {
			if err := Encode(io.Discard, img, 85); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("image-jpeg", func(b *testing.B) {
		for b.Loop() {
			if err := jpeg.Encode(io.Discard, img, &jpeg.Options{Quality: 85}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
