package cdfsim

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSynthesizeSegments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		aspect float64
		points []Point
		box    *Box
	}{
		{name: "box only", aspect: 4.0 / 3, box: &Box{0.2, 0.3, 0.6, 0.9}},
		{name: "one foreground point", aspect: 4.0 / 3, points: []Point{{0.5, 0.5, 1}}},
		{name: "foreground and background", aspect: 1, points: []Point{{0.4, 0.4, 1}, {0.45, 0.5, 1}, {0.55, 0.45, 0}}},
		{name: "points and box", aspect: 16.0 / 9, points: []Point{{0.3, 0.3, 1}, {0.1, 0.1, 0}}, box: &Box{0.2, 0.2, 0.5, 0.5}},
		{name: "background only", aspect: 0.75, points: []Point{{0.1, 0.1, 0}, {0.9, 0.9, 0}}},
		{name: "corner point", aspect: 4.0 / 3, points: []Point{{0, 0, 1}}},
		{name: "far corner point", aspect: 3.0 / 4, points: []Point{{1, 1, 1}}},
		{name: "whole-image box", aspect: 2, box: &Box{0, 0, 1, 1}},
		{name: "sliver box at the edge", aspect: 1, box: &Box{0.98, 0, 1, 0.01}},
		{name: "extreme aspect", aspect: 8, points: []Point{{0.5, 0.5, 1}}},
		{name: "invalid aspect falls back", aspect: math.NaN(), points: []Point{{0.5, 0.5, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			segs := synthesizeSegments(42, tt.aspect, tt.points, tt.box)
			if n := len(segs); n < 1 || n > 3 {
				t.Fatalf("%d segments, want 1 to 3", n)
			}
			for i, s := range segs {
				if !(s.Score > 0 && s.Score < 1) {
					t.Errorf("segment %d: score %v outside (0,1)", i, s.Score)
				}
				if i > 0 && s.Score > segs[i-1].Score {
					t.Errorf("segment %d: scores not in descending order", i)
				}
				for _, poly := range s.Polygons {
					if n := len(poly); n < 3 || n > 1000 {
						t.Errorf("segment %d: polygon with %d vertices", i, n)
					}
					for _, v := range poly {
						if v.X < 0 || v.X > 1 || v.Y < 0 || v.Y > 1 || math.IsNaN(v.X) || math.IsNaN(v.Y) {
							t.Fatalf("segment %d: vertex %v outside [0,1]", i, v)
						}
					}
				}
			}
			hasFG := false
			for _, p := range tt.points {
				hasFG = hasFG || p.Label == 1
			}
			if hasFG {
				for _, p := range tt.points {
					if p.Label == 0 && insideSegment(segs[0], p.X, p.Y) {
						t.Errorf("background point %v is inside the best segment", p)
					}
				}
			}
			if diff := cmp.Diff(segs, synthesizeSegments(42, tt.aspect, tt.points, tt.box)); diff != "" {
				t.Errorf("not deterministic (-first +second):\n%s", diff)
			}
			if cmp.Equal(segs, synthesizeSegments(43, tt.aspect, tt.points, tt.box)) {
				t.Errorf("another file gives the very same segments")
			}
		})
	}
}

// insideSegment reports whether (x, y) is inside the segment, even-odd over
// all its polygons (so holes count as outside).
func insideSegment(s Segment, x, y float64) bool {
	in := false
	for _, poly := range s.Polygons {
		for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
			a, b := poly[i], poly[j]
			if (a.Y > y) != (b.Y > y) && x < (b.X-a.X)*(y-a.Y)/(b.Y-a.Y)+a.X {
				in = !in
			}
		}
	}
	return in
}
