package geom

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"sync"
)

// A ring is simple when no two of its edges share a point, except that
// consecutive edges share their common vertex. contact finds a point
// where a ring is not simple: two edges that cross, a vertex that touches
// another edge, a vertex that occurs twice, or consecutive edges that double
// back over each other. Repeated consecutive vertices (a zero-length edge,
// or a ring closed by repeating its first vertex) are not contacts; they are
// dropped first.
//
// It runs the Shamos–Hoey sweep, O(n log n) for n vertices whatever the
// shape: the vertices are sorted left to right, and a balanced tree holds
// the edges the sweep line crosses, ordered along it. An edge is tested only
// against the edges next to it in that order, when they become neighbours;
// the leftmost contact is always between two neighbours, so finding none
// proves the ring simple. At most vertices the ring just passes through,
// and the outgoing edge takes the incoming one's place without a tree
// operation. Orientation tests are exact (see orient), so collinear and
// touching edges are classified correctly rather than by a tolerance.
//
// contact reports the first contact the sweep meets, which is near the left
// of the ring, not all of them.
func (s *sweep) contact() (contact, bool) {
	switch len(s.v) {
	case 1:
		return contact{kind: contactCollapsed, a: 0}, true
	case 2:
		// Two distinct points: the ring runs there and back.
		return contact{kind: contactOverlap, a: 0, b: 1}, true
	}
	order := s.order()
	if c, ok := s.duplicate(order); ok {
		return c, true
	}
	return s.run(order)
}

// Kinds of contact, for messages.
const (
	contactCross     = iota // two edges cross at a point inside both
	contactTouch            // an endpoint of one edge lies on another edge
	contactOverlap          // two edges share more than a point
	contactDuplicate        // two vertices are at the same point
	contactCollapsed        // every vertex is at the same point
)

// contact is where a ring fails to be simple: edges or vertices a and b,
// indices into the sweep's deduplicated vertices (edge k runs from vertex k
// to vertex k+1).
type contact struct {
	kind int
	a, b int32
	at   Point
}

// sweep holds one run of the Shamos–Hoey algorithm.
type sweep struct {
	v    []Point // vertices without consecutive repeats
	orig []int   // index in the input polygon of each vertex of v
	// edges[k] is edge k, from v[k] to v[k+1], with its ends in sweep
	// order, and node[k] its node in the tree while the sweep line crosses
	// it.
	edges []edge
	node  []int32
	// The edges on the sweep line, as a treap ordered by compare whose
	// nodes are also linked in that order.
	nodes []treapNode
	root  int32
	seed  uint32
	hit   *contact // set when a comparison finds a contact

	order0, order1, runs []int32 // buffers of order
}

// sweeps recycles the buffers of sweeps: a job page validates thousands of
// polygons.
var sweeps = sync.Pool{New: func() any { return new(sweep) }}

type edge struct {
	l, r       Point
	yMin, yMax float64
}

type treapNode struct {
	edge       int32
	l, r       int32 // children
	prev, next int32 // neighbours along the sweep line
	prio       uint32
}

const none = -1

// newSweep prepares a sweep of p; release returns it to the pool.
func newSweep(p Polygon) *sweep {
	s := sweeps.Get().(*sweep)
	s.v, s.orig = s.v[:0], s.orig[:0]
	s.root, s.seed, s.hit = none, 2463534242, nil
	for i, q := range p {
		if len(s.v) > 0 && s.v[len(s.v)-1] == q {
			continue
		}
		s.v = append(s.v, q)
		s.orig = append(s.orig, i)
	}
	for len(s.v) > 1 && s.v[len(s.v)-1] == s.v[0] {
		s.v, s.orig = s.v[:len(s.v)-1], s.orig[:len(s.orig)-1]
	}
	return s
}

func (s *sweep) release() { sweeps.Put(s) }

// less orders points left to right, then bottom to top: the order in which
// the sweep meets them. It makes the sweep line in effect slightly slanted,
// so vertical edges need no special case.
func less(a, b Point) bool {
	return a.X < b.X || a.X == b.X && a.Y < b.Y
}

