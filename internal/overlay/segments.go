package overlay

import (
	"image"
	"image/color"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/golang/freetype/raster"
	"golang.org/x/image/math/fixed"

	"github.com/segview/segview/internal/geom"
)

// How segments are drawn. gg's rasterizer rasterizes every segment into two
// coverage masks, one byte a pixel, as gg would draw them (raster.go), and
// composite.go blends them into the image:
//
//   - The fill mask is the segment's polygons, clipped to the image, as one
//     path filled opaque white with gg's even-odd rule. gg's rasterizer
//     (golang/freetype's, the area-coverage algorithm of FreeType's smooth
//     module) gives each pixel the area of it inside the polygons, so edges
//     are anti-aliased, an edge on a pixel boundary is sharp, and a polygon
//     spanning x in [0, 0.5] covers columns 0..W/2-1 exactly.
//   - The outline mask is the polygons' own edges stroked with gg at twice
//     the outline width with round joins and caps: the points within the
//     outline width of the boundary. Edges that clipping added along the
//     image border are not stroked. Compositing takes the smaller of the two
//     coverages in each pixel, so the outline lies inside the polygon, and
//     nothing of a segment is drawn outside it: its tint shows exactly what
//     it covers, and neighbouring segments show both their outlines side by
//     side instead of one painting over the other. gg strokes by the
//     non-zero rule, which adds up the coverage of overlapping pieces of
//     the stroke: where dozens of them meet in one pixel (a star of
//     hair-thin spikes), the outline's inner edge is not anti-aliased.
//
// gg works in 26.6 fixed point: it truncates coordinates to a 64th of a
// pixel, and its rasterizer rounds where an edge crosses a pixel boundary
// down to one, so coverage is exact to about a 64th of a pixel, and exact
// for edges along pixel boundaries. Vertices are rounded to the nearest
// 64th here, so that gg's truncation does not move every polygon up and
// left, and mirror images are drawn alike but for the rasterizer's rounding.
//
// The image is drawn in bands of bandRows rows, all segments in turn within
// a band, so the masks are a band high and the working memory is a few
// bands, not the image. Each segment's edges are sorted into the bands
// they reach beforehand, so gg only gets the edges of one band at a time.
// They are given to gg whole, not cut at the band's edges: freetype steps
// along an edge from its first vertex, and cutting it would start it anew
// from a rounded point, moving it by a 64th of a pixel in one band and not
// in the next. So a band's masks are exactly those rows of the masks of
// the whole image. Bands are independent and drawn in parallel.

// bandRows is the height of the bands the image is drawn in. Of 32, 64 and
// 128, 64 measured fastest, with BenchmarkRender's contours of short edges
// and with polygons of long ones, which gg steps through row by row once
// for every band they reach.
const bandRows = 64

// maskPad is the border, in pixels, around the masks of a band: edges reach
// beyond the band, and freetype's rasterizer misplaces the coverage of
// coordinates between −1 and 0 into its first row and column.
const maskPad = 2

// point is a position in pixels, a multiple of 1/64.
type point struct{ x, y float64 }

func snap(v float64) float64 { return math.Round(v*64) / 64 }

// bandPath is the part of a segment's geometry that reaches into one band:
// the subpaths pts[ends[i-1]:ends[i]], in image pixels.
type bandPath struct {
	pts  []point
	ends []int
	// For fill paths: the columns [x0, x1) of the band that the path
	// covers, and the area it covers in the band (exact for rings that are
	// simple and do not overlap, an estimate otherwise).
	x0, x1 int
	area   float64
}

// open reports whether a subpath has been started and not ended, and
// returns its last point.
func (p *bandPath) open() (point, bool) {
	if len(p.pts) == p.start() {
		return point{}, false
	}
	return p.pts[len(p.pts)-1], true
}

func (p *bandPath) start() int {
	if len(p.ends) == 0 {
		return 0
	}
	return p.ends[len(p.ends)-1]
}

// line adds the line from a to b: to the open subpath when it ends at a or
// join is set (a straight line from its end to a is added first when it
// ends elsewhere), else as a new subpath.
func (p *bandPath) line(a, b point, join bool) {
	if last, ok := p.open(); !ok || (!join && last != a) {
		p.end()
		p.pts = append(p.pts, a)
	} else if last != a {
		p.pts = append(p.pts, a)
	}
	if b != p.pts[len(p.pts)-1] {
		p.pts = append(p.pts, b)
	}
}

