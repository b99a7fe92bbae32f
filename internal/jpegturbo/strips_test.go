package jpegturbo

import (
	"bytes"
	"fmt"
	"image"
	"io"
	"runtime"
	"testing"

	"github.com/segview/segview/internal/imagetest"
)

// restartInterval returns the restart interval a JPEG's DRI marker sets,
// or 0.
func restartInterval(data []byte) int {
	for i := 2; i+4 <= len(data) && data[i] == 0xff; {
		m, n := data[i+1], int(data[i+2])<<8|int(data[i+3])
		if m == 0xdd && i+6 <= len(data) {
			return int(data[i+4])<<8 | int(data[i+5])
		}
		if m == 0xda {
			return 0
		}
		i += 2 + n
	}
	return 0
}

// TestEncodeStripsSamePixels encodes images in strips on several workers
// and whole: both decoders must give the same pixels from both, and the
// striped file must carry its restart interval.
func TestEncodeStripsSamePixels(t *testing.T) {
	t.Parallel()
	needTurbo(t)
	cases := []struct {
		w, h, workers int
		strips        int // of planStrips, 1 for whole
	}{
		{1600, 1200, 2, 2},
		{650, 487, 2, 2},     // edges of partial MCUs, right and bottom
		{512, 512, 3, 3},     // exactly minStripPixels
		{511, 512, 2, 1},     // below it: whole
		{1600, 1200, 12, 11}, // more than eight strips: RSTn wraps
		{4001, 70, 2, 2},     // five MCU rows
		{1600, 1200, 1, 1},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%dx%d/%d", tc.w, tc.h, tc.workers), func(t *testing.T) {
			img := imagetest.Photo(tc.w, tc.h, 3)
			plan := planStrips(tc.w, tc.h, tc.workers)
			if plan.count != tc.strips {
				t.Fatalf("planStrips = %+v, want %d strips", plan, tc.strips)
			}
			var striped, whole bytes.Buffer
			if err := encodeStrips(&striped, img, 85, tc.workers); err != nil {
				t.Fatal(err)
			}
			if err := encode(&whole, img.Pix, tc.w, tc.h, img.Stride, tjpfRGBA, tjsamp420, 85, 0); err != nil {
				t.Fatal(err)
			}
			if got, want := restartInterval(striped.Bytes()), plan.interval; got != want {
				t.Errorf("restart interval %d, want %d", got, want)
			}
			if !bytes.Equal(stdDecode(t, striped.Bytes()).Pix, stdDecode(t, whole.Bytes()).Pix) {
				t.Error("image/jpeg decodes the strips to other pixels than the whole encode")
			}
			a, err := Decode(striped.Bytes(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			b, err := Decode(whole.Bytes(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Pix, b.Pix) {
				t.Error("libjpeg-turbo decodes the strips to other pixels than the whole encode")
			}
		})
	}
}

// TestEncodeStripsSubImage encodes a sub-image in strips: its pitch skips
// the rest of the parent's rows.
func TestEncodeStripsSubImage(t *testing.T) {
	t.Parallel()
	needTurbo(t)
	parent := imagetest.Photo(900, 700, 4)
	sub := parent.SubImage(image.Rect(37, 21, 837, 661)).(*image.RGBA)
	copied := image.NewRGBA(image.Rect(0, 0, 800, 640))
	for y := range 640 {
		copy(copied.Pix[y*copied.Stride:][:4*800], sub.Pix[sub.PixOffset(37, 21+y):][:4*800])
	}
	var a, b bytes.Buffer
	if err := encodeStrips(&a, sub, 85, 2); err != nil {
		t.Fatal(err)
	}
	if err := encode(&b, copied.Pix, 800, 640, copied.Stride, tjpfRGBA, tjsamp420, 85, 0); err != nil {
		t.Fatal(err)
	}
	if restartInterval(a.Bytes()) == 0 {
		t.Error("not encoded in strips")
	}
	if !bytes.Equal(stdDecode(t, a.Bytes()).Pix, stdDecode(t, b.Bytes()).Pix) {
		t.Error("the sub-image's strips decode to other pixels than its copy encoded whole")
	}
}

func TestPlanStrips(t *testing.T) {
	t.Parallel()
	cases := []struct {
		w, h, workers int
		want          stripPlan
	}{
		{1600, 1200, 2, stripPlan{count: 2, rows: 38 * 16, interval: 38 * 100}},
		{1600, 1200, 1, stripPlan{count: 1, rows: 1200}},
		{1600, 16, 2, stripPlan{count: 1, rows: 16}}, // one MCU row
		{4224, 3168, 2, stripPlan{count: 2, rows: 99 * 16, interval: 99 * 264}},
		// 4096 MCUs a row: at most 15 rows an interval.
		{65535, 1000, 2, stripPlan{count: 5, rows: 15 * 16, interval: 15 * 4096}},
	}
	for _, tc := range cases {
		if got := planStrips(tc.w, tc.h, tc.workers); got != tc.want {
			t.Errorf("planStrips(%d, %d, %d) = %+v, want %+v", tc.w, tc.h, tc.workers, got, tc.want)
		}
	}
}

// TestJoinStripsRefuses: strips that do not share their tables, or are not
// single-scan baseline JPEGs, are not joined.
func TestJoinStripsRefuses(t *testing.T) {
	t.Parallel()
	needTurbo(t)
	img := imagetest.Photo(64, 32, 5)
	top := img.SubImage(image.Rect(0, 0, 64, 16)).(*image.RGBA)
	bottom := img.SubImage(image.Rect(0, 16, 64, 32)).(*image.RGBA)
	enc := func(m *image.RGBA, quality, flags int) []byte {
		var buf bytes.Buffer
		if err := encode(&buf, m.Pix[m.PixOffset(0, m.Rect.Min.Y):], 64, 16, m.Stride, tjpfRGBA, tjsamp420, quality, flags); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	plan := stripPlan{count: 2, rows: 16, interval: 4}
	if _, ok := joinStrips([][]byte{enc(top, 85, 0), enc(bottom, 85, 0)}, 32, plan); !ok {
		t.Fatal("strips of the same quality not joined")
	}
	for name, strips := range map[string][][]byte{
		"other quality": {enc(top, 85, 0), enc(bottom, 60, 0)},
		"progressive":   {enc(top, 85, tjflagProgressive), enc(bottom, 85, tjflagProgressive)},
		"truncated":     {enc(top, 85, 0), enc(bottom, 85, 0)[:100]},
	} {
		if _, ok := joinStrips(strips, 32, plan); ok {
			t.Errorf("%s: joined", name)
		}
	}
}

// BenchmarkEncode1600 encodes a 1600×1200 photo-like image (a 1600 px
// overlay) whole and in strips on GOMAXPROCS workers.
func BenchmarkEncode1600(b *testing.B) {
	needTurbo(b)
	img := imagetest.Photo(1600, 1200, 8)
	for _, bm := range []struct {
		name    string
		workers int
	}{{"whole", 1}, {"strips", runtime.GOMAXPROCS(0)}} {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				if err := encodeStrips(io.Discard, img, 85, bm.workers); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