func (s *sweep) n() int32 { return int32(len(s.v)) }

func (s *sweep) next(k int32) int32 {
	if k+1 == s.n() {
		return 0
	}
	return k + 1
}

func (s *sweep) prev(k int32) int32 {
	if k == 0 {
		return s.n() - 1
	}
	return k - 1
}

// order returns the vertex indices sorted in sweep order. A ring is a
// cycle of runs going left to right or right to left, few of them for most
// shapes, so a natural merge sort takes O(n log r) for r runs.
func (s *sweep) order() []int32 {
	n := len(s.v)
	// Cut the ring into monotone runs, reversing those that go right to
	// left. Starting at the leftmost vertex makes the last run end where
	// the first began.
	first := 0
	for i := range s.v {
		if less(s.v[i], s.v[first]) {
			first = i
		}
	}
	seq, tmp := s.order0[:0], s.order1[:0]
	runs := s.runs[:0]
	for j := 0; j < n; {
		start := j
		i := (first + j) % n
		seq = append(seq, int32(i))
		j++
		if j == n {
			runs = append(runs, int32(len(seq)))
			break
		}
		up := less(s.v[i], s.v[(first+j)%n])
		for j < n {
			k := (first + j) % n
			if less(s.v[(first+j-1)%n], s.v[k]) != up {
				break
			}
			seq = append(seq, int32(k))
			j++
		}
		if !up {
			slices.Reverse(seq[start:])
		}
		runs = append(runs, int32(len(seq)))
	}
	// Merge neighbouring runs until one is left.
	tmp = slices.Grow(tmp, n)[:n]
	for len(runs) > 1 {
		merged := runs[:0]
		lo := int32(0)
		for r := 0; r < len(runs); r += 2 {
			if r+1 == len(runs) {
				copy(tmp[lo:], seq[lo:runs[r]])
				merged = append(merged, runs[r])
				break
			}
			mid, hi := runs[r], runs[r+1]
			a, b, o := lo, mid, lo
			for a < mid && b < hi {
				if less(s.v[seq[b]], s.v[seq[a]]) {
					tmp[o] = seq[b]
					b++
				} else {
					tmp[o] = seq[a]
					a++
				}
				o++
			}
			o += int32(copy(tmp[o:], seq[a:mid]))
			copy(tmp[o:], seq[b:hi])
			merged = append(merged, hi)
			lo = hi
		}
		runs = merged
		seq, tmp = tmp, seq
	}
	s.order0, s.order1, s.runs = seq, tmp, runs
	return seq
}

// duplicate finds two vertices at the same point, given the vertices in
// sweep order. The sweep relies on there being none: then every event point
// is the shared vertex of exactly two consecutive edges.
func (s *sweep) duplicate(order []int32) (contact, bool) {
	for k := 1; k < len(order); k++ {
		if i, j := order[k-1], order[k]; s.v[i] == s.v[j] {
			return contact{kind: contactDuplicate, a: i, b: j, at: s.v[i]}, true
		}
	}
	return contact{}, false
}

// run sweeps the vertices in order, which must hold no duplicates.
func (s *sweep) run(order []int32) (contact, bool) {
	n := len(s.v)
	s.edges = slices.Grow(s.edges[:0], n)[:n]
	s.node = slices.Grow(s.node[:0], n)[:n]
	s.nodes = slices.Grow(s.nodes[:0], n)
	for k := range s.edges {
		a, b := sorted(s.v[k], s.v[s.next(int32(k))])
		s.edges[k] = edge{l: a, r: b, yMin: math.Min(a.Y, b.Y), yMax: math.Max(a.Y, b.Y)}
	}
	for _, i := range order {
		// The edges into and out of vertex i.
		in, out := s.prev(i), i
		inEnds, outEnds := s.edges[in].r == s.v[i], s.edges[out].r == s.v[i]
		var c contact
		var hit bool
		switch {
		case inEnds && !outEnds:
			// The ring passes through: the edge out takes the place of
			// the edge in along the sweep line, which is most vertices.
			c, hit = s.replace(in, out)
		case outEnds && !inEnds:
			c, hit = s.replace(out, in)
		case inEnds && outEnds:
			if c, hit = s.remove(in); !hit {
				c, hit = s.remove(out)
			}
		default:
			if c, hit = s.insert(in); !hit {
				c, hit = s.insert(out)
			}
		}
		if hit {
			return c, true
		}
	}
	return contact{}, false
}

