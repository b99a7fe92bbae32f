package geom

import (
	"math"
	"testing"
)

// uShape is a U open at the top: arms 0.3 wide, a bar 0.3 high, and a
// notch between the arms whose area centroid falls inside the notch.
var uShape = Polygon{{0.1, 0.1}, {0.4, 0.1}, {0.4, 0.6}, {0.6, 0.6}, {0.6, 0.1}, {0.9, 0.1}, {0.9, 0.9}, {0.1, 0.9}}

func TestPole(t *testing.T) {
	t.Parallel()
	// The largest circle in the U's corners touches two outer edges and
	// the notch's corner: c = √2(0.3 − c).
	uCorner := 0.3 * math.Sqrt2 / (1 + math.Sqrt2)
	tests := []struct {
		name      string
		polys     []Polygon
		w, h      float64
		precision float64
		best      float64 // the largest distance, in pixels
		near      *Point  // where the pole must be, when it is unique
		centroid  bool    // the area centroid is outside, as a check on the case
	}{
		{name: "square: its centre", polys: []Polygon{rect(0.2, 0.2, 0.8, 0.8, false)}, w: 1000, h: 1000, precision: 0.5, best: 300, near: &Point{0.5, 0.5}},
		{name: "square, reversed", polys: []Polygon{rect(0.2, 0.2, 0.8, 0.8, true)}, w: 1000, h: 1000, precision: 0.5, best: 300, near: &Point{0.5, 0.5}},
		{
			name:  "annulus: in the band, not the hole",
			polys: []Polygon{circle(0.5, 0.5, 0.4, 512), circle(0.5, 0.5, 0.2, 512)},
			w:     1000, h: 1000, precision: 0.5, best: 100, centroid: true,
		},
		{name: "U-shape: in an arm's corner", polys: []Polygon{uShape}, w: 1000, h: 1000, precision: 0.5, best: uCorner * 1000, centroid: true},
		{name: "thin sliver", polys: []Polygon{rect(0.1, 0.5, 0.9, 0.504, false)}, w: 1000, h: 1000, precision: 0.25, best: 2},
		{name: "diagonal sliver", polys: []Polygon{{{0.1, 0.1}, {0.9, 0.896}, {0.9, 0.904}}}, w: 1000, h: 1000, precision: 0.25},
		{name: "triangle: its incentre", polys: []Polygon{{{0, 0}, {1, 0}, {0, 1}}}, w: 1000, h: 1000, precision: 0.5, best: 1000 / (2 + math.Sqrt2), near: &Point{1 / (2 + math.Sqrt2), 1 / (2 + math.Sqrt2)}},
		// On a 4:1 image a normalized square is a wide rectangle: the
		// distance is half its height in pixels.
		{name: "aspect: square on a wide image", polys: []Polygon{rect(0.25, 0.25, 0.75, 0.75, false)}, w: 2000, h: 500, precision: 0.5, best: 125},
		{name: "two parts: the roomier one", polys: []Polygon{rect(0, 0, 0.2, 0.2, false), rect(0.5, 0.5, 0.9, 0.9, false)}, w: 1000, h: 1000, precision: 0.5, best: 200, near: &Point{0.7, 0.7}},
		{name: "default precision", polys: []Polygon{rect(0.2, 0.2, 0.8, 0.8, false)}, w: 1000, h: 1000, best: 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, d, ok := Pole(tt.polys, tt.w, tt.h, tt.precision)
			if !ok {
				t.Fatal("no pole")
			}
			if !insideEvenOdd(p, tt.polys) {
				t.Errorf("pole %v is not inside the area", p)
			}
			precision := tt.precision
			if precision <= 0 {
				precision = 1
			}
			if got := edgeDistance(p, tt.polys, tt.w, tt.h); math.Abs(got-d) > 1e-9 {
				t.Errorf("reported distance %g, measured %g", d, got)
			}
			if tt.best > 0 && (d < tt.best-precision-0.05 || d > tt.best+0.05) {
				t.Errorf("distance %g, want within %g of %g", d, precision, tt.best)
			}
			if tt.best == 0 && !(d > 0) {
				t.Errorf("distance %g, want > 0", d)
			}
			if n := tt.near; n != nil && math.Hypot((p.X-n.X)*tt.w, (p.Y-n.Y)*tt.h) > 2*precision+1 {
				t.Errorf("pole %v, want near %v", p, *n)
			}
			if tt.centroid {
				var px []Polygon
				for _, r := range tt.polys {
					px = append(px, r)
				}
				if c, ok := centroid(px); !ok || insideEvenOdd(c, tt.polys) {
					t.Errorf("centroid %v is inside: the case does not test what it says", c)
				}
			}
		})
	}
}

