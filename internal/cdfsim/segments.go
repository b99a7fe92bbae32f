package cdfsim

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
)

// synthesizeSegments fakes what Segment Anything returns for a prompt: one
// to three plausible masks around it. The result depends only on its inputs
// (the same file and prompt always give the same segments), every vertex is
// inside [0,1] and every score inside (0,1).
//
//   - a box gives a rounded mask hugging the box (high score);
//   - foreground points give a blob covering them (clipped to the box);
//   - sometimes a smaller "part" mask around the first foreground point.
//
// Background points carve notches: masks stay short of them. Shapes are
// built in a space where x is scaled by the display aspect ratio, so circles
// are round on screen.
func synthesizeSegments(fileID int64, aspect float64, points []Point, box *Box) []Segment {
	if !(aspect > 0) || math.IsInf(aspect, 0) {
		aspect = 4.0 / 3
	}
	rng := rand.New(rand.NewPCG(promptHash(fileID, points, box), 0x5e67))
	g := segGen{aspect: aspect, rng: rng}
	var fg []vec
	for _, p := range points {
		v := vec{p.X * aspect, p.Y}
		if p.Label == 1 {
			fg = append(fg, v)
		} else {
			g.bg = append(g.bg, v)
		}
	}
	if box != nil {
		g.clip = &[4]float64{box.XMin * aspect, box.YMin, box.XMax * aspect, box.YMax}
	}

	var segs []Segment
	partCenter, partRadius := vec{}, 0.0
	if b := g.clip; b != nil {
		c := vec{(b[0] + b[2]) / 2, (b[1] + b[3]) / 2}
		rx, ry := (b[2]-b[0])/2*0.93, (b[3]-b[1])/2*0.93
		n := 3.5 + 2*rng.Float64() // superellipse exponent: a rounded rectangle
		phase := rng.Float64() * 2 * math.Pi
		segs = append(segs, g.segment(0.86+0.11*rng.Float64(), c, func(t float64) float64 {
			ct, st := math.Abs(math.Cos(t))/rx, math.Abs(math.Sin(t))/ry
			return math.Pow(math.Pow(ct, n)+math.Pow(st, n), -1/n) * (1 + 0.025*math.Sin(5*t+phase))
		}))
		partCenter, partRadius = c, 0.45*min(rx, ry)
	}
	if len(fg) > 0 {
		var c vec
		for _, p := range fg {
			c = c.add(p)
		}
		c = c.scale(1 / float64(len(fg)))
		rad := 0.0
		for _, p := range fg {
			rad = max(rad, p.sub(c).len())
		}
		rad += 0.04 + 0.04*rng.Float64()
		if b := g.clip; b != nil {
			rad = min(rad, max(b[2]-b[0], b[3]-b[1])/2)
		}
		sx, sy := 1+0.2*rng.Float64(), 1-0.15*rng.Float64()
		p1, p2 := rng.Float64()*2*math.Pi, rng.Float64()*2*math.Pi
		segs = append(segs, g.segment(0.7+0.23*rng.Float64(), c, func(t float64) float64 {
			e := 1 / math.Hypot(math.Cos(t)/sx, math.Sin(t)/sy)
			return rad * e * (1 + 0.08*math.Sin(3*t+p1) + 0.04*math.Sin(7*t+p2))
		}))
		partCenter, partRadius = fg[0], 0.4*rad
	}
	if len(segs) == 0 {
		// Only background points: SAM still answers, with a weak mask.
		c := vec{0.5 * aspect, 0.5}
		segs = append(segs, g.segment(0.2+0.2*rng.Float64(), c, func(t float64) float64 {
			return 0.12 * (1 + 0.1*math.Sin(4*t))
		}))
	} else if len(segs) == 1 || rng.Float64() < 0.6 {
		phase := rng.Float64() * 2 * math.Pi
		segs = append(segs, g.segment(0.35+0.3*rng.Float64(), partCenter, func(t float64) float64 {
			return partRadius * (1 + 0.12*math.Sin(4*t+phase))
		}))
	}
	slices.SortStableFunc(segs, func(a, b Segment) int { return -cmpFloat(a.Score, b.Score) })
	return segs
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

type segGen struct {
	aspect float64
	rng    *rand.Rand
	bg     []vec
	clip   *[4]float64 // box in scaled space: u0, v0, u1, v1
}

// segment traces radius(t) around c into one polygon, keeps it short of
// background points and inside the box, and maps it back to [0,1].
func (g segGen) segment(score float64, c vec, radius func(t float64) float64) Segment {
	n := 48 + g.rng.IntN(17)
	poly := make([]Vertex, 0, n)
	for i := range n {
		t := 2 * math.Pi * float64(i) / float64(n)
		r := radius(t)
		for _, b := range g.bg {
			d := b.sub(c)
			dist := d.len()
			if dist < 1e-6 {
				continue
			}
			delta := math.Abs(math.Remainder(t-math.Atan2(d.y, d.x), 2*math.Pi))
			if delta < 0.7 {
				r = min(r, dist*(0.8+0.6*delta))
			}
		}
		p := c.add(vec{math.Cos(t), math.Sin(t)}.scale(r))
		if b := g.clip; b != nil {
			const margin = 0.01
			p.x = math.Min(math.Max(p.x, b[0]-margin), b[2]+margin)
			p.y = math.Min(math.Max(p.y, b[1]-margin), b[3]+margin)
		}
		poly = append(poly, Vertex{X: unitRound(p.x / g.aspect), Y: unitRound(p.y)})
	}
	return Segment{Score: math.Round(score*1e4) / 1e4, Polygons: [][]Vertex{poly}}
}

// unitRound clamps v to [0,1] and rounds it to 6 decimals.
func unitRound(v float64) float64 {
	return math.Round(math.Min(math.Max(v, 0), 1)*1e6) / 1e6
}

func promptHash(fileID int64, points []Point, box *Box) uint64 {
	h := fnv.New64a()
	var buf [8]byte
	put := func(u uint64) {
		binary.LittleEndian.PutUint64(buf[:], u)
		h.Write(buf[:])
	}
	put(uint64(fileID))
	for _, p := range points {
		put(math.Float64bits(p.X))
		put(math.Float64bits(p.Y))
		put(uint64(p.Label))
	}
	if box != nil {
		for _, v := range []float64{box.XMin, box.YMin, box.XMax, box.YMax} {
			put(math.Float64bits(v))
		}
	}
	return h.Sum64()
}

type vec struct{ x, y float64 }

func (a vec) add(b vec) vec       { return vec{a.x + b.x, a.y + b.y} }
func (a vec) sub(b vec) vec       { return vec{a.x - b.x, a.y - b.y} }
func (a vec) scale(k float64) vec { return vec{a.x * k, a.y * k} }
func (a vec) len() float64        { return math.Hypot(a.x, a.y) }
