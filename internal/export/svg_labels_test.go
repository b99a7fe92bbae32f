package export

import (
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/geom"
	"github.com/segview/segview/internal/overlay"
	"github.com/segview/segview/internal/segment"
)

// svgLabel is a parsed label badge: its group, its shape and its text.
type svgLabel struct {
	rank        int
	shape, text svgElem
}

func labelsOf(t *testing.T, es []svgElem) []svgLabel {
	t.Helper()
	var out []svgLabel
	for i, e := range es {
		if e.name != "g" || e.attrs["class"] != "label" {
			continue
		}
		if i+2 >= len(es) || es[i+2].name != "text" {
			t.Fatalf("label group %v is not a shape and a text", e.attrs)
		}
		rank, err := strconv.Atoi(e.attrs["data-rank"])
		if err != nil {
			t.Fatalf("data-rank %q", e.attrs["data-rank"])
		}
		out = append(out, svgLabel{rank: rank, shape: es[i+1], text: es[i+2]})
	}
	return out
}

func attrFloat(t *testing.T, e svgElem, name string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(e.attrs[name], 64)
	if err != nil {
		t.Fatalf("%s %s=%q: %v", e.name, name, e.attrs[name], err)
	}
	return v
}

func TestToSVGLabels(t *testing.T) {
	t.Parallel()
	def := segment.DefaultView()
	with := func(f func(*segment.View)) segment.View { v := def; f(&v); return v }
	tests := []struct {
		name   string
		view   segment.View
		rerank map[int]int // rank changes, to get long labels
		ranks  []int       // labels drawn, in order
		paths  int
		shape  string // circle or rect
	}{
		{name: "off by default", view: def, paths: 2},
		{name: "on", view: with(func(v *segment.View) { v.Layers |= segment.LayerLabels }), ranks: []int{1, 2}, paths: 2, shape: "circle"},
		{name: "labels only", view: with(func(v *segment.View) { v.Layers = segment.LayerLabels }), ranks: []int{1, 2}, shape: "circle"},
		{name: "hidden segment: no label", view: with(func(v *segment.View) { v.Layers |= segment.LayerLabels; v.Hide = []int{2} }), ranks: []int{1}, paths: 1, shape: "circle"},
		{name: "below min score: no label", view: with(func(v *segment.View) { v.Layers |= segment.LayerLabels; v.MinScore = 0.6 }), ranks: []int{1}, paths: 1, shape: "circle"},
		{name: "three digits: a pill", view: with(func(v *segment.View) { v.Layers = segment.LayerLabels }), rerank: map[int]int{1: 128, 2: 129}, ranks: []int{128, 129}, shape: "rect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := testOverlay(tt.view)
			for i, r := range o.Ranked {
				if n, ok := tt.rerank[r.Rank]; ok {
					o.Ranked[i].Rank = n
				}
			}
			es := parseSVG(t, ToSVG(o))
			if got := len(byName(es, "path")); got != tt.paths {
				t.Errorf("%d paths, want %d", got, tt.paths)
			}
			var ranks []int
			for _, l := range labelsOf(t, es) {
				ranks = append(ranks, l.rank)
				var seg segment.Ranked
				for _, r := range o.Ranked {
					if r.Rank == l.rank {
						seg = r
					}
				}
				if l.shape.name != tt.shape {
					t.Errorf("rank %d: badge is a %s, want a %s", l.rank, l.shape.name, tt.shape)
				}
				ink := hex(overlay.LabelInk(seg.Color))
				if l.shape.attrs["fill"] != hex(seg.Color) || l.shape.attrs["stroke"] != ink || l.text.attrs["fill"] != ink {
					t.Errorf("rank %d: badge %v, text %v; want fill %s, ink %s", l.rank, l.shape.attrs, l.text.attrs, hex(seg.Color), ink)
				}
				if l.text.text != strconv.Itoa(l.rank) || l.text.attrs["text-anchor"] != "middle" || attrFloat(t, l.text, "font-size") <= 0 {
					t.Errorf("rank %d: text %q %v", l.rank, l.text.text, l.text.attrs)
				}
				// The badge is where the raster overlay puts it, inside the
				// segment (not in a hole).
				b, ok := overlay.PlaceLabel(strconv.Itoa(l.rank), seg.Polygons, o.Width, o.Height)
				if !ok {
					t.Fatalf("rank %d: no place", l.rank)
				}
				cx := attrFloat(t, l.text, "x")
				cy := attrFloat(t, l.text, "y") - (b.TextY - b.Y)
				if abs(cx-b.X) > 0.01 || abs(cy-b.Y) > 0.02 {
					t.Errorf("rank %d: centre (%g, %g), overlay places it at (%g, %g)", l.rank, cx, cy, b.X, b.Y)
				}
				if l.shape.name == "circle" && (attrFloat(t, l.shape, "cx") != cx || attrFloat(t, l.shape, "cy") != round2(b.Y) || attrFloat(t, l.shape, "r") != round2(b.H/2)) {
					t.Errorf("rank %d: circle %v, want centre (%g, %g) radius %g", l.rank, l.shape.attrs, cx, b.Y, b.H/2)
				}
				in := false
				for _, p := range seg.Polygons {
					if geom.PointInRing(geom.Point{X: cx / float64(o.Width), Y: cy / float64(o.Height)}, p) == 1 {
						in = !in
					}
				}
				if !in {
					t.Errorf("rank %d: badge centre (%g, %g) is not inside the segment", l.rank, cx, cy)
				}
			}
			if diff := cmp.Diff(tt.ranks, ranks); diff != "" {
				t.Errorf("label ranks (-want +got):\n%s", diff)
			}
		})
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
