package imaging

import (
	"bytes"
	"cmp"
	"errors"
	"image"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/segview/segview/internal/imagetest"
	"github.com/segview/segview/internal/jpegscale"
	"github.com/segview/segview/internal/jpegturbo"
)

// A JPEG that jpegscale fails on in its scan data (truncated, damaged) is
// not decoded again by image/jpeg at full size: the decode allocates no
// more than DecodeMemory budgets, jpegscale's scaled decode. (Before, a
// 12 MP progressive photo cut at 60 % allocated 91 MB on a 3 MB budget.)
// Not parallel: it measures the process's allocations.
func TestDecodeGoDamagedStaysInBudget(t *testing.T) {
	full := imagetest.ProgressiveGray(2000, 1500, 2, false) // 250×188 blocks
	lastScan := bytes.LastIndex(full, []byte{0xff, 0xda})
	tests := []struct {
		name string
		data []byte
	}{
		{"cut in the DC scan", full[:len(full)/2]},
		{"cut in the last AC scan", full[:lastScan+12]},
		{"no EOI", full[:len(full)-2]},
	}
	// Besides the budget, header() reads the file with
	// image/jpeg.DecodeConfig, whose decoder's tables take about 50 kB.
	const overhead = 128 << 10
	// Both decoders: what libjpeg-turbo refuses (it stops at the first
	// warning) goes to jpegscale, never to a full-size image/jpeg decode.
	// libjpeg-turbo's own memory is C memory, not counted here.
	for _, opts := range []Options{{Decoder: DecoderGo, MinWidth: 160}, {MinWidth: 160}} {
		for _, tt := range tests {
			name := tt.name + ", decoder " + cmp.Or(opts.Decoder, "default")
			budget := DecodeMemory(tt.data, opts)
			// jpegscale at 1/8: a byte, 2 bytes of coefficient and an
			// 8-byte mask a block; image/jpeg at full size would need
			// 15 MB. libjpeg-turbo at 1/8 needs less.
			if want := int64(250 * 188 * 11); budget != want {
				t.Fatalf("%s: DecodeMemory %d, want %d (jpegscale at 1/8)", name, budget, want)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, err := DecodeSize(tt.data, opts, image.Pt(160, 120))
			runtime.ReadMemStats(&after)
			got := int64(after.TotalAlloc - before.TotalAlloc)
			allowed := budget + overhead
			if opts.Decoder != DecoderGo && jpegturbo.Available() {
				// libjpeg-turbo's tries write into Go memory first: the
				// planes, then RGBA, at 1/8 (garbage by the time jpegscale
				// allocates, but counted by TotalAlloc).
				allowed += 250 * 188 * (3 + 4)
			}
			if got > allowed {
				t.Errorf("%s: allocated %d bytes, budget %d", name, got, budget)
			}
			if !errors.Is(err, jpegscale.ErrFormat) {
				t.Errorf("%s: error %v, want jpegscale's ErrFormat", name, err)
			}
		}
	}
	opts := Options{Decoder: DecoderGo, MinWidth: 160}
	// The whole file decodes, at 1/8, with jpegscale.
	img, info, err := DecodeSize(full, opts, image.Pt(160, 120))
	if err != nil || info.Decoder != DecoderGo || img.Bounds().Dx() != 160 {
		t.Fatalf("undamaged: %v, %+v", err, info)
	}
}

// withDCScanRepeated returns the progressive JPEG data with its first scan
// (libjpeg's scripts start with the interleaved DC scan) written n more
// times after it: the same coefficients, n more times the image's blocks
// to decode.
func withDCScanRepeated(t *testing.T, data []byte, n int) []byte {
	t.Helper()
	start := bytes.Index(data, []byte{0xff, 0xda})
	if start < 0 {
		t.Fatal("no scan")
	}
	end := start + 2
	for end+1 < len(data) && (data[end] != 0xff || data[end+1] == 0 || data[end+1] >= 0xd0 && data[end+1] <= 0xd7) {
		end++
	}
	if end+1 >= len(data) || data[end+1] != 0xda && data[end+1] != 0xc4 {
		t.Fatalf("the first scan is followed by marker %#x", data[end+1])
	}
	out := append([]byte{}, data[:end]...)
	for range n {
		out = append(out, data[start:end]...)
	}
	return append(out, data[end:]...)
}

// A progressive JPEG whose scans cover more than jpegscale.MaxScanWork
// times its blocks is refused (jpegscale.ErrTooManyScans), and not handed
// to image/jpeg, which would spend as long on it. A real photo's ten scans
// (about 5× its blocks) plus eight repeats of its DC scan (1× each) still
// decode: the bound leaves room for other encoders' scripts.
func TestDecodeGoTooManyScans(t *testing.T) {
	t.Parallel()
	photo, err := os.ReadFile("../jpegscale/testdata/420-big-progressive.jpg")
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Decoder: DecoderGo}
	want, _, err := Decode(photo, opts)
	if err != nil {
		t.Fatal(err)
	}
	got, info, err := Decode(withDCScanRepeated(t, photo, 8), opts)
	if err != nil || info.Decoder != DecoderGo || !sameImage(got, want) {
		t.Fatalf("with 8 more DC scans: %v, %+v, same image: %v", err, info, err == nil && sameImage(got, want))
	}
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"a photo with 20 more DC scans", withDCScanRepeated(t, photo, 20)},
		{"499 scans of a 4000×3000 image in 14 kB", imagetest.ProgressiveGray(4000, 3000, 498, false)},
	} {
		for _, o := range []Options{opts, {Decoder: DecoderGo, MinWidth: 160}} {
			if _, _, err := Decode(tt.data, o); !errors.Is(err, jpegscale.ErrTooManyScans) {
				t.Errorf("%s, MinWidth %d: error %v, want jpegscale.ErrTooManyScans", tt.name, o.MinWidth, err)
			}
		}
	}
}

func sameImage(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				return false
			}
		}
	}
	return true
}

// The start-up log says plainly which decoder decodes JPEGs and why.
func TestJPEGStatus(t *testing.T) {
	t.Parallel()
	got := JPEGStatus()
	switch {
	case strings.EqualFold(strings.TrimSpace(os.Getenv(jpegturbo.EnvVar)), "go"):
		if want := "pure Go (jpegscale, image/jpeg for what it does not support): chosen by SEGVIEW_JPEG=go"; got != want {
			t.Errorf("JPEGStatus() = %q, want %q", got, want)
		}
	case jpegturbo.Available():
		if want := jpegturbo.Status(); got != want {
			t.Errorf("JPEGStatus() = %q, want %q", got, want)
		}
	default:
		const prefix = "pure Go (jpegscale, image/jpeg for what it does not support): libjpeg-turbo not available ("
		if !strings.HasPrefix(got, prefix) || strings.Contains(got, "jpegturbo:") {
			t.Errorf("JPEGStatus() = %q, want %q and the reason", got, prefix)
		}
	}
}
