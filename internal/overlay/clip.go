package overlay

import (
	"math"
	"slices"

	"github.com/segview/segview/internal/geom"
)

// clipRing clips a ring to the rectangle [lo, hi] (Sutherland–Hodgman). The
// result covers, under the even-odd rule, exactly the points of the
// rectangle the ring covers; it may run along the rectangle's border.
func clipRing(ring geom.Polygon, lo, hi geom.Point) geom.Polygon {
	if len(ring) >= 3 && within(ring, lo, hi) {
		// Every vertex is inside every plane: clipping keeps them all, in
		// order, and clamping changes none (TestClipRingWithin).
		return slices.Clone(ring)
	}
	return clipByPlanes(ring, lo, hi)
}

// clipByPlanes is clipRing without its shortcut for a ring already within
// the rectangle: the ring clipped by each of the rectangle's four planes.
func clipByPlanes(ring geom.Polygon, lo, hi geom.Point) geom.Polygon {
	out := ring
	for _, pl := range planes(lo, hi) {
		if len(out) == 0 {
			break
		}
		in := out
		out = make(geom.Polygon, 0, len(in)+4)
		prev := in[len(in)-1]
		for _, v := range in {
			vIn, prevIn := pl.inside(v), pl.inside(prev)
			if vIn != prevIn {
				out = append(out, pl.cut(prev, v))
			}
			if vIn {
				out = append(out, v)
			}
			prev = v
		}
	}
	if len(out) < 3 {
		return nil
	}
	// Mathematically inside the rectangle already; this undoes rounding.
	for i, v := range out {
		out[i] = geom.Point{X: min(max(v.X, lo.X), hi.X), Y: min(max(v.Y, lo.Y), hi.Y)}
	}
	return out
}

// within reports whether every vertex of ring is within [lo, hi].
func within(ring geom.Polygon, lo, hi geom.Point) bool {
	for _, v := range ring {
		if !(v.X >= lo.X && v.X <= hi.X && v.Y >= lo.Y && v.Y <= hi.Y) {
			return false
		}
	}
	return true
}

// clipSegment clips the segment a–b to the rectangle [lo, hi].
func clipSegment(a, b, lo, hi geom.Point) (geom.Point, geom.Point, bool) {
	for _, pl := range planes(lo, hi) {
		aIn, bIn := pl.inside(a), pl.inside(b)
		switch {
		case !aIn && !bIn:
			return a, b, false
		case !aIn:
			a = pl.cut(a, b)
		case !bIn:
			b = pl.cut(a, b)
		}
	}
	a = geom.Point{X: min(max(a.X, lo.X), hi.X), Y: min(max(a.Y, lo.Y), hi.Y)}
	b = geom.Point{X: min(max(b.X, lo.X), hi.X), Y: min(max(b.Y, lo.Y), hi.Y)}
	return a, b, true
}

// plane is one side of a clipping rectangle: x (or y, when horizontal) at
// least at (or at most, when upper) c.
type plane struct {
	c          float64
	horizontal bool
	upper      bool
}

func planes(lo, hi geom.Point) [4]plane {
	return [4]plane{{lo.X, false, false}, {hi.X, false, true}, {lo.Y, true, false}, {hi.Y, true, true}}
}

func (pl plane) inside(p geom.Point) bool {
	v := p.X
	if pl.horizontal {
		v = p.Y
	}
	if pl.upper {
		return v <= pl.c
	}
	return v >= pl.c
}

// cut returns where the segment a–b, with one end on each side, crosses the
// plane's line. It is finite for any finite input.
func (pl plane) cut(a, b geom.Point) geom.Point {
	if pl.horizontal {
		a.X, a.Y, b.X, b.Y = a.Y, a.X, b.Y, b.X
	}
	// b.X ≠ a.X, and the difference of two distinct floats is never 0.
	num, den := pl.c-a.X, b.X-a.X
	if math.IsInf(den, 0) || math.IsInf(num, 0) {
		num, den = pl.c/2-a.X/2, b.X/2-a.X/2
	}
	t := min(max(num/den, 0), 1)
	p := geom.Point{X: pl.c, Y: a.Y*(1-t) + b.Y*t}
	if pl.horizontal {
		p.X, p.Y = p.Y, p.X
	}
	return p
}
