package overlay

import (
	"cmp"
	"encoding/binary"
	"image"
	"image/color"
	"math"
	"slices"

	"github.com/segview/segview/internal/geom"
)

// The segment rasterizer. Segments are drawn by this code rather than by
// gg so that the pixel convention can be exact and tested:
//
//   - Coverage is the exact area of each pixel inside the polygon under the
//     even-odd rule (the signed-area accumulation of font rasterizers such as
//     font-rs, folded for even-odd), so edges are anti-aliased, an edge on a
//     pixel boundary is sharp, and a polygon spanning x in [0, 0.5] covers
//     columns 0..W/2-1 exactly.
//   - The outline lies inside the polygon: the pixels within the outline
//     width of the polygon's boundary, measured from each pixel's centre.
//     Nothing of a segment is drawn outside it, so its tint shows exactly
//     what it covers, and neighbouring segments show both their outlines
//     side by side instead of one painting over the other.
//   - Fill and outline of a segment are composited in one step, each pixel
//     weighted by the areas the fill and the outline cover in it.
//   - Segments do not conflate. Drawing one anti-aliased shape after another
//     lets the background show through where they meet: two halves of a
//     pixel each covered by an opaque segment would leave a quarter of the
//     background. So the canvas remembers how much of each pixel is covered
//     and what was under it, and a segment's partial coverage goes to the
//     uncovered part first. Two segments sharing an edge then leave no
//     seam, while a segment inside another still tints over it.
//
// The image is processed in strips of stripRows rows, all segments in turn
// within a strip, so the working memory is a few strips, not the image.

// stripRows is the height of the strips the image is rasterized in.
const stripRows = 32

// canvas draws segments onto one image.
type canvas struct {
	dst  *image.RGBA
	w, h int
	segs []*shape

	acc []float32 // coverage deltas, w+2 per strip row
	// near is reach²−d² for the distance d from a pixel's centre to the
	// nearest boundary, where d < reach, else 0; w per strip row.
	near []float32
	// Per pixel of the strip: the fraction already covered by segments
	// (0..255), and the colour before any segment where that is strictly
	// between none and all.
	covered []uint8
	under   []uint8
}

// shape is a segment prepared for rasterizing.
type shape struct {
	blend          *blender
	width          float64 // outline width in pixels
	x0, x1, y0, y1 int     // pixel bounds of the part in the image

	fill          []fillEdge // sorted by y0
	outline       []outlineEdge
	nextFill      int
	nextOutline   int
	fillActive    []int // indices of the edges reaching into the strip
	outlineActive []int
}

// fillEdge is a polygon edge in pixel coordinates, y0 < y1; dir is +1 when
// the edge runs down the image and −1 when it runs up.
type fillEdge struct {
	x0, y0, x1, y1 float64
	dir            float64
}

// outlineEdge is a polygon edge in pixel coordinates.
type outlineEdge struct {
	ax, ay, bx, by float64
	yMin, yMax     float64
	dx, dy, inv    float64 // b−a and 1/|b−a|² (0 for a point)
}

func newCanvas(dst *image.RGBA) *canvas {
	return &canvas{dst: dst, w: dst.Rect.Dx(), h: dst.Rect.Dy()}
}