// end ends the open subpath, dropping it when it has a single point.
func (p *bandPath) end() {
	switch s := p.start(); len(p.pts) - s {
	case 0:
	case 1:
		p.pts = p.pts[:s]
	default:
		p.ends = append(p.ends, len(p.pts))
	}
}

// subpaths calls f with each subpath.
func (p *bandPath) subpaths(f func([]point)) {
	s := 0
	for _, e := range p.ends {
		f(p.pts[s:e])
		s = e
	}
}

// shape is a segment sorted into bands.
type shape struct {
	blend          *blender
	x0, x1, y0, y1 int // pixel bounds of the fill
	band0          int // the band of row y0
	nb             int // the number of bands from band0 on
	// fill and outline hold the segment's geometry in the bands from band0
	// on, one entry a band.
	fill, outline []bandPath
	// masks, when set, are the segment's masks from a MaskCache, composited
	// without gg (fill and outline are then nil); capture, when set,
	// receives the masks gg draws, to be kept in one.
	masks, capture *segMasks
}

func (sh *shape) bands() (first, last int) { return sh.band0, sh.band0 + sh.nb - 1 }

// canvas draws segments onto one image (or, with dst nil, only
// rasterizes their masks into cache).
type canvas struct {
	dst   *image.RGBA
	w, h  int
	width float64 // of outlines, in pixels
	// noOutline leaves outlines out: segments are filled only.
	noOutline bool
	// mask, when set, receives the fill of the one segment added, in
	// place of drawing it onto dst (nil then): see NewMask.
	mask *Mask
	segs []*shape
	// cache, when set, provides and keeps the segments' masks (addCached);
	// pending are the masks drawn this time, to keep once drawn.
	cache   *MaskCache
	pending []pendingMasks
	// once keeps no new masks in cache (Spec.Once).
	once bool
	// src, when set, is the image to copy into dst (of the same size and
	// stride) before drawing: each band copies its rows, on the workers.
	src *image.RGBA
	// workers is the most goroutines drawing bands; 0 means GOMAXPROCS.
	workers int
}

type pendingMasks struct {
	key   maskKey
	polys []geom.Polygon
	m     *segMasks
}

// addCached is add, with the segment's masks taken from cv.cache when it
// has them, and kept there once drawn otherwise.
func (cv *canvas) addCached(rings, visible []geom.Polygon, c color.NRGBA, alpha float64) {
	if cv.cache == nil {
		cv.add(rings, visible, c, alpha)
		return
	}
	k := cv.cache.key(cv, rings)
	if m := cv.cache.lookup(k, rings); m != nil {
		cv.segs = append(cv.segs, &shape{blend: newBlender(c, alpha),
			x0: m.x0, x1: m.x1, y0: m.y0, y1: m.y1, band0: m.band0, nb: len(m.bands), masks: m})
		return
	}
	n := len(cv.segs)
	cv.add(rings, visible, c, alpha)
	if len(cv.segs) == n || cv.once {
		return // nothing to draw, or to keep
	}
	sh := cv.segs[n]
	sh.capture = &segMasks{x0: sh.x0, x1: sh.x1, y0: sh.y0, y1: sh.y1, band0: sh.band0, bands: make([]bandMask, sh.nb)}
	polys := make([]geom.Polygon, len(rings))
	for i, p := range rings {
		polys[i] = slices.Clone(p)
	}
	cv.pending = append(cv.pending, pendingMasks{k, polys, sh.capture})
}

// keep stores the masks drawn by draw in cv.cache.
func (cv *canvas) keep() {
	for _, p := range cv.pending {
		cv.cache.store(p.key, p.polys, p.m)
	}
	cv.pending = nil
}

// newCanvas returns a canvas drawing onto dst, with outlines width pixels
// wide.
func newCanvas(dst *image.RGBA, width float64) *canvas {
	return &canvas{dst: dst, w: dst.Rect.Dx(), h: dst.Rect.Dy(), width: width}
}

