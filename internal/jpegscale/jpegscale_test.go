package jpegscale

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// maxDiff is the largest difference allowed, per sample, between a
// full-size decode and image/jpeg's: both compute the T.81 IDCT exactly
// in theory, in different fixed-point arithmetic; each rounds its two
// passes differently, which moves a sample by at most a level or two.
const maxDiff = 2

// minPSNR is the least PSNR, in dB, of a scaled decode against image/jpeg's
// full-size decode averaged over the same (8/M)×(8/M) squares. The scaled
// IDCT drops the frequencies above M/2 cycles a block, which the box
// average only attenuates: on the fixtures' noise and hard edges that
// costs 30–40 dB; a wrong coefficient or block costs far more.
const minPSNR = 28

// fixtures are the files of testdata that Decode decodes.
var fixtures = []string{
	"444", "422", "420", "440", "411", "410", "gray",
	"420-restart", "420-multiscan",
	"420-progressive", "444-progressive", "422-progressive-restart", "gray-progressive",
	"420-big", "420-big-progressive", "444-big-progressive-restart", "gray-big",
}

// twins name the fixtures that image/jpeg cannot decode and the file,
// with the same DCT coefficients, whose decode by image/jpeg stands for it.
var twins = map[string]string{"422-progressive-restart": "422-progressive-restart-twin"}

// reference decodes fixture name (or its twin) with image/jpeg.
func reference(t testing.TB, name string) image.Image {
	t.Helper()
	if twin, ok := twins[name]; ok {
		name = twin
	}
	img, err := jpeg.Decode(bytes.NewReader(readFixture(t, name)))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".jpg"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// planes returns img's planes with their sizes: Y, Cb, Cr or the gray one.
type plane struct {
	pix    []byte
	stride int
	w, h   int
}

func planesOf(t testing.TB, img image.Image) []plane {
	t.Helper()
	switch m := img.(type) {
	case *image.Gray:
		return []plane{{m.Pix, m.Stride, m.Rect.Dx(), m.Rect.Dy()}}
	case *image.YCbCr:
		w, h := m.Rect.Dx(), m.Rect.Dy()
		cw, ch := w, h
		switch m.SubsampleRatio {
		case image.YCbCrSubsampleRatio422:
			cw = (w + 1) / 2
		case image.YCbCrSubsampleRatio420:
			cw, ch = (w+1)/2, (h+1)/2
		case image.YCbCrSubsampleRatio440:
			ch = (h + 1) / 2
		case image.YCbCrSubsampleRatio411:
			cw = (w + 3) / 4
		case image.YCbCrSubsampleRatio410:
			cw, ch = (w+3)/4, (h+1)/2
		}
		return []plane{{m.Y, m.YStride, w, h}, {m.Cb, m.CStride, cw, ch}, {m.Cr, m.CStride, cw, ch}}
	}
	t.Fatalf("decoded a %T", img)
	return nil
}

func TestFullSizeMatchesImageJPEG(t *testing.T) {
	t.Parallel()
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data := readFixture(t, name)
			want := reference(t, name)
			got, err := Decode(data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Bounds() != want.Bounds() {
				t.Fatalf("bounds %v, want %v", got.Bounds(), want.Bounds())
			}
			if w, ok := want.(*image.YCbCr); ok {
				if g := got.(*image.YCbCr); g.SubsampleRatio != w.SubsampleRatio {
					t.Fatalf("ratio %v, want %v", g.SubsampleRatio, w.SubsampleRatio)
				}
			}
			gp, wp := planesOf(t, got), planesOf(t, want)
			for i := range gp {
				worst := 0
				for y := range wp[i].h {
					for x := range wp[i].w {
						d := int(gp[i].pix[y*gp[i].stride+x]) - int(wp[i].pix[y*wp[i].stride+x])
						worst = max(worst, d, -d)
					}
				}
				if worst > maxDiff {
					t.Errorf("plane %d differs by up to %d, want <= %d", i, worst, maxDiff)
				}
			}
		})
	}
}

