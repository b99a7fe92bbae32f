package render

import (
	"bytes"
	"image"
	"math/rand/v2"
	"testing"
)

func TestLosslessRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name string
		w, h int
		fill func(p []byte)
	}{
		{"opaque gradient", 320, 200, func(p []byte) {
			for i := range p {
				if i%4 == 3 {
					p[i] = 255
				} else {
					p[i] = byte(i / 7)
				}
			}
		}},
		// Premultiplied pixels that PNG's unpremultiplied alpha would not
		// give back exactly.
		{"translucent noise", 33, 17, func(p []byte) {
			for i := 0; i < len(p); i += 4 {
				a := byte(rng.IntN(256))
				p[i], p[i+1], p[i+2], p[i+3] = byte(rng.IntN(int(a)+1)), byte(rng.IntN(int(a)+1)), byte(rng.IntN(int(a)+1)), a
			}
		}},
		{"one pixel", 1, 1, func(p []byte) { copy(p, []byte{1, 2, 3, 4}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := image.NewRGBA(image.Rect(0, 0, tt.w, tt.h))
			tt.fill(img.Pix)
			full := image.Pt(tt.w*3, tt.h*3)
			data, err := encodeLossless(img, full)
			if err != nil {
				t.Fatal(err)
			}
			got, gotFull, err := decodeLossless(data, 0)
			if err != nil {
				t.Fatal(err)
			}
			if gotFull != full || got.Rect != img.Rect || !bytes.Equal(got.Pix, img.Pix) {
				t.Errorf("round trip changed the image (full %v → %v)", full, gotFull)
			}
			if _, _, err := decodeLossless(data, int64(tt.w*tt.h-1)); tt.w*tt.h > 1 && err == nil {
				t.Error("decoded an image over the pixel limit")
			}
			if _, _, err := decodeLossless(data[:len(data)-1], 0); err == nil {
				t.Error("decoded a truncated value")
			}
		})
	}
	if _, _, err := decodeLossless([]byte("PNG...."), 0); err == nil {
		t.Error("decoded bytes without the magic")
	}
}
