package render

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/segview/segview/internal/geom"
	"github.com/segview/segview/internal/imagetest"
	"github.com/segview/segview/internal/overlay"
)

func TestEncodePNG(t *testing.T) {
	t.Parallel()
	src := image.NewRGBA(image.Rect(0, 0, 30, 20))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7)
		if i%4 == 3 {
			src.Pix[i] = 255 // opaque, so the premultiplied colours are valid
		}
	}
	src.SetRGBA(3, 4, color.RGBA{10, 20, 30, 255})
	src.SetRGBA(5, 6, color.RGBA{0, 0, 0, 0}) // transparency survives
	var buf bytes.Buffer
	if err := encodePNG(&buf, src); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got := image.NewRGBA(img.Bounds())
	for y := range 20 {
		for x := range 30 {
			got.Set(x, y, img.At(x, y))
		}
	}
	if !bytes.Equal(got.Pix, src.Pix) {
		t.Error("PNG round trip changed pixels")
	}
}

// noisyOverlay is a 12-megapixel overlay of 20 segments on imagetest's
// photo-like image, whose sensor-like noise is what makes photographs
// expensive to compress.
func noisyOverlay(b *testing.B) image.Image {
	b.Helper()
	const w, h = 4000, 3000
	img := imagetest.Photo(w, h, 7)
	rng := rand.New(rand.NewPCG(7, 7))
	segs := make([]overlay.Segment, 20)
	for s := range segs {
		cx, cy, r := 0.2+0.6*rng.Float64(), 0.2+0.6*rng.Float64(), 0.03+0.15*rng.Float64()
		p := make(geom.Polygon, 500)
		for k := range p {
			a := 2 * math.Pi * float64(k) / float64(len(p))
			rr := r * (1 + 0.15*math.Sin(5*a))
			p[k] = geom.Point{X: cx + rr*math.Cos(a), Y: cy + rr*math.Sin(a)*4/3}
		}
		segs[s] = overlay.Segment{Polygons: []geom.Polygon{p}, Color: overlay.Color(s + 1)}
	}
	out, err := overlay.Render(overlay.Spec{Image: img, Segments: segs})
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkEncodePNG compares encodePNG (png.BestSpeed) with the default
// compression level on a noisy 12-megapixel overlay and reports the sizes:
// the figures in encodePNG's comment.
func BenchmarkEncodePNG(b *testing.B) {
	img := noisyOverlay(b)
	for _, c := range []struct {
		name   string
		encode func(io.Writer, image.Image) error
	}{
		{"BestSpeed", encodePNG},
		{"Default", png.Encode},
	} {
		b.Run(c.name, func(b *testing.B) {
			var w countingWriter
			for b.Loop() {
				w = 0
				if err := c.encode(&w, img); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(w)/1e6, "MB")
		})
	}
}

type countingWriter int

func (w *countingWriter) Write(p []byte) (int, error) {
	*w += countingWriter(len(p))
	return len(p), nil
}
