package overlay

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/segview/segview/internal/geom"
)

// scene is a flat two-tone checkerboard: cheap to store as a golden and
// busy enough that a misplaced fill shows.
func scene(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	cell := max(1, h/6)
	for y := range h {
		for x := range w {
			c := color.RGBA{90, 100, 110, 255}
			if (x/cell+y/cell)%2 == 1 {
				c = color.RGBA{160, 170, 180, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func uniform(w, h int, c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:], []byte{c.R, c.G, c.B, c.A})
	}
	return img
}

func rect(x0, y0, x1, y1 float64) geom.Polygon {
	return geom.Polygon{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
}

// wavyCircle is a mask-like contour: a circle with bumps.
func wavyCircle(cx, cy, r float64, n int) geom.Polygon {
	p := make(geom.Polygon, n)
	for i := range p {
		a := 2 * math.Pi * float64(i) / float64(n)
		rr := r * (1 + 0.08*math.Sin(7*a) + 0.02*math.Sin(31*a))
		p[i] = geom.Point{X: cx + rr*math.Cos(a), Y: cy + rr*math.Sin(a)*4/3}
	}
	return p
}

// spikes is a star of n vertices alternating between radii r0 and r1.
func spikes(cx, cy, r0, r1 float64, n int) geom.Polygon {
	p := make(geom.Polygon, n)
	for i := range p {
		r := r1
		if i%2 == 1 {
			r = r0
		}
		a := 2 * math.Pi * float64(i) / float64(n)
		p[i] = geom.Point{X: cx + r*math.Cos(a)*0.75, Y: cy + r*math.Sin(a)}
	}
	return p
}

// figureEight is a lemniscate-like curve crossing itself at its centre.
func figureEight(cx, cy, w, h float64, n int) geom.Polygon {
	p := make(geom.Polygon, n)
	for i := range p {
		a := 2 * math.Pi * (float64(i) + 0.5) / float64(n)
		p[i] = geom.Point{X: cx + w/2*math.Sin(2*a), Y: cy + h*math.Sin(a)}
	}
	return p
}

// wavyLine runs from the top of the image to its bottom in n segments.
func wavyLine(n int) []geom.Point {
	l := make([]geom.Point, n+1)
	for i := range l {
		y := float64(i) / float64(n)
		l[i] = geom.Point{X: 0.5 + 0.2*math.Sin(9*y) + 0.003*math.Sin(97*y), Y: y}
	}
	return l
}

func circle(cx, cy, r float64, n int) geom.Polygon {
	p := make(geom.Polygon, n)
	for i := range p {
		a := 2 * math.Pi * float64(i) / float64(n)
		p[i] = geom.Point{X: cx + r*math.Cos(a), Y: cy + r*math.Sin(a)}
	}
	return p
}

// blend is c at opacity alpha over an opaque dst: what a fill should give.
func blend(dst color.RGBA, c color.NRGBA, alpha float64) color.RGBA {
	mix := func(d, s uint8) uint8 { return uint8(math.Round(float64(d)*(1-alpha) + float64(s)*alpha)) }
	return color.RGBA{mix(dst.R, c.R), mix(dst.G, c.G), mix(dst.B, c.B), 255}
}

func near(got, want color.RGBA, tol int) bool {
	d := func(a, b uint8) bool { return int(a)-int(b) <= tol && int(b)-int(a) <= tol }
	return d(got.R, want.R) && d(got.G, want.G) && d(got.B, want.B) && d(got.A, want.A)
}

func render(t *testing.T, spec Spec) *image.RGBA {
	t.Helper()
	img, err := Render(spec)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return img
}

// at returns the pixel at normalized position (x, y).
func at(img *image.RGBA, x, y float64) (int, int) {
	return int(x * float64(img.Rect.Dx())), int(y * float64(img.Rect.Dy()))
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		spec  func() Spec
		check func(t *testing.T, src, got *image.RGBA)
	}{
		{
			name: "square",
			spec: func() Spec {
				return Spec{Image: scene(480, 360), Segments: []Segment{{Polygons: []geom.Polygon{rect(0.25, 0.25, 0.75, 0.75)}, Color: Color(1)}}}
			},
			check: func(t *testing.T, src, got *image.RGBA) {
				x, y := at(got, 0.5, 0.5)
				if want := blend(src.RGBAAt(x, y), Color(1), DefaultFillAlpha); !near(got.RGBAAt(x, y), want, 2) {
					t.Errorf("inside = %v, want %v", got.RGBAAt(x, y), want)
				}
				if got.RGBAAt(10, 10) != src.RGBAAt(10, 10) {
					t.Error("pixel outside the square changed")
				}
			},
		},
		{
			name: "hole",
			spec: func() Spec {
				return Spec{Image: scene(480, 360), Segments: []Segment{{
					Polygons: []geom.Polygon{rect(0.1, 0.1, 0.9, 0.9), rect(0.35, 0.35, 0.65, 0.65)},
					Color:    Color(3),
				}}}
			},
			check: func(t *testing.T, src, got *image.RGBA) {
				for _, p := range [][2]float64{{0.5, 0.5}, {0.4, 0.4}, {0.6, 0.6}} {
					x, y := at(got, p[0], p[1])
					if got.RGBAAt(x, y) != src.RGBAAt(x, y) {
						t.Errorf("hole pixel (%d,%d) = %v, want the source %v untinted", x, y, got.RGBAAt(x, y), src.RGBAAt(x, y))
					}
				}
				x, y := at(got, 0.2, 0.5)
				if want := blend(src.RGBAAt(x, y), Color(3), DefaultFillAlpha); !near(got.RGBAAt(x, y), want, 2) {
					t.Errorf("ring pixel = %v, want %v", got.RGBAAt(x, y), want)
				}
			},
		},
		{
			name: "two_segments",
			spec: func() Spec {
				// The small one is listed first but must end up on top.
				return Spec{Image: scene(480, 360), Segments: []Segment{
					{Polygons: []geom.Polygon{circle(0.6, 0.5, 0.15, 120)}, Color: Color(2)},
					{Polygons: []geom.Polygon{rect(0.1, 0.2, 0.9, 0.8)}, Color: Color(1)},
				}}
			},
			check: func(t *testing.T, src, got *image.RGBA) {
				x, y := at(got, 0.6, 0.5)
				s := src.RGBAAt(x, y)
				smallOnTop := blend(blend(s, Color(1), DefaultFillAlpha), Color(2), DefaultFillAlpha)
				bigOnTop := blend(blend(s, Color(2), DefaultFillAlpha), Color(1), DefaultFillAlpha)
				if near(smallOnTop, bigOnTop, 6) {
					t.Fatal("test colours do not tell the drawing order apart")
				}
				if !near(got.RGBAAt(x, y), smallOnTop, 2) {
					t.Errorf("overlap = %v, want %v (small segment on top; big on top would be %v)", got.RGBAAt(x, y), smallOnTop, bigOnTop)
				}
			},
		},
		{
			name: "points",
			spec: func() Spec {
				return Spec{Image: scene(1000, 600), Points: []PromptPoint{
					{X: 0.3, Y: 0.5, Label: LabelForeground},
					{X: 0.7, Y: 0.5, Label: LabelBackground},
					{X: 0.5, Y: 0.5, Label: -1}, // SAM padding: not drawn
				}}
			},
			check: func(t *testing.T, src, got *image.RGBA) {
				// 1000 px wide: radius 8, edge and sign 2 px wide, arms 4.4 px.
				wantAt := []struct {
					x, y int
					want color.RGBA
					what string
				}{
					{300, 300, color.RGBA{255, 255, 255, 255}, "foreground centre"},
					{300, 297, color.RGBA{255, 255, 255, 255}, "foreground vertical arm"},
					{296, 296, color.RGBA{0, 170, 70, 255}, "foreground disc"},
					{700, 300, color.RGBA{255, 255, 255, 255}, "background centre"},
					{700, 297, color.RGBA{225, 35, 35, 255}, "background disc above the minus"},
					{500, 300, src.RGBAAt(500, 300), "unlabelled point"},
					{312, 300, src.RGBAAt(312, 300), "outside the marker"},
				}
				for _, w := range wantAt {
					if g := got.RGBAAt(w.x, w.y); !near(g, w.want, 2) {
						t.Errorf("%s (%d,%d) = %v, want %v", w.what, w.x, w.y, g, w.want)
					}
				}
			},
		},
		{
			name: "box",
			spec: func() Spec {
				return Spec{Image: scene(1000, 600), Box: &Box{XMin: 0.2, YMin: 0.25, XMax: 0.8, YMax: 0.75}}
			},
			check: func(t *testing.T, src, got *image.RGBA) {
				// The top edge is at y = 150: white dashes over a dark line.
				var light, dark int
				for x := 300; x < 700; x++ {
					switch c := got.RGBAAt(x, 150); {
					case near(c, color.RGBA{255, 255, 255, 255}, 2):
						light++
					case near(c, color.RGBA{20, 20, 20, 255}, 2):
						dark++
					default:
						t.Fatalf("box edge pixel (%d,150) = %v, neither dash nor underlay", x, c)
					}
				}
				if light < 150 || dark < 100 {
					t.Errorf("box edge has %d white and %d dark pixels, want dashes and gaps", light, dark)
				}
				if got.RGBAAt(500, 300) != src.RGBAAt(500, 300) {
					t.Error("box interior changed")
				}
			},
		},
		{
			// A 1000-vertex contour with a 1000-vertex hole wound the same
			// way (a hole by the even-odd rule, not by winding), and a
			// 1000-vertex star whose 500 spikes are a few pixels wide.
			name: "many_vertices",
			spec: func() Spec {
				return Spec{Image: scene(480, 360), Segments: []Segment{
					{Polygons: []geom.Polygon{wavyCircle(0.3, 0.5, 0.22, 1000), wavyCircle(0.3, 0.5, 0.1, 1000)}, Color: Color(3)},
					{Polygons: []geom.Polygon{spikes(0.72, 0.5, 0.04, 0.24, 1000)}, Color: Color(6)},
				}}
			},
			check: func(t *testing.T, src, got *image.RGBA) {
				for _, p := range [][2]float64{{0.3, 0.5}, {0.32, 0.47}} {
					if x, y := at(got, p[0], p[1]); got.RGBAAt(x, y) != src.RGBAAt(x, y) {
						t.Errorf("hole pixel (%d,%d) tinted", x, y)
					}
				}
				x, y := at(got, 0.3, 0.5+0.16*480/360)
				if want := blend(src.RGBAAt(x, y), Color(3), DefaultFillAlpha); !near(got.RGBAAt(x, y), want, 2) {
					t.Errorf("ring pixel (%d,%d) = %v, want %v", x, y, got.RGBAAt(x, y), want)
				}
				for _, p := range []geom.Polygon{wavyCircle(0.3, 0.5, 0.22, 1000), spikes(0.72, 0.5, 0.04, 0.24, 1000)} {
					if d, bad := geom.SelfIntersection(p); bad {
						t.Errorf("test polygon is not simple: %s", d)
					}
				}
			},
		},
		{
			// The image split along a 200-vertex curve into two segments,
			// with a third, smaller one over both.
			name: "adjacent_segments",
			spec: func() Spec {
				left, right := split(wavyLine(200))
				return Spec{Image: scene(480, 360), Segments: []Segment{
					{Polygons: []geom.Polygon{left}, Color: Color(1)},
					{Polygons: []geom.Polygon{right}, Color: Color(5)},
					{Polygons: []geom.Polygon{circle(0.5, 0.5, 0.1, 200)}, Color: Color(3)},
				}}
			},
			check: func(t *testing.T, src, got *image.RGBA) {
				// Away from the small one, every pixel holds at least the
				// fill's share of the two colours: no seam shows the photo.
				for y := range got.Rect.Dy() {
					for x := range got.Rect.Dx() {
						if math.Hypot(float64(x)/480-0.5, float64(y)/360-0.5) < 0.15 {
							continue
						}
						if ka, kb := tint(got.RGBAAt(x, y), src.RGBAAt(x, y), Color(1), Color(5)); ka+kb < DefaultFillAlpha-0.05 {
							t.Fatalf("pixel (%d,%d) = %v holds only %.2f of the segments' colours", x, y, got.RGBAAt(x, y), ka+kb)
						}
					}
				}
			},
		},
		{
			// Both lobes of a bow-tie and of a figure eight are filled by
			// the even-odd rule; geom.Validate reports them.
			name: "self_intersecting",
			spec: func() Spec {
				return Spec{Image: scene(480, 360), Segments: []Segment{
					{Polygons: []geom.Polygon{{{X: 0.05, Y: 0.2}, {X: 0.45, Y: 0.8}, {X: 0.45, Y: 0.2}, {X: 0.05, Y: 0.8}}}, Color: Color(2)},
					{Polygons: []geom.Polygon{figureEight(0.75, 0.5, 0.2, 0.3, 400)}, Color: Color(7)},
				}}
			},
			check: func(t *testing.T, src, got *image.RGBA) {
				for _, p := range []struct {
					x, y float64
					c    color.NRGBA
				}{{0.12, 0.5, Color(2)}, {0.38, 0.5, Color(2)}, {0.75, 0.35, Color(7)}, {0.75, 0.65, Color(7)}} {
					x, y := at(got, p.x, p.y)
					if want := blend(src.RGBAAt(x, y), p.c, DefaultFillAlpha); !near(got.RGBAAt(x, y), want, 2) {
						t.Errorf("lobe pixel (%d,%d) = %v, want %v", x, y, got.RGBAAt(x, y), want)
					}
				}
			},
		},
		{
			// Polygons reaching outside the image keep their shape inside
			// it and are not outlined along the image's border.
			name: "clipped",
			spec: func() Spec {
				return Spec{Image: scene(480, 360), Segments: []Segment{
					{Polygons: []geom.Polygon{{{X: 0.5, Y: 0.5}, {X: 1.5, Y: 0.5}, {X: 0.5, Y: 1.5}}}, Color: Color(1)},
					{Polygons: []geom.Polygon{{{X: -1e300, Y: 0.1}, {X: 0.3, Y: 0.1}, {X: 0.3, Y: 0.4}, {X: -1e300, Y: 0.4}}}, Color: Color(2)},
				}}
			},
			check: func(t *testing.T, src, got *image.RGBA) {
				for _, p := range []struct {
					x, y int
					c    color.NRGBA
				}{{475, 355, Color(1)}, {479, 300, Color(1)}, {0, 100, Color(2)}} {
					if want := blend(src.RGBAAt(p.x, p.y), p.c, DefaultFillAlpha); !near(got.RGBAAt(p.x, p.y), want, 2) {
						t.Errorf("pixel (%d,%d) = %v, want the fill %v", p.x, p.y, got.RGBAAt(p.x, p.y), want)
					}
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spec := tt.spec()
			src := toRGBA(spec.Image)
			got := render(t, spec)
			tt.check(t, src, got)
			checkGolden(t, tt.name, got)
		})
	}
}

func TestRenderFillAlpha(t *testing.T) {
	t.Parallel()
	bg := color.RGBA{100, 150, 200, 255}
	c := Color(5)
	tests := []struct {
		alpha float64
		want  color.RGBA
	}{
		{0, blend(bg, c, DefaultFillAlpha)},
		{math.NaN(), blend(bg, c, DefaultFillAlpha)},
		{-1, blend(bg, c, DefaultFillAlpha)},
		{0.75, blend(bg, c, 0.75)},
		{1, color.RGBA{c.R, c.G, c.B, 255}},
		{3, color.RGBA{c.R, c.G, c.B, 255}},
	}
	for _, tt := range tests {
		got := render(t, Spec{
			Image:    uniform(100, 100, bg),
			Segments: []Segment{{Polygons: []geom.Polygon{rect(0.1, 0.1, 0.9, 0.9)}, Color: c}},
			Style:    Style{FillAlpha: tt.alpha},
		})
		if p := got.RGBAAt(50, 50); !near(p, tt.want, 2) {
			t.Errorf("FillAlpha %v: inside = %v, want %v", tt.alpha, p, tt.want)
		}
	}
}

func TestRenderDegenerateInput(t *testing.T) {
	t.Parallel()
	nan, inf := math.NaN(), math.Inf(1)
	seg := func(polys ...geom.Polygon) []Segment { return []Segment{{Polygons: polys, Color: Color(1)}} }
	tests := []struct {
		name string
		spec Spec
		// unchanged means nothing may be drawn at all.
		unchanged bool
	}{
		{name: "NaN vertex", spec: Spec{Segments: seg(geom.Polygon{{X: 0.1, Y: 0.1}, {X: nan, Y: 0.5}, {X: 0.9, Y: 0.9}})}, unchanged: true},
		{name: "infinite vertex", spec: Spec{Segments: seg(geom.Polygon{{X: 0.1, Y: 0.1}, {X: inf, Y: 0.5}, {X: 0.9, Y: -inf}})}, unchanged: true},
		{name: "two vertices", spec: Spec{Segments: seg(geom.Polygon{{X: 0.1, Y: 0.1}, {X: 0.9, Y: 0.9}})}, unchanged: true},
		{name: "empty polygons and segments", spec: Spec{Segments: append(seg(nil, geom.Polygon{}), Segment{})}, unchanged: true},
		{name: "out of range", spec: Spec{Segments: seg(rect(-5, -1e300, 7, 1e300))}},
		{name: "self-intersecting bow-tie", spec: Spec{Segments: seg(geom.Polygon{{X: 0, Y: 0}, {X: 1, Y: 1}, {X: 1, Y: 0}, {X: 0, Y: 1}})}},
		{name: "zero area", spec: Spec{Segments: seg(geom.Polygon{{X: 0.1, Y: 0.1}, {X: 0.5, Y: 0.5}, {X: 0.9, Y: 0.9}})}},
		{name: "all vertices equal", spec: Spec{Segments: seg(geom.Polygon{{X: 0.5, Y: 0.5}, {X: 0.5, Y: 0.5}, {X: 0.5, Y: 0.5}})}},
		{name: "1000-vertex circle", spec: Spec{Segments: seg(circle(0.5, 0.5, 0.4, 1000))}},
		{name: "1000-vertex circle far outside", spec: Spec{Segments: seg(circle(50, -50, 30, 1000))}},
		{name: "NaN box", spec: Spec{Box: &Box{XMin: nan, YMin: 0, XMax: 1, YMax: 1}}, unchanged: true},
		{name: "inverted box", spec: Spec{Box: &Box{XMin: 0.9, YMin: 0.8, XMax: 0.1, YMax: 0.2}}},
		{name: "empty box", spec: Spec{Box: &Box{XMin: 0.5, YMin: 0.5, XMax: 0.5, YMax: 0.5}}},
		{name: "box beyond the image", spec: Spec{Box: &Box{XMin: -3, YMin: -3, XMax: 4, YMax: 4}}},
		{name: "infinite point", spec: Spec{Points: []PromptPoint{{X: inf, Y: 0.5, Label: 1}, {X: 0.5, Y: nan, Label: 0}}}, unchanged: true},
		{name: "points out of range", spec: Spec{Points: []PromptPoint{{X: -1, Y: 2, Label: 1}, {X: 1e9, Y: 0.5, Label: 0}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := scene(60, 40)
			tt.spec.Image = src
			got := render(t, tt.spec)
			if tt.unchanged && !bytes.Equal(got.Pix, src.Pix) {
				t.Error("something was drawn for input that should be skipped")
			}
		})
	}

	t.Run("out-of-range polygon is clipped to the whole image", func(t *testing.T) {
		t.Parallel()
		bg := color.RGBA{100, 150, 200, 255}
		got := render(t, Spec{Image: uniform(60, 40, bg), Segments: seg(rect(-5, -1e300, 7, 1e300))})
		if p, want := got.RGBAAt(30, 20), blend(bg, Color(1), DefaultFillAlpha); !near(p, want, 2) {
			t.Errorf("centre = %v, want tinted %v", p, want)
		}
	})

	t.Run("box on the image edge stays visible", func(t *testing.T) {
		t.Parallel()
		bg := color.RGBA{100, 150, 200, 255}
		got := render(t, Spec{Image: uniform(100, 100, bg), Box: &Box{XMin: 0, YMin: 0, XMax: 1, YMax: 1}})
		for _, p := range []image.Point{{50, 0}, {0, 50}, {99, 50}, {50, 99}} {
			if got.RGBAAt(p.X, p.Y) == bg {
				t.Errorf("edge pixel %v not drawn", p)
			}
		}
	})
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	for name, img := range map[string]image.Image{
		"nil":         nil,
		"zero width":  image.NewRGBA(image.Rect(0, 0, 0, 10)),
		"zero height": image.NewGray(image.Rect(5, 5, 10, 5)),
	} {
		if _, err := Render(Spec{Image: img}); !errors.Is(err, ErrNoImage) {
			t.Errorf("%s: err = %v, want ErrNoImage", name, err)
		}
	}
}

func TestRenderLeavesSourceAlone(t *testing.T) {
	t.Parallel()
	big := scene(100, 80)
	src := big.SubImage(image.Rect(20, 10, 70, 50)).(*image.RGBA)
	before := toRGBA(src)
	got := render(t, Spec{
		Image:    src,
		Segments: []Segment{{Polygons: []geom.Polygon{rect(0.2, 0.2, 0.8, 0.8)}, Color: Color(1)}},
		Box:      &Box{XMin: 0.1, YMin: 0.1, XMax: 0.9, YMax: 0.9},
	})
	if got.Rect != image.Rect(0, 0, 50, 40) {
		t.Errorf("bounds %v, want the source size at the origin", got.Rect)
	}
	if got.RGBAAt(0, 0) != before.RGBAAt(0, 0) {
		t.Errorf("origin pixel %v, want the sub-image's first pixel %v", got.RGBAAt(0, 0), before.RGBAAt(0, 0))
	}
	if !bytes.Equal(toRGBA(src).Pix, before.Pix) {
		t.Error("Render modified the source image")
	}
}

func TestPalette(t *testing.T) {
	t.Parallel()
	pal := Palette()
	if len(pal) != 7 {
		t.Fatalf("%d colours, want the 7 Okabe–Ito colours without black", len(pal))
	}
	seen := map[color.NRGBA]bool{}
	for i, c := range pal {
		if c.A != 255 || (c.R == 0 && c.G == 0 && c.B == 0) || seen[c] {
			t.Errorf("Palette()[%d] = %v: want opaque, not black, distinct", i, c)
		}
		seen[c] = true
	}
	for rank, want := range map[int]int{1: 0, 2: 1, 7: 6, 8: 0, 15: 0, 0: 6, -6: 0} {
		if got := Color(rank); got != pal[want] {
			t.Errorf("Color(%d) = %v, want Palette()[%d]", rank, got, want)
		}
	}
	// Palette returns a copy: writing to it changes neither the next copy
	// nor the colours segments are drawn in.
	orange := pal[0]
	pal[0] = color.NRGBA{}
	if got := Palette()[0]; got != orange {
		t.Errorf("after a caller wrote to its copy, Palette()[0] = %v, want %v", got, orange)
	}
	if got := Color(1); got != orange {
		t.Errorf("after a caller wrote to its copy, Color(1) = %v, want %v", got, orange)
	}
}
