package overlay

import (
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/segview/segview/internal/geom"
)

// annulus is a ring segment: a circle with a round hole, whose centroid is
// in the hole.
func annulus(cx, cy, r0, r1 float64, n int) []geom.Polygon {
	return []geom.Polygon{circle(cx, cy, r1, n), circle(cx, cy, r0, n)}
}

// uShape is a U open at the top, its centroid in the notch.
var uShape = geom.Polygon{{X: 0.55, Y: 0.1}, {X: 0.65, Y: 0.1}, {X: 0.65, Y: 0.6}, {X: 0.75, Y: 0.6}, {X: 0.75, Y: 0.1}, {X: 0.85, Y: 0.1}, {X: 0.85, Y: 0.9}, {X: 0.55, Y: 0.9}}

func TestRenderLabelsGolden(t *testing.T) {
	t.Parallel()
	spec := Spec{Image: scene(480, 360), Segments: []Segment{
		{Polygons: annulus(0.27, 0.5, 0.1, 0.2, 96), Color: Color(1), Label: "1"},
		{Polygons: []geom.Polygon{uShape}, Color: Color(5), Label: "2"},
		// Long label, segment in the corner: a pill kept within the image.
		{Polygons: []geom.Polygon{rect(0.93, 0.9, 1, 1)}, Color: Color(4), Label: "128"},
		// No label, no badge.
		{Polygons: []geom.Polygon{rect(0.02, 0.02, 0.1, 0.1)}, Color: Color(2)},
	}}
	got, err := Render(spec)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "labels", got)
}

// The badge sits at the pole of inaccessibility: in a ring's band, not in
// its hole where the centroid is.
func TestRenderLabelAtPole(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		w, h  int
		polys []geom.Polygon
		color color.NRGBA
		style Style
	}{
		{"ring", 480, 360, annulus(0.5, 0.5, 0.15, 0.3, 128), Color(1), Style{}},
		{"ring, outlines only", 480, 360, annulus(0.5, 0.5, 0.15, 0.3, 128), Color(2), Style{NoFill: true}},
		{"ring, no fill nor outline", 800, 600, annulus(0.5, 0.5, 0.15, 0.3, 128), Color(5), Style{NoFill: true, NoOutline: true}},
		{"U-shape, 1600 px", 1600, 1200, []geom.Polygon{uShape}, Color(3), Style{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := uniform(tt.w, tt.h, color.RGBA{128, 128, 128, 255})
			got, err := Render(Spec{Image: src, Segments: []Segment{{Polygons: tt.polys, Color: tt.color, Label: "7"}}, Style: tt.style})
			if err != nil {
				t.Fatal(err)
			}
			b, ok := PlaceLabel("7", tt.polys, tt.w, tt.h)
			if !ok {
				t.Fatal("no badge placed")
			}
			pole := geom.Point{X: b.X / float64(tt.w), Y: b.Y / float64(tt.h)}
			in := false
			for _, p := range tt.polys {
				if geom.PointInRing(pole, p) == 1 {
					in = !in
				}
			}
			if !in {
				t.Fatalf("badge centre %v is not inside the segment", pole)
			}
			// Above and below the digit, inside the badge's edge: the
			// segment's colour, opaque.
			want := color.RGBA{tt.color.R, tt.color.G, tt.color.B, 255}
			for _, dy := range []float64{-0.7, 0.7} {
				x, y := int(b.X), int(b.Y+dy*b.H/2)
				if c := got.RGBAAt(x, y); !near(c, want, 1) {
					t.Errorf("badge pixel (%d,%d) = %v, want the badge colour %v", x, y, c, want)
				}
			}
			// The digit is drawn in the ink, at the centre.
			ink := LabelInk(tt.color)
			if !hasColor(got, image.Rect(int(b.X-b.H/4), int(b.Y-b.H/4), int(b.X+b.H/4), int(b.Y+b.H/4)), color.RGBA{ink.R, ink.G, ink.B, 255}, 40) {
				t.Error("no ink pixel near the badge's centre: the label is missing")
			}
			// The badge is legible: at least 14 px tall on a 1600 px overlay,
			// 14 px = 2 × the minimum radius below.
			if b.H < 2*minLabelRadius {
				t.Errorf("badge %g px tall", b.H)
			}
		})
	}
	// The ring's centre, its centroid, is untouched: no badge there.
	src := uniform(480, 360, color.RGBA{128, 128, 128, 255})
	got, err := Render(Spec{Image: src, Segments: []Segment{{Polygons: annulus(0.5, 0.5, 0.15, 0.3, 128), Color: Color(1), Label: "7"}}})
	if err != nil {
		t.Fatal(err)
	}
	if c := got.RGBAAt(240, 180); c != src.RGBAAt(240, 180) {
		t.Errorf("hole centre = %v, want the source untouched", c)
	}
}

