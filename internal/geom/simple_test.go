package geom

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSelfIntersection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    Polygon
		want string // "" when the polygon is simple
	}{
		{name: "triangle", p: Polygon{{0, 0}, {1, 0}, {0, 1}}},
		{name: "square", p: rect(0, 0, 1, 1, false)},
		{name: "square closed by repeating its first vertex", p: Polygon{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}},
		{name: "repeated consecutive vertices", p: Polygon{{0, 0}, {0, 0}, {1, 0}, {1, 1}, {1, 1}, {1, 1}, {0, 1}}},
		{name: "concave comb", p: Polygon{{0, 0}, {1, 0}, {1, 1}, {0.8, 1}, {0.8, 0.2}, {0.6, 0.2}, {0.6, 1}, {0.4, 1}, {0.4, 0.2}, {0.2, 0.2}, {0.2, 1}, {0, 1}}},
		{name: "1000-vertex circle", p: circle(0.5, 0.5, 0.4, 1000)},
		{name: "collinear vertices along a straight edge", p: Polygon{{0, 0}, {0.25, 0}, {0.5, 0}, {1, 0}, {1, 1}, {0, 1}}},
		{name: "vertex just off an edge", p: Polygon{{0, 0}, {1, 0}, {1, 1}, {0.5, 1e-300}, {0, 1}}},
		{name: "huge coordinates", p: Polygon{{-1e308, -1e308}, {1e308, -1e308}, {0, 1e308}}},
		{
			name: "bow-tie",
			p:    Polygon{{0, 0}, {1, 1}, {1, 0}, {0, 1}},
			want: "edges 0–1 and 2–3 cross near (0.5, 0.5)",
		},
		{
			name: "huge bow-tie",
			p:    Polygon{{-1e308, -1e308}, {1e308, 1e308}, {1e308, -1e308}, {-1e308, 1e308}},
			want: "edges 0–1 and 2–3 cross near (0, 0)",
		},
		{
			name: "figure eight through a repeated vertex",
			p:    Polygon{{0, 0}, {0.5, 0.5}, {1, 0}, {1, 1}, {0.5, 0.5}, {0, 1}},
			want: "vertices 1 and 4 are both at (0.5, 0.5)",
		},
		{
			name: "vertex touching an edge",
			p:    Polygon{{0, 0}, {1, 0}, {1, 1}, {0.6, 1}, {0.5, 0}, {0.4, 1}, {0, 1}},
			want: "edges 0–1 and 4–5 touch at (0.5, 0)",
		},
		{
			name: "spike doubling back",
			p:    Polygon{{0, 0}, {1, 0}, {1, 1}, {0.5, 1}, {0.5, 0.5}, {0.5, 0.8}, {0, 1}},
			want: "edges 3–4 and 5–6 touch at (0.5, 0.8)",
		},
		{
			name: "edges overlapping along a line",
			p:    Polygon{{0, 0.5}, {0.5, 0.5}, {0.5, 1}, {1, 1}, {1, 0.5}, {0.2, 0.5}, {0.2, 0}, {0, 0}},
			want: "edges 0–1 and 5–6 touch at (0.2, 0.5)",
		},
		{
			name: "collinear triangle",
			p:    Polygon{{0.1, 0.1}, {0.5, 0.5}, {0.9, 0.9}},
			want: "edges 0–1 and 2–0 overlap",
		},
		{
			name: "there and back",
			p:    Polygon{{0, 0}, {1, 1}, {0, 0}},
			want: "edges 0–1 and 1–0 overlap",
		},
		{
			name: "all vertices equal",
			p:    Polygon{{0.5, 0.5}, {0.5, 0.5}, {0.5, 0.5}},
			want: "all 3 vertices are at (0.5, 0.5)",
		},
		{name: "too few vertices is not reported here", p: Polygon{{0, 0}, {1, 1}}},
		{name: "NaN is not reported here", p: Polygon{{0, 0}, {1, 1}, {1, 0}, {math.NaN(), 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := SelfIntersection(tt.p)
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("SelfIntersection = %q, %v; want %q", got, ok, tt.want)
			}
			if tt.p.Measurable() {
				if bf := bruteNotSimple(tt.p); bf != ok {
					t.Errorf("brute force says not simple = %v", bf)
				}
			}
		})
	}
}

