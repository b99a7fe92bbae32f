package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/segview/segview/internal/imagetest"
)

var (
	gray = color.RGBA{128, 128, 128, 255}
	red  = color.RGBA{230, 20, 20, 255}
	blue = color.RGBA{20, 20, 230, 255}
)

// displayed is the upright 48×32 test picture: grey, with a red 16×16 block
// at the top-left and a blue one at the top-right. Two markers tell every one
// of the eight orientations apart (one alone cannot tell transposition from
// identity), and blocks aligned to JPEG's 16×16 chroma MCUs stay clean.
func displayed() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 48, 32))
	for y := range 32 {
		for x := range 48 {
			c := gray
			switch {
			case y < 16 && x < 16:
				c = red
			case y < 16 && x >= 32:
				c = blue
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// near reports whether c is within tol of want on every channel.
func near(c color.Color, want color.RGBA, tol int) bool {
	r, g, b, a := c.RGBA()
	got := [4]int{int(r >> 8), int(g >> 8), int(b >> 8), int(a >> 8)}
	exp := [4]int{int(want.R), int(want.G), int(want.B), int(want.A)}
	for i := range got {
		if d := got[i] - exp[i]; d < -tol || d > tol {
			return false
		}
	}
	return true
}

func TestDecodeAppliesEXIFOrientation(t *testing.T) {
	t.Parallel()
	orders := map[string]binary.ByteOrder{"MM": binary.BigEndian, "II": binary.LittleEndian}
	for name, order := range orders {
		for o := 1; o <= 8; o++ {
			t.Run(fmt.Sprintf("%s/%d", name, o), func(t *testing.T) {
				t.Parallel()
				data, err := withOrientation(encodeJPEG(t, imagetest.Stored(displayed(), o)), o, order)
				if err != nil {
					t.Fatal(err)
				}
				img, info, err := Decode(data, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(Info{Format: "jpeg", Width: 48, Height: 32, Orientation: o}, info, ignoreDecoder); diff != "" {
					t.Errorf("Info mismatch (-want +got):\n%s", diff)
				}
				if got := img.Bounds().Size(); got != image.Pt(48, 32) {
					t.Fatalf("decoded size %v, want 48×32", got)
				}
				min := img.Bounds().Min
				for _, p := range []struct {
					x, y int
					want color.RGBA
				}{{4, 4, red}, {44, 4, blue}, {4, 28, gray}, {44, 28, gray}} {
					if c := img.At(min.X+p.x, min.Y+p.y); !near(c, p.want, 24) {
						t.Errorf("pixel (%d,%d) = %v, want about %v", p.x, p.y, c, p.want)
					}
				}
			})
		}
	}
}

func TestDecodeIgnoreEXIF(t *testing.T) {
	t.Parallel()
	data, err := WithOrientation(encodeJPEG(t, imagetest.Stored(displayed(), 6)), 6)
	if err != nil {
		t.Fatal(err)
	}
	img, info, err := Decode(data, Options{IgnoreEXIF: true})
	if err != nil {
		t.Fatal(err)
	}
	// Stored sideways: 32 wide, 48 high, and reported as found.
	if diff := cmp.Diff(Info{Format: "jpeg", Width: 32, Height: 48, Orientation: 6}, info, ignoreDecoder); diff != "" {
		t.Errorf("Info mismatch (-want +got):\n%s", diff)
	}
	if got := img.Bounds().Size(); got != image.Pt(32, 48) {
		t.Errorf("size %v, want 32×48", got)
	}
}

func TestDecodePNG(t *testing.T) {
	t.Parallel()
	src := image.NewNRGBA(image.Rect(0, 0, 5, 3))
	src.SetNRGBA(1, 2, color.NRGBA{10, 20, 30, 128})
	img, info, err := Decode(encodePNG(t, src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Info{Format: "png", Width: 5, Height: 3, Orientation: 1, Decoder: DecoderGo}, info); diff != "" {
		t.Errorf("Info mismatch (-want +got):\n%s", diff)
	}
	// Half transparent over the #808080 matte: (10·128 + 128·127)/255 and
	// so on; fully transparent pixels are the matte.
	if got := img.At(1, 2); got != (color.RGBA{69, 74, 79, 255}) {
		t.Errorf("pixel = %v, want the translucent source pixel over grey", got)
	}
	if got := img.At(0, 0); got != (color.RGBA{128, 128, 128, 255}) {
		t.Errorf("transparent pixel = %v, want the grey matte", got)
	}
}

// hugePNG is a valid PNG signature and an IHDR declaring w×h pixels of
// the given bit depth and colour type (with a PLTE chunk for type 3),
// followed by a token IDAT and IEND: a few dozen bytes that would expand
// to gigabytes.
func hugePNG(w, h uint32, depth, colorType byte) []byte {
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&buf, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		buf.WriteString(typ)
		buf.Write(data)
		binary.Write(&buf, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = depth, colorType
	chunk("IHDR", ihdr)
	if colorType == 3 {
		chunk("PLTE", []byte{0, 0, 0, 255, 255, 255})
	}
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return buf.Bytes()
}

// hugeJPEG is a small real JPEG whose SOF0 header is patched to claim w×h.
func hugeJPEG(t testing.TB, w, h uint16) []byte {
	t.Helper()
	data := encodeJPEG(t, displayed())
	i := bytes.Index(data, []byte{0xff, 0xc0})
	if i < 0 {
		t.Fatal("no SOF0 in encoded JPEG")
	}
	binary.BigEndian.PutUint16(data[i+5:], h)
	binary.BigEndian.PutUint16(data[i+7:], w)
	return data
}

// TestDecodeTooLarge is not parallel: it measures allocations.
func TestDecodeTooLarge(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		w, h int
	}{
		{"png", hugePNG(30000, 30000, 8, 2), 30000, 30000},
		{"jpeg", hugeJPEG(t, 30000, 30000), 30000, 30000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, err := Decode(tt.data, Options{})
			runtime.ReadMemStats(&after)

			var tooLarge *TooLargeError
			if !errors.As(err, &tooLarge) {
				t.Fatalf("err = %v, want *TooLargeError", err)
			}
			if diff := cmp.Diff(&TooLargeError{Width: tt.w, Height: tt.h, MaxPixels: DefaultMaxPixels}, tooLarge); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if want := "image is 30000×30000 (900 MP), above the 100 MP limit (SEGVIEW_MAX_IMAGE_PIXELS)"; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err, want)
			}
			// Refused from the header alone: nowhere near the 2.7 GB of pixels.
			if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
				t.Errorf("Decode allocated %d bytes before refusing", n)
			}
		})
	}
}

func TestDecodeCustomLimit(t *testing.T) {
	t.Parallel()
	data := encodePNG(t, displayed())
	_, _, err := Decode(data, Options{Limits: Limits{MaxPixels: 48*32 - 1}})
	var tooLarge *TooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.MaxPixels != 48*32-1 {
		t.Fatalf("err = %v, want *TooLargeError with the custom limit", err)
	}
	if _, _, err := Decode(data, Options{Limits: Limits{MaxPixels: 48 * 32}}); err != nil {
		t.Errorf("image at exactly the limit refused: %v", err)
	}
}

func TestMegapixels(t *testing.T) {
	t.Parallel()
	tests := map[int64]string{
		900_000_000:   "900 MP",
		100_000_000:   "100 MP",
		12_000_000:    "12 MP",
		12_192_768:    "12.2 MP",
		500_000:       "0.5 MP",
		2_500_000_000: "2500 MP",
	}
	for n, want := range tests {
		if got := megapixels(n); got != want {
			t.Errorf("megapixels(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestDecodeUnsupported(t *testing.T) {
	t.Parallel()
	var gifData bytes.Buffer
	if err := gif.Encode(&gifData, image.NewPaletted(image.Rect(0, 0, 2, 2), color.Palette{color.Black, color.White}), nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		data  []byte
		found string
	}{
		{"html", []byte("<!DOCTYPE html><html><body>Sign in</body></html>"), "found HTML document"},
		{"html after BOM and whitespace", []byte("\xef\xbb\xbf\n  <html>"), "found HTML document"},
		{"gif", gifData.Bytes(), "found GIF image"},
		{"json", []byte(`{"error":{"code":403,"message":"Forbidden"}}`), "found JSON document"},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), "found SVG image"},
		{"webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 "), "found WebP image"},
		{"heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"), "found HEIC image"},
		{"empty", nil, "found empty data"},
		{"garbage", []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, "found unknown data starting with 00 01 02 03 04 05 06 07"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			img, _, err := Decode(tt.data, Options{})
			if !errors.Is(err, ErrUnsupported) {
				t.Fatalf("err = %v, want ErrUnsupported", err)
			}
			if !strings.Contains(err.Error(), tt.found) {
				t.Errorf("err = %q, want it to say %q", err, tt.found)
			}
			if img != nil {
				t.Error("image returned with an error")
			}
		})
	}
}

func TestDecodeCorrupt(t *testing.T) {
	t.Parallel()
	jpg := encodeJPEG(t, displayed())
	pngData := encodePNG(t, displayed())
	tests := map[string][]byte{
		"jpeg truncated after header": jpg[:len(jpg)/2],
		"jpeg only SOI":               jpg[:3],
		"png truncated":               pngData[:len(pngData)-20],
		"png signature only":          pngData[:8],
		"png zero width":              hugePNG(0, 10, 8, 2),
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, _, err := Decode(data, Options{})
			if err == nil {
				t.Fatal("corrupt image decoded without error")
			}
			if errors.Is(err, ErrUnsupported) {
				t.Errorf("err = %v; a corrupt JPEG or PNG is not an unsupported format", err)
			}
		})
	}
}

// ignoreDecoder leaves Info.Decoder, which depends on whether libjpeg-turbo
// is installed, out of a comparison; fast_test.go checks it.
var ignoreDecoder = cmpopts.IgnoreFields(Info{}, "Decoder")