func hasColor(img *image.RGBA, r image.Rectangle, want color.RGBA, tol int) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if near(img.RGBAAt(x, y), want, tol) {
				return true
			}
		}
	}
	return false
}

func TestPlaceLabel(t *testing.T) {
	t.Parallel()
	square := []geom.Polygon{rect(0.25, 0.25, 0.75, 0.75)}
	tests := []struct {
		name    string
		label   string
		polys   []geom.Polygon
		w, h    int
		ok      bool
		radius  float64
		pill    bool
		centre  *[2]float64 // in pixels, within 1 px
		inImage bool
	}{
		{name: "1000 px", label: "1", polys: square, w: 1000, h: 800, ok: true, radius: 12, centre: &[2]float64{500, 400}},
		{name: "1600 px overlay", label: "3", polys: square, w: 1600, h: 1200, ok: true, radius: 19.2, centre: &[2]float64{800, 600}},
		{name: "full-size export", label: "3", polys: square, w: 6000, h: 4000, ok: true, radius: 72},
		{name: "small image: minimum radius", label: "3", polys: square, w: 200, h: 150, ok: true, radius: minLabelRadius},
		{name: "three digits: a pill", label: "128", polys: square, w: 1000, h: 800, ok: true, radius: 12, pill: true},
		{name: "corner: kept within the image", label: "12", polys: []geom.Polygon{rect(0.99, 0.99, 1, 1)}, w: 1000, h: 1000, ok: true, radius: 12, pill: true, inImage: true},
		{name: "outside the image", label: "1", polys: []geom.Polygon{rect(1.1, 0.2, 1.3, 0.4)}, w: 1000, h: 800},
		{name: "empty label", label: "", polys: square, w: 1000, h: 800},
		{name: "no polygon", label: "1", w: 1000, h: 800},
		{name: "flat polygon", label: "1", polys: []geom.Polygon{{{X: 0, Y: 0}, {X: 0.5, Y: 0.5}, {X: 1, Y: 1}}}, w: 1000, h: 800},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, ok := PlaceLabel(tt.label, tt.polys, tt.w, tt.h)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (%+v)", ok, tt.ok, b)
			}
			if !ok {
				return
			}
			if math.Abs(b.H/2-tt.radius) > 1e-9 || math.Abs(LabelRadius(tt.w, tt.h)-tt.radius) > 1e-9 {
				t.Errorf("radius %g (LabelRadius %g), want %g", b.H/2, LabelRadius(tt.w, tt.h), tt.radius)
			}
			if pill := b.W > b.H; pill != tt.pill || b.W < b.H {
				t.Errorf("badge %g×%g, want a pill: %v", b.W, b.H, tt.pill)
			}
			if c := tt.centre; c != nil && math.Hypot(b.X-c[0], b.Y-c[1]) > 1 {
				t.Errorf("centre (%g, %g), want (%g, %g)", b.X, b.Y, c[0], c[1])
			}
			if tt.inImage && (b.X-b.W/2 < 0 || b.Y-b.H/2 < 0 || b.X+b.W/2 > float64(tt.w) || b.Y+b.H/2 > float64(tt.h)) {
				t.Errorf("badge %+v sticks out of the %d×%d image", b, tt.w, tt.h)
			}
			// The text's ink is centred on the badge: its baseline is below
			// the centre by about half the digits' height.
			if d := b.TextY - b.Y; d < 0.2*b.FontSize || d > 0.5*b.FontSize {
				t.Errorf("baseline %g px below the centre, font %g px", d, b.FontSize)
			}
			if b.TextX >= b.X {
				t.Errorf("text starts at %g, right of the centre %g", b.TextX, b.X)
			}
		})
	}
}