// add prepares one segment, to be drawn after those added before: the fill
// at opacity alpha and an opaque outline, both in colour c. rings are its
// polygons and visible the same clipped to the image by clipRing.
func (cv *canvas) add(rings, visible []geom.Polygon, c color.NRGBA, alpha float64) {
	W, H := float64(cv.w), float64(cv.h)
	fill := make([][]point, 0, len(visible))
	minX, minY, maxX, maxY := W, H, 0.0, 0.0
	for _, clipped := range visible {
		ring := make([]point, len(clipped))
		for i, v := range clipped {
			p := point{snap(v.X * W), snap(v.Y * H)}
			ring[i] = p
			minX, maxX = min(minX, p.x), max(maxX, p.x)
			minY, maxY = min(minY, p.y), max(maxY, p.y)
		}
		fill = append(fill, ring)
	}
	sh := &shape{blend: newBlender(c, alpha)}
	sh.x0, sh.x1 = int(math.Floor(minX)), min(cv.w, int(math.Ceil(maxX)))
	sh.y0, sh.y1 = int(math.Floor(minY)), min(cv.h, int(math.Ceil(maxY)))
	if sh.x0 >= sh.x1 || sh.y0 >= sh.y1 {
		return
	}
	sh.band0 = sh.y0 / bandRows
	n := (sh.y1-1)/bandRows - sh.band0 + 1
	sh.nb = n
	sh.fill = make([]bandPath, n)
	sh.outline = make([]bandPath, n)
	for i := range sh.fill {
		sh.fill[i].x0, sh.fill[i].x1 = cv.w, 0
	}
	for _, ring := range fill {
		sh.sortFill(ring)
	}
	for i := range sh.fill {
		p := &sh.fill[i]
		p.area = math.Abs(p.area)
		// A column more on either side makes up for rounding in sortFill.
		p.x0, p.x1 = max(0, p.x0-1), min(cv.w, p.x1+1)
	}

	// Outlines follow the polygons' own edges, including those outside the
	// image but near enough to reach into it.
	reach := cv.width + 1
	mx, my := reach/W, reach/H
	if cv.noOutline {
		rings = nil
	}
	for _, ring := range rings {
		for i, a := range ring {
			b := ring[(i+1)%len(ring)]
			a, b, ok := clipSegment(a, b, geom.Point{X: -mx, Y: -my}, geom.Point{X: 1 + mx, Y: 1 + my})
			if ok {
				sh.sortOutline(point{snap(a.X * W), snap(a.Y * H)}, point{snap(b.X * W), snap(b.Y * H)}, reach)
			}
		}
		for i := range sh.outline {
			sh.outline[i].end()
		}
	}
	cv.segs = append(cv.segs, sh)
}

// sortFill adds a ring, in pixels within the image, to the bands: in each
// band, the ring's edges that reach into the band's rows, in order, become
// one closed subpath. Where the ring leaves the band and comes back, the
// subpath goes straight from where it left to where it comes back, both on
// the same side of the band, so that line adds nothing to the band's rows.
// Horizontal edges add nothing to any row and are left to those lines.
func (sh *shape) sortFill(ring []point) {
	first, last := sh.bands()
	for i, a := range ring {
		b := ring[(i+1)%len(ring)]
		lo, hi := min(a.y, b.y), max(a.y, b.y)
		if lo == hi {
			continue
		}
		for k := max(int(lo)/bandRows, first); k <= min(int(math.Ceil(hi/bandRows))-1, last); k++ {
			p := &sh.fill[k-first]
			p.line(a, b, true)
			// The part of the edge within the band's rows gives its
			// columns and its share of the area (∫x dy, of which the lines
			// between the edges have none).
			top, bottom := float64(k*bandRows), float64((k+1)*bandRows)
			ya, yb := min(max(a.y, top), bottom), min(max(b.y, top), bottom)
			xa, xb := a.x+(ya-a.y)*(b.x-a.x)/(b.y-a.y), a.x+(yb-a.y)*(b.x-a.x)/(b.y-a.y)
			p.x0, p.x1 = min(p.x0, int(math.Floor(min(xa, xb)))), max(p.x1, int(math.Ceil(max(xa, xb))))
			p.area += (xa + xb) / 2 * (yb - ya)
		}
	}
	for i := range sh.fill {
		sh.fill[i].end()
	}
}