// replace puts edge k in the place of edge old, which ends where k starts.
// Just after that point, k lies between old's neighbours, unless one of
// them passes through the point, which the tests find.
func (s *sweep) replace(old, k int32) (contact, bool) {
	t := s.node[old]
	s.nodes[t].edge = k
	s.node[k] = t
	return s.testNeighbours(t)
}

func (s *sweep) testNeighbours(t int32) (contact, bool) {
	k := s.nodes[t].edge
	for _, nb := range [2]int32{s.nodes[t].prev, s.nodes[t].next} {
		if nb != none {
			if c, ok := s.test(k, s.nodes[nb].edge); ok {
				return c, true
			}
		}
	}
	return contact{}, false
}

func (s *sweep) insert(k int32) (contact, bool) {
	s.seed ^= s.seed << 13
	s.seed ^= s.seed >> 17
	s.seed ^= s.seed << 5
	t := int32(len(s.nodes))
	s.nodes = append(s.nodes, treapNode{edge: k, l: none, r: none, prio: s.seed})
	s.node[k] = t
	below, above := s.split(s.root, t)
	if s.hit != nil {
		return *s.hit, true
	}
	b, a := s.last(below), s.first(above)
	s.nodes[t].prev, s.nodes[t].next = b, a
	if b != none {
		s.nodes[b].next = t
	}
	if a != none {
		s.nodes[a].prev = t
	}
	s.root = s.merge(s.merge(below, t), above)
	return s.testNeighbours(t)
}

func (s *sweep) remove(k int32) (contact, bool) {
	t := s.node[k]
	below, rest := s.split(s.root, t)
	if s.hit != nil {
		return *s.hit, true
	}
	// rest starts with t itself.
	s.root = s.merge(below, s.dropFirst(rest))
	b, a := s.nodes[t].prev, s.nodes[t].next
	if b != none {
		s.nodes[b].next = a
	}
	if a != none {
		s.nodes[a].prev = b
	}
	if b != none && a != none {
		return s.test(s.nodes[b].edge, s.nodes[a].edge)
	}
	return contact{}, false
}

// split divides tree t into the nodes below node k along the sweep line
// and the others, k itself among the others when it is in t.
func (s *sweep) split(t, k int32) (below, rest int32) {
	if t == none {
		return none, none
	}
	n := &s.nodes[t]
	if t != k && s.compare(n.edge, s.nodes[k].edge) < 0 {
		b, r := s.split(n.r, k)
		n.r = b
		return t, r
	}
	b, r := s.split(n.l, k)
	n.l = r
	return b, t
}

func (s *sweep) merge(a, b int32) int32 {
	switch {
	case a == none:
		return b
	case b == none:
		return a
	}
	if s.nodes[a].prio > s.nodes[b].prio {
		s.nodes[a].r = s.merge(s.nodes[a].r, b)
		return a
	}
	s.nodes[b].l = s.merge(a, s.nodes[b].l)
	return b
}

func (s *sweep) first(t int32) int32 {
	for t != none && s.nodes[t].l != none {
		t = s.nodes[t].l
	}
	return t
}

func (s *sweep) last(t int32) int32 {
	for t != none && s.nodes[t].r != none {
		t = s.nodes[t].r
	}
	return t
}

func (s *sweep) dropFirst(t int32) int32 {
	if s.nodes[t].l == none {
		return s.nodes[t].r
	}
	s.nodes[t].l = s.dropFirst(s.nodes[t].l)
	return t
}

// compare orders edges a and b, both on the sweep line, from bottom to
// top. Until they meet, two edges keep their order along the sweep line,
// so it can be read at the left end of the one that started later. A
// comparison that finds the edges meeting there records the contact in
// s.hit.
func (s *sweep) compare(a, b int32) int {
	al, ar := s.edges[a].l, s.edges[a].r
	bl, br := s.edges[b].l, s.edges[b].r
	if less(al, bl) {
		return -s.compare(b, a)
	}
	// a starts at or after b's left end, and before b's right end.
	if al != bl {
		if o := orient(bl, br, al); o != 0 {
			return o
		}
		// a starts on b.
		s.record(a, b)
		return 1
	}
	// Consecutive edges leaving the same vertex.
	if o := orient(bl, br, ar); o != 0 {
		return o
	}
	s.record(a, b)
	return 1
}

func (s *sweep) record(a, b int32) {
	if s.hit != nil {
		return
	}
	if c, ok := s.test(a, b); ok {
		s.hit = &c
	}
}

// test reports whether edges a and b meet where a simple ring's edges may
// not.
func (s *sweep) test(a, b int32) (contact, bool) {
	if a == b {
		return contact{}, false
	}
	if s.next(b) == a {
		a, b = b, a
	}
	if s.next(a) == b {
		// Consecutive edges share vertex b; they conflict only when they
		// lie on one line and the second runs back over the first.
		p, q, r := s.v[a], s.v[b], s.v[s.next(b)]
		if orient(p, q, r) == 0 && less(p, q) == less(r, q) {
			return contact{kind: contactOverlap, a: a, b: b}, true
		}
		return contact{}, false
	}
	ea, eb := &s.edges[a], &s.edges[b]
	// Most neighbours are far apart: a bounding-box test settles them.
	if ea.r.X < eb.l.X || eb.r.X < ea.l.X || ea.yMax < eb.yMin || eb.yMax < ea.yMin {
		return contact{}, false
	}
	kind, at, ok := segmentContact(ea.l, ea.r, eb.l, eb.r)
	if !ok {
		return contact{}, false
	}
	return contact{kind: kind, a: a, b: b, at: at}, true
}

// segmentContact classifies how the closed segments p0–p1 and q0–q1 meet,
// if they do.
func segmentContact(p0, p1, q0, q1 Point) (kind int, at Point, ok bool) {
	o1, o2 := orient(p0, p1, q0), orient(p0, p1, q1)
	o3, o4 := orient(q0, q1, p0), orient(q0, q1, p1)
	if o1*o2 < 0 && o3*o4 < 0 {
		return contactCross, crossing(p0, p1, q0, q1), true
	}
	if o1 == 0 && o2 == 0 {
		// Collinear: compare their extents along the line.
		plo, phi := sorted(p0, p1)
		qlo, qhi := sorted(q0, q1)
		lo, hi := plo, phi
		if less(lo, qlo) {
			lo = qlo
		}
		if less(qhi, hi) {
			hi = qhi
		}
		switch {
		case less(lo, hi):
			return contactOverlap, lo, true
		case lo == hi:
			return contactTouch, lo, true
		}
		return 0, Point{}, false
	}
	for _, c := range []struct {
		o    int
		pt   Point
		a, b Point
	}{{o1, q0, p0, p1}, {o2, q1, p0, p1}, {o3, p0, q0, q1}, {o4, p1, q0, q1}} {
		if c.o == 0 && within(c.pt, c.a, c.b) {
			return contactTouch, c.pt, true
		}
	}
	return 0, Point{}, false
}

func sorted(a, b Point) (Point, Point) {
	if less(b, a) {
		return b, a
	}
	return a, b
}

// within reports whether q, collinear with a and b, lies on the segment
// between them.
func within(q, a, b Point) bool {
	lo, hi := sorted(a, b)
	return !less(q, lo) && !less(hi, q)
}

