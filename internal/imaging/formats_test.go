package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/imagetest"
)

// The fixtures in testdata/ are made by testdata/gen/main.go, which says
// what they hold; the inputs Go's encoders can write are made here.

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("%v (made by go run internal/imaging/testdata/gen/main.go)", err)
	}
	return data
}

// reference is the picture every fixture holds, as an *image.RGBA.
func reference(t testing.TB) *image.RGBA {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(readFixture(t, "reference.png")))
	if err != nil {
		t.Fatal(err)
	}
	return toRGBA(img)
}

// withAlpha is the reference with alpha falling from opaque on the left to
// transparent on the right, and over grey what Decode should make of it,
// computed in floating point.
func withAlpha(ref *image.RGBA) (*image.NRGBA, *image.RGBA) {
	b := ref.Rect
	src, want := image.NewNRGBA(b), image.NewRGBA(b)
	for y := range b.Dy() {
		for x := range b.Dx() {
			a := uint8(255 - x*255/(b.Dx()-1))
			c := ref.RGBAAt(x, y)
			src.SetNRGBA(x, y, color.NRGBA{c.R, c.G, c.B, a})
			over := func(v uint8) uint8 {
				f := float64(a) / 255
				return uint8(float64(v)*f + 128*(1-f) + 0.5)
			}
			want.SetRGBA(x, y, color.RGBA{over(c.R), over(c.G), over(c.B), 255})
		}
	}
	return src, want
}

func grayOf(ref *image.RGBA) *image.Gray {
	g := image.NewGray(ref.Rect)
	draw.Draw(g, g.Rect, ref, image.Point{}, draw.Src)
	return g
}

// paletteOf returns ref as a paletted image holding exactly its colours,
// plus the colours in extra.
func paletteOf(ref *image.RGBA, extra ...color.Color) *image.Paletted {
	var pal color.Palette
	seen := map[color.RGBA]bool{}
	for y := range ref.Rect.Dy() {
		for x := range ref.Rect.Dx() {
			if c := ref.RGBAAt(x, y); !seen[c] {
				seen[c] = true
				pal = append(pal, c)
			}
		}
	}
	p := image.NewPaletted(ref.Rect, append(pal, extra...))
	draw.Draw(p, p.Rect, ref, image.Point{}, draw.Src)
	return p
}

// maxDiff returns the largest difference of any channel between a and b,
// and where it is.
func maxDiff(a, b image.Image) (int, image.Point) {
	return maxDiffWhere(a, b, func(int, int) bool { return true })
}

// maxDiffWhere is maxDiff over the pixels where in reports true.
func maxDiffWhere(a, b image.Image, in func(x, y int) bool) (int, image.Point) {
	worst, at := 0, image.Point{}
	for y := range a.Bounds().Dy() {
		for x := range a.Bounds().Dx() {
			if !in(x, y) {
				continue
			}
			r1, g1, b1, a1 := a.At(a.Bounds().Min.X+x, a.Bounds().Min.Y+y).RGBA()
			r2, g2, b2, a2 := b.At(b.Bounds().Min.X+x, b.Bounds().Min.Y+y).RGBA()
			for _, d := range []int{int(r1>>8) - int(r2>>8), int(g1>>8) - int(g2>>8), int(b1>>8) - int(b2>>8), int(a1>>8) - int(a2>>8)} {
				if d < 0 {
					d = -d
				}
				if d > worst {
					worst, at = d, image.Pt(x, y)
				}
			}
		}
	}
	return worst, at
}

