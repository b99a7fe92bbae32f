package overlay

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/segview/segview/internal/geom"
)

// These tests pin down the pixel convention stated in the package comment:
// vertex (x, y) is at (x·W, y·H) in pixel-edge coordinates, a segment tints
// exactly the area its polygons cover (fill and outline alike), and edges
// are anti-aliased by area.

var (
	bg     = color.RGBA{100, 150, 200, 255}
	orange = Color(1)
)

func opaque(c color.NRGBA) color.RGBA { return color.RGBA{c.R, c.G, c.B, 255} }

// mixed is bg and c mixed by area: what a pixel a fraction a covered by an
// opaque colour shows.
func mixed(c color.NRGBA, a float64) color.RGBA { return blend(bg, c, a) }

func TestPixelConvention(t *testing.T) {
	t.Parallel()
	one := func(w, h int, polys ...geom.Polygon) *image.RGBA {
		return render(t, Spec{Image: uniform(w, h, bg), Segments: []Segment{{Polygons: polys, Color: orange}}})
	}
	fill := blend(bg, orange, DefaultFillAlpha)
	outline := opaque(orange)
	// checkRow compares row y of img with want, one colour per column.
	checkRow := func(t *testing.T, img *image.RGBA, y int, want func(x int) color.RGBA, tol int) {
		t.Helper()
		for x := range img.Rect.Dx() {
			if got := img.RGBAAt(x, y); !near(got, want(x), tol) {
				t.Errorf("pixel (%d,%d) = %v, want %v", x, y, got, want(x))
			}
		}
	}

	t.Run("a polygon over x in [0, 0.5] tints exactly the left half", func(t *testing.T) {
		t.Parallel()
		// 200×100: the outline is 1 px wide, inside the polygon.
		got := one(200, 100, rect(0, 0, 0.5, 1))
		for y := 1; y < 99; y++ {
			checkRow(t, got, y, func(x int) color.RGBA {
				switch {
				case x == 0 || x == 99:
					return outline
				case x < 99:
					return fill
				}
				return bg
			}, 0)
		}
		checkRow(t, got, 0, func(x int) color.RGBA {
			if x < 100 {
				return outline
			}
			return bg
		}, 0)
	})

	t.Run("an edge inside a pixel covers it by area", func(t *testing.T) {
		t.Parallel()
		// 201 wide: x = 0.5 is the middle of column 100, and x = 0.25 a
		// quarter into column 50.
		got := one(201, 100, rect(0, 0, 0.5, 1))
		checkRow(t, got, 50, func(x int) color.RGBA {
			switch {
			case x == 100: // half covered, all of it outline
				return mixed(orange, 0.5)
			case x == 99: // half outline, half fill
				return mixed(orange, 0.5+0.5*DefaultFillAlpha)
			case x == 0:
				return outline
			case x < 99:
				return fill
			}
			return bg
		}, 1)
		got = one(200, 100, rect(0.25+0.25/200, 0, 1, 1))
		checkRow(t, got, 50, func(x int) color.RGBA {
			switch {
			case x < 50:
				return bg
			case x == 50: // three quarters covered, all outline
				return mixed(orange, 0.75)
			case x == 51: // a quarter outline, the rest fill
				return mixed(orange, 0.25+0.75*DefaultFillAlpha)
			case x == 199:
				return outline
			}
			return fill
		}, 1)
	})

	t.Run("a vertex at 1 reaches the last column and row", func(t *testing.T) {
		t.Parallel()
		got := one(200, 100, rect(0, 0, 1, 1))
		for y := 1; y < 99; y++ {
			checkRow(t, got, y, func(x int) color.RGBA {
				if x == 0 || x == 199 {
					return outline
				}
				return fill
			}, 0)
		}
		checkRow(t, got, 0, func(int) color.RGBA { return outline }, 0)
		checkRow(t, got, 99, func(int) color.RGBA { return outline }, 0)

		got = one(200, 100, rect(0.5, 0.5, 1, 1))
		checkRow(t, got, 75, func(x int) color.RGBA {
			switch {
			case x < 100:
				return bg
			case x == 100 || x == 199:
				return outline
			}
			return fill
		}, 0)
		if got.RGBAAt(150, 49) != bg || got.RGBAAt(150, 50) != outline || got.RGBAAt(150, 99) != outline {
			t.Errorf("rows 49, 50, 99 at column 150 = %v, %v, %v; want the source, then outline at both edges",
				got.RGBAAt(150, 49), got.RGBAAt(150, 50), got.RGBAAt(150, 99))
		}
	})

	t.Run("diagonal edges are anti-aliased", func(t *testing.T) {
		t.Parallel()
		got := one(100, 100, geom.Polygon{{X: 0, Y: 0}, {X: 1, Y: 0.3}, {X: 0, Y: 1}})
		for y := 20; y < 80; y += 7 {
			var partial int
			for x := range 100 {
				if c := got.RGBAAt(x, y); !near(c, bg, 2) && !near(c, outline, 2) && !near(c, fill, 2) {
					partial++
				}
			}
			if partial == 0 {
				t.Errorf("row %d has no partly covered pixel: the edge is aliased", y)
			}
		}
	})

	t.Run("the outline is as wide at the image border as inside", func(t *testing.T) {
		t.Parallel()
		// 1000×500: 2 px outlines.
		got := one(1000, 500, rect(0.5, 0, 1, 1))
		for _, x := range []int{500, 501, 998, 999} {
			if c := got.RGBAAt(x, 250); c != outline {
				t.Errorf("column %d = %v, want the outline", x, c)
			}
		}
		for _, x := range []int{499, 502, 997} {
			if c := got.RGBAAt(x, 250); c == outline {
				t.Errorf("column %d is outline; want it 2 px wide", x)
			}
		}
	})
}