func BenchmarkRenderLabels(b *testing.B) {
	src := scene(1600, 1200)
	var segs []Segment
	for i := range 20 {
		cx, cy := 0.1+0.2*float64(i%5), 0.15+0.23*float64(i/5)
		segs = append(segs, Segment{Polygons: []geom.Polygon{wavyCircle(cx, cy, 0.08, 1000)}, Color: Color(i + 1), Label: itoa(i + 1)})
	}
	for _, labels := range []bool{false, true} {
		name := "without"
		spec := Spec{Image: src, Segments: segs}
		if labels {
			name = "with"
		} else {
			spec.Segments = make([]Segment, len(segs))
			for i, s := range segs {
				s.Label = ""
				spec.Segments[i] = s
			}
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Render(spec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// When the crop does not show the badge's place on the whole image, the
// badge sits in the part of the segment the crop shows,
// sized for the whole image at that zoom.
func TestRenderLabelInCrop(t *testing.T) {
	t.Parallel()
	// A rectangle whose right part the crop shows: a 200 px square.
	polys := []geom.Polygon{rect(0.1, 0.3, 0.6, 0.5)}
	crop := &Crop{X0: 0.4, Y0: 0.25, X1: 1, Y1: 0.75}
	src := uniform(600, 500, color.RGBA{128, 128, 128, 255}) // the crop: 600×500 of a 1000×1000 frame
	got, err := Render(Spec{Image: src, Segments: []Segment{{Polygons: polys, Color: Color(1), Label: "1"}}, Crop: crop, Style: Style{NoFill: true, NoOutline: true}})
	if err != nil {
		t.Fatal(err)
	}
	// The visible part is x in 0..200 px of the crop (0.4..0.6 of the
	// whole), y 50..250: its pole is its centre (100, 150).
	want := color.RGBA{Color(1).R, Color(1).G, Color(1).B, 255}
	r := labelRadius * 1000.0 / referenceSize
	// 10 px above the centre: inside a badge of radius 12, outside one of
	// radius 8 (the crop's own size, 600 px, would give 8).
	x, y := 100, 140
	if c := got.RGBAAt(x, y); c != want {
		t.Errorf("badge pixel (%d,%d) = %v, want %v", x, y, c, want)
	}
	// The badge's radius is the whole frame's (12 px for 1000 px), not the
	// crop's: just outside it, the source.
	if c := got.RGBAAt(100, int(150-r-3)); c != src.RGBAAt(100, 0) {
		t.Errorf("pixel above the badge = %v, want the source", c)
	}
}

// A badge is placed once, on the whole image, and a crop that shows it
// shows it at the same place of the image: the ring's badge (whose pole is
// a tie all round the band) and a symmetric square's do not move between
// the whole image and crops of it at other zooms.
func TestLabelSameInCrop(t *testing.T) {
	t.Parallel()
	shapes := []struct {
		name  string
		polys []geom.Polygon
	}{
		// The demo's gauge bezel (cdfsim's pump skid, 1280×960): a thin band.
		{"demo ring", []geom.Polygon{pixelCircle(890, 360, 66, 96, 1280, 960), pixelCircle(890, 360, 54, 96, 1280, 960)}},
		{"ring", annulus(0.7, 0.375, 0.04, 0.08, 64)},
		{"ring, many vertices", annulus(0.7, 0.375, 0.05, 0.09, 360)},
		{"square", []geom.Polygon{rect(0.65, 0.3, 0.75, 0.45)}},
		{"diamond", []geom.Polygon{{{X: 0.7, Y: 0.27}, {X: 0.78, Y: 0.375}, {X: 0.7, Y: 0.48}, {X: 0.62, Y: 0.375}}}},
	}
	crops := []struct {
		name string
		crop Crop
		w, h int // the crop's output, rounded as the handler rounds it
	}{
		{"reviewer's crop at 1280 px", Crop{X0: 0.6, Y0: 0.25, X1: 0.8, Y1: 0.5}, 1280, 1200},
		{"odd size", Crop{X0: 0.6, Y0: 0.25, X1: 0.8, Y1: 0.5}, 1000, 938},
		{"wider crop", Crop{X0: 0.5, Y0: 0.2, X1: 0.9, Y1: 0.55}, 777, 510},
	}
	const fullW, fullH = 1280, 960
	for _, sh := range shapes {
		full, ok := renderedBadge(t, Spec{Segments: []Segment{{Polygons: sh.polys, Color: Color(1), Label: "1"}}}, fullW, fullH)
		if !ok {
			t.Fatalf("%s: no badge on the whole image", sh.name)
		}
		// The SVG's badge (PlaceLabel) is the PNG's.
		if svg, _ := PlaceLabel("1", sh.polys, fullW, fullH); math.Abs(svg.X-full.X) > 0.01 || math.Abs(svg.Y-full.Y) > 0.01 {
			t.Errorf("%s: PlaceLabel centre (%.2f, %.2f), the PNG's (%.2f, %.2f)", sh.name, svg.X, svg.Y, full.X, full.Y)
		}
		for _, c := range crops {
			t.Run(sh.name+"/"+c.name, func(t *testing.T) {
				crop := c.crop
				got, ok := renderedBadge(t, Spec{Segments: []Segment{{Polygons: sh.polys, Color: Color(1), Label: "1"}}, Crop: &crop}, c.w, c.h)
				if !ok {
					t.Fatal("no badge in the crop")
				}
				wantX := (full.X/fullW - crop.X0) / (crop.X1 - crop.X0) * float64(c.w)
				wantY := (full.Y/fullH - crop.Y0) / (crop.Y1 - crop.Y0) * float64(c.h)
				if math.Abs(got.X-wantX) > 1 || math.Abs(got.Y-wantY) > 1 {
					t.Errorf("badge centre in the crop (%.2f, %.2f), want the whole image's (%.2f, %.2f) mapped into it: (%.2f, %.2f)",
						got.X, got.Y, full.X, full.Y, wantX, wantY)
				}
			})
		}
	}
}

// renderedBadge is the badge Render draws for spec's first segment on a
// w×h output.
func renderedBadge(t *testing.T, spec Spec, w, h int) (LabelBadge, bool) {
	t.Helper()
	r := newRenderer(image.NewRGBA(image.Rect(0, 0, w, h)), spec.Crop)
	ds := r.drawables(spec)
	if len(ds) == 0 {
		return LabelBadge{}, false
	}
	radius := r.labelRadius()
	face, err := labelFace(labelFontScale * radius)
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	return r.badge(face, radius, ds[0])
}

// pixelCircle is a circle of radius r pixels about (cx, cy) on a w×h image,
// normalized and rounded to a millionth as cdfsim's demo writes it.
func pixelCircle(cx, cy, r float64, n, w, h int) geom.Polygon {
	out := make(geom.Polygon, n)
	for i := range out {
		a := 2 * math.Pi * float64(i) / float64(n)
		out[i] = geom.Point{X: math.Round((cx+r*math.Cos(a))/float64(w)*1e6) / 1e6, Y: math.Round((cy+r*math.Sin(a))/float64(h)*1e6) / 1e6}
	}
	return out
}