// TestDecodeFormats decodes the reference picture in every kind of file
// segview accepts and compares it with what a browser shows: the same
// picture, opaque, within what the encoding loses.
func TestDecodeFormats(t *testing.T) {
	t.Parallel()
	ref := reference(t)
	alphaSrc, alphaWant := withAlpha(ref)

	rgba64, nrgba64 := image.NewRGBA64(ref.Rect), image.NewNRGBA64(ref.Rect)
	draw.Draw(rgba64, rgba64.Rect, ref, image.Point{}, draw.Src)
	draw.Draw(nrgba64, nrgba64.Rect, alphaSrc, image.Point{}, draw.Src)
	gray16 := image.NewGray16(ref.Rect)
	draw.Draw(gray16, gray16.Rect, ref, image.Point{}, draw.Src)
	// A palette with a half-transparent red and a fully transparent entry.
	trans := paletteOf(ref, color.NRGBA{230, 20, 20, 128}, color.NRGBA{0, 0, 0, 0})
	transWant := toRGBA(trans)
	for y := range 8 {
		for x := range 8 {
			trans.SetColorIndex(x, y, uint8(len(trans.Palette)-2))
			transWant.SetRGBA(x, y, color.RGBA{179, 74, 74, 255}) // (230·128 + 128·127)/255, ...
			trans.SetColorIndex(x, y+40, uint8(len(trans.Palette)-1))
			transWant.SetRGBA(x, y+40, color.RGBA{128, 128, 128, 255})
		}
	}
	twoColours := image.NewPaletted(ref.Rect, color.Palette{color.RGBA{20, 20, 230, 255}, color.RGBA{250, 250, 250, 255}})
	for y := range ref.Rect.Dy() {
		for x := range ref.Rect.Dx() {
			twoColours.SetColorIndex(x, y, uint8((x/8+y/8)%2))
		}
	}

	// libjpeg-turbo, like the browsers built on it, smooths chroma across
	// the edges of its 16×16 blocks ("fancy upsampling"); image/jpeg does
	// not. Both are right, so JPEGs are compared 3 pixels away from the
	// edges of the reference's blocks.
	inside := func(x, y int) bool {
		c := ref.RGBAAt(x, y)
		for dy := -3; dy <= 3; dy++ {
			for dx := -3; dx <= 3; dx++ {
				if p := image.Pt(x+dx, y+dy); p.In(ref.Rect) && ref.RGBAAt(p.X, p.Y) != c {
					return false
				}
			}
		}
		return true
	}
	everywhere := func(int, int) bool { return true }

	tests := []struct {
		name string
		data []byte
		want image.Image
		tol  int // per channel
	}{
		{"png 8-bit RGB", encodePNG(t, ref), ref, 0},
		{"png 8-bit RGBA, alpha over grey", encodePNG(t, alphaSrc), alphaWant, 1},
		{"png 16-bit RGB", encodePNG(t, rgba64), ref, 0},
		{"png 16-bit RGBA, alpha over grey", encodePNG(t, nrgba64), alphaWant, 1},
		{"png 8-bit gray", encodePNG(t, grayOf(ref)), grayOf(ref), 0},
		{"png 16-bit gray", encodePNG(t, gray16), grayOf(ref), 1},
		{"png 8-bit paletted", encodePNG(t, paletteOf(ref)), ref, 0},
		{"png paletted with transparency", encodePNG(t, trans), transWant, 1},
		{"png 1-bit paletted", encodePNG(t, twoColours), twoColours, 0},
		// JPEG loses a little, inside the blocks a level or two.
		{"jpeg baseline (image/jpeg)", encodeJPEG(t, ref), ref, 2},
		{"jpeg baseline (fixture)", readFixture(t, "baseline.jpg"), ref, 2},
		{"jpeg progressive (fixture)", readFixture(t, "progressive.jpg"), ref, 2},
		{"jpeg grayscale", encodeJPEG(t, grayOf(ref)), grayOf(ref), 1},
		{"jpeg CMYK (fixture)", readFixture(t, "cmyk.jpg"), ref, 2},
	}
	for _, tt := range tests {
		for _, decoder := range []string{"", DecoderGo} {
			name := tt.name
			if decoder != "" {
				if !bytes.HasPrefix(tt.data, []byte{0xff, 0xd8}) {
					continue
				}
				name += "/image/jpeg"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				img, info, err := Decode(tt.data, Options{Decoder: decoder})
				if err != nil {
					t.Fatal(err)
				}
				switch m := img.(type) {
				case *image.RGBA, *image.Gray, *image.YCbCr:
					if o, ok := m.(interface{ Opaque() bool }); ok && !o.Opaque() {
						t.Errorf("decoded %T is not opaque", m)
					}
				default:
					t.Errorf("decoded a %T; want *image.RGBA, *image.Gray or *image.YCbCr", m)
				}
				if info.Width != 64 || info.Height != 48 || img.Bounds().Size() != image.Pt(64, 48) {
					t.Errorf("info %+v, bounds %v; want 64×48", info, img.Bounds())
				}
				where := everywhere
				if info.Format == "jpeg" {
					where = inside
				}
				if d, at := maxDiffWhere(img, tt.want, where); d > tt.tol {
					t.Errorf("pixel %v differs by %d from what it should be (tolerance %d): got %v, want %v",
						at, d, tt.tol, img.At(img.Bounds().Min.X+at.X, img.Bounds().Min.Y+at.Y), tt.want.At(at.X, at.Y))
				}
			})
		}
	}
}

