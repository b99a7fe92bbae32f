package jpegturbo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"testing"

	"github.com/segview/segview/internal/imagetest"
)

// needTurbo skips a test when libjpeg-turbo is unavailable, saying why, or
// fails it when SEGVIEW_REQUIRE_TURBOJPEG=1 (as in CI).
func needTurbo(t testing.TB) {
	t.Helper()
	if Available() {
		return
	}
	if os.Getenv("SEGVIEW_REQUIRE_TURBOJPEG") == "1" {
		t.Fatalf("libjpeg-turbo is required (SEGVIEW_REQUIRE_TURBOJPEG=1) but %s", Status())
	}
	t.Skipf("libjpeg-turbo path not tested: %s", Status())
}

func stdEncode(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// turboEncode writes img with the given subsampling and flags, for inputs
// image/jpeg cannot make.
func turboEncode(t testing.TB, img *image.RGBA, subsamp, flags int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := encode(&buf, img.Pix, img.Rect.Dx(), img.Rect.Dy(), img.Stride, tjpfRGBA, subsamp, 90, flags); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// stdDecode decodes with image/jpeg into RGBA.
func stdDecode(t testing.TB, data []byte) *image.RGBA {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	rgba := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(rgba, rgba.Rect, img, img.Bounds().Min, draw.Src)
	return rgba
}

// difference returns the mean and the largest absolute difference of the
// RGBA channels of two images of the same size.
func difference(t testing.TB, a, b *image.RGBA) (mean float64, largest int) {
	t.Helper()
	if a.Rect.Size() != b.Rect.Size() {
		t.Fatalf("sizes differ: %v and %v", a.Rect.Size(), b.Rect.Size())
	}
	var sum int
	w, h := a.Rect.Dx(), a.Rect.Dy()
	for y := range h {
		ra := a.Pix[a.PixOffset(a.Rect.Min.X, a.Rect.Min.Y+y):][:4*w]
		rb := b.Pix[b.PixOffset(b.Rect.Min.X, b.Rect.Min.Y+y):][:4*w]
		for i := range ra {
			d := int(ra[i]) - int(rb[i])
			if d < 0 {
				d = -d
			}
			sum += d
			largest = max(largest, d)
		}
	}
	return float64(sum) / float64(4*w*h), largest
}

func TestPickScale(t *testing.T) {
	t.Parallel()
	// The factors Decode uses, largest first.
	factors := []scale{{1, 1}, {5, 8}, {1, 2}, {3, 8}, {1, 4}, {1, 8}}
	tests := []struct {
		w, h, minW, minH int
		want             scale
	}{
		{4000, 3000, 0, 0, scale{1, 1}},
		{4000, 3000, 1600, 0, scale{1, 2}},
		{4000, 3000, 1500, 0, scale{3, 8}},
		{4000, 3000, 2000, 0, scale{1, 2}},
		{4000, 3000, 2001, 0, scale{5, 8}},
		{4000, 3000, 2501, 0, scale{1, 1}},
		{5640, 3172, 1600, 0, scale{3, 8}}, // 2115 wide, as issue 13 says
		{4224, 3168, 1600, 0, scale{1, 2}}, // 3/8 would be 1584
		{4000, 3000, 1000, 0, scale{1, 4}},
		{4000, 3000, 500, 0, scale{1, 8}},
		{4000, 3000, 1, 0, scale{1, 8}},
		{4000, 3000, 4000, 0, scale{1, 1}},
		{4000, 3000, 4001, 0, scale{1, 1}}, // never up
		{3000, 4000, 0, 1600, scale{1, 2}}, // a bound on the height only
		{4000, 3000, 1000, 1600, scale{5, 8}},
		{4000, 3000, 1000, 1500, scale{1, 2}},
		{4000, 3000, 1000, 1125, scale{3, 8}},
		{801, 601, 401, 0, scale{1, 2}}, // rounded up, as TJSCALED does
		{7, 5, 1, 1, scale{1, 8}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%dx%d_min%dx%d", tt.w, tt.h, tt.minW, tt.minH), func(t *testing.T) {
			got := pickScale(tt.w, tt.h, tt.minW, tt.minH, factors)
			if got != tt.want {
				t.Errorf("pickScale = %d/%d, want %d/%d", got.num, got.denom, tt.want.num, tt.want.denom)
			}
			if s := got; tt.minW <= tt.w && s.of(tt.w) < tt.minW || tt.minH <= tt.h && s.of(tt.h) < tt.minH {
				t.Errorf("%d/%d gives %d×%d, below the minimum", s.num, s.denom, s.of(tt.w), s.of(tt.h))
			}
		})
	}
}

func TestUsable(t *testing.T) {
	t.Parallel()
	// What libjpeg-turbo 2.1's tjGetScalingFactors lists, in lowest terms.
	tests := []struct {
		s    scale
		want bool
	}{
		{scale{2, 1}, false}, {scale{15, 8}, false}, {scale{9, 8}, false},
		{scale{1, 1}, true}, {scale{7, 8}, false}, {scale{3, 4}, false},
		{scale{5, 8}, true}, {scale{1, 2}, true}, {scale{3, 8}, true},
		{scale{1, 4}, true}, {scale{1, 8}, true}, {scale{0, 8}, false}, {scale{1, 0}, false},
	}
	for _, tt := range tests {
		if got := usable(tt.s); got != tt.want {
			t.Errorf("usable(%d/%d) = %t, want %t", tt.s.num, tt.s.denom, got, tt.want)
		}
	}
}

func TestUnavailable(t *testing.T) {
	t.Parallel()
	if Available() {
		t.Skipf("libjpeg-turbo is available: %s", Status())
	}
	t.Logf("status: %s", Status())
	data := stdEncode(t, imagetest.Photo(16, 16, 1), 90)
	if _, err := Decode(data, Options{}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Decode err = %v, want ErrUnavailable", err)
	}
	if _, _, err := DecodeConfig(data); !errors.Is(err, ErrUnavailable) {
		t.Errorf("DecodeConfig err = %v, want ErrUnavailable", err)
	}
	if err := Encode(new(bytes.Buffer), imagetest.Photo(16, 16, 1), 90); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Encode err = %v, want ErrUnavailable", err)
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	needTurbo(t)
	if got, want := Status(), "libjpeg-turbo (libturbojpeg.so.0)"; got != want {
		t.Errorf("Status() = %q, want %q", got, want)
	}
}

// decodeCase is a JPEG of a kind found in the wild, the image it was made
// from, and how far a decode may be from image/jpeg's on average.
type decodeCase struct {
	name string
	src  *image.RGBA
	data []byte
	tol  float64
}

func decodeCases(t testing.TB) []decodeCase {
	t.Helper()
	gray := image.NewGray(image.Rect(0, 0, 97, 61))
	draw.Draw(gray, gray.Rect, imagetest.Photo(97, 61, 2), image.Point{}, draw.Src)
	grayRGBA := image.NewRGBA(gray.Rect)
	draw.Draw(grayRGBA, gray.Rect, gray, image.Point{}, draw.Src)
	src := imagetest.Photo(301, 199, 3) // odd sizes: partial MCUs on both edges
	tiny, small := imagetest.Photo(1, 1, 4), imagetest.Photo(17, 9, 5)
	// In a tiny image every pixel is next to a strong colour change, where
	// the two decoders' chroma upsampling differs most.
	return []decodeCase{
		{"baseline 4:2:0 (image/jpeg)", src, stdEncode(t, src, 90), 1},
		{"quality 50", src, stdEncode(t, src, 50), 1},
		{"grayscale", grayRGBA, stdEncode(t, gray, 90), 1},
		{"4:4:4", src, turboEncode(t, src, tjsamp444, 0), 1},
		{"4:2:2", src, turboEncode(t, src, tjsamp422, 0), 1},
		{"progressive 4:2:0", src, turboEncode(t, src, tjsamp420, tjflagProgressive), 1},
		{"1×1", tiny, stdEncode(t, tiny, 90), 5},
		{"17×9", small, stdEncode(t, small, 90), 5},
	}
}

func TestDecodeMatchesImageJPEG(t *testing.T) {
	t.Parallel()
	needTurbo(t)
	for _, tc := range decodeCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Decode(tc.data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := stdDecode(t, tc.data)
			if got.Rect != want.Rect {
				t.Fatalf("bounds %v, want %v", got.Rect, want.Rect)
			}
			// The decoders differ in IDCT rounding and in how they upsample
			// chroma: libjpeg-turbo interpolates, image/jpeg repeats.
			if mean, largest := difference(t, got, want); mean > tc.tol || largest > 40 {
				t.Errorf("differs from image/jpeg by %.2f on average (tolerance %g), %d at most", mean, tc.tol, largest)
			}
			// And libjpeg-turbo is no further from the original than
			// image/jpeg is.
			turboErr, _ := difference(t, got, tc.src)
			goErr, _ := difference(t, want, tc.src)
			if turboErr > goErr+0.25 {
				t.Errorf("differs from the original by %.2f on average, image/jpeg by %.2f", turboErr, goErr)
			}
			for i := 3; i < len(got.Pix); i += 4 {
				if got.Pix[i] != 0xff {
					t.Fatalf("alpha %d at byte %d, want opaque", got.Pix[i], i)
				}
			}
			w, h, err := DecodeConfig(tc.data)
			if err != nil || image.Rect(0, 0, w, h) != want.Rect {
				t.Errorf("DecodeConfig = %d, %d, %v; want %v", w, h, err, want.Rect.Size())
			}
		})
	}
}