// psnr compares a scaled plane with the full-size one averaged over
// f×f squares (cut at the edges).
func psnr(scaled, full plane, f int) float64 {
	var sum float64
	for y := range scaled.h {
		for x := range scaled.w {
			var acc, n int
			for yy := y * f; yy < min((y+1)*f, full.h); yy++ {
				for xx := x * f; xx < min((x+1)*f, full.w); xx++ {
					acc += int(full.pix[yy*full.stride+xx])
					n++
				}
			}
			if n == 0 {
				continue
			}
			d := float64(scaled.pix[y*scaled.stride+x]) - float64(acc)/float64(n)
			sum += d * d
		}
	}
	mse := sum / float64(scaled.w*scaled.h)
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

func TestScaledMatchesBoxAverage(t *testing.T) {
	t.Parallel()
	for _, name := range fixtures {
		for _, m := range []int{1, 2, 4} {
			t.Run(name+"/"+string(rune('0'+m))+"of8", func(t *testing.T) {
				t.Parallel()
				data := readFixture(t, name)
				want := reference(t, name)
				b := want.Bounds()
				got, err := Decode(data, Options{MinWidth: Scaled(b.Dx(), m), MinHeight: Scaled(b.Dy(), m)})
				if err != nil {
					t.Fatal(err)
				}
				if w, h := Scaled(b.Dx(), m), Scaled(b.Dy(), m); got.Bounds() != image.Rect(0, 0, w, h) {
					t.Fatalf("bounds %v, want %dx%d", got.Bounds(), w, h)
				}
				gp, wp := planesOf(t, got), planesOf(t, want)
				for i := range gp {
					if p := psnr(gp[i], wp[i], 8/m); p < minPSNR {
						t.Errorf("plane %d: PSNR %.1f dB, want >= %d", i, p, minPSNR)
					} else {
						t.Logf("plane %d: PSNR %.1f dB", i, p)
					}
				}
			})
		}
	}
}

func TestUnsupported(t *testing.T) {
	t.Parallel()
	cmyk, err := os.ReadFile("../imaging/testdata/cmyk.jpg")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"arithmetic": readFixture(t, "arithmetic"),
		"rgb":        readFixture(t, "rgb"),
		"cmyk":       cmyk,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Decode(data, Options{}); !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error %v, want ErrUnsupported", err)
			}
			if _, err := Memory(data, Options{}); !errors.Is(err, ErrUnsupported) {
				t.Fatalf("Memory: error %v, want ErrUnsupported", err)
			}
		})
	}
}

// segment finds the first marker m in data and returns the offset of its
// 0xFF.
func segment(t *testing.T, data []byte, m byte) int {
	t.Helper()
	i := bytes.Index(data, []byte{0xff, m})
	if i < 0 {
		t.Fatalf("no marker %#x", m)
	}
	return i
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	base := readFixture(t, "420")
	restart := readFixture(t, "420-restart")
	edit := func(data []byte, f func([]byte)) []byte {
		out := bytes.Clone(data)
		f(out)
		return out
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrFormat},
		{"no SOI", base[2:], ErrFormat},
		{"header only", base[:segment(t, base, 0xda)], ErrFormat},
		{"truncated scan", base[:len(base)*2/3], ErrFormat},
		{"no EOI", base[:len(base)-2], ErrFormat},
		{"segment longer than the file", edit(base, func(b []byte) { i := segment(t, b, 0xdb); b[i+2], b[i+3] = 0xff, 0xff }), ErrFormat},
		{"zero width", edit(base, func(b []byte) { i := segment(t, b, 0xc0); b[i+7], b[i+8] = 0, 0 }), ErrFormat},
		{"sampling factor 0", edit(base, func(b []byte) { i := segment(t, b, 0xc0); b[i+11] = 0x02 }), ErrFormat},
		{"Huffman counts that overflow", edit(base, func(b []byte) { i := segment(t, b, 0xc4); b[i+5] = 3 }), ErrFormat},
		{"scan of an unknown component", edit(base, func(b []byte) { i := segment(t, b, 0xda); b[i+5] = 9 }), ErrFormat},
		{"restart marker out of order", edit(restart, func(b []byte) {
			i := segment(t, b[segment(t, b, 0xda):], 0xd0) + segment(t, b, 0xda)
			b[i+1] = 0xd3
		}), ErrFormat},
		{"short DRI", append([]byte{0xff, 0xd8, 0xff, 0xdd, 0x00, 0x03, 0x00}, base[2:]...), ErrFormat},
		{"above the pixel limit", base, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := Options{}
			if tt.want == ErrTooLarge {
				opts.MaxPixels = 61*43 - 1
			}
			img, err := Decode(tt.data, opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if img != nil {
				t.Fatal("an image with the error")
			}
		})
	}
}

// Memory, from the header alone, is what the decode allocates: the planes
// and, for a progressive JPEG, the kept coefficients and the masks.
func TestMemory(t *testing.T) {
	t.Parallel()
	for _, name := range fixtures {
		data := readFixture(t, name)
		width := reference(t, name).Bounds().Dx()
		for _, m := range Scales {
			opts := Options{MinWidth: Scaled(width, m)}
			want, err := Memory(data, opts)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			d := decoder{data: data, opts: opts}
			if err := d.decode(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var got int64
			for _, c := range d.comps {
				got += int64(len(c.pix) + 2*len(c.coefs) + 8*len(c.nz))
			}
			if got != want || d.m != m {
				t.Errorf("%s at %d/8: Memory %d, allocated %d at %d/8", name, m, want, got, d.m)
			}
		}
	}
}
