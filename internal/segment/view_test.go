package segment

import (
	"image"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/overlay"
)

func TestLayerNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		layer  Layers
		wantOK bool
	}{
		{"segments", LayerSegments, true},
		{"outlines", LayerOutlines, true},
		{"points", LayerPoints, true},
		{"box", LayerBox, true},
		{"labels", LayerLabels, true},
		{"Box", 0, false},
		{"", 0, false},
		{"all", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := ParseLayer(tt.name)
			if got != tt.layer || ok != tt.wantOK {
				t.Errorf("ParseLayer(%q) = %v, %v; want %v, %v", tt.name, got, ok, tt.layer, tt.wantOK)
			}
		})
	}

	names := LayerNames()
	names[0].Name = "changed"
	if again := LayerNames(); again[0].Name != "segments" {
		t.Errorf("LayerNames()[0] after changing a copy = %q, want segments", again[0].Name)
	}
	var all Layers
	for _, n := range LayerNames() {
		all |= n.Layer
	}
	if all != AllLayers {
		t.Errorf("LayerNames cover %v, want %v", all, AllLayers)
	}
}

func TestLayersString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		layers Layers
		want   string
	}{
		{0, ""},
		{AllLayers, "segments,outlines,points,box,labels"},
		{DefaultLayers, "segments,outlines,points,box"},
		{LayerLabels | LayerSegments, "segments,labels"},
		{LayerBox | LayerSegments, "segments,box"},
		{LayerPoints, "points"},
	}
	for _, tt := range tests {
		if got := tt.layers.String(); got != tt.want {
			t.Errorf("Layers(%d).String() = %q, want %q", tt.layers, got, tt.want)
		}
	}
}