// split returns two polygons that share the polyline boundary, running
// from the top of the image to its bottom, and together cover the image.
func split(boundary []geom.Point) (left, right geom.Polygon) {
	left = append(geom.Polygon{{X: 0, Y: 0}}, boundary...)
	left = append(left, geom.Point{X: 0, Y: 1})
	right = geom.Polygon{{X: 1, Y: 0}, {X: 1, Y: 1}}
	for i := len(boundary) - 1; i >= 0; i-- {
		right = append(right, boundary[i])
	}
	return left, right
}

// tint decomposes p, a pixel drawn over bg, into how much of colour a and
// of colour b it holds: p ≈ bg + ka·(a−bg) + kb·(b−bg), by least squares.
// For a single colour (a = b), kb is 0.
func tint(p, bg color.RGBA, a, b color.NRGBA) (ka, kb float64) {
	vec := func(r, g, bl uint8) [3]float64 {
		return [3]float64{float64(r) - float64(bg.R), float64(g) - float64(bg.G), float64(bl) - float64(bg.B)}
	}
	dot := func(u, v [3]float64) float64 { return u[0]*v[0] + u[1]*v[1] + u[2]*v[2] }
	va, vb, vp := vec(a.R, a.G, a.B), vec(b.R, b.G, b.B), vec(p.R, p.G, p.B)
	aa, ab, bb, ap, bp := dot(va, va), dot(va, vb), dot(vb, vb), dot(va, vp), dot(vb, vp)
	if a == b {
		return ap / aa, 0
	}
	det := aa*bb - ab*ab
	return (ap*bb - bp*ab) / det, (bp*aa - ap*ab) / det
}

