package overlay

import (
	"image"
	"image/color"
	"image/draw"
	"testing"

	"github.com/segview/segview/internal/geom"
)

// cropScene is a drawing with every kind of mark: segments crossing the
// crops' edges (one with a hole, one smaller on top), a box and points,
// some of them on the whole image's border.
func cropScene(img image.Image, crop *Crop) Spec {
	return Spec{
		Image: img,
		Segments: []Segment{
			{Polygons: []geom.Polygon{wavyCircle(0.5, 0.5, 0.3, 300), circle(0.55, 0.45, 0.08, 64)}, Color: Color(1)},
			{Polygons: []geom.Polygon{rect(0.2, 0.3, 0.62, 0.52)}, Color: Color(2)},
			{Polygons: []geom.Polygon{spikes(0.3, 0.7, 0.05, 0.2, 40)}, Color: Color(3)},
			{Polygons: []geom.Polygon{rect(-0.1, 0.8, 0.3, 1.2)}, Color: Color(4)},
		},
		Points: []PromptPoint{{X: 0.5, Y: 0.5, Label: LabelForeground}, {X: 0.26, Y: 0.74, Label: LabelBackground}, {X: 0, Y: 0, Label: LabelForeground}},
		Box:    &Box{XMin: 0.3, YMin: 0.26, XMax: 1, YMax: 0.7},
		Crop:   crop,
	}
}

// TestCropMatchesWholeAtSameZoom pins the rule of Spec.Crop: a crop drawn
// at width w is the same rectangle of the whole image drawn at width
// w / (X1−X0), stroke widths, marker sizes, dashes and colours included,
// to a few levels where the crop's arithmetic rounds a vertex differently.
func TestCropMatchesWholeAtSameZoom(t *testing.T) {
	t.Parallel()
	const W, H = 400, 300 // the whole image at the zoom of every crop
	whole := scene(W, H)
	full := render(t, cropScene(whole, nil))
	tests := []struct {
		name string
		crop Crop
	}{
		{"centre quarter", Crop{0.25, 0.25, 0.75, 0.75}},
		{"top-left corner", Crop{0, 0, 0.5, 0.5}},
		{"bottom-right strip", Crop{0.5, 0.6, 1, 1}},
		{"narrow tall", Crop{0.25, 0, 0.375, 1}},
		{"whole", Crop{0, 0, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := tt.crop
			r := image.Rect(int(c.X0*W), int(c.Y0*H), int(c.X1*W), int(c.Y1*H))
			src := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
			draw.Draw(src, src.Rect, whole, r.Min, draw.Src)
			got := render(t, cropScene(src, &c))
			if got.Rect.Size() != r.Size() {
				t.Fatalf("size %v, want %v", got.Rect.Size(), r.Size())
			}
			off, changed := 0, 0
			for y := range r.Dy() {
				for x := range r.Dx() {
					g, w := got.RGBAAt(x, y), full.RGBAAt(r.Min.X+x, r.Min.Y+y)
					if w != whole.RGBAAt(r.Min.X+x, r.Min.Y+y) {
						changed++
					}
					if !near(g, w, 4) {
						off++
						if off <= 3 {
							t.Errorf("pixel (%d,%d) of the crop is %v, the whole image's is %v", x, y, g, w)
						}
					}
				}
			}
			if off > 0 {
				t.Errorf("%d of %d pixels differ from the whole image's", off, r.Dx()*r.Dy())
			}
			if changed == 0 {
				t.Fatal("nothing drawn in the crop: the test compares nothing")
			}
		})
	}
}

// TestCropScalesStrokesWithZoom: the same crop drawn at twice the width
// has strokes twice as wide, as the whole image at twice the width has;
// without the crop, the output's width alone would decide them.
func TestCropScalesStrokesWithZoom(t *testing.T) {
	t.Parallel()
	// A vertical outline at x = 0.5 of the whole image (its other edges lie
	// outside it), in a crop of its
	// middle fifth: it crosses the output at its centre.
	spec := func(w int, crop *Crop) Spec {
		return Spec{Image: uniform(w, w, color.RGBA{0, 0, 0, 255}), Segments: []Segment{{Polygons: []geom.Polygon{rect(0.5, -1, 2, 2)}, Color: color.NRGBA{255, 255, 255, 255}}},
			Style: Style{NoFill: true}, Crop: crop}
	}
	lit := func(img *image.RGBA) int {
		n, y := 0, img.Rect.Dy()/2
		for x := range img.Rect.Dx() {
			if img.RGBAAt(x, y).R > 127 {
				n++
			}
		}
		return n
	}
	crop := &Crop{0.4, 0.4, 0.6, 0.6}
	tests := []struct {
		name string
		spec Spec
		want int
	}{
		// 200 px across a fifth: the whole image is 1000 px, outlines 2 px.
		{"crop at zoom 1", spec(200, crop), 2},
		{"crop at zoom 2", spec(400, crop), 4},
		{"crop at zoom 5", spec(1000, crop), 10},
		{"whole at 1000", spec(1000, nil), 2},
	}
	for _, tt := range tests {
		if got := lit(render(t, tt.spec)); got != tt.want {
			t.Errorf("%s: outline %d px wide, want %d", tt.name, got, tt.want)
		}
	}
}
