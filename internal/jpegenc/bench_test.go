package jpegenc

import (
	"image"
	"image/jpeg"
	"io"
	"testing"

	"github.com/segview/segview/internal/imagetest"
)

func BenchmarkEncode(b *testing.B) {
	img := imagetest.Photo(1600, 1200, 8)
	benchEncoders(b, img)
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
