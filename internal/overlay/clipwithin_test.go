package overlay

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/segview/segview/internal/geom"
)

// TestClipRingWithin checks that clipRing's shortcut for a ring already
// within the rectangle gives what clipping it plane by plane gives:
// rings inside, touching the border, and on it.
func TestClipRingWithin(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	lo, hi := geom.Point{}, geom.Point{X: 1, Y: 1}
	rings := []geom.Polygon{
		{{X: 0, Y: 0}, {X: 1, Y: 0}, {X: 1, Y: 1}, {X: 0, Y: 1}},
		{{X: 0, Y: 0.5}, {X: 0.5, Y: 0}, {X: 1, Y: 0.5}},
		wobbly(rng, 0.5, 0.5, 0.2),
		wobbly(rng, 0.3, 0.6, 0.1),
	}
	for range 50 {
		var p geom.Polygon
		for range 3 + rng.IntN(20) {
			p = append(p, geom.Point{X: float64(rng.IntN(5)) / 4, Y: rng.Float64()})
		}
		rings = append(rings, p)
	}
	for i, ring := range rings {
		if !within(ring, lo, hi) {
			t.Fatalf("ring %d is not within the image", i)
		}
		want := clipByPlanes(ring, lo, hi)
		if got := clipRing(ring, lo, hi); !slices.Equal(got, want) {
			t.Errorf("ring %d: clipRing = %v, clipped plane by plane %v", i, got, want)
		}
	}
	if within(geom.Polygon{{X: -0.1, Y: 0}, {X: 1, Y: 0}, {X: 1, Y: 1}}, lo, hi) {
		t.Error("a ring reaching outside is within")
	}
}
