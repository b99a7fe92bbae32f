package imaging

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/segview/segview/internal/jpegturbo"
)

func TestDecodeMemory(t *testing.T) {
	t.Parallel()
	encJPEG := func(img image.Image) []byte {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, nil); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	// progressive marks a baseline JPEG's frame header as progressive:
	// DecodeMemory reads only the header.
	progressive := func(data []byte) []byte {
		out := bytes.Clone(data)
		i := bytes.Index(out, []byte{0xff, 0xc0})
		out[i+1] = 0xc2
		return out
	}
	// 400×300 4:2:0: 400·304 luma samples (whole blocks) and 2 × 200·152 chroma.
	color := encJPEG(image.NewYCbCr(image.Rect(0, 0, 400, 300), image.YCbCrSubsampleRatio420))
	const colorSamples = 400*304 + 2*200*152
	gray := encJPEG(image.NewGray(image.Rect(0, 0, 100, 50)))
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, image.NewNRGBA(image.Rect(0, 0, 30, 20))); err != nil {
		t.Fatal(err)
	}
	goOpts := Options{Decoder: DecoderGo}
	tests := []struct {
		name string
		data []byte
		opts Options
		want int64
	}{
		{"baseline colour, image/jpeg: the planes", color, goOpts, colorSamples},
		{"progressive colour, image/jpeg: planes and coefficients", progressive(color), goOpts, 5 * colorSamples},
		{"baseline grey, image/jpeg", gray, goOpts, 104 * 56},
		{"progressive grey, image/jpeg", progressive(gray), goOpts, 5 * 104 * 56},
		{"PNG: RGBA", pngBuf.Bytes(), goOpts, 30 * 20 * 4},
		{"not an image", []byte("<html>"), goOpts, 0},
		{"a truncated JPEG", color[:20], goOpts, 0},
	}
	for _, tt := range tests {
		if got := DecodeMemory(tt.data, tt.opts); got != tt.want {
			t.Errorf("%s: DecodeMemory = %d, want %d", tt.name, got, tt.want)
		}
	}
	// libjpeg-turbo decodes at the smallest M/8 still MinWidth wide: 3/8
	// of 300 is 112.5 ≥ 100.
	want := int64(5 * colorSamples)
	if jpegturbo.Available() {
		want = colorSamples * 9 / 64
	}
	if got := DecodeMemory(progressive(color), Options{MinWidth: 100}); got != want {
		t.Errorf("default decoder at MinWidth 100: %d, want %d (libjpeg-turbo available: %v)", got, want, jpegturbo.Available())
	}
}