// crossing returns where the lines through two crossing segments meet, for
// messages; it need not be exact.
func crossing(p0, p1, q0, q1 Point) Point {
	// Huge coordinates (out of range, but finite) would overflow the
	// products below; scaling by a power of two is exact.
	m := 0.0
	for _, v := range [...]float64{p0.X, p0.Y, p1.X, p1.Y, q0.X, q0.Y, q1.X, q1.Y} {
		m = math.Max(m, math.Abs(v))
	}
	if m > 1e100 {
		e := math.Ilogb(m)
		scale := func(p Point) Point { return Point{math.Ldexp(p.X, -e), math.Ldexp(p.Y, -e)} }
		c := crossing(scale(p0), scale(p1), scale(q0), scale(q1))
		return Point{math.Ldexp(c.X, e), math.Ldexp(c.Y, e)}
	}
	dx, dy := p1.X-p0.X, p1.Y-p0.Y
	ex, ey := q1.X-q0.X, q1.Y-q0.Y
	den := dx*ey - dy*ex
	if den == 0 {
		return p0
	}
	t := ((q0.X-p0.X)*ey - (q0.Y-p0.Y)*ex) / den
	return Point{p0.X + t*dx, p0.Y + t*dy}
}

// orient returns the sign of the cross product (b−a)×(c−a): +1 when c lies
// to the left of the line from a to b (counter-clockwise with y up), −1 to
// the right and 0 when the three points are collinear. The sign is exact for
// any finite inputs: the floating-point result is used when it is provably
// right (Shewchuk's error bound), and exact rational arithmetic otherwise,
// which only near-collinear points need.
func orient(a, b, c Point) int {
	l := (b.X - a.X) * (c.Y - a.Y)
	r := (b.Y - a.Y) * (c.X - a.X)
	det := l - r
	// (3 + 16ε)ε with ε = 2⁻⁵³, from Shewchuk, "Adaptive Precision
	// Floating-Point Arithmetic and Fast Robust Geometric Predicates".
	const errBound = 3.3306690738754716e-16
	bound := errBound * (math.Abs(l) + math.Abs(r))
	// The bound holds without underflow or overflow: tiny or huge
	// magnitudes take the exact path.
	// An infinite bound fails the first test.
	if math.Abs(det) > bound && math.Abs(det) > 1e-280 {
		if det > 0 {
			return 1
		}
		return -1
	}
	return orientExact(a, b, c)
}

func orientExact(a, b, c Point) int {
	rat := func(v float64) *big.Rat { return new(big.Rat).SetFloat64(v) }
	sub := func(x, y float64) *big.Rat { return new(big.Rat).Sub(rat(x), rat(y)) }
	l := new(big.Rat).Mul(sub(b.X, a.X), sub(c.Y, a.Y))
	r := new(big.Rat).Mul(sub(b.Y, a.Y), sub(c.X, a.X))
	return l.Cmp(r)
}

// detail describes c for Problem.Detail, naming vertices by their index in
// the input polygon p.
func (s *sweep) detail(c contact, p Polygon) string {
	edge := func(k int32) string {
		return fmt.Sprintf("%d–%d", s.orig[k], s.orig[s.next(k)])
	}
	if c.a > c.b {
		c.a, c.b = c.b, c.a
	}
	switch c.kind {
	case contactCross:
		return fmt.Sprintf("edges %s and %s cross near (%.4g, %.4g)", edge(c.a), edge(c.b), c.at.X, c.at.Y)
	case contactTouch:
		return fmt.Sprintf("edges %s and %s touch at %s", edge(c.a), edge(c.b), formatPoint(c.at))
	case contactOverlap:
		return fmt.Sprintf("edges %s and %s overlap", edge(c.a), edge(c.b))
	case contactDuplicate:
		return fmt.Sprintf("vertices %d and %d are both at %s", s.orig[c.a], s.orig[c.b], formatPoint(c.at))
	}
	return fmt.Sprintf("all %d vertices are at %s", len(p), formatPoint(p[0]))
}

// SelfIntersection reports whether p is not simple, with a description of
// the first place found where it touches or crosses itself (see
// KindSelfIntersecting). Polygons that are not Measurable are never
// reported.
func SelfIntersection(p Polygon) (string, bool) {
	if !p.Measurable() {
		return "", false
	}
	s := newSweep(p)
	defer s.release()
	c, ok := s.contact()
	if !ok {
		return "", false
	}
	return s.detail(c, p), true
}
