// Package benchdata makes the inputs of segview's benchmarks: a
// photo-like JPEG and segment geometry, the same for every run.
package benchdata

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"

	"github.com/segview/segview/internal/cdfsim"
)

// Photo makes a photo-like JPEG (quality 90): smooth light, texture, noise.
func Photo(width, height int) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range height {
		for x := range width {
			fx, fy := float64(x)/float64(width), float64(y)/float64(height)
			shade := 0.55 + 0.35*math.Sin(fx*5.1+fy*2.3) + 0.1*math.Sin(fx*70)*math.Cos(fy*55)
			n := rng.Float64()*24 - 12
			img.SetRGBA(x, y, color.RGBA{clamp(70 + 120*shade + n), clamp(80 + 100*shade*fy + n), clamp(90 + 80*(1-fx) + n), 255})
		}
	}
	var buf bytes.Buffer
	err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	return buf.Bytes(), err
}

func clamp(v float64) uint8 { return uint8(math.Max(0, math.Min(255, v))) }

// Blobs makes n wobbly closed polygons of k vertices spread over the image.
func Blobs(n, k int, seed uint64) []cdfsim.Segment {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]cdfsim.Segment, n)
	for i := range out {
		cx, cy := 0.1+0.8*rng.Float64(), 0.1+0.8*rng.Float64()
		r := 0.02 + 0.08*rng.Float64()
		poly := make([]cdfsim.Vertex, k)
		for j := range poly {
			a := 2 * math.Pi * float64(j) / float64(k)
			rr := r * (1 + 0.15*math.Sin(5*a+float64(i)))
			poly[j] = cdfsim.Vertex{X: math.Max(0, math.Min(1, cx+rr*math.Cos(a))), Y: math.Max(0, math.Min(1, cy+rr*math.Sin(a)*4/3))}
		}
		out[i] = cdfsim.Segment{Score: 0.99 - 0.04*float64(i%20), Polygons: [][]cdfsim.Vertex{poly}}
	}
	return out
}