// bruteNotSimple is the definition of KindSelfIntersecting tested pair by
// pair: O(n²), independent of the sweep. It shares only the orientation
// test, which TestOrientExact checks against exact arithmetic.
func bruteNotSimple(p Polygon) bool {
	var v []Point
	for _, q := range p {
		if len(v) == 0 || v[len(v)-1] != q {
			v = append(v, q)
		}
	}
	for len(v) > 1 && v[len(v)-1] == v[0] {
		v = v[:len(v)-1]
	}
	n := len(v)
	if n < 3 {
		return true // a point, or a there-and-back line
	}
	for i := range n {
		for j := i + 1; j < n; j++ {
			if bruteConflict(v, i, j) {
				return true
			}
		}
	}
	return false
}

// bruteConflict reports whether edges i and j of ring v (edge k runs from
// v[k] to v[k+1]) meet where a simple ring's edges may not.
func bruteConflict(v []Point, i, j int) bool {
	n := len(v)
	a0, a1 := v[i], v[(i+1)%n]
	b0, b1 := v[j], v[(j+1)%n]
	if (i+1)%n == j || (j+1)%n == i {
		// Consecutive: they must not fold back onto each other.
		if (j+1)%n == i {
			a0, a1, b0, b1 = b0, b1, a0, a1
		}
		// a1 == b0 is shared; a0 and b1 must not lie on the same ray from it.
		if orient(a0, a1, b1) != 0 {
			return false
		}
		return dotRat(a0, a1, b1) > 0
	}
	o1, o2 := orient(a0, a1, b0), orient(a0, a1, b1)
	o3, o4 := orient(b0, b1, a0), orient(b0, b1, a1)
	if o1*o2 < 0 && o3*o4 < 0 {
		return true
	}
	on := func(o int, q, s0, s1 Point) bool {
		return o == 0 && math.Min(s0.X, s1.X) <= q.X && q.X <= math.Max(s0.X, s1.X) &&
			math.Min(s0.Y, s1.Y) <= q.Y && q.Y <= math.Max(s0.Y, s1.Y)
	}
	return on(o1, b0, a0, a1) || on(o2, b1, a0, a1) || on(o3, a0, b0, b1) || on(o4, a1, b0, b1)
}

func rat(v float64) *big.Rat { return new(big.Rat).SetFloat64(v) }

func orientRat(a, b, c Point) int {
	l := new(big.Rat).Mul(new(big.Rat).Sub(rat(b.X), rat(a.X)), new(big.Rat).Sub(rat(c.Y), rat(a.Y)))
	r := new(big.Rat).Mul(new(big.Rat).Sub(rat(b.Y), rat(a.Y)), new(big.Rat).Sub(rat(c.X), rat(a.X)))
	return l.Cmp(r)
}

// dotRat returns the sign of (a−o)·(c−o).
func dotRat(a, o, c Point) int {
	x := new(big.Rat).Mul(new(big.Rat).Sub(rat(a.X), rat(o.X)), new(big.Rat).Sub(rat(c.X), rat(o.X)))
	y := new(big.Rat).Mul(new(big.Rat).Sub(rat(a.Y), rat(o.Y)), new(big.Rat).Sub(rat(c.Y), rat(o.Y)))
	return x.Add(x, y).Sign()
}

// checkAgainstBruteForce runs the sweep on p and compares it with the
// definition: the verdict must agree, and a reported contact must be real.
func checkAgainstBruteForce(t *testing.T, p Polygon) {
	t.Helper()
	s := newSweep(p)
	c, ok := s.contact()
	if want := bruteNotSimple(p); ok != want {
		t.Fatalf("sweep says not simple = %v, brute force %v, for %v", ok, want, p)
	}
	if !ok {
		return
	}
	real := false
	switch c.kind {
	case contactCollapsed:
		real = len(s.v) == 1
	case contactDuplicate:
		real = c.a != c.b && s.v[c.a] == s.v[c.b]
	default:
		real = len(s.v) == 2 || c.a != c.b && bruteConflict(s.v, int(c.a), int(c.b))
	}
	if !real {
		t.Fatalf("reported contact %+v (%s) is not one, for %v", c, s.detail(c, p), p)
	}
}

