package overlay

import (
	"bytes"
	"fmt"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/segview/segview/internal/geom"
)

// TestMaskCacheSamePixels pins MaskCache: a sequence of views drawn with one
// cache, each on masks drawn by an earlier view where it can, is byte for
// byte what drawing each view without a cache gives: other opacities,
// other subsets of the segments (a threshold), outlines off, another
// width, a crop, and the first view again.
func TestMaskCacheSamePixels(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 5))
	var all []Segment
	for i := range 12 {
		all = append(all, Segment{Polygons: randomSegment(rng), Color: Color(i + 1)})
	}
	// Two segments sharing an edge, and one along the image's border.
	all = append(all,
		Segment{Polygons: []geom.Polygon{rect(0.1, 0.1, 0.4, 0.3)}, Color: Color(13)},
		Segment{Polygons: []geom.Polygon{rect(0.4, 0.1, 0.7, 0.3)}, Color: Color(14)},
		Segment{Polygons: []geom.Polygon{rect(-0.1, 0.8, 0.3, 1.2)}, Color: Color(15), Label: "15"},
	)
	for i := range all {
		if i%3 != 2 {
			all[i].Label = fmt.Sprint(i + 1) // badges, whose anchors are kept too
		}
	}
	big, small := photo(480, 360), photo(300, 225)
	views := []struct {
		name  string
		img   *image.RGBA
		segs  []Segment
		style Style
		crop  *Crop
	}{
		{"all, default opacity", big, all, Style{}, nil},
		{"all, opacity 0.8", big, all, Style{FillAlpha: 0.8}, nil},
		{"a threshold: every other segment", big, everyOther(all), Style{FillAlpha: 0.55}, nil},
		{"fewer still, opaque", big, all[5:9], Style{FillAlpha: 1}, nil},
		{"no fill", big, all, Style{NoFill: true}, nil},
		{"no outline", big, all, Style{NoOutline: true, FillAlpha: 0.3}, nil},
		{"no outline, another opacity", big, everyOther(all), Style{NoOutline: true, FillAlpha: 0.6}, nil},
		{"another width", small, all, Style{}, nil},
		{"a crop", big, all, Style{FillAlpha: 0.5}, &Crop{X0: 0.2, Y0: 0.1, X1: 0.7, Y1: 0.6}},
		{"the crop, another threshold", big, everyOther(all), Style{}, &Crop{X0: 0.2, Y0: 0.1, X1: 0.7, Y1: 0.6}},
		{"the first again", big, all, Style{}, nil},
	}
	cache := NewMaskCache(64 << 20)
	for i, v := range views {
		spec := Spec{Image: v.img, Segments: v.segs, Style: v.style, Crop: v.crop,
			Points: []PromptPoint{{X: 0.5, Y: 0.5, Label: LabelForeground}}, Box: &Box{XMin: 0.2, YMin: 0.2, XMax: 0.8, YMax: 0.8}}
		want, err := Render(spec)
		if err != nil {
			t.Fatal(err)
		}
		hits := cache.Stats().Hits
		spec.Masks = cache
		got, err := Render(spec)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Pix, want.Pix) {
			n, _ := comparePixels(want, got, 0)
			t.Errorf("%s: %d pixels differ with the mask cache", v.name, n)
		}
		// The first view of each size, crop and outline setting draws;
		// a view after one of the same draws nothing with gg.
		reused := cache.Stats().Hits - hits
		if fresh := map[int]bool{0: true, 5: true, 7: true, 8: true}[i]; !fresh && reused == 0 {
			t.Errorf("%s: no masks were reused", v.name)
		} else if fresh && reused != 0 {
			t.Errorf("%s: %d masks reused from another size or setting", v.name, reused)
		}
	}
	if cache.anchors.Stats().Hits == 0 {
		t.Error("no label anchor was reused")
	}
	if cache.Size() == 0 || cache.Size() > cache.Capacity() {
		t.Errorf("cache holds %d bytes, capacity %d", cache.Size(), cache.Capacity())
	}
}

// TestMaskCacheBounded pins that the cache holds no more than its bytes,
// and that a cache too small for any segment still draws the same.
func TestMaskCacheBounded(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(9, 9))
	var segs []Segment
	for i := range 8 {
		segs = append(segs, Segment{Polygons: randomSegment(rng), Color: Color(i + 1)})
	}
	img := photo(400, 300)
	for _, capacity := range []int64{0, 1 << 10, 40 << 10, 1 << 20} {
		t.Run(fmt.Sprint(capacity), func(t *testing.T) {
			want, _ := Render(Spec{Image: img, Segments: segs})
			cache := NewMaskCache(capacity)
			for range 2 {
				got, _ := Render(Spec{Image: img, Segments: segs, Masks: cache})
				if !bytes.Equal(got.Pix, want.Pix) {
					t.Errorf("pixels differ with a cache of %d bytes", capacity)
				}
				if cache.Size() > capacity {
					t.Errorf("cache holds %d bytes, capacity %d", cache.Size(), capacity)
				}
			}
		})
	}
}

func everyOther(s []Segment) []Segment {
	var out []Segment
	for i := 0; i < len(s); i += 2 {
		out = append(out, s[i])
	}
	return out
}