// TestDecodeProgressiveIsBaseline checks the progressive fixture, a
// lossless transcoding of the baseline one, decodes to the same pixels.
func TestDecodeProgressiveIsBaseline(t *testing.T) {
	t.Parallel()
	for _, decoder := range []string{"", DecoderGo} {
		base, _, err := Decode(readFixture(t, "baseline.jpg"), Options{Decoder: decoder})
		if err != nil {
			t.Fatal(err)
		}
		prog, _, err := Decode(readFixture(t, "progressive.jpg"), Options{Decoder: decoder})
		if err != nil {
			t.Fatal(err)
		}
		if d, at := maxDiff(base, prog); d != 0 {
			t.Errorf("decoder %q: progressive differs from baseline by %d at %v", decoder, d, at)
		}
	}
	if !bytes.Contains(readFixture(t, "progressive.jpg"), []byte{0xff, 0xc2}) {
		t.Error("progressive.jpg has no SOF2 (progressive) marker")
	}
	if !bytes.Contains(readFixture(t, "cmyk.jpg"), []byte("Adobe")) {
		t.Error("cmyk.jpg has no Adobe APP14 segment")
	}
}

// pngWithEXIF returns a PNG of img with an eXIf chunk holding orientation o,
// placed before the image data or, when late, just before IEND.
func pngWithEXIF(t testing.TB, img image.Image, o int, late bool) []byte {
	t.Helper()
	data := encodePNG(t, img)
	seg := exifOrientationSegment(o, binary.BigEndian)
	tiff := seg[4+len(exifHeader):] // the chunk holds the TIFF structure alone
	var chunk bytes.Buffer
	binary.Write(&chunk, binary.BigEndian, uint32(len(tiff)))
	crc := crc32.NewIEEE()
	crc.Write([]byte("eXIf"))
	crc.Write(tiff)
	chunk.WriteString("eXIf")
	chunk.Write(tiff)
	binary.Write(&chunk, binary.BigEndian, crc.Sum32())
	at := 8 + 25 // after the signature and IHDR
	if late {
		at = len(data) - 12 // before IEND
	}
	out := append([]byte{}, data[:at]...)
	out = append(out, chunk.Bytes()...)
	return append(out, data[at:]...)
}

