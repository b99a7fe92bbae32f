package overlay

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/segview/segview/internal/geom"
)

// photo is a stand-in for a camera picture: smooth gradients plus
// sensor-like noise, which is what makes photographs expensive to compress.
func photo(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(7, 7))
	for y := range h {
		for x := range w {
			n := rng.IntN(9) - 4
			i := img.PixOffset(x, y)
			img.Pix[i+0] = uint8(min(255, max(0, 40+150*x/w+n)))
			img.Pix[i+1] = uint8(min(255, max(0, 60+120*y/h+n)))
			img.Pix[i+2] = uint8(min(255, max(0, 180-100*(x+y)/(w+h)+n)))
			img.Pix[i+3] = 255
		}
	}
	return img
}

// wobbly is a 500-vertex blob, like a mask contour from a model.
func wobbly(rng *rand.Rand, cx, cy, r float64) geom.Polygon {
	p := make(geom.Polygon, 500)
	phase := rng.Float64() * 2 * math.Pi
	for i := range p {
		a := 2 * math.Pi * float64(i) / float64(len(p))
		rr := r * (1 + 0.15*math.Sin(5*a+phase) + 0.02*rng.Float64())
		p[i] = geom.Point{X: cx + rr*math.Cos(a), Y: cy + rr*math.Sin(a)*4/3}
	}
	return p
}

func benchSpec(b *testing.B) Spec {
	b.Helper()
	return benchSpecSized(b, 4000, 3000)
}

// benchSpecSized is the scene of benchSpec on a w×h photo.
func benchSpecSized(b testing.TB, w, h int) Spec {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 1))
	segs := make([]Segment, 20)
	for i := range segs {
		segs[i] = Segment{
			Polygons: []geom.Polygon{wobbly(rng, 0.2+0.6*rng.Float64(), 0.2+0.6*rng.Float64(), 0.03+0.15*rng.Float64())},
			Color:    Color(i + 1),
		}
	}
	return Spec{
		Image:    photo(w, h),
		Segments: segs,
		Points:   []PromptPoint{{X: 0.4, Y: 0.5, Label: 1}, {X: 0.6, Y: 0.5, Label: 0}},
		Box:      &Box{XMin: 0.1, YMin: 0.1, XMax: 0.9, YMax: 0.9},
	}
}

// BenchmarkRender draws 20 segments of 500 vertices, two points and a box
// on a 12-megapixel photo.
func BenchmarkRender(b *testing.B) {
	spec := benchSpec(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(spec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender1600 draws the scene of BenchmarkRender at the width the
// job page shows overlays at (1600×1200).
func BenchmarkRender1600(b *testing.B) {
	spec := benchSpecSized(b, 1600, 1200)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(spec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender1600Cached is BenchmarkRender1600 with the segments'
// masks in a MaskCache from an earlier view: a new opacity only
// composites.
func BenchmarkRender1600Cached(b *testing.B) {
	spec := benchSpecSized(b, 1600, 1200)
	spec.Masks = NewMaskCache(64 << 20)
	if _, err := Render(spec); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		spec.Style.FillAlpha = 0.3 + float64(i%5)/10
		if _, err := Render(spec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMarks draws only the marks on top of the segments (labels'
// badges, the box and the points) of BenchmarkRender's scene, at the
// width the job page shows and at a 13.4 MP export's size.
func BenchmarkMarks(b *testing.B) {
	for _, c := range []struct {
		sz     image.Point
		labels bool
	}{{image.Pt(1600, 1200), false}, {image.Pt(1600, 1200), true}, {image.Pt(4224, 3168), false}, {image.Pt(4224, 3168), true}} {
		b.Run(fmt.Sprintf("%dx%d/labels=%t", c.sz.X, c.sz.Y, c.labels), func(b *testing.B) {
			spec := benchSpecSized(b, c.sz.X, c.sz.Y)
			for i := range spec.Segments {
				if c.labels {
					spec.Segments[i].Label = strconv.Itoa(i + 1)
				}
			}
			dst := spec.Image.(*image.RGBA)
			r := newRenderer(dst, nil)
			ordered := r.drawables(spec)
			b.ResetTimer()
			for b.Loop() {
				r.marks(ordered, spec)
			}
		})
	}
}