// add prepares one segment, to be drawn after those added before: the fill
// at opacity alpha and an opaque outline width pixels wide, both in colour
// c. rings are its polygons and visible the same clipped to the image by
// clipRing.
func (cv *canvas) add(rings, visible []geom.Polygon, c color.NRGBA, alpha, width float64) {
	W, H := float64(cv.w), float64(cv.h)
	sh := &shape{width: width}

	// Fill edges come from the rings clipped to the image, so that every
	// coordinate is finite and small; clipping keeps the even-odd coverage
	// of every point inside the image.
	minX, minY, maxX, maxY := W, H, 0.0, 0.0
	for _, clipped := range visible {
		for i, a := range clipped {
			b := clipped[(i+1)%len(clipped)]
			ax, ay, bx, by := a.X*W, a.Y*H, b.X*W, b.Y*H
			minX, maxX = min(minX, ax), max(maxX, ax)
			minY, maxY = min(minY, ay), max(maxY, ay)
			// An edge less than a nanopixel high covers nothing, and its
			// slope may not be finite.
			switch {
			case by-ay > 1e-9:
				sh.fill = append(sh.fill, fillEdge{ax, ay, bx, by, 1})
			case ay-by > 1e-9:
				sh.fill = append(sh.fill, fillEdge{bx, by, ax, ay, -1})
			}
		}
	}
	if len(sh.fill) == 0 {
		return
	}
	sh.x0, sh.x1 = int(math.Floor(minX)), min(cv.w, int(math.Ceil(maxX)))
	sh.y0, sh.y1 = int(math.Floor(minY)), min(cv.h, int(math.Ceil(maxY)))
	if sh.x0 >= sh.x1 || sh.y0 >= sh.y1 {
		return
	}

	// Outline edges are the polygons' own edges, including those outside
	// the image but near enough to reach into it; edges that clipping added
	// along the image border are not outlined.
	mx, my := (width+1)/W, (width+1)/H
	for _, ring := range rings {
		for i, a := range ring {
			b := ring[(i+1)%len(ring)]
			a, b, ok := clipSegment(a, b, geom.Point{X: -mx, Y: -my}, geom.Point{X: 1 + mx, Y: 1 + my})
			if !ok {
				continue
			}
			e := outlineEdge{ax: a.X * W, ay: a.Y * H, bx: b.X * W, by: b.Y * H}
			e.yMin, e.yMax = min(e.ay, e.by), max(e.ay, e.by)
			e.dx, e.dy = e.bx-e.ax, e.by-e.ay
			if l2 := e.dx*e.dx + e.dy*e.dy; l2 > 1e-18 {
				e.inv = 1 / l2
			}
			sh.outline = append(sh.outline, e)
		}
	}
	slices.SortFunc(sh.fill, func(a, b fillEdge) int { return cmp.Compare(a.y0, b.y0) })
	slices.SortFunc(sh.outline, func(a, b outlineEdge) int { return cmp.Compare(a.yMin, b.yMin) })
	sh.blend = newBlender(c, alpha)
	cv.segs = append(cv.segs, sh)
}

// draw rasterizes the segments added, in order.
func (cv *canvas) draw() {
	if len(cv.segs) == 0 {
		return
	}
	y0, y1 := cv.h, 0
	for _, sh := range cv.segs {
		y0, y1 = min(y0, sh.y0), max(y1, sh.y1)
	}
	cv.acc = make([]float32, (cv.w+2)*stripRows)
	cv.near = make([]float32, cv.w*stripRows)
	cv.covered = make([]uint8, cv.w*stripRows)
	cv.under = make([]uint8, 4*cv.w*stripRows)
	for top := y0; top < y1; top += stripRows {
		rows := min(stripRows, y1-top)
		clear(cv.covered[:cv.w*rows])
		for _, sh := range cv.segs {
			if sh.y0 < top+rows && sh.y1 > top {
				cv.drawStrip(sh, top, rows)
			}
		}
	}
}

// drawStrip draws the rows [top, top+rows) of one segment.
func (cv *canvas) drawStrip(sh *shape, top, rows int) {
	bw := sh.x1 - sh.x0
	acc := cv.acc[:(bw+2)*rows]
	clear(acc)
	bottom := float64(top + rows)

	// Edges are sorted by their top; each strip adds those starting above
	// its bottom and drops those ending above its top.
	for ; sh.nextFill < len(sh.fill) && sh.fill[sh.nextFill].y0 < bottom; sh.nextFill++ {
		sh.fillActive = append(sh.fillActive, sh.nextFill)
	}
	kept := sh.fillActive[:0]
	for _, i := range sh.fillActive {
		if sh.fill[i].y1 > float64(top) {
			kept = append(kept, i)
			accumulate(acc, &sh.fill[i], sh.x0, top, rows, bw)
		}
	}
	sh.fillActive = kept

	// reach is the distance from a pixel centre beyond which the outline
	// does not cover it.
	reach := sh.width + 0.5
	near := cv.near[:bw*rows]
	clear(near)
	for ; sh.nextOutline < len(sh.outline) && sh.outline[sh.nextOutline].yMin < bottom+reach; sh.nextOutline++ {
		sh.outlineActive = append(sh.outlineActive, sh.nextOutline)
	}
	kept = sh.outlineActive[:0]
	for _, i := range sh.outlineActive {
		if sh.outline[i].yMax > float64(top)-reach {
			kept = append(kept, i)
			nearness(near, &sh.outline[i], sh.x0, top, rows, bw, reach)
		}
	}
	sh.outlineActive = kept

	for r := range rows {
		cv.compositeRow(sh, top, r, acc[r*(bw+2):(r+1)*(bw+2)], near[r*bw:(r+1)*bw])
	}
}