// TestRenderNoSeams draws two segments sharing an edge across the whole
// image. Every point of the image is covered by one of them, so every pixel
// must hold at least the fill's share of the segments' colours, wherever
// the edge falls within the pixels: a pixel with more of the source showing
// is a lighter seam.
func TestRenderNoSeams(t *testing.T) {
	t.Parallel()
	boundaries := map[string][]geom.Point{
		"on a pixel edge":   {{X: 0.5, Y: 0}, {X: 0.5, Y: 1}},
		"inside pixels":     {{X: 0.3337, Y: 0}, {X: 0.3337, Y: 1}},
		"diagonal":          {{X: 0.2, Y: 0}, {X: 0.8, Y: 1}},
		"200-vertex curve":  wavyLine(200),
		"zigzag of 3 steps": {{X: 0.4, Y: 0}, {X: 0.6, Y: 0.33}, {X: 0.41, Y: 0.66}, {X: 0.7, Y: 1}},
	}
	colours := map[string][2]color.NRGBA{"same colour": {Color(2), Color(2)}, "two colours": {Color(1), Color(5)}}
	for bname, boundary := range boundaries {
		for cname, cs := range colours {
			for _, alpha := range []float64{DefaultFillAlpha, 0.15, 1} {
				t.Run(fmt.Sprintf("%s/%s/alpha %g", bname, cname, alpha), func(t *testing.T) {
					t.Parallel()
					left, right := split(boundary)
					got := render(t, Spec{
						Image:    uniform(301, 203, bg),
						Segments: []Segment{{Polygons: []geom.Polygon{left}, Color: cs[0]}, {Polygons: []geom.Polygon{right}, Color: cs[1]}},
						Style:    Style{FillAlpha: alpha},
					})
					for y := range got.Rect.Dy() {
						for x := range got.Rect.Dx() {
							// 8-bit rounding allows about 0.02.
							if ka, kb := tint(got.RGBAAt(x, y), bg, cs[0], cs[1]); ka+kb < alpha-0.03 || ka < -0.03 || kb < -0.03 {
								t.Fatalf("pixel (%d,%d) = %v holds %.3f of one colour and %.3f of the other, want at least %g in all",
									x, y, got.RGBAAt(x, y), ka, kb, alpha)
							}
						}
					}
				})
			}
		}
	}
}

// star returns a random star-shaped ring around (cx, cy): simple, with n
// vertices at radii between rmin and rmax.
func star(rng *rand.Rand, cx, cy, rmin, rmax float64, n int) geom.Polygon {
	p := make(geom.Polygon, n)
	for i := range p {
		a := 2 * math.Pi * (float64(i) + 0.9*rng.Float64()) / float64(n)
		r := rmin + (rmax-rmin)*rng.Float64()
		p[i] = geom.Point{X: cx + r*math.Cos(a), Y: cy + r*math.Sin(a)}
	}
	return p
}

// randomSegment is a star-shaped polygon, sometimes with a hole in either
// winding direction, sometimes reaching outside the image.
func randomSegment(rng *rand.Rand) []geom.Polygon {
	cx, cy := 0.2+0.6*rng.Float64(), 0.2+0.6*rng.Float64()
	r := 0.05 + 0.3*rng.Float64()
	n := []int{3, 5, 12, 60, 1000}[rng.IntN(5)]
	polys := []geom.Polygon{star(rng, cx, cy, 0.6*r, r, n)}
	// With 12 or more vertices the ring keeps its edges beyond 0.53·r from
	// the centre, so the hole lies inside it.
	if n >= 12 && rng.IntN(3) > 0 {
		hole := star(rng, cx, cy, 0.2*r, 0.5*r, 5+rng.IntN(40))
		if rng.IntN(2) == 0 {
			for i, j := 0, len(hole)-1; i < j; i, j = i+1, j-1 {
				hole[i], hole[j] = hole[j], hole[i]
			}
		}
		polys = append(polys, hole)
	}
	return polys
}

func transform(polys []geom.Polygon, f func(geom.Point) geom.Point) []geom.Polygon {
	out := make([]geom.Polygon, len(polys))
	for i, p := range polys {
		out[i] = make(geom.Polygon, len(p))
		for j, v := range p {
			out[i][j] = f(v)
		}
	}
	return out
}