// TestSelfIntersectionMatchesBruteForce compares the sweep with the
// definition on random rings. Vertices on a coarse grid make the hard cases
// common: collinear and vertical edges, vertices on edges, repeated
// vertices, overlapping edges. Each ring is also checked mirrored,
// transposed, reversed and started from another vertex, which must not
// change the verdict.
func TestSelfIntersectionMatchesBruteForce(t *testing.T) {
	t.Parallel()
	variants := func(p Polygon) []Polygon {
		n := len(p)
		out := []Polygon{p}
		add := func(f func(Point) Point) {
			q := make(Polygon, n)
			for i, v := range p {
				q[i] = f(v)
			}
			out = append(out, q)
		}
		add(func(v Point) Point { return Point{-v.X, v.Y} })
		add(func(v Point) Point { return Point{v.Y, v.X} })
		add(func(v Point) Point { return Point{-v.Y, v.X} })
		rev := make(Polygon, n)
		rot := make(Polygon, n)
		for i := range p {
			rev[i] = p[n-1-i]
			rot[i] = p[(i+n/2)%n]
		}
		return append(out, rev, rot)
	}
	for _, grid := range []int{2, 3, 4, 8, 64} {
		t.Run(fmt.Sprintf("grid %d", grid), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(grid), 3))
			simple := 0
			for range 2500 {
				p := make(Polygon, 3+rng.IntN(8))
				for i := range p {
					p[i] = Point{float64(rng.IntN(grid+1)) / float64(grid), float64(rng.IntN(grid+1)) / float64(grid)}
				}
				for _, q := range variants(p) {
					checkAgainstBruteForce(t, q)
				}
				if !bruteNotSimple(p) {
					simple++
				}
			}
			// The comparison means little unless both verdicts are common.
			if simple < 100 || simple > 2400 {
				t.Errorf("%d of 2500 random rings are simple; the generator needs tuning", simple)
			}
		})
	}
}

// TestSelfIntersectionLargeRings checks rings of a few hundred vertices:
// star-shaped ones, simple by construction, and the same with one vertex
// moved onto another edge or across the ring.
func TestSelfIntersectionLargeRings(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 8))
	for trial := range 60 {
		n := 50 + rng.IntN(400)
		p := make(Polygon, n)
		for i := range p {
			a := 2 * math.Pi * (float64(i) + 0.8*rng.Float64()) / float64(n)
			r := 0.1 + 0.35*rng.Float64()
			// A 1/1024 grid makes exact contacts possible below.
			p[i] = Point{math.Round((0.5+r*math.Cos(a))*1024) / 1024, math.Round((0.5+r*math.Sin(a))*1024) / 1024}
		}
		checkAgainstBruteForce(t, p)
		q := append(Polygon{}, p...)
		switch trial % 3 {
		case 0: // onto another vertex
			q[rng.IntN(n)] = q[rng.IntN(n)]
		case 1: // onto the midpoint of another edge, exact on the grid when even
			k := rng.IntN(n)
			a, b := q[k], q[(k+1)%n]
			q[(k+n/2)%n] = Point{(a.X + b.X) / 2, (a.Y + b.Y) / 2}
		case 2: // across the ring
			q[rng.IntN(n)] = Point{1 - q[0].X, 1 - q[0].Y}
		}
		checkAgainstBruteForce(t, q)
	}
}

// TestValidateConcurrent runs Validate from many goroutines at once, as
// concurrent page requests do: the pooled sweep buffers must not leak
// between calls.
func TestValidateConcurrent(t *testing.T) {
	t.Parallel()
	bowtie := Polygon{{0, 0}, {1, 1}, {1, 0}, {0, 1}}
	polys := []Polygon{circle(0.5, 0.5, 0.4, 300), bowtie, comb(200), bowtie, circle(0.3, 0.3, 0.1, 50)}
	want := Validate(polys, 0)
	if len(want) != 2 {
		t.Fatalf("Validate found %d problems, want the 2 bow-ties", len(want))
	}
	done := make(chan []Problem)
	for range 8 {
		go func() {
			var last []Problem
			for range 50 {
				last = Validate(polys, 0)
			}
			done <- last
		}()
	}
	for range 8 {
		if got := <-done; !slices.Equal(got, want) {
			t.Errorf("concurrent Validate = %v, want %v", got, want)
		}
	}
}

func FuzzSelfIntersection(f *testing.F) {
	f.Add([]byte{0, 0, 4, 4, 4, 0, 0, 4})
	f.Add([]byte{0, 0, 4, 0, 4, 4, 2, 0, 0, 4})
	f.Add([]byte{0, 0, 2, 2, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64 {
			data = data[:64]
		}
		var p Polygon
		for i := 0; i+1 < len(data); i += 2 {
			p = append(p, Point{float64(data[i]%9) / 8, float64(data[i+1]%9) / 8})
		}
		if !p.Measurable() {
			return
		}
		checkAgainstBruteForce(t, p)
	})
}

