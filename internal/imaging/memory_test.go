package imaging

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"os"
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
	// A DHT whose counts overflow the data: image/jpeg's DecodeConfig
	// does not read it; jpegscale refuses it before allocating.
	badDHT := bytes.Clone(color)
	badDHT[bytes.Index(badDHT, []byte{0xff, 0xc4})+5] = 3
	// testdata/cmyk.jpg: 64×48, four components at full size, which
	// jpegscale refuses.
	cmyk, err := os.ReadFile("testdata/cmyk.jpg")
	if err != nil {
		t.Fatal(err)
	}
	const cmykSamples = 4 * 64 * 48
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
		{"baseline colour, jpegscale: the planes", color, goOpts, colorSamples},
		{"progressive colour, jpegscale: planes, int16 coefficients, a mask a block", progressive(color), goOpts, colorSamples*3 + colorSamples/64*8},
		{"baseline grey, jpegscale", gray, goOpts, 104 * 56},
		{"progressive grey, jpegscale", progressive(gray), goOpts, 3*104*56 + 13*7*8},
		{"baseline colour at 1/4, jpegscale", color, Options{Decoder: DecoderGo, MinWidth: 100}, colorSamples / 16},
		{"progressive colour at 1/8, jpegscale", progressive(color), Options{Decoder: DecoderGo, MinWidth: 50}, colorSamples*3/64 + colorSamples/64*8},
		{"CMYK, image/jpeg: the planes", cmyk, goOpts, cmykSamples},
		{"CMYK at MinWidth 8, image/jpeg: the planes at full size", cmyk, Options{Decoder: DecoderGo, MinWidth: 8}, cmykSamples},
		{"Huffman table jpegscale refuses: no pixel memory before the error", badDHT, goOpts, 0},
		{"progressive CMYK, image/jpeg: planes and int32 coefficients", progressive(cmyk), goOpts, 5 * cmykSamples},
		{"PNG: RGBA", pngBuf.Bytes(), goOpts, 30 * 20 * 4},
		{"not an image", []byte("<html>"), goOpts, 0},
		{"a truncated JPEG", color[:20], goOpts, 0},
	}
	for _, tt := range tests {
		if got := DecodeMemory(tt.data, tt.opts); got != tt.want {
			t.Errorf("%s: DecodeMemory = %d, want %d", tt.name, got, tt.want)
		}
	}
	// libjpeg-turbo decodes at the smallest M/8 still MinWidth wide (3/8
	// of 300 is 112.5 ≥ 100: colorSamples·9/64), but what it refuses goes
	// to jpegscale, at 1/4 here; the budget is the larger of the two. For
	// CMYK, which both refuse, it is image/jpeg's full-size decode.
	for _, tt := range []struct {
		name        string
		data        []byte
		turbo, goes int64
	}{
		{"progressive colour", progressive(color), colorSamples * 9 / 64, colorSamples*3/16 + colorSamples/64*8},
		{"baseline colour", color, colorSamples * 9 / 64, colorSamples / 16},
		{"progressive CMYK", progressive(cmyk), cmykSamples * 9 / 64, 5 * cmykSamples},
	} {
		want := tt.goes
		if jpegturbo.Available() {
			want = max(tt.turbo, tt.goes)
		}
		if got := DecodeMemory(tt.data, Options{MinWidth: 100}); got != want {
			t.Errorf("%s, default decoder at MinWidth 100: %d, want %d (libjpeg-turbo available: %v)", tt.name, got, want, jpegturbo.Available())
		}
	}
}