// TestHandleReuse decodes and encodes every kind of file in turn, twice:
// an instance taken from the pool must not carry anything over from the
// file before.
func TestHandleReuse(t *testing.T) {
	needTurbo(t)
	cases := decodeCases(t)
	var first [][]byte
	for round := range 2 {
		for i, tc := range cases {
			img, err := Decode(tc.data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := Encode(&buf, img, 85); err != nil {
				t.Fatal(err)
			}
			stdDecode(t, buf.Bytes()) // fails on corrupt output
			if round == 0 {
				first = append(first, img.Pix)
			} else if !bytes.Equal(img.Pix, first[i]) {
				t.Errorf("%s: second decode differs from the first", tc.name)
			}
		}
	}
}

func TestDecodeScaled(t *testing.T) {
	t.Parallel()
	needTurbo(t)
	src := imagetest.Photo(803, 601, 6)
	data := stdEncode(t, src, 90)
	full, err := Decode(data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		opts Options
		want image.Point
	}{
		{Options{}, image.Pt(803, 601)},
		{Options{MinWidth: 803}, image.Pt(803, 601)},
		{Options{MinWidth: 2000}, image.Pt(803, 601)},
		{Options{MinWidth: 700}, image.Pt(803, 601)},
		{Options{MinWidth: 402}, image.Pt(402, 301)}, // 1/2, rounded up
		{Options{MinWidth: 403}, image.Pt(502, 376)}, // 5/8
		{Options{MinWidth: 503}, image.Pt(803, 601)},
		{Options{MinWidth: 300}, image.Pt(302, 226)}, // 3/8
		{Options{MinWidth: 200}, image.Pt(201, 151)}, // 1/4
		{Options{MinWidth: 1}, image.Pt(101, 76)},    // 1/8
		{Options{MinHeight: 300}, image.Pt(402, 301)},
		{Options{MinWidth: 100, MinHeight: 300}, image.Pt(402, 301)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("min%dx%d", tt.opts.MinWidth, tt.opts.MinHeight), func(t *testing.T) {
			t.Parallel()
			img, err := Decode(data, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := img.Rect.Size(); got != tt.want {
				t.Fatalf("size %v, want %v", got, tt.want)
			}
			// A scaled decode is the full image filtered down: compare with
			// a plain resample of the full decode.
			ref := image.NewRGBA(img.Rect)
			for y := range tt.want.Y {
				for x := range tt.want.X {
					ref.Set(x, y, full.At((2*x+1)*803/(2*tt.want.X), (2*y+1)*601/(2*tt.want.Y)))
				}
			}
			if mean, _ := difference(t, img, ref); mean > 4 {
				t.Errorf("differs from the full decode resampled by %.2f on average", mean)
			}
		})
	}
}

// hugeJPEG is a small real JPEG whose SOF0 header claims w×h.
func hugeJPEG(t testing.TB, w, h uint16) []byte {
	t.Helper()
	data := stdEncode(t, imagetest.Photo(32, 32, 7), 90)
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
	needTurbo(t)
	data := hugeJPEG(t, 30000, 30000)
	w, h, err := DecodeConfig(data)
	if err != nil || w != 30000 || h != 30000 {
		t.Fatalf("DecodeConfig = %d, %d, %v; want the claimed 30000×30000", w, h, err)
	}

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	img, err := Decode(data, Options{MaxPixels: 100_000_000, MinWidth: 1})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) || img != nil {
		t.Fatalf("Decode = %v, %v; want ErrTooLarge", img, err)
	}
	if want := "jpegturbo: image is above the pixel limit: 30000×30000 is more than 100000000 pixels"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("Decode allocated %d bytes before refusing", n)
	}

	// At exactly the limit the image is accepted (and then found damaged).
	if _, err := Decode(hugeJPEG(t, 100, 100), Options{MaxPixels: 100 * 100}); errors.Is(err, ErrTooLarge) {
		t.Errorf("image at exactly the limit refused: %v", err)
	}
}

