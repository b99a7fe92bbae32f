package render

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/segment"
)

func TestRenderView(t *testing.T) {
	t.Parallel()
	white := color.RGBA{255, 255, 255, 255}
	// Rank 1 (score 0.9) on the left, rank 2 (score 0.3) on the right, and
	// a foreground prompt point at the bottom centre (sampled beside its "+").
	job := &cdf.SegmentJob{JobID: 5, Status: cdf.StatusCompleted,
		Prompt: cdf.Prompt{Points: []cdf.PromptPoint{{X: 0.5, Y: 0.85, Label: 1}}},
		Items: []cdf.SegmentItem{{FileID: 9, Segments: []cdf.Segment{
			{Score: 0.3, Polygons: []cdf.Polygon{poly(0.65, 0.1, 0.95, 0.6)}},
			{Score: 0.9, Polygons: []cdf.Polygon{poly(0.05, 0.1, 0.35, 0.6)}},
		}}}}
	fake := &fakeCDF{job: job, files: map[int64]*fakeFile{9: {data: solidPNG(t, 100, 100), updated: 1000}}}
	s := New(fake, Options{})
	left, right, point := image.Pt(20, 35), image.Pt(80, 35), image.Pt(48, 83)

	render := func(t *testing.T, v *segment.View) (*image.RGBA, string) {
		t.Helper()
		res, err := s.renderRead(context.Background(), Request{JobID: 5, FileID: 9, Format: FormatPNG, View: v})
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(res.Body))
		if err != nil {
			t.Fatal(err)
		}
		rgba := image.NewRGBA(img.Bounds())
		for y := range 100 {
			for x := range 100 {
				rgba.Set(x, y, img.At(x, y))
			}
		}
		return rgba, res.ETag
	}
	view := func(f func(*segment.View)) *segment.View { v := segment.DefaultView(); f(&v); return &v }
	tinted := func(img *image.RGBA, p image.Point) bool { return img.RGBAAt(p.X, p.Y) != white }

	base, baseTag := render(t, nil)
	if !tinted(base, left) || !tinted(base, right) || !tinted(base, point) {
		t.Fatalf("default view: left %v, right %v, point %v; want all drawn",
			base.RGBAAt(left.X, left.Y), base.RGBAAt(right.X, right.Y), base.RGBAAt(point.X, point.Y))
	}

	tests := []struct {
		name                   string
		view                   *segment.View
		wantLeft, wantRight    bool
		wantPoint              bool
		leftDiffersFromDefault bool
	}{
		{"default explicit", view(func(*segment.View) {}), true, true, true, false},
		{"min score", view(func(v *segment.View) { v.MinScore = 0.5 }), true, false, true, false},
		{"min score equal to a score shows it", view(func(v *segment.View) { v.MinScore = 0.3 }), true, true, true, false},
		{"hide", view(func(v *segment.View) { v.Hide = []int{1} }), false, true, true, false},
		{"opacity", view(func(v *segment.View) { v.Opacity = 0.9 }), true, true, true, true},
		{"opacity zero", view(func(v *segment.View) { v.Opacity = 0 }), false, false, true, false},
		{"points only", view(func(v *segment.View) { v.Layers = segment.LayerPoints }), false, false, true, false},
		{"segments only", view(func(v *segment.View) { v.Layers = segment.LayerSegments }), true, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, tag := render(t, tt.view)
			if got := tinted(img, left); got != tt.wantLeft {
				t.Errorf("left segment tinted = %v, want %v (%v)", got, tt.wantLeft, img.RGBAAt(left.X, left.Y))
			}
			if got := tinted(img, right); got != tt.wantRight {
				t.Errorf("right segment tinted = %v, want %v (%v)", got, tt.wantRight, img.RGBAAt(right.X, right.Y))
			}
			if got := tinted(img, point); got != tt.wantPoint {
				t.Errorf("prompt point drawn = %v, want %v", got, tt.wantPoint)
			}
			if tt.wantLeft {
				differs := img.RGBAAt(left.X, left.Y) != base.RGBAAt(left.X, left.Y)
				if differs != tt.leftDiffersFromDefault {
					t.Errorf("left tint %v, default %v: differs = %v, want %v",
						img.RGBAAt(left.X, left.Y), base.RGBAAt(left.X, left.Y), differs, tt.leftDiffersFromDefault)
				}
			}
			if sameView := tt.name == "default explicit"; (tag == baseTag) != sameView {
				t.Errorf("ETag %s vs default %s: equal = %v, want %v", tag, baseTag, tag == baseTag, sameView)
			}
		})
	}
}

// TestRenderViewReusesMasks pins that a new view of an image drawn before
// (another threshold, another opacity) takes the segments' masks from the
// mask cache, and gives the same bytes as a Service that keeps no masks.
func TestRenderViewReusesMasks(t *testing.T) {
	t.Parallel()
	job := &cdf.SegmentJob{JobID: 5, Status: cdf.StatusCompleted,
		Items: []cdf.SegmentItem{{FileID: 9, Segments: []cdf.Segment{
			{Score: 0.3, Polygons: []cdf.Polygon{poly(0.55, 0.1, 0.95, 0.6)}},
			{Score: 0.9, Polygons: []cdf.Polygon{poly(0.05, 0.1, 0.6, 0.7)}},
		}}}}
	fake := &fakeCDF{job: job, files: map[int64]*fakeFile{9: {data: solidPNG(t, 300, 200), updated: 1000}}}
	cached, direct := New(fake, Options{}), New(fake, Options{MaskCacheBytes: -1})
	view := func(f func(*segment.View)) *segment.View { v := segment.DefaultView(); f(&v); return &v }
	views := []struct {
		name string
		view *segment.View
	}{
		{"default", nil},
		{"threshold", view(func(v *segment.View) { v.MinScore = 0.5 })},
		{"opacity", view(func(v *segment.View) { v.Opacity = 0.85 })},
		{"a lower opacity", view(func(v *segment.View) { v.Opacity = 0.2 })},
	}
	for i, v := range views {
		hits := cached.masks.Stats().Hits
		want, err := direct.renderRead(context.Background(), Request{JobID: 5, FileID: 9, Format: FormatPNG, View: v.view})
		if err != nil {
			t.Fatal(err)
		}
		got, err := cached.renderRead(context.Background(), Request{JobID: 5, FileID: 9, Format: FormatPNG, View: v.view})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Body, want.Body) {
			t.Errorf("%s: the output differs with the mask cache", v.name)
		}
		if reused := cached.masks.Stats().Hits - hits; (i > 0) != (reused > 0) {
			t.Errorf("%s: %d masks reused", v.name, reused)
		}
	}
	if direct.masks.Len() != 0 {
		t.Errorf("MaskCacheBytes -1 kept %d masks", direct.masks.Len())
	}
}
