package overlay

import (
	"encoding/binary"
	"image"
	"math"
	"testing"

	"github.com/segview/segview/internal/geom"
)

// FuzzRender draws arbitrary normalized geometry (NaN, infinities, huge,
// negative, degenerate, self-intersecting) onto a small image: it must
// never panic and always return an image of the source's size.
func FuzzRender(f *testing.F) {
	seed := func(vals ...float64) []byte {
		b := make([]byte, 8*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
		}
		return b
	}
	f.Add(uint8(3), seed(0, 0, 1, 0, 1, 1, 0, 1))
	f.Add(uint8(5), seed(0, 0, 1, 1, 1, 0, 0, 1, math.NaN(), 0.5))
	f.Add(uint8(2), seed(-1e300, 1e300, math.Inf(1), 0, 0.5, 0.5))
	f.Fuzz(fuzzOne)
}

// fuzzOne renders one fuzz input.
func fuzzOne(t *testing.T, perPoly uint8, data []byte) {
	var coords []float64
	for i := 0; i+8 <= len(data) && len(coords) < 4000; i += 8 {
		coords = append(coords, math.Float64frombits(binary.LittleEndian.Uint64(data[i:])))
	}
	n := int(perPoly)%64 + 1
	var seg Segment
	var pts []PromptPoint
	for i := 0; i+1 < len(coords); i += 2 {
		if len(seg.Polygons) == 0 || len(seg.Polygons[len(seg.Polygons)-1]) >= n {
			seg.Polygons = append(seg.Polygons, geom.Polygon{})
		}
		last := len(seg.Polygons) - 1
		seg.Polygons[last] = append(seg.Polygons[last], geom.Point{X: coords[i], Y: coords[i+1]})
		pts = append(pts, PromptPoint{X: coords[i], Y: coords[i+1], Label: i % 3})
	}
	spec := Spec{Image: image.NewRGBA(image.Rect(0, 0, 64, 48)), Segments: []Segment{seg}, Points: pts}
	if len(coords) >= 4 {
		spec.Box = &Box{XMin: coords[0], YMin: coords[1], XMax: coords[2], YMax: coords[3]}
	}
	out, err := Render(spec)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if out.Bounds().Dx() != 64 || out.Bounds().Dy() != 48 {
		t.Fatalf("output is %v, want 64×48", out.Bounds())
	}
}