func TestDecodeCMYK(t *testing.T) {
	t.Parallel()
	needTurbo(t)
	// TurboJPEG writes CMYK input as a YCCK JPEG with an Adobe marker.
	src := imagetest.Photo(40, 24, 8)
	var buf bytes.Buffer
	if err := encode(&buf, src.Pix, 40, 24, src.Stride, tjpfCMYK, tjsamp420, 90, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(buf.Bytes(), Options{}); !errors.Is(err, ErrColorSpace) {
		t.Errorf("err = %v, want ErrColorSpace", err)
	}
	// The caller's fallback can read it.
	if _, err := jpeg.Decode(bytes.NewReader(buf.Bytes())); err != nil {
		t.Errorf("image/jpeg cannot decode the YCCK test file either: %v", err)
	}
}

func TestDecodeDamaged(t *testing.T) {
	t.Parallel()
	needTurbo(t)
	data := stdEncode(t, imagetest.Photo(64, 48, 9), 90)
	progressive := turboEncode(t, imagetest.Photo(64, 48, 9), tjsamp420, tjflagProgressive)
	sos := bytes.Index(data, []byte{0xff, 0xda})
	tests := map[string][]byte{
		"nil":                 nil,
		"empty":               {},
		"garbage":             []byte("this is not a JPEG at all"),
		"SOI only":            data[:2],
		"headers only":        data[:sos],
		"truncated scan":      data[:len(data)/2],
		"no EOI":              data[:len(data)-2],
		"progressive cut":     progressive[:len(progressive)*2/3],
		"zero-size SOF":       hugeJPEG(t, 0, 0),
		"header then garbage": append(append([]byte{}, data[:sos]...), bytes.Repeat([]byte{0x55}, 300)...),
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			img, err := Decode(data, Options{MaxPixels: 1 << 20})
			if err == nil || img != nil {
				t.Errorf("Decode = %v, %v; want an error", img, err)
			}
		})
	}
}

