package overlay

import (
	"fmt"
	"image"
	"strconv"
	"testing"

	"github.com/segview/segview/internal/geom"
)

// TestMarksParallelSame checks that the marks drawn by several workers at
// once have the bytes of the marks drawn one after the other, on scenes
// where badges, points and the box overlap each other and where they do
// not, whole and cropped, at a view's and an export's size.
func TestMarksParallelSame(t *testing.T) {
	type scene struct {
		name string
		w, h int
		spec func() Spec
	}
	spread := func() Spec {
		s := benchSpecSized(t, 1600, 1200)
		for i := range s.Segments {
			s.Segments[i].Label = strconv.Itoa(i + 1)
		}
		return s
	}
	crowded := func() Spec {
		// Small segments close together: their badges overlap, and the
		// points lie on them and on the box's edge.
		var segs []Segment
		for i := range 12 {
			x := 0.3 + 0.02*float64(i%4)
			y := 0.1 + 0.03*float64(i/4)
			segs = append(segs, Segment{Polygons: []geom.Polygon{{{X: x, Y: y}, {X: x + 0.05, Y: y}, {X: x + 0.05, Y: y + 0.05}, {X: x, Y: y + 0.05}}},
				Color: Color(i + 1), Label: strconv.Itoa(100 * i)})
		}
		return Spec{Segments: segs,
			Points: []PromptPoint{{X: 0.32, Y: 0.12, Label: 1}, {X: 0.33, Y: 0.12, Label: 0}, {X: 0.3, Y: 0.1, Label: 1}},
			Box:    &Box{XMin: 0.3, YMin: 0.1, XMax: 0.4, YMax: 0.2}}
	}
	scenes := []scene{
		{"spread", 1600, 1200, spread},
		{"spread export", 4224, 3168, spread},
		{"crowded", 1000, 700, crowded},
		{"crowded small", 120, 90, crowded},
	}
	for _, sc := range scenes {
		for _, crop := range []*Crop{nil, {X0: 0.25, Y0: 0.05, X1: 0.6, Y1: 0.5}} {
			t.Run(fmt.Sprintf("%s/crop=%t", sc.name, crop != nil), func(t *testing.T) {
				spec := sc.spec()
				spec.Crop = crop
				bg := photo(sc.w, sc.h)
				draw := func(workers int) *image.RGBA {
					dst := image.NewRGBA(bg.Rect)
					copy(dst.Pix, bg.Pix)
					r := newRenderer(dst, crop)
					ordered := r.drawables(spec)
					r.drawMarks(r.markList(ordered, spec), workers)
					return dst
				}
				want := draw(1)
				if d, _ := maxDiff(bg, want); d == 0 {
					t.Fatal("no mark drawn")
				}
				for _, workers := range []int{2, 3, 8} {
					if d, at := maxDiff(want, draw(workers)); d != 0 {
						t.Errorf("%d workers: differs from one by %d at %v", workers, d, at)
					}
				}
			})
		}
	}
}

// maxDiff is the largest difference of a channel between two images of
// the same size, and where.
func maxDiff(a, b *image.RGBA) (int, image.Point) {
	d, at := 0, image.Point{}
	for i := range a.Pix {
		v := int(a.Pix[i]) - int(b.Pix[i])
		if v < 0 {
			v = -v
		}
		if v > d {
			d, at = v, image.Pt(i%a.Stride/4, i/a.Stride)
		}
	}
	return d, at
}
