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
		w, h int
		want stripPlan
	}{
		{1600, 1200, stripPlan{count: 10, rows: 8 * 16, interval: 8 * 100}},
		{1600, 16, stripPlan{count: 1, rows: 16}},  // one MCU row
		{511, 512, stripPlan{count: 1, rows: 512}}, // under a quarter megapixel
		{4001, 70, stripPlan{count: 1, rows: 70}},  // one strip's height
		{4001, 140, stripPlan{count: 2, rows: 128, interval: 8 * 251}},
		{4224, 3168, stripPlan{count: 25, rows: 8 * 16, interval: 8 * 264}},
		{65535, 1000, stripPlan{count: 8, rows: 8 * 16, interval: 8 * 4096}},
		// Wider than JPEG allows, for the plan alone: 12500 MCUs a row fit
		// 5 rows an interval; 70000 MCUs do not fit one.
		{200000, 112, stripPlan{count: 2, rows: 5 * 16, interval: 5 * 12500}},
		{1120000, 1000, stripPlan{count: 1, rows: 1000}},
	}
	for _, tc := range cases {
		if got := planStrips(tc.w, tc.h); got != tc.want {
			t.Errorf("planStrips(%d, %d) = %+v, want %+v", tc.w, tc.h, got, tc.want)
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