// TestDecodeMutations feeds many corrupted variants of a valid file through
// the decoder: each must return an image or an error, never crash.
func TestDecodeMutations(t *testing.T) {
	t.Parallel()
	needTurbo(t)
	data := turboEncode(t, imagetest.Photo(48, 40, 10), tjsamp420, tjflagProgressive)
	rng := rand.New(rand.NewPCG(11, 12))
	for range 500 {
		m := append([]byte{}, data...)
		for range 1 + rng.IntN(4) {
			m[rng.IntN(len(m))] = byte(rng.Uint32())
		}
		img, err := Decode(m, Options{MaxPixels: 1 << 22, MinWidth: rng.IntN(60)})
		if err == nil && img == nil {
			t.Fatal("no image and no error")
		}
	}
}

func FuzzDecode(f *testing.F) {
	needTurbo(f)
	f.Add(stdEncode(f, imagetest.Photo(16, 16, 13), 80))
	f.Add(turboEncode(f, imagetest.Photo(16, 16, 13), tjsamp444, tjflagProgressive))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Decode(data, Options{MaxPixels: 1 << 20, MinWidth: 4})
		if err == nil && (img == nil || img.Rect.Empty()) {
			t.Fatal("no image and no error")
		}
	})
}

// TestConcurrent decodes and encodes from many goroutines at once; with
// -race it also checks the handle pools.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	needTurbo(t)
	inputs := make([][]byte, 4)
	want := make([]*image.RGBA, len(inputs))
	for i := range inputs {
		inputs[i] = stdEncode(t, imagetest.Photo(120+i, 80, uint64(20+i)), 85)
		var err error
		if want[i], err = Decode(inputs[i], Options{MinWidth: 60}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for k := range 25 {
				i := (g + k) % len(inputs)
				img, err := Decode(inputs[i], Options{MinWidth: 60})
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(img.Pix, want[i].Pix) {
					errs <- fmt.Errorf("goroutine %d: decode %d differs from the serial one", g, i)
					return
				}
				if err := Encode(new(bytes.Buffer), img, 80); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestEncode(t *testing.T) {
	t.Parallel()
	needTurbo(t)
	src := imagetest.Photo(211, 97, 14)
	tests := []struct {
		name    string
		img     *image.RGBA
		quality int
	}{
		{"quality 90", src, 90},
		{"quality 0 is clamped to 1", src, 0},
		{"quality 1000 is clamped to 100", src, 1000},
		{"sub-image", src.SubImage(image.Rect(13, 7, 150, 80)).(*image.RGBA), 90},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := Encode(&buf, tt.img, tt.quality); err != nil {
				t.Fatal(err)
			}
			got := stdDecode(t, buf.Bytes())
			if tt.quality < 50 {
				return // only that it encodes
			}
			if mean, _ := difference(t, got, tt.img); mean > 3 {
				t.Errorf("decoded output differs from the source by %.2f on average", mean)
			}
			if s := sampling(buf.Bytes()); s != 0x22 {
				t.Errorf("luma sampling factors %#x, want 0x22 (4:2:0)", s)
			}
		})
	}

	t.Run("empty", func(t *testing.T) {
		t.Parallel()
		if err := Encode(new(bytes.Buffer), image.NewRGBA(image.Rect(0, 0, 0, 5)), 90); err == nil {
			t.Error("empty image encoded without error")
		}
	})
	t.Run("write error", func(t *testing.T) {
		t.Parallel()
		if err := Encode(failingWriter{}, src, 90); !errors.Is(err, errWrite) {
			t.Errorf("err = %v, want the writer's error", err)
		}
	})
}

// sampling returns the sampling-factor byte of the first component in a
// JPEG's SOF0 segment.
func sampling(data []byte) byte {
	i := bytes.Index(data, []byte{0xff, 0xc0})
	if i < 0 || i+12 > len(data) {
		return 0
	}
	return data[i+11]
}

var errWrite = errors.New("write failed")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }
