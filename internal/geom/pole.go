package geom

import (
	"container/heap"
	"math"
)

// Pole returns the pole of inaccessibility of polys: the point inside the
// area they cover (even-odd rule, as Area) that is farthest from every
// edge, and that distance. It is where a label fits best; unlike the
// centroid it is never in a hole or outside a concave shape.
//
// Distances are measured in pixels of a w×h image: x is scaled by w and y
// by h before measuring, so a segment on a wide image is judged by how it
// looks. The point is returned in the polygons' normalized coordinates and
// the distance in pixels. The result is within precision pixels of the best
// distance (precision <= 0 means 1 pixel; it is never finer than a
// millionth of the polygons' extent, so the search always ends).
//
// The search covers the polygons' bounding box with square cells, each
// with an upper bound on the distance any point in it can reach (the
// distance from its centre plus its half-diagonal), and keeps splitting
// the most promising cell in four until no cell can beat the best centre
// found by more than precision.
//
// ok is false when polys cover no area: no polygon is Measurable, w or h
// is not positive, or every ring is flat. Rings thinner than the precision
// may have no centre found inside them; the point is then the middle of
// an edge and the distance 0.
func Pole(polys []Polygon, w, h, precision float64) (p Point, dist float64, ok bool) {
	if !(w > 0) || !(h > 0) || math.IsInf(w, 0) || math.IsInf(h, 0) {
		return Point{}, 0, false
	}
	var rings []Polygon
	for _, poly := range polys {
		if !poly.Measurable() {
			continue
		}
		r := make(Polygon, len(poly))
		for i, v := range poly {
			r[i] = Point{v.X * w, v.Y * h}
		}
		rings = append(rings, r)
	}
	flat := true
	for _, r := range rings {
		flat = flat && shoelace(r) == 0
	}
	lo, hi, found := Bounds(rings)
	if !found || flat {
		return Point{}, 0, false
	}
	size := math.Min(hi.X-lo.X, hi.Y-lo.Y)
	if !(size > 0) || math.IsInf(size, 0) {
		return Point{}, 0, false
	}
	extent := math.Max(hi.X-lo.X, hi.Y-lo.Y)
	// Cells no smaller than a 256th of the extent keep the first grid
	// small for slivers; the bounds hold for cells of any size.
	size = math.Max(size, extent/256)
	if !(precision > 0) {
		precision = 1
	}
	precision = math.Max(precision, extent*1e-6)

	pq := &cellQueue{}
	newCell := func(x, y, half float64) cell {
		d := signedDistance(Point{x, y}, rings)
		return cell{c: Point{x, y}, half: half, d: d, max: d + half*math.Sqrt2}
	}
	half := size / 2
	for x := lo.X; x < hi.X; x += size {
		for y := lo.Y; y < hi.Y; y += size {
			heap.Push(pq, newCell(x+half, y+half, half))
		}
	}

	// Start from the area's centroid, which is often close, and the box's
	// centre: a good first guess prunes most cells.
	best := newCell((lo.X+hi.X)/2, (lo.Y+hi.Y)/2, 0)
	if c, ok := centroid(rings); ok {
		if cc := newCell(c.X, c.Y, 0); cc.d > best.d {
			best = cc
		}
	}
	for pq.Len() > 0 {
		c := heap.Pop(pq).(cell)
		if c.d > best.d {
			best = c
		}
		if c.max-best.d <= precision {
			continue
		}
		q := c.half / 2
		heap.Push(pq, newCell(c.c.X-q, c.c.Y-q, q))
		heap.Push(pq, newCell(c.c.X+q, c.c.Y-q, q))
		heap.Push(pq, newCell(c.c.X-q, c.c.Y+q, q))
		heap.Push(pq, newCell(c.c.X+q, c.c.Y+q, q))
	}
	if best.d <= 0 {
		// Rings thinner than the precision, which no cell centre landed
		// in: the middle of the first edge is on the area's boundary.
		a, b := rings[0][0], rings[0][1]
		return Point{(a.X + b.X) / 2 / w, (a.Y + b.Y) / 2 / h}, 0, true
	}
	return Point{best.c.X / w, best.c.Y / h}, best.d, true
}