// accumulate adds the signed area edge e covers in each pixel of the strip
// rows [top, top+rows) to acc, relative to column x0. The prefix sum of a
// row of acc is then the winding number averaged over each pixel.
func accumulate(acc []float32, e *fillEdge, x0, top, rows, bw int) {
	ya, yb := max(e.y0, float64(top)), min(e.y1, float64(top+rows))
	if ya >= yb {
		return
	}
	dxdy := (e.x1 - e.x0) / (e.y1 - e.y0)
	stride := bw + 2
	for y := int(math.Floor(ya)); float64(y) < yb; y++ {
		r0, r1 := max(ya, float64(y)), min(yb, float64(y+1))
		if r0 >= r1 {
			continue
		}
		xa := e.x0 + (r0-e.y0)*dxdy - float64(x0)
		xb := e.x0 + (r1-e.y0)*dxdy - float64(x0)
		if r1 == e.y1 {
			xb = e.x1 - float64(x0)
		}
		// Clipping keeps x within [0, bw]; guard against rounding.
		xa, xb = min(max(xa, 0), float64(bw)), min(max(xb, 0), float64(bw))
		row := acc[(y-top)*stride : (y-top+1)*stride]
		accumulateRow(row, xa, xb, (r1-r0)*e.dir)
	}
}

// accumulateRow adds to row the coverage of an edge crossing it from x = xa
// to x = xb over a height d (signed by direction): each pixel right of the
// edge gains d, and the pixels the edge passes through gain the part of d
// to their right.
func accumulateRow(row []float32, xa, xb, d float64) {
	lo, hi := min(xa, xb), max(xa, xb)
	i0, i1 := int(lo), int(math.Ceil(hi))
	if i1 <= i0+1 {
		// Within one pixel: the area right of the edge is a trapezoid.
		f := (xa+xb)/2 - float64(i0)
		row[i0] += float32(d * (1 - f))
		row[i0+1] += float32(d * f)
		return
	}
	// Across pixels i0..i1-1: a triangle in the first, a growing share in
	// each next one, and the last one missing only a small triangle.
	s := 1 / (hi - lo) // the part of d per pixel crossed
	f0 := lo - float64(i0)
	a0 := 0.5 * s * (1 - f0) * (1 - f0) // coverage of the first pixel
	f1 := hi - float64(i1-1)
	am := 0.5 * s * f1 * f1 // what the last pixel misses
	row[i0] += float32(d * a0)
	if i1 == i0+2 {
		row[i0+1] += float32(d * (1 - a0 - am))
	} else {
		a1 := s * (1.5 - f0) // coverage of the second pixel
		row[i0+1] += float32(d * (a1 - a0))
		ds := float32(d * s)
		for i := i0 + 2; i < i1-1; i++ {
			row[i] += ds
		}
		a2 := a1 + float64(i1-i0-3)*s // coverage of the last but one
		row[i1-1] += float32(d * (1 - a2 - am))
	}
	row[i1] += float32(d * am)
}

// nearness raises near, for the strip rows [top, top+rows), to reach²−d²
// for each pixel centre at a distance d < reach from edge e. Only the pixels
// within reach are visited: on each row, the span where the row crosses the
// capsule of radius reach around the edge.
func nearness(near []float32, e *outlineEdge, x0, top, rows, bw int, reach float64) {
	r2 := reach * reach
	for r := range rows {
		yc := float64(top+r) + 0.5
		if e.yMax < yc-reach || e.yMin > yc+reach {
			continue
		}
		lo, hi := e.span(yc, reach)
		c0 := math.Ceil(lo - 0.5 - float64(x0))
		c1 := math.Floor(hi - 0.5 - float64(x0))
		if c0 < 0 {
			c0 = 0
		}
		if c1 > float64(bw-1) {
			c1 = float64(bw - 1)
		}
		row := near[r*bw : (r+1)*bw]
		py := yc - e.ay
		for c := int(c0); c <= int(c1); c++ {
			// The squared distance to the nearest point of the segment.
			px := float64(x0+c) + 0.5 - e.ax
			t := (px*e.dx + py*e.dy) * e.inv
			if t < 0 {
				t = 0
			} else if t > 1 {
				t = 1
			}
			qx, qy := px-t*e.dx, py-t*e.dy
			if v := float32(r2 - (qx*qx + qy*qy)); v > row[c] {
				row[c] = v
			}
		}
	}
}