// TestDecodePNGOrientation checks the eXIf chunk of a PNG the way Chromium
// reads it (checked by hand in headless Chromium): applied when before the
// image data, ignored after it.
func TestDecodePNGOrientation(t *testing.T) {
	t.Parallel()
	for o := 1; o <= 8; o++ {
		t.Run(fmt.Sprint(o), func(t *testing.T) {
			t.Parallel()
			data := pngWithEXIF(t, imagetest.Stored(displayed(), o), o, false)
			img, info, err := Decode(data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(Info{Format: "png", Width: 48, Height: 32, Orientation: o, Decoder: DecoderGo}, info); diff != "" {
				t.Errorf("Info mismatch (-want +got):\n%s", diff)
			}
			if d, at := maxDiff(img, displayed()); d != 0 {
				t.Errorf("pixel %v differs by %d from the upright picture", at, d)
			}
			raw, info, err := Decode(data, Options{IgnoreEXIF: true})
			if err != nil {
				t.Fatal(err)
			}
			if d, _ := maxDiff(raw, imagetest.Stored(displayed(), o)); d != 0 || info.Orientation != o {
				t.Errorf("with IgnoreEXIF: orientation %d, pixels off by %d; want the stored pixels", info.Orientation, d)
			}
		})
	}
	t.Run("after the image data", func(t *testing.T) {
		t.Parallel()
		data := pngWithEXIF(t, imagetest.Stored(displayed(), 6), 6, true)
		if _, info, err := Decode(data, Options{}); err != nil || info.Orientation != 1 || info.Width != 32 {
			t.Errorf("Decode = %+v, %v; want orientation 1, 32 wide as stored", info, err)
		}
	})
	t.Run("truncated chunks", func(t *testing.T) {
		t.Parallel()
		data := pngWithEXIF(t, imagetest.Stored(displayed(), 6), 6, false)
		for n := range len(data) {
			if o := pngOrientation(data[:n]); o != 1 && o != 6 {
				t.Fatalf("pngOrientation(first %d bytes) = %d", n, o)
			}
		}
	})
}

func FuzzPNGOrientation(f *testing.F) {
	f.Add(pngWithEXIF(f, imagetest.Stored(displayed(), 6), 6, false))
	f.Add(pngWithEXIF(f, imagetest.Stored(displayed(), 3), 3, true))
	f.Fuzz(func(t *testing.T, data []byte) {
		if o := pngOrientation(data); o < 1 || o > 8 {
			t.Fatalf("pngOrientation = %d, outside 1..8", o)
		}
	})
}

// TestDecodeConfig checks that the header alone gives what Decode reports.
func TestDecodeConfig(t *testing.T) {
	t.Parallel()
	inputs := map[string][]byte{
		"baseline":    readFixture(t, "baseline.jpg"),
		"progressive": readFixture(t, "progressive.jpg"),
		"cmyk":        readFixture(t, "cmyk.jpg"),
		"png":         readFixture(t, "reference.png"),
	}
	for o := 1; o <= 8; o++ {
		jpg, err := WithOrientation(encodeJPEG(t, imagetest.Stored(displayed(), o)), o)
		if err != nil {
			t.Fatal(err)
		}
		inputs[fmt.Sprintf("jpeg orientation %d", o)] = jpg
		inputs[fmt.Sprintf("png orientation %d", o)] = pngWithEXIF(t, imagetest.Stored(displayed(), o), o, false)
	}
	for name, data := range inputs {
		for _, ignore := range []bool{false, true} {
			opts := Options{IgnoreEXIF: ignore, Decoder: DecoderGo}
			cfg, err := DecodeConfig(data, opts)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			_, info, err := Decode(data, opts)
			if err != nil {
				t.Fatal(err)
			}
			info.Decoder = ""
			if diff := cmp.Diff(info, cfg); diff != "" {
				t.Errorf("%s, IgnoreEXIF %v: DecodeConfig differs from Decode (-decode +config):\n%s", name, ignore, diff)
			}
		}
	}
	if _, err := DecodeConfig([]byte("<html>"), Options{}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("DecodeConfig(html) = %v, want ErrUnsupported", err)
	}
}

// TestDecodeTooLargeKinds refuses 30000×30000 PNGs of other kinds than
// TestDecodeTooLarge's, from the header, allocating well under 1 MiB. Not
// parallel: it measures allocations.
func TestDecodeTooLargeKinds(t *testing.T) {
	for name, data := range map[string][]byte{
		"16-bit RGBA": hugePNG(30000, 30000, 16, 6),
		"paletted":    hugePNG(30000, 30000, 8, 3),
		"1-bit gray":  hugePNG(30000, 30000, 1, 0),
	} {
		t.Run(name, func(t *testing.T) {
			for _, decode := range []func() error{
				func() error { _, _, err := Decode(data, Options{}); return err },
				func() error { _, err := DecodeConfig(data, Options{}); return err },
			} {
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				err := decode()
				runtime.ReadMemStats(&after)
				var tooLarge *TooLargeError
				if !errors.As(err, &tooLarge) || tooLarge.Width != 30000 || tooLarge.Height != 30000 {
					t.Fatalf("err = %v, want *TooLargeError for 30000×30000", err)
				}
				if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
					t.Errorf("allocated %d bytes before refusing", n)
				}
			}
		})
	}
}

// BenchmarkFlatten measures the conversions Decode adds for 16-bit,
// paletted and transparent images, on a 12-megapixel image.
func BenchmarkFlatten(b *testing.B) {
	r := image.Rect(0, 0, 4000, 3000)
	for name, mk := range map[string]func() image.Image{
		"NRGBA":    func() image.Image { return image.NewNRGBA(r) },
		"NRGBA64":  func() image.Image { return image.NewNRGBA64(r) },
		"Paletted": func() image.Image { return image.NewPaletted(r, color.Palette{color.Black, color.White}) },
		"CMYK":     func() image.Image { return image.NewCMYK(r) },
	} {
		b.Run(name, func(b *testing.B) {
			img := mk()
			for b.Loop() {
				flatten(img)
			}
		})
	}
}