// sortOutline adds the edge a–b to the outline of every band it passes
// within reach of; beyond reach, its stroke cannot touch the band.
// Consecutive edges of a ring continue the same subpath so that gg joins
// them.
func (sh *shape) sortOutline(a, b point, reach float64) {
	if a == b {
		return
	}
	first, last := sh.bands()
	lo, hi := min(a.y, b.y), max(a.y, b.y)
	k0 := max(int(math.Floor((lo-reach)/bandRows)), first)
	k1 := min(int(math.Floor((hi+reach)/bandRows)), last)
	for k := k0; k <= k1; k++ {
		if hi >= float64(k*bandRows)-reach && lo <= float64((k+1)*bandRows)+reach {
			sh.outline[k-first].line(a, b, false)
		}
	}
}

// draw draws the segments added, in order.
func (cv *canvas) draw() {
	first, last := math.MaxInt, -1
	for _, sh := range cv.segs {
		f, l := sh.bands()
		first, last = min(first, f), max(last, l)
	}
	if cv.src != nil {
		first, last = 0, (cv.h-1)/bandRows // every band copies its rows
	}
	if last < first {
		return
	}
	var next atomic.Int64
	next.Store(int64(first))
	run := func() {
		bd := cv.newBand()
		for k := int(next.Add(1) - 1); k <= last; k = int(next.Add(1) - 1) {
			bd.draw(k)
		}
	}
	workers := cv.workers
	if workers <= 0 {
		workers = defaultWorkers()
	}
	workers = min(workers, last-first+1)
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Go(run)
	}
	run()
	wg.Wait()
}

// band is what drawing one band at a time takes: the two masks, one byte
// a pixel, the rasterizer that paints them (raster.go), and the coverage
// bookkeeping of composite.go.
type band struct {
	cv          *canvas
	fill, line  []byte // stride bytes a row
	stride      int
	ras         *raster.Rasterizer
	fp, lp      bytePainter // painting fill and line
	path        maskPath
	stroke      raster.Path
	covered     []uint8
	under       []uint8
	top, bottom int // rows of the band being drawn
}

func (cv *canvas) newBand() *band {
	rows := min(bandRows, cv.h)
	// The masks are as wide as the image, with a border, so that one
	// rasterizer serves every segment; only the part under the segment
	// being drawn is cleared and read.
	return &band{
		cv:      cv,
		stride:  cv.w + 2*maskPad,
		covered: make([]uint8, cv.w*rows),
		under:   make([]uint8, 4*cv.w*rows),
	}
}

// rasterizer allocates the masks and the rasterizer when the band first
// draws a segment's masks: composited from a MaskCache alone, it needs
// neither.
func (bd *band) rasterizer() *raster.Rasterizer {
	if bd.ras == nil {
		w, h := bd.stride, min(bandRows, bd.cv.h)+2*maskPad
		bd.fill, bd.line = make([]byte, w*h), make([]byte, w*h)
		bd.ras = raster.NewRasterizer(w, h)
		bd.fp = bytePainter{pix: bd.fill, stride: w, w: w, h: h}
		bd.lp = bytePainter{pix: bd.line, stride: w, w: w, h: h}
	}
	return bd.ras
}

// draw draws band k of every segment.
func (bd *band) draw(k int) {
	cv := bd.cv
	bd.top, bd.bottom = k*bandRows, min((k+1)*bandRows, cv.h)
	if cv.src != nil {
		s := cv.dst.Stride
		copy(cv.dst.Pix[bd.top*s:bd.bottom*s], cv.src.Pix[bd.top*s:bd.bottom*s])
	}
	clear(bd.covered[:cv.w*(bd.bottom-bd.top)])
	for _, sh := range cv.segs {
		if first, last := sh.bands(); k < first || k > last {
			continue
		}
		if sh.masks != nil {
			if bm := &sh.masks.bands[k-sh.band0]; bm.drawn && cv.dst != nil {
				bd.cached(sh, bm)
			}
			continue
		}
		if fp := &sh.fill[k-sh.band0]; len(fp.ends) > 0 && fp.x0 < fp.x1 {
			bd.segment(sh, fp, &sh.outline[k-sh.band0])
		}
	}
}