// TestRenderSymmetry renders random polygons and their mirror images: the
// renderings must be mirror images too. A convention off by half a pixel
// (pixel centres at integers, or a vertex at 1 mapped to W−1) fails this.
func TestRenderSymmetry(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(4, 4))
	const w, h = 157, 157
	mirrors := []struct {
		name  string
		point func(geom.Point) geom.Point
		pixel func(x, y int) (int, int)
	}{
		{"left-right", func(p geom.Point) geom.Point { return geom.Point{X: 1 - p.X, Y: p.Y} }, func(x, y int) (int, int) { return w - 1 - x, y }},
		{"top-bottom", func(p geom.Point) geom.Point { return geom.Point{X: p.X, Y: 1 - p.Y} }, func(x, y int) (int, int) { return x, h - 1 - y }},
		{"diagonal", func(p geom.Point) geom.Point { return geom.Point{X: p.Y, Y: p.X} }, func(x, y int) (int, int) { return y, x }},
	}
	// Mirror images are drawn alike up to gg's fixed-point rounding, which
	// does not mirror: its rasterizer (golang/freetype's) rounds where an
	// edge crosses each pixel boundary down to a 64th of a pixel, and its
	// stroker truncates the outline's offsets and joins likewise. That
	// changes an edge pixel's coverage by up to about a 13th (20/255, at
	// the outline's joins; a 28th on fill edges), which is 16 levels at
	// this test's largest contrast (200, in blue between orange and bg). In
	// 400 random cases the largest difference was 12. A convention off by
	// half a pixel differs by about 100 along every edge.
	const tolerance = 16
	for i := range 40 {
		polys := randomSegment(rng)
		m := mirrors[i%len(mirrors)]
		a := render(t, Spec{Image: uniform(w, h, bg), Segments: []Segment{{Polygons: polys, Color: orange}}})
		b := render(t, Spec{Image: uniform(w, h, bg), Segments: []Segment{{Polygons: transform(polys, m.point), Color: orange}}})
		bad := 0
		for y := range h {
			for x := range w {
				mx, my := m.pixel(x, y)
				if !near(a.RGBAAt(x, y), b.RGBAAt(mx, my), tolerance) {
					bad++
				}
			}
		}
		if bad > 0 {
			t.Errorf("case %d (%s, %d rings of %d vertices): %d pixels differ from the mirrored rendering",
				i, m.name, len(polys), len(polys[0]), bad)
		}
	}
}

// TestRenderBandsDoNotShow moves random polygons down by whole pixels: the
// rendering must move with them, wherever the bands the image is drawn in
// now cut them. Edges cut at a band's edge and drawn anew from there would
// move by a 64th of a pixel in one band and not in the next.
func TestRenderBandsDoNotShow(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(12, 12))
	for _, size := range []int{300, 1000} { // 1 and 2 px outlines
		for i := range 12 {
			dy := 1 + rng.IntN(bandRows-1)
			// Inside the image in both places, so that clipping to it, which
			// adds vertices, does not change what is compared.
			polys := randomSegment(rng)
			for lo, hi, _ := geom.Bounds(polys); lo.X < 0 || lo.Y < 0 || hi.X > 1 || hi.Y+float64(dy)/float64(size) > 1; lo, hi, _ = geom.Bounds(polys) {
				polys = randomSegment(rng)
			}
			down := transform(polys, func(p geom.Point) geom.Point { return geom.Point{X: p.X, Y: p.Y + float64(dy)/float64(size)} })
			a := render(t, Spec{Image: uniform(size, size, bg), Segments: []Segment{{Polygons: polys, Color: orange}}})
			b := render(t, Spec{Image: uniform(size, size, bg), Segments: []Segment{{Polygons: down, Color: orange}}})
			bad := 0
			for y := range size - dy {
				for x := range size {
					// Each band chooses whether gg paints the segment or
					// what of the band's rectangle lies outside it, and the
					// two round to 8 bits apart by up to one level.
					if !near(a.RGBAAt(x, y), b.RGBAAt(x, y+dy), 1) {
						bad++
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d px image, case %d (%d rings of %d vertices), moved %d px down: %d pixels differ",
					size, i, len(polys), len(polys[0]), dy, bad)
			}
		}
	}
}

// TestRenderCoverageIsArea draws random polygons opaque white on black:
// the sum of the pixels must be the polygons' area (geom.Area, under the
// even-odd rule) in pixels, which only exact area coverage gives.
func TestRenderCoverageIsArea(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(6, 6))
	white := color.NRGBA{255, 255, 255, 255}
	for i := range 40 {
		w, h := 120+rng.IntN(300), 120+rng.IntN(300)
		polys := randomSegment(rng)
		// Keep the polygon inside the image, so geom.Area is the answer.
		if lo, hi, _ := geom.Bounds(polys); lo.X < 0 || lo.Y < 0 || hi.X > 1 || hi.Y > 1 {
			continue
		}
		got := render(t, Spec{
			Image:    uniform(w, h, color.RGBA{0, 0, 0, 255}),
			Segments: []Segment{{Polygons: polys, Color: white}},
			Style:    Style{FillAlpha: 1},
		})
		var sum float64
		for j := 0; j < len(got.Pix); j += 4 {
			sum += float64(got.Pix[j]) / 255
		}
		want := geom.Area(polys) * float64(w*h)
		var perimeter float64
		for _, p := range polys {
			for k, a := range p {
				b := p[(k+1)%len(p)]
				perimeter += math.Hypot((b.X-a.X)*float64(w), (b.Y-a.Y)*float64(h))
			}
		}
		// Rounding to 8 bits costs up to half a level per edge pixel.
		if tol := 0.5 + perimeter/200; math.Abs(sum-want) > tol {
			t.Errorf("case %d (%d×%d, %d rings): covered %.2f px², area %.2f px², tolerance %.2f", i, w, h, len(polys), sum, want, tol)
		}
	}
}

