package overlay

import (
	"image/color"
	"testing"

	"github.com/segview/segview/internal/geom"
)

func TestStyleNoFillNoOutline(t *testing.T) {
	t.Parallel()
	bg := color.RGBA{100, 100, 100, 255}
	red := color.NRGBA{220, 20, 20, 255}
	// A 100×100 image with a segment over its middle: the outline is 2 px
	// wide inside the square's edge at 25..75.
	inside, edge := [2]int{50, 50}, [2]int{25, 50}
	tests := []struct {
		name             string
		style            Style
		wantIn, wantEdge color.RGBA
	}{
		{"default", Style{}, blend(bg, red, DefaultFillAlpha), opaque(red)},
		{"opacity", Style{FillAlpha: 0.8}, blend(bg, red, 0.8), opaque(red)},
		{"no fill", Style{NoFill: true, FillAlpha: 0.8}, bg, opaque(red)},
		{"no outline", Style{NoOutline: true}, blend(bg, red, DefaultFillAlpha), blend(bg, red, DefaultFillAlpha)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := Render(Spec{
				Image:    uniform(100, 100, bg),
				Segments: []Segment{{Polygons: []geom.Polygon{rect(0.25, 0.25, 0.75, 0.75)}, Color: red}},
				Style:    tt.style,
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := out.RGBAAt(inside[0], inside[1]); !near(got, tt.wantIn, 2) {
				t.Errorf("inside = %v, want %v", got, tt.wantIn)
			}
			if got := out.RGBAAt(edge[0], edge[1]); !near(got, tt.wantEdge, 2) {
				t.Errorf("edge = %v, want %v", got, tt.wantEdge)
			}
			if got := out.RGBAAt(10, 10); got != bg {
				t.Errorf("outside = %v, want %v", got, bg)
			}
		})
	}
}