// segment rasterizes the masks of one segment in the band, as gg would
// draw them (raster.go), and composites them.
//
// The masks cover the rectangle of the band's rows that the segment
// reaches into and the columns its fill covers in the band. When the
// segment covers most of that rectangle, gg fills the rectangle together
// with the polygons, by the even-odd rule: the part of the rectangle
// outside the segment, which is less to paint. Since the rectangle's edges
// lie on pixel boundaries and the even-odd rule folds an average winding
// number w by a function f of period 2 with f(1+w) = 1−f(w), that mask is
// one minus the fill's coverage, exactly but for rounding to 8 bits (the
// two can differ by one level), and the compositor reads it so.
func (bd *band) segment(sh *shape, fill, outline *bandPath) {
	cv := bd.cv
	y0, y1 := max(bd.top, sh.y0), min(bd.bottom, sh.y1)
	x0, x1 := fill.x0, fill.x1
	r := bd.rasterizer()
	for y := y0; y < y1; y++ {
		clear(bd.maskRow(bd.fill, y, x0, x1))
		clear(bd.maskRow(bd.line, y, x0, x1))
	}

	// gg's Identity and Translate: rows and columns of the masks start
	// maskPad before the band's.
	p := &bd.path
	p.reset(maskPad, float64(maskPad-bd.top))
	var flip uint8
	if fill.area > float64((x1-x0)*(y1-y0))/2 {
		flip = 255
		p.rectangle(float64(x0), float64(y0), float64(x1-x0), float64(y1-y0))
	}
	fill.subpaths(func(pts []point) {
		p.moveTo(pts[0].x, pts[0].y)
		for _, q := range pts[1:] {
			p.lineTo(q.x, q.y)
		}
		p.closePath()
	})
	r.UseNonZeroWinding = false // gg.FillRuleEvenOdd
	r.Clear()
	r.AddPath(p.fillPath())
	r.Rasterize(&bd.fp)
	if cv.mask != nil {
		for y := y0; y < y1; y++ {
			cv.mask.maskRow(bd.maskRow(bd.fill, y, x0, x1), flip, x0, y)
		}
		return
	}

	hasLine := len(outline.ends) > 0
	if hasLine {
		// gg's Stroke, with round caps and joins, of the outline's
		// subpaths (not closed).
		p.reset(maskPad, float64(maskPad-bd.top))
		outline.subpaths(func(pts []point) {
			p.moveTo(pts[0].x, pts[0].y)
			for _, q := range pts[1:] {
				p.lineTo(q.x, q.y)
			}
		})
		bd.stroke = p.strokePath(bd.stroke)
		lineWidth := 2 * cv.width
		r.UseNonZeroWinding = true
		r.Clear()
		r.AddStroke(bd.stroke, fixed.Int26_6(lineWidth*64), raster.RoundCapper, raster.RoundJoiner)
		r.Rasterize(&bd.lp)
	}
	if sh.capture != nil {
		sh.capture.captureBand(bd, bd.top/bandRows, x0, x1, y0, y1, flip, hasLine)
	}
	if cv.dst == nil {
		return // masks only (PrepareMasks)
	}

	for y := y0; y < y1; y++ {
		r := (y - bd.top) * cv.w
		var line []byte
		if hasLine {
			line = bd.maskRow(bd.line, y, x0, x1)
		}
		sh.blend.compositeRow8(
			cv.dst.Pix[cv.dst.PixOffset(x0, y):][:4*(x1-x0)],
			bd.maskRow(bd.fill, y, x0, x1), flip, line,
			bd.covered[r+x0:r+x1],
			bd.under[4*(r+x0):4*(r+x1)],
		)
	}
}

// maskRow is the columns x0..x1 of row y of one of the band's masks.
func (bd *band) maskRow(m []byte, y, x0, x1 int) []byte {
	return m[(y-bd.top+maskPad)*bd.stride+x0+maskPad:][:x1-x0]
}

// cached composites a segment's masks from a MaskCache in the band, as
// segment does with those gg draws, straight from their bytes.
func (bd *band) cached(sh *shape, bm *bandMask) {
	cv := bd.cv
	x0, x1, w := bm.x0, bm.x1, bm.x1-bm.x0
	for y := bm.y0; y < bm.y1; y++ {
		o := (y - bm.y0) * w
		var line []byte
		if bm.line != nil {
			line = bm.line[o : o+w]
		}
		r := (y - bd.top) * cv.w
		sh.blend.compositeRow8(
			cv.dst.Pix[cv.dst.PixOffset(x0, y):][:4*w],
			bm.fill[o:o+w], bm.flip, line,
			bd.covered[r+x0:r+x1],
			bd.under[4*(r+x0):4*(r+x1)],
		)
	}
}