func TestViewShows(t *testing.T) {
	t.Parallel()
	seg := Ranked{Rank: 2, Score: 0.5}
	tests := []struct {
		name string
		view View
		want bool
	}{
		{"default", DefaultView(), true},
		{"score equal to MinScore", View{MinScore: 0.5}, true},
		{"score below MinScore", View{MinScore: 0.6}, false},
		{"hidden", View{Hide: []int{1, 2, 3}}, false},
		{"others hidden", View{Hide: []int{1, 3}}, true},
		// Layers and opacity decide how, not whether: exports keep the segment.
		{"no layers", View{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.view.Shows(seg); got != tt.want {
				t.Errorf("Shows = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestViewKey(t *testing.T) {
	t.Parallel()
	with := func(f func(*View)) View { v := DefaultView(); f(&v); return v }
	views := map[string]View{
		"default":   DefaultView(),
		"min score": with(func(v *View) { v.MinScore = 0.5 }),
		"opacity":   with(func(v *View) { v.Opacity = 0.7 }),
		"layers":    with(func(v *View) { v.Layers = LayerPoints }),
		"labels":    with(func(v *View) { v.Layers = DefaultLayers | LayerLabels }),
		"hide 1":    with(func(v *View) { v.Hide = []int{1} }),
		"hide 1,2":  with(func(v *View) { v.Hide = []int{1, 2} }),
		"hide 12":   with(func(v *View) { v.Hide = []int{12} }),
	}
	seen := map[string]string{}
	for name, v := range views {
		k := v.Key()
		if other, ok := seen[k]; ok {
			t.Errorf("views %q and %q share the key %q", name, other, k)
		}
		seen[k] = name
	}
	if a, b := DefaultView().Key(), with(func(v *View) { v.Hide = []int{} }).Key(); a != b {
		t.Errorf("an empty Hide changes the key: %q vs %q", a, b)
	}
}

func TestViewSpec(t *testing.T) {
	t.Parallel()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	ranked := Rank([]cdf.Segment{
		{Score: 0.9, Polygons: []cdf.Polygon{poly(0, 0, 0.5, 0.5)}},
		{Score: 0.3, Polygons: []cdf.Polygon{poly(0.5, 0.5, 1, 1)}},
	})
	prompt := cdf.Prompt{
		Points:      []cdf.PromptPoint{{X: 0.1, Y: 0.2, Label: cdf.LabelForeground}},
		BoundingBox: &cdf.BoundingBox{XMin: 0.1, YMin: 0.2, XMax: 0.3, YMax: 0.4},
	}
	type want struct {
		Colors        []int // ranks of the segments drawn
		Points        int
		Box           bool
		Style         overlay.Style
		SameImage     bool
		FirstPolygons int
		Labels        []string
	}
	with := func(f func(*View)) View { v := DefaultView(); f(&v); return v }
	tests := []struct {
		name string
		view View
		want want
	}{
		{"default", DefaultView(), want{Colors: []int{1, 2}, Points: 1, Box: true, Style: overlay.Style{FillAlpha: overlay.DefaultFillAlpha}}},
		{"min score", with(func(v *View) { v.MinScore = 0.5 }), want{Colors: []int{1}, Points: 1, Box: true, Style: overlay.Style{FillAlpha: overlay.DefaultFillAlpha}}},
		{"hide", with(func(v *View) { v.Hide = []int{1} }), want{Colors: []int{2}, Points: 1, Box: true, Style: overlay.Style{FillAlpha: overlay.DefaultFillAlpha}}},
		{"opacity zero", with(func(v *View) { v.Opacity = 0 }), want{Colors: []int{1, 2}, Points: 1, Box: true, Style: overlay.Style{NoFill: true}}},
		{"outlines only", with(func(v *View) { v.Layers = LayerOutlines }), want{Colors: []int{1, 2}, Style: overlay.Style{FillAlpha: overlay.DefaultFillAlpha, NoFill: true}}},
		{"fills only", with(func(v *View) { v.Layers = LayerSegments; v.Opacity = 0.7 }), want{Colors: []int{1, 2}, Style: overlay.Style{FillAlpha: 0.7, NoOutline: true}}},
		{"prompt only", with(func(v *View) { v.Layers = LayerPoints | LayerBox }), want{Points: 1, Box: true, Style: overlay.Style{FillAlpha: overlay.DefaultFillAlpha, NoFill: true, NoOutline: true}}},
		{"nothing", View{}, want{Style: overlay.Style{NoFill: true, NoOutline: true}}},
		{"labels", with(func(v *View) { v.Layers |= LayerLabels }), want{Colors: []int{1, 2}, Labels: []string{"1", "2"}, Points: 1, Box: true, Style: overlay.Style{FillAlpha: overlay.DefaultFillAlpha}}},
		{"labels of the shown", with(func(v *View) { v.Layers |= LayerLabels; v.Hide = []int{1} }), want{Colors: []int{2}, Labels: []string{"2"}, Points: 1, Box: true, Style: overlay.Style{FillAlpha: overlay.DefaultFillAlpha}}},
		{"labels only", with(func(v *View) { v.Layers = LayerLabels }), want{Colors: []int{1, 2}, Labels: []string{"1", "2"}, Style: overlay.Style{FillAlpha: overlay.DefaultFillAlpha, NoFill: true, NoOutline: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spec := tt.view.Spec(img, ranked, prompt)
			got := want{Points: len(spec.Points), Box: spec.Box != nil, Style: spec.Style, SameImage: spec.Image == image.Image(img)}
			for _, s := range spec.Segments {
				if s.Label != "" {
					got.Labels = append(got.Labels, s.Label)
				}
				for _, r := range ranked {
					if s.Color == r.Color {
						got.Colors = append(got.Colors, r.Rank)
					}
				}
			}
			if len(spec.Segments) > 0 {
				got.FirstPolygons = len(spec.Segments[0].Polygons)
			}
			tt.want.SameImage = true
			if len(tt.want.Colors) > 0 {
				tt.want.FirstPolygons = 1
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Spec (-want +got):\n%s", diff)
			}
		})
	}
	spec := DefaultView().Spec(img, ranked, prompt)
	if p := spec.Points[0]; p != (overlay.PromptPoint{X: 0.1, Y: 0.2, Label: cdf.LabelForeground}) {
		t.Errorf("point %+v", p)
	}
	if b := *spec.Box; b != (overlay.Box{XMin: 0.1, YMin: 0.2, XMax: 0.3, YMax: 0.4}) {
		t.Errorf("box %+v", b)
	}
}
