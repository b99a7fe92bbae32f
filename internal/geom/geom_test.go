package geom

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// rect returns the axis-aligned rectangle [x0,x1]×[y0,y1], clockwise in
// image coordinates unless reversed.
func rect(x0, y0, x1, y1 float64, reversed bool) Polygon {
	p := Polygon{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
	if reversed {
		for i, j := 0, len(p)-1; i < j; i, j = i+1, j-1 {
			p[i], p[j] = p[j], p[i]
		}
	}
	return p
}

func circle(cx, cy, r float64, n int) Polygon {
	p := make(Polygon, n)
	for i := range p {
		a := 2 * math.Pi * float64(i) / float64(n)
		p[i] = Point{cx + r*math.Cos(a), cy + r*math.Sin(a)}
	}
	return p
}

func TestArea(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	tests := []struct {
		name  string
		polys []Polygon
		want  float64
	}{
		{"nil", nil, 0},
		{"unit square", []Polygon{rect(0, 0, 1, 1, false)}, 1},
		{"square either winding", []Polygon{rect(0.1, 0.1, 0.6, 0.6, true)}, 0.25},
		{"triangle", []Polygon{{{0, 0}, {1, 0}, {0, 1}}}, 0.5},
		{"square with hole", []Polygon{rect(0, 0, 1, 1, false), rect(0.25, 0.25, 0.75, 0.75, false)}, 0.75},
		{"hole listed first", []Polygon{rect(0.25, 0.25, 0.75, 0.75, true), rect(0, 0, 1, 1, false)}, 0.75},
		{"two disjoint", []Polygon{rect(0, 0, 0.5, 0.5, false), rect(0.5, 0.5, 1, 0.75, false)}, 0.25 + 0.125},
		{
			// 1 - 0.64 + 0.36 - 0.04: solid, hole, island in the hole, lake on the island.
			name: "nested four deep",
			polys: []Polygon{
				rect(0, 0, 1, 1, false), rect(0.1, 0.1, 0.9, 0.9, true),
				rect(0.2, 0.2, 0.8, 0.8, false), rect(0.4, 0.4, 0.6, 0.6, true),
			},
			want: 0.68,
		},
		{
			name:  "nested three deep, shuffled",
			polys: []Polygon{rect(0.2, 0.2, 0.8, 0.8, false), rect(0, 0, 1, 1, false), rect(0.1, 0.1, 0.9, 0.9, false)},
			want:  1 - 0.64 + 0.36,
		},
		{"hole touching the outer edge at a vertex", []Polygon{rect(0, 0, 1, 1, false), {{0, 0}, {0.5, 0}, {0.5, 0.5}}}, 0.875},
		{"two identical rings cancel", []Polygon{rect(0, 0, 0.5, 0.5, false), rect(0, 0, 0.5, 0.5, true)}, 0},
		{"circle", []Polygon{circle(0.5, 0.5, 0.5, 4096)}, math.Pi / 4},
		{"degenerate: two vertices", []Polygon{{{0, 0}, {1, 1}}}, 0},
		{"degenerate: collinear", []Polygon{{{0, 0}, {0.5, 0.5}, {1, 1}}}, 0},
		{"degenerate: NaN ignored", []Polygon{{{0, 0}, {nan, 0}, {1, 1}}, rect(0, 0, 0.5, 0.5, false)}, 0.25},
		{"degenerate: infinity ignored", []Polygon{{{0, 0}, {math.Inf(1), 0}, {1, 1}}}, 0},
		{"degenerate: empty polygon", []Polygon{{}}, 0},
		{"out of range is measured as given", []Polygon{rect(-1, 0, 1, 1, false)}, 2},
		// Documented approximation: the bow-tie's lobes have opposite
		// windings and cancel, although even-odd would cover 0.5.
		{"self-intersecting bow-tie", []Polygon{{{0, 0}, {1, 1}, {1, 0}, {0, 1}}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Area(tt.polys)
			if math.Abs(got-tt.want) > 1e-6 {
				t.Errorf("Area = %.9g, want %.9g", got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	nan, inf := math.NaN(), math.Inf(-1)
	tests := []struct {
		name        string
		polys       []Polygon
		maxVertices int
		want        []Problem
	}{
		{"nil", nil, 0, nil},
		{"fine", []Polygon{rect(0, 0, 1, 1, false), {{0.2, 0.2}, {1, 0}, {0, 1}}}, 4, nil},
		{
			name:  "too few vertices",
			polys: []Polygon{rect(0, 0, 1, 1, false), {{0, 0}, {1, 1}}, {}},
			want: []Problem{
				{Polygon: 1, Kind: KindTooFewVertices, Detail: "2 vertices; a polygon needs at least 3"},
				{Polygon: 2, Kind: KindTooFewVertices, Detail: "0 vertices; a polygon needs at least 3"},
			},
		},
		{
			name:  "not finite, counted once per polygon",
			polys: []Polygon{{{0, 0}, {nan, 0.5}, {1, inf}, {1, 1}}},
			want:  []Problem{{Polygon: 0, Kind: KindNotFinite, Detail: "vertex 1 is (NaN, 0.5) (and 1 more)"}},
		},
		{
			name:  "out of range",
			polys: []Polygon{{{0, 0}, {1.2, 0.3}, {0.5, -0.01}}},
			want:  []Problem{{Polygon: 0, Kind: KindOutOfRange, Detail: "vertex 1 is (1.2, 0.3), outside 0..1 (and 1 more)"}},
		},
		{"edges of the range are in range", []Polygon{{{0, 0}, {1, 0}, {1, 1}}}, 0, nil},
		{
			name:        "too many vertices",
			polys:       []Polygon{circle(0.5, 0.5, 0.4, 10), circle(0.5, 0.5, 0.4, 11)},
			maxVertices: 10,
			want:        []Problem{{Polygon: 1, Kind: KindTooManyVertices, Detail: "11 vertices, above the limit of 10"}},
		},
		{"no limit when maxVertices is 0", []Polygon{circle(0.5, 0.5, 0.4, 1000)}, 0, nil},
		{
			name:  "several kinds for one polygon, in a fixed order",
			polys: []Polygon{{{2, 0}, {nan, nan}}},
			want: []Problem{
				{Polygon: 0, Kind: KindTooFewVertices, Detail: "2 vertices; a polygon needs at least 3"},
				{Polygon: 0, Kind: KindNotFinite, Detail: "vertex 1 is (NaN, NaN)"},
				{Polygon: 0, Kind: KindOutOfRange, Detail: "vertex 0 is (2, 0), outside 0..1"},
			},
		},
		{
			name:  "self-intersecting after the other kinds",
			polys: []Polygon{rect(0, 0, 1, 1, false), {{0, 0}, {1.5, 1}, {1, 0}, {0, 1}}},
			want: []Problem{
				{Polygon: 1, Kind: KindOutOfRange, Detail: "vertex 1 is (1.5, 1), outside 0..1"},
				{Polygon: 1, Kind: KindSelfIntersecting, Detail: "edges 0–1 and 2–3 cross near (0.6, 0.4)"},
			},
		},
		{
			name:  "collinear triangle",
			polys: []Polygon{{{0.5, 0.5}, {1, 0}, {0, 1}}},
			want:  []Problem{{Polygon: 0, Kind: KindSelfIntersecting, Detail: "edges 1–2 and 2–0 overlap"}},
		},
		{
			name:  "not checked for self-intersection when not finite",
			polys: []Polygon{{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {nan, 0}}},
			want:  []Problem{{Polygon: 0, Kind: KindNotFinite, Detail: "vertex 4 is (NaN, 0)"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, Validate(tt.polys, tt.maxVertices)); diff != "" {
				t.Errorf("Validate mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProblemString(t *testing.T) {
	t.Parallel()
	p := Problem{Polygon: 2, Kind: KindOutOfRange, Detail: "vertex 5 is (1.2, 0.3), outside 0..1"}
	if got, want := p.String(), "polygon 2: out-of-range: vertex 5 is (1.2, 0.3), outside 0..1"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestBounds(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	tests := []struct {
		name     string
		polys    []Polygon
		min, max Point
		ok       bool
	}{
		{name: "nil"},
		{name: "only empty polygons", polys: []Polygon{{}, nil}},
		{name: "only NaN", polys: []Polygon{{{nan, nan}}}},
		{name: "one square", polys: []Polygon{rect(0.1, 0.2, 0.3, 0.4, false)}, min: Point{0.1, 0.2}, max: Point{0.3, 0.4}, ok: true},
		{
			name:  "across polygons, skipping non-finite vertices",
			polys: []Polygon{rect(0.5, 0.5, 0.6, 0.6, false), {{0.2, 0.9}, {nan, 0}, {math.Inf(1), 2}}},
			min:   Point{0.2, 0.5}, max: Point{0.6, 0.9}, ok: true,
		},
		{name: "single point", polys: []Polygon{{{0.3, 0.7}}}, min: Point{0.3, 0.7}, max: Point{0.3, 0.7}, ok: true},
		{name: "out of range kept", polys: []Polygon{{{-1, 0}, {2, 3}}}, min: Point{-1, 0}, max: Point{2, 3}, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			min, max, ok := Bounds(tt.polys)
			if diff := cmp.Diff([]any{tt.min, tt.max, tt.ok}, []any{min, max, ok}); diff != "" {
				t.Errorf("Bounds mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMeasurable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    Polygon
		want bool
	}{
		{nil, false},
		{Polygon{{0, 0}, {1, 1}}, false},
		{Polygon{{0, 0}, {1, 1}, {math.NaN(), 0}}, false},
		{Polygon{{0, 0}, {1, 1}, {5, -3}}, true},
	}
	for _, tt := range tests {
		if got := tt.p.Measurable(); got != tt.want {
			t.Errorf("%v.Measurable() = %v, want %v", tt.p, got, tt.want)
		}
	}
}

func BenchmarkArea(b *testing.B) {
	polys := make([]Polygon, 0, 50)
	for i := range 50 {
		polys = append(polys, circle(0.5, 0.5, 0.49*float64(50-i)/50, 500))
	}
	for b.Loop() {
		Area(polys)
	}
}
