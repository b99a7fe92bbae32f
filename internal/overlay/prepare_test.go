package overlay

import (
	"bytes"
	"fmt"
	"image"
	"math/rand/v2"
	"testing"
)

// TestPrepareMasks: masks prepared for an image's size, without its
// pixels, leave a Render of the same spec nothing to rasterize (every
// segment's masks found in the cache), and that Render gives the pixels of
// one without a cache, for several styles, a crop and both worker counts.
func TestPrepareMasks(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(31, 37))
	var segs []Segment
	for i := range 10 {
		segs = append(segs, Segment{Polygons: randomSegment(rng), Color: Color(i + 1), Label: fmt.Sprint(i + 1)})
	}
	img := photo(400, 300)
	for _, tc := range []struct {
		name    string
		style   Style
		crop    *Crop
		workers int
	}{
		{"default", Style{}, nil, 1},
		{"two workers", Style{FillAlpha: 0.7}, nil, 2},
		{"no outline", Style{NoOutline: true}, nil, 1},
		{"a crop", Style{}, &Crop{X0: 0.1, Y0: 0.2, X1: 0.6, Y1: 0.7}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := Spec{Image: img, Segments: segs, Style: tc.style, Crop: tc.crop,
				Points: []PromptPoint{{X: 0.5, Y: 0.5, Label: LabelForeground}}, Box: &Box{XMin: 0.2, YMin: 0.2, XMax: 0.8, YMax: 0.8}}
			want, err := Render(spec)
			if err != nil {
				t.Fatal(err)
			}
			cache := NewMaskCache(64 << 20)
			prep := spec
			prep.Image, prep.Masks = nil, cache
			PrepareMasks(prep, img.Rect.Dx(), img.Rect.Dy(), tc.workers)
			if cache.Len() == 0 {
				t.Fatal("no masks prepared")
			}
			// Segments with nothing to draw (outside the crop) are never
			// kept, and miss every time: as many as a second Render on
			// masks kept by a first misses.
			warm := NewMaskCache(64 << 20)
			spec.Masks = warm
			if _, err := Render(spec); err != nil {
				t.Fatal(err)
			}
			s0 := warm.Stats()
			if _, err := Render(spec); err != nil {
				t.Fatal(err)
			}
			empty := warm.Stats().Misses - s0.Misses

			before := cache.Stats()
			spec.Masks = cache
			got, err := Render(spec)
			if err != nil {
				t.Fatal(err)
			}
			if missed := cache.Stats().Misses - before.Misses; missed != empty {
				t.Errorf("Render missed %d segments' masks after PrepareMasks, want %d (those with nothing to draw)", missed, empty)
			}
			if !bytes.Equal(got.Pix, want.Pix) {
				n, _ := comparePixels(want, got, 0)
				t.Errorf("%d pixels differ from a render without prepared masks", n)
			}
		})
	}
	// Another size: nothing prepared is used, and the pixels are right.
	cache := NewMaskCache(64 << 20)
	PrepareMasks(Spec{Segments: segs, Masks: cache}, 200, 150, 1)
	small := photo(300, 225)
	want, _ := Render(Spec{Image: small, Segments: segs})
	got, _ := Render(Spec{Image: small, Segments: segs, Masks: cache})
	if !bytes.Equal(got.Pix, want.Pix) || got.Rect != image.Rect(0, 0, 300, 225) {
		t.Error("masks prepared for another size changed a render")
	}
}