// TestRenderClipsToTheImage checks that a polygon reaching outside the
// image keeps its shape inside it (clamping its vertices to the border
// would cut it to a smaller triangle) and is not outlined along the border
// where it continues.
func TestRenderClipsToTheImage(t *testing.T) {
	t.Parallel()
	got := render(t, Spec{
		Image:    uniform(200, 200, bg),
		Segments: []Segment{{Polygons: []geom.Polygon{{{X: 0.5, Y: 0.5}, {X: 1.5, Y: 0.5}, {X: 0.5, Y: 1.5}}}, Color: orange}},
	})
	fill := blend(bg, orange, DefaultFillAlpha)
	for _, p := range []struct {
		x, y int
		want color.RGBA
	}{
		{190, 190, fill},           // beyond the clamped triangle's hypotenuse
		{199, 150, fill},           // on the border the polygon continues past
		{150, 199, fill},           // likewise
		{160, 160, fill},           // inside
		{150, 100, opaque(orange)}, // its top edge
		{100, 150, opaque(orange)}, // its left edge
		{199, 100, opaque(orange)}, // its top edge, up to the border
		{150, 99, bg},              // just outside
		{99, 150, bg},              // likewise
	} {
		if c := got.RGBAAt(p.x, p.y); !near(c, p.want, 1) {
			t.Errorf("pixel (%d,%d) = %v, want %v", p.x, p.y, c, p.want)
		}
	}
}

// TestRenderLayerMatchesPhoto checks the transparent layer: drawn on an
// empty canvas and composited over the photo, as the page stacks
// layer.png, the overlay must look like drawing on the photo directly.
func TestRenderLayerMatchesPhoto(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(8, 8))
	spec := Spec{
		Segments: []Segment{
			{Polygons: randomSegment(rng), Color: Color(1)},
			{Polygons: randomSegment(rng), Color: Color(2)},
			{Polygons: randomSegment(rng), Color: Color(3)},
		},
		Points: []PromptPoint{{X: 0.3, Y: 0.4, Label: LabelForeground}, {X: 0.6, Y: 0.7, Label: LabelBackground}},
		Box:    &Box{XMin: 0.1, YMin: 0.15, XMax: 0.85, YMax: 0.9},
	}
	photo := scene(400, 300)
	spec.Image = photo
	direct := render(t, spec)
	spec.Image = image.NewRGBA(photo.Rect)
	layer := render(t, spec)
	stacked := toRGBA(photo)
	draw.Draw(stacked, stacked.Rect, layer, image.Point{}, draw.Over)
	if n, _ := comparePixels(direct, stacked, 2); n > 0 {
		t.Errorf("%d pixels of the photo with the layer over it differ from the overlay drawn on the photo", n)
	}
}

// TestRenderRandomInputNeverFails throws degenerate geometry at Render:
// it must not fail, and pixels far from every finite vertex must stay as
// they were.
func TestRenderRandomInputNeverFails(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(10, 10))
	specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), -1e308, 1e308, 0, 1, -0.5, 1.5, 5e-324, 0.5}
	coord := func() float64 {
		if rng.IntN(4) == 0 {
			return specials[rng.IntN(len(specials))]
		}
		return rng.Float64()*1.4 - 0.2
	}
	for range 300 {
		var polys []geom.Polygon
		for range 1 + rng.IntN(3) {
			p := make(geom.Polygon, rng.IntN(8))
			for i := range p {
				p[i] = geom.Point{X: coord(), Y: coord()}
			}
			polys = append(polys, p)
		}
		spec := Spec{Image: scene(64, 48), Segments: []Segment{{Polygons: polys, Color: Color(rng.IntN(9))}}}
		if _, err := Render(spec); err != nil {
			t.Fatalf("Render(%v): %v", polys, err)
		}
	}
}