// TestOrientExact checks the filtered orientation test against exact
// arithmetic on nearly collinear points, where a plain floating-point cross
// product gets the sign wrong.
func TestOrientExact(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(9, 9))
	for range 20000 {
		a := Point{rng.Float64(), rng.Float64()}
		b := Point{rng.Float64(), rng.Float64()}
		s := rng.Float64() * 2
		c := Point{a.X + s*(b.X-a.X), a.Y + s*(b.Y-a.Y)} // on the line, up to rounding
		if rng.IntN(2) == 0 {
			c.X = math.Nextafter(c.X, 2)
		}
		if got, want := orient(a, b, c), orientRat(a, b, c); got != want {
			t.Fatalf("orient(%v, %v, %v) = %d, want %d", a, b, c, got, want)
		}
	}
	for _, tt := range []struct {
		a, b, c Point
		want    int
	}{
		{Point{0, 0}, Point{1, 0}, Point{0, 1}, 1},
		{Point{0, 0}, Point{1, 0}, Point{0, -1}, -1},
		{Point{0.1, 0.1}, Point{0.2, 0.2}, Point{0.3, 0.3}, orientRat(Point{0.1, 0.1}, Point{0.2, 0.2}, Point{0.3, 0.3})},
		{Point{0, 0}, Point{1e-300, 1e-300}, Point{2e-300, 2e-300}, 0},
		{Point{0, 0}, Point{1e-300, 1e-300}, Point{2e-300, 3e-300}, 1},
		{Point{-1e308, -1e308}, Point{1e308, 1e308}, Point{1e308, -1e308}, -1},
	} {
		if got := orient(tt.a, tt.b, tt.c); got != tt.want {
			t.Errorf("orient(%v, %v, %v) = %d, want %d", tt.a, tt.b, tt.c, got, tt.want)
		}
	}
}

// wobbly is a 1000-vertex mask contour like a model's output.
func wobbly(rng *rand.Rand, cx, cy, r float64) Polygon {
	p := make(Polygon, 1000)
	phase := rng.Float64() * 2 * math.Pi
	for i := range p {
		a := 2 * math.Pi * float64(i) / float64(len(p))
		rr := r * (1 + 0.15*math.Sin(7*a+phase) + 0.01*rng.Float64())
		p[i] = Point{cx + rr*math.Cos(a), cy + rr*math.Sin(a)}
	}
	return p
}

// comb is a simple ring of n vertices whose teeth all span the width: many
// long edges on the sweep line at once, the worst case for simpler
// bounding-box sweeps.
func comb(n int) Polygon {
	teeth := n / 4
	p := make(Polygon, 0, 4*teeth+2)
	for i := range teeth {
		y0 := float64(2*i) / float64(2*teeth)
		y1 := float64(2*i+1) / float64(2*teeth)
		p = append(p, Point{0.1, y0}, Point{1, y0}, Point{1, y1}, Point{0.1, y1})
	}
	return append(p, Point{0.1, 1}, Point{0, 1})
}

// BenchmarkValidate measures what the job page spends on validation. page
// is 60 segments of 1000 vertices, the page the product targets at 50 ms
// in all.
func BenchmarkValidate(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	page := make([]Polygon, 60)
	for i := range page {
		page[i] = wobbly(rng, 0.2+0.6*rng.Float64(), 0.2+0.6*rng.Float64(), 0.05+0.1*rng.Float64())
	}
	star := make(Polygon, 1000)
	for i := range star {
		r := 0.45
		if i%2 == 1 {
			r = 0.01
		}
		a := 2 * math.Pi * float64(i) / float64(len(star))
		star[i] = Point{0.5 + r*math.Cos(a), 0.5 + r*math.Sin(a)}
	}
	for _, bm := range []struct {
		name  string
		polys []Polygon
	}{
		{"page_60x1000", page},
		{"comb_1000", []Polygon{comb(1000)}},
		{"star_1000", []Polygon{star}},
		{"circle_100000", []Polygon{circle(0.5, 0.5, 0.4, 100000)}},
		{"bowtie_1000", []Polygon{append(circle(0.5, 0.5, 0.4, 998), Point{0, 0}, Point{1, 1})}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			for _, p := range bm.polys {
				if _, bad := SelfIntersection(p); bad != (bm.name == "bowtie_1000") {
					b.Fatalf("%s: self-intersecting = %v", bm.name, bad)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				Validate(bm.polys, 0)
			}
		})
	}
}