// span returns the x extent, on the line y = yc, of the points within
// distance reach of the edge: the union of the discs around its ends and
// the band along it.
func (e *outlineEdge) span(yc, reach float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, p := range [2][2]float64{{e.ax, e.ay}, {e.bx, e.by}} {
		if dy := yc - p[1]; dy*dy <= reach*reach {
			h := math.Sqrt(reach*reach - dy*dy)
			lo, hi = math.Min(lo, p[0]-h), math.Max(hi, p[0]+h)
		}
	}
	if e.inv == 0 {
		return lo, hi
	}
	// The band is the parallelogram with corners a±n and b±n, n the
	// normal of length reach.
	k := reach * math.Sqrt(e.inv)
	nx, ny := -e.dy*k, e.dx*k
	corners := [4][2]float64{{e.ax + nx, e.ay + ny}, {e.bx + nx, e.by + ny}, {e.bx - nx, e.by - ny}, {e.ax - nx, e.ay - ny}}
	for i, p := range corners {
		q := corners[(i+1)%4]
		if (p[1] <= yc) == (q[1] <= yc) {
			continue
		}
		x := p[0] + (yc-p[1])*(q[0]-p[0])/(q[1]-p[1])
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

// compositeRow blends row r of the strip starting at row top of one
// segment into the image.
func (cv *canvas) compositeRow(sh *shape, top, r int, acc, near []float32) {
	b := sh.blend
	n := sh.x1 - sh.x0
	pix := cv.dst.Pix[cv.dst.PixOffset(sh.x0, top+r):][:4*n]
	covered := cv.covered[r*cv.w+sh.x0:][:n]
	under := cv.under[4*(r*cv.w+sh.x0):][:4*n]
	reach := float32(sh.width + 0.5)
	const eps = 1.0 / 1024
	var sum float32
	for x := 0; x < n; x++ {
		sum += acc[x]
		cf := sum
		if cf < 0 {
			cf = -cf
		}
		if cf > 1 {
			cf = evenOdd(cf)
		}
		if cf < eps {
			// Outside: skip the pixels no edge passes through.
			for x+1 < n && acc[x+1] == 0 {
				x++
			}
			continue
		}
		if cf > 1-eps && near[x] == 0 {
			// Inside, beyond the outline: the run of pixels no edge
			// passes through and no outline reaches gets the fill alone.
			end := x + 1
			for end < n && acc[end] == 0 && near[end] == 0 {
				end++
			}
			b.fillRun(pix[4*x : 4*end])
			clear(covered[x:end])
			x = end - 1
			continue
		}
		px := pix[4*x : 4*x+4 : 4*x+4]
		// The outline's share of the pixel: its area within width of the
		// boundary, as far as it is inside the polygon.
		var co float32
		if v := near[x]; v > 0 {
			co = min(1, cf, reach-float32(math.Sqrt(float64(reach*reach-v))))
		}
		// The segment's opacity averaged over the whole pixel.
		a := b.alpha*(cf-co) + co
		if cf > 1-eps {
			// A whole pixel: plain source-over, whatever is under it, and
			// the pixel is uniform again.
			b.blend(px, a)
			covered[x] = 0
			continue
		}
		// covered[x] is the part of the pixel covered since it was last
		// uniform, when under[x] was its colour.
		if c := covered[x]; c == 0 {
			copy(under[4*x:4*x+4], px)
			b.blend(px, a)
			covered[x] = uint8(cf*255 + 0.5)
		} else {
			u := 1 - float32(c)/255
			b.share(px, under[4*x:4*x+4], u, cf, a)
			covered[x] = uint8((1-max(0, u-cf))*255 + 0.5)
		}
		if covered[x] == 255 {
			// Covered all over by parts of segments: as good as uniform.
			covered[x] = 0
		}
	}
}

// evenOdd folds an average winding number w ≥ 0 into even-odd coverage: 1
// inside an odd number of rings, 0 inside an even number, and the area
// fraction on an edge.
func evenOdd(w float32) float32 {
	w -= 2 * float32(int(w/2))
	if w > 1 {
		w = 2 - w
	}
	return w
}

// blender composites one colour over premultiplied RGBA pixels with
// source-over, so that drawing on a transparent canvas gives a layer that,
// composited over the photo, matches drawing on the photo.
type blender struct {
	c     [3]uint32 // the colour, 0..255
	alpha float32
	// The fill at alpha, for fillRun: the colour's red and blue (and green
	// and alpha) times alpha in 8.8 fixed point, two 16-bit lanes each, and
	// 1−alpha on the same scale.
	rb, ga, keep uint32
}

func newBlender(c color.NRGBA, alpha float64) *blender {
	a := uint32(min(max(alpha, 0), 1)*256 + 0.5)
	return &blender{
		c:     [3]uint32{uint32(c.R), uint32(c.G), uint32(c.B)},
		alpha: float32(alpha),
		rb:    (uint32(c.R) | uint32(c.B)<<16) * a,
		ga:    (uint32(c.G) | 255<<16) * a,
		keep:  256 - a,
	}
}

// fillRun blends the fill into whole pixels, two channels per
// multiplication: in each 16-bit lane, dst·(1−alpha) + c·alpha never
// exceeds 255·256, so lanes do not carry into each other.
func (b *blender) fillRun(pix []byte) {
	for i := 0; i+4 <= len(pix); i += 4 {
		p := binary.LittleEndian.Uint32(pix[i:])
		rb := ((p&0x00ff00ff)*b.keep + b.rb + 0x00800080) >> 8 & 0x00ff00ff
		ga := ((p>>8&0x00ff00ff)*b.keep + b.ga + 0x00800080) & 0xff00ff00
		binary.LittleEndian.PutUint32(pix[i:], rb|ga)
	}
}

func (b *blender) blend(px []byte, a float32) {
	w := weight(float64(a))
	px[0] = mix(uint32(px[0]), b.c[0], w)
	px[1] = mix(uint32(px[1]), b.c[1], w)
	px[2] = mix(uint32(px[2]), b.c[2], w)
	px[3] = mix(uint32(px[3]), 255, w)
}

// share blends a segment covering the fraction cf of a pixel at average
// opacity a into a pixel of which the fraction u is still uncovered and
// showed under before any segment: the coverage takes the uncovered part
// first, and only the rest goes over what earlier segments drew.
func (b *blender) share(px, under []byte, u, cf, a float32) {
	cu := min(cf, u) // over the uncovered part
	ct := cf - cu    // over earlier segments
	k := a / cf      // opacity over the part covered
	src := [4]float32{float32(b.c[0]), float32(b.c[1]), float32(b.c[2]), 255}
	for ch := range 4 {
		p, bg := float32(px[ch]), float32(under[ch])
		// What earlier segments made of the covered part of the pixel.
		t := min(max((p-u*bg)/(1-u), 0), 255)
		v := p + a*src[ch] - k*(cu*bg+ct*t)
		px[ch] = uint8(min(max(v, 0), 255) + 0.5)
	}
}

// weight converts an opacity to 16-bit fixed point, 0..65536.
func weight(a float64) uint32 {
	return uint32(min(max(a, 0), 1)*65536 + 0.5)
}

// mix returns dst·(1−a) + src·a for a in 16-bit fixed point, rounded.
func mix(dst, src, a uint32) uint8 {
	return uint8((dst*(65536-a) + src*a + 32768) >> 16)
}

// clipRing clips a ring to the rectangle [lo, hi] (Sutherland–Hodgman). The
// result covers, under the even-odd rule, exactly the points of the
// rectangle the ring covers; it may run along the rectangle's border.
func clipRing(ring geom.Polygon, lo, hi geom.Point) geom.Polygon {
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
