package jpegenc

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"
)

// FuzzEncode encodes images of small sizes with arbitrary pixels, as a
// sub-image when asked: Encode must not panic, and image/jpeg must decode
// the result to the right size.
func FuzzEncode(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint8(0), 85, []byte{1, 2, 3, 4})
	f.Add(uint8(17), uint8(9), uint8(3), 1, []byte{0xff, 0, 0xff, 0})
	f.Add(uint8(64), uint8(33), uint8(0), 100, []byte{0x80})
	f.Fuzz(func(t *testing.T, w, h, inset uint8, quality int, pix []byte) {
		width, height := int(w)%200+1, int(h)%200+1
		off := int(inset) % 4
		img := image.NewRGBA(image.Rect(0, 0, width+off, height+off))
		if len(pix) > 0 {
			for i := range img.Pix {
				img.Pix[i] = pix[i%len(pix)] ^ byte(i*7)
			}
		}
		sub := img.SubImage(image.Rect(off, off, width+off, height+off)).(*image.RGBA)
		var buf bytes.Buffer
		if err := Encode(&buf, sub, quality); err != nil {
			t.Fatal(err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := jpeg.Decode(bytes.NewReader(buf.Bytes())); err != nil {
			t.Fatal(err)
		}
		if cfg.Width != width || cfg.Height != height {
			t.Fatalf("decoded %d×%d, want %d×%d", cfg.Width, cfg.Height, width, height)
		}
	})
}