func TestPoleDegenerate(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	tests := []struct {
		name  string
		polys []Polygon
		w, h  float64
	}{
		{"nil", nil, 100, 100},
		{"two vertices", []Polygon{{{0, 0}, {1, 1}}}, 100, 100},
		{"collinear", []Polygon{{{0, 0}, {0.5, 0.5}, {1, 1}}}, 100, 100},
		{"horizontal line", []Polygon{{{0, 0.5}, {0.5, 0.5}, {1, 0.5}}}, 100, 100},
		{"NaN", []Polygon{{{0, 0}, {nan, 0}, {1, 1}}}, 100, 100},
		{"zero width", []Polygon{rect(0, 0, 1, 1, false)}, 0, 100},
		{"NaN height", []Polygon{rect(0, 0, 1, 1, false)}, 100, nan},
		{"infinite width", []Polygon{rect(0, 0, 1, 1, false)}, math.Inf(1), 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if p, d, ok := Pole(tt.polys, tt.w, tt.h, 1); ok {
				t.Errorf("Pole = %v, %g, true; want false", p, d)
			}
		})
	}
}

func TestLargestPart(t *testing.T) {
	t.Parallel()
	big, hole := rect(0.1, 0.1, 0.9, 0.9, false), rect(0.2, 0.2, 0.8, 0.8, false)
	small := rect(0.92, 0.92, 0.99, 0.99, false)
	island := rect(0.3, 0.3, 0.7, 0.7, false)
	tests := []struct {
		name  string
		polys []Polygon
		want  int // rings in the part
		area  float64
	}{
		{"nil", nil, 0, 0},
		{"one ring", []Polygon{small}, 1, 0.0049},
		{"largest of two", []Polygon{small, island}, 1, 0.16},
		// The frame (0.64 − 0.36 = 0.28) is larger than the island (0.16).
		{"frame with its hole, not the island", []Polygon{island, small, hole, big}, 2, 0.28},
		{"hole bigger than what is left: the island wins", []Polygon{rect(0.1, 0.1, 0.9, 0.9, false), rect(0.11, 0.11, 0.89, 0.89, false), island}, 1, 0.16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := LargestPart(tt.polys)
			if len(got) != tt.want || math.Abs(Area(got)-tt.area) > 1e-9 {
				t.Errorf("LargestPart = %d rings of area %g, want %d of %g", len(got), Area(got), tt.want, tt.area)
			}
		})
	}
}

// insideEvenOdd reports whether q is strictly inside an odd number of rings.
func insideEvenOdd(q Point, polys []Polygon) bool {
	in := false
	for _, p := range polys {
		switch PointInRing(q, p) {
		case 0:
			return false
		case 1:
			in = !in
		}
	}
	return in
}

// edgeDistance measures, by brute force in pixels, how far q is from the
// nearest edge of polys.
func edgeDistance(q Point, polys []Polygon, w, h float64) float64 {
	best := math.Inf(1)
	for _, p := range polys {
		for i := range p {
			a, b := p[i], p[(i+1)%len(p)]
			ax, ay, bx, by := a.X*w, a.Y*h, b.X*w, b.Y*h
			qx, qy := q.X*w, q.Y*h
			// Sample the edge finely and refine with the projection.
			dx, dy := bx-ax, by-ay
			t := 0.0
			if l := dx*dx + dy*dy; l > 0 {
				t = math.Max(0, math.Min(1, ((qx-ax)*dx+(qy-ay)*dy)/l))
			}
			best = math.Min(best, math.Hypot(qx-(ax+t*dx), qy-(ay+t*dy)))
		}
	}
	return best
}

func BenchmarkPole(b *testing.B) {
	// A 1000-vertex star-like ring: concave, so the search has work to do.
	p := make(Polygon, 1000)
	for i := range p {
		a := 2 * math.Pi * float64(i) / float64(len(p))
		r := 0.3 + 0.1*math.Sin(7*a)
		p[i] = Point{0.5 + r*math.Cos(a), 0.5 + r*math.Sin(a)}
	}
	polys := []Polygon{p}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, ok := Pole(polys, 1600, 1200, 1); !ok {
			b.Fatal("no pole")
		}
	}
}
