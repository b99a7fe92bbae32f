//go:build cgo && linux

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
// and whole: both decoders must give the same pixels from both, the
// striped file must carry its restart interval, and the strips must be
// the same bytes on one worker as on several.
func TestEncodeStripsSamePixels(t *testing.T) {
	t.Parallel()
	needTurbo(t)
	cases := []struct {
		w, h, workers int
		strips        int // of planStrips, 1 for whole
	}{
		{1600, 1200, 2, 10}, // RSTn wraps after eight
		{650, 487, 2, 4},    // edges of partial MCUs, right and bottom
		{512, 512, 3, 4},    // exactly minStripPixels
		{511, 512, 2, 1},    // below it: whole
		{1600, 1200, 12, 10},
		{4001, 140, 2, 2}, // a strip of eight MCU rows and one of one
		{1600, 1200, 1, 10},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%dx%d/%d", tc.w, tc.h, tc.workers), func(t *testing.T) {
			img := imagetest.Photo(tc.w, tc.h, 3)
			plan := planStrips(tc.w, tc.h)
			if plan.count != tc.strips {
				t.Fatalf("planStrips = %+v, want %d strips", plan, tc.strips)
			}
			var striped, oneWorker, whole bytes.Buffer
			if err := encodeStrips(&striped, img, 85, tc.workers); err != nil {
				t.Fatal(err)
			}
			if err := encodeStrips(&oneWorker, img, 85, 1); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(striped.Bytes(), oneWorker.Bytes()) {
				t.Errorf("%d workers write other bytes than one", tc.workers)
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

// BenchmarkEncode1600 encodes a 1600×1200 photo-like image (a 1600 px
// overlay) whole, and in strips on one worker and on GOMAXPROCS workers.
func BenchmarkEncode1600(b *testing.B) {
	needTurbo(b)
	img := imagetest.Photo(1600, 1200, 8)
	b.Run("whole", func(b *testing.B) {
		for b.Loop() {
			if err := encode(io.Discard, img.Pix, 1600, 1200, img.Stride, tjpfRGBA, tjsamp420, 85, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, bm := range []struct {
		name    string
		workers int
	}{{"strips-1", 1}, {"strips", runtime.GOMAXPROCS(0)}} {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				if err := encodeStrips(io.Discard, img, 85, bm.workers); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