// signedDistance is the distance from q to the nearest edge of rings,
// negative when q is outside the area they cover (even-odd rule).
func signedDistance(q Point, rings []Polygon) float64 {
	in := false
	minSq := math.Inf(1)
	for _, r := range rings {
		prev := r[len(r)-1]
		for _, v := range r {
			if (v.Y > q.Y) != (prev.Y > q.Y) && q.X < v.X+(q.Y-v.Y)*(prev.X-v.X)/(prev.Y-v.Y) {
				in = !in
			}
			minSq = math.Min(minSq, segmentDistSq(q, prev, v))
			prev = v
		}
	}
	d := math.Sqrt(minSq)
	if !in {
		return -d
	}
	return d
}

// segmentDistSq is the squared distance from q to the segment a–b.
func segmentDistSq(q, a, b Point) float64 {
	x, y := a.X, a.Y
	dx, dy := b.X-x, b.Y-y
	if dx != 0 || dy != 0 {
		t := ((q.X-x)*dx + (q.Y-y)*dy) / (dx*dx + dy*dy)
		switch {
		case t > 1:
			x, y = b.X, b.Y
		case t > 0:
			x, y = x+dx*t, y+dy*t
		}
	}
	dx, dy = q.X-x, q.Y-y
	return dx*dx + dy*dy
}

// centroid returns the area centroid of rings, holes subtracted as their
// winding goes (exact for holes wound opposite to their outer ring, a fair
// first guess otherwise); false when the signed area is zero.
func centroid(rings []Polygon) (Point, bool) {
	var a, cx, cy float64
	for _, r := range rings {
		prev := r[len(r)-1]
		for _, v := range r {
			f := prev.X*v.Y - v.X*prev.Y
			cx += (prev.X + v.X) * f
			cy += (prev.Y + v.Y) * f
			a += f
			prev = v
		}
	}
	if a == 0 {
		return Point{}, false
	}
	return Point{cx / (3 * a), cy / (3 * a)}, true
}

// cell is a square of the search: centre c, half its side, the signed
// distance d from c and the most any point in it can reach.
type cell struct {
	c      Point
	half   float64
	d, max float64
}

// cellQueue is a max-heap of cells by their bound.
type cellQueue []cell

func (q cellQueue) Len() int           { return len(q) }
func (q cellQueue) Less(i, j int) bool { return q[i].max > q[j].max }
func (q cellQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *cellQueue) Push(x any)        { *q = append(*q, x.(cell)) }
func (q *cellQueue) Pop() any {
	old := *q
	c := old[len(old)-1]
	*q = old[:len(old)-1]
	return c
}

// LargestPart returns the part of polys with the largest area: an outer
// ring (one inside an even number of the others, as Area nests them) with
// its holes (the rings just one level inside it), whose area less the
// holes' is largest. An island in a hole is a part of its own. Rings that
// are not Measurable are left out; nil when none is.
func LargestPart(polys []Polygon) []Polygon {
	rings := make([]ring, 0, len(polys))
	for _, p := range polys {
		if p.Measurable() {
			rings = append(rings, newRing(p))
		}
	}
	depth := make([]int, len(rings))
	for i := range rings {
		for j := range rings {
			if i != j && rings[i].inside(&rings[j], i > j) {
				depth[i]++
			}
		}
	}
	var best []Polygon
	bestArea := -1.0
	for i := range rings {
		if depth[i]%2 != 0 {
			continue
		}
		part := []Polygon{rings[i].poly}
		for j := range rings {
			if i != j && depth[j] == depth[i]+1 && rings[j].inside(&rings[i], j > i) {
				part = append(part, rings[j].poly)
			}
		}
		if a := Area(part); a > bestArea {
			best, bestArea = part, a
		}
	}
	return best
}
