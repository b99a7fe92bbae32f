package overlay

import (
	"image"
	"image/color"
	"math"
	"slices"
	"testing"

	"github.com/segview/segview/internal/geom"
)

// maskShapes are segments whose masks the tests check: a ring, a contour
// of many vertices, a polygon touching itself at a vertex (two lobes
// joined at one point), one overlapping itself, one reaching outside the
// image, and one in the image's corner.
func maskShapes() map[string][]geom.Polygon {
	circle := func(cx, cy, r float64, n int) geom.Polygon {
		p := make(geom.Polygon, n)
		for i := range p {
			a := 2 * math.Pi * float64(i) / float64(n)
			p[i] = geom.Point{X: cx + r*math.Cos(a), Y: cy + r*math.Sin(a)}
		}
		return p
	}
	return map[string][]geom.Polygon{
		"ring":          {circle(0.5, 0.5, 0.4, 96), circle(0.5, 0.5, 0.2, 64)},
		"many vertices": {wavyCircle(0.45, 0.5, 0.3, 2000)},
		"self-touching": {{{X: 0.1, Y: 0.1}, {X: 0.5, Y: 0.5}, {X: 0.9, Y: 0.1}, {X: 0.9, Y: 0.9}, {X: 0.5, Y: 0.5}, {X: 0.1, Y: 0.9}}},
		"bowtie":        {{{X: 0.1, Y: 0.1}, {X: 0.9, Y: 0.9}, {X: 0.9, Y: 0.1}, {X: 0.1, Y: 0.9}}},
		"spikes":        {spikes(0.5, 0.5, 0.1, 0.45, 60)},
		"outside":       {rect(-0.3, 0.2, 0.6, 1.4)},
		"corner":        {rect(0, 0, 0.25, 0.5)},
		"nothing":       {{{X: 0.1, Y: 0.1}, {X: 0.2, Y: 0.2}}},
	}
}

// TestMaskIsTheOverlaysFill checks that a mask is the overlay's fill: a
// segment filled opaque white, without outline, on black, gives a pixel
// of at least 128 exactly where the mask has a pixel.
func TestMaskIsTheOverlaysFill(t *testing.T) {
	t.Parallel()
	for name, polys := range maskShapes() {
		for _, size := range [][2]int{{200, 150}, {97, 263}} {
			w, h := size[0], size[1]
			m := NewMask(polys, w, h)
			out, err := Render(Spec{
				Image:    uniform(w, h, color.RGBA{0, 0, 0, 255}),
				Segments: []Segment{{Polygons: polys, Color: color.NRGBA{255, 255, 255, 255}}},
				Style:    Style{FillAlpha: 1, NoOutline: true},
			})
			if err != nil {
				t.Fatal(err)
			}
			diff, count := 0, 0
			for y := range h {
				for x := range w {
					drawn := out.RGBAAt(x, y).R >= 128
					if drawn {
						count++
					}
					if drawn != m.In(x, y) {
						diff++
					}
				}
			}
			if diff != 0 {
				t.Errorf("%s at %d×%d: %d pixels differ between the mask and the overlay's fill", name, w, h, diff)
			}
			if m.Count() != count {
				t.Errorf("%s at %d×%d: Count = %d, the overlay tints %d", name, w, h, m.Count(), count)
			}
			if !m.Rect.In(image.Rect(0, 0, w, h)) {
				t.Errorf("%s: Rect %v outside the image", name, m.Rect)
			}
		}
	}
}

// TestMaskPixelCentres checks the mask against the even-odd rule at pixel
// centres, computed here without the rasterizer: they differ only where an
// edge passes within a 64th of a pixel of a centre, a few pixels at most.
func TestMaskPixelCentres(t *testing.T) {
	t.Parallel()
	const w, h = 300, 200
	for name, polys := range maskShapes() {
		m := NewMask(polys, w, h)
		diff, inside := 0, 0
		for y := range h {
			// The even-odd rule along the row through the pixel centres:
			// a centre is inside when an odd number of edges cross the
			// row to its left.
			cy := (float64(y) + 0.5) / h
			var xs []float64
			for _, p := range polys {
				if !p.Measurable() {
					continue
				}
				for i, a := range p {
					b := p[(i+1)%len(p)]
					if (a.Y <= cy) != (b.Y <= cy) {
						xs = append(xs, (a.X+(cy-a.Y)*(b.X-a.X)/(b.Y-a.Y))*w)
					}
				}
			}
			slices.Sort(xs)
			for x := range w {
				cx := float64(x) + 0.5
				left, _ := slices.BinarySearch(xs, cx)
				in := left%2 == 1
				if in {
					inside++
				}
				if in != m.In(x, y) {
					diff++
				}
			}
		}
		// A pixel an edge crosses near its centre can be more than half
		// covered with its centre outside, or the reverse, where edges
		// turn sharply (the spikes' tips) or meet (the bowtie's crossing):
		// 2% of the segment's pixels at most, for sixty spikes.
		if limit := max(2, inside/50); diff > limit {
			t.Errorf("%s: %d of %d pixels differ from the pixel-centre rule (limit %d)", name, diff, inside, limit)
		}
		if name == "corner" && (diff != 0 || m.Count() != 75*100) {
			t.Errorf("corner: %d pixels differ, Count = %d, want 7500", diff, m.Count())
		}
		if name == "nothing" && (m.Count() != 0 || !m.Rect.Empty()) {
			t.Errorf("nothing: Count = %d, Rect = %v", m.Count(), m.Rect)
		}
	}
}

func TestMaskEmptyImage(t *testing.T) {
	t.Parallel()
	for _, size := range [][2]int{{0, 10}, {10, 0}, {-1, -1}} {
		m := NewMask([]geom.Polygon{rect(0, 0, 1, 1)}, size[0], size[1])
		if m.Count() != 0 || m.In(0, 0) {
			t.Errorf("%v: Count = %d", size, m.Count())
		}
	}
}

// TestMaskerReuse checks that a Masker's reused working memory carries
// nothing from one segment to the next: each mask is NewMask's.
func TestMaskerReuse(t *testing.T) {
	t.Parallel()
	const w, h = 180, 140
	mk := NewMasker(w, h)
	for range 2 {
		for name, polys := range maskShapes() {
			got, want := mk.Mask(polys), NewMask(polys, w, h)
			if got.Rect != want.Rect || string(got.Pix) != string(want.Pix) {
				t.Errorf("%s: the reused Masker's mask differs from NewMask's", name)
			}
		}
	}
}
