package jpegturbo

import (
	"bytes"
	"image"
	"testing"

	"github.com/segview/segview/internal/imagetest"
)

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
