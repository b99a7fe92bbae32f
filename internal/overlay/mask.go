package overlay

import (
	"cmp"
	"image"
	"slices"

	"github.com/segview/segview/internal/geom"
)

// Mask is a segment's pixels in a W×H image: those that the overlay's fill
// of the segment covers at least half of. It is the binary form of the
// coverage Render composites (the same gg rasterization of the same
// clipped, snapped polygons by the even-odd rule; see segments.go), so an
// export's mask is what the overlay tints: a pixel whose tint is at least
// half the fill's strength is in it, and nothing else is.
//
// With straight edges, a pixel is covered at least half when its centre is
// inside the polygons, up to gg's rounding to a 64th of a pixel: the mask
// is, in effect, the pixels whose centres the segment contains.
type Mask struct {
	// W and H are the image's size in pixels.
	W, H int
	// Rect bounds the pixels of the mask; every pixel outside it is out.
	Rect image.Rectangle
	// Pix holds Rect's pixels row by row, one byte each: 1 in, 0 out.
	Pix []uint8
}

// In reports whether pixel (x, y) is in the mask.
func (m *Mask) In(x, y int) bool {
	if !(image.Point{X: x, Y: y}).In(m.Rect) {
		return false
	}
	return m.Pix[(y-m.Rect.Min.Y)*m.Rect.Dx()+x-m.Rect.Min.X] != 0
}

// Count is the number of pixels in the mask: the segment's area in pixels
// as the overlay draws it.
func (m *Mask) Count() int {
	n := 0
	for _, v := range m.Pix {
		n += int(v)
	}
	return n
}

// NewMask rasterizes a segment's polygons (normalized coordinates, combined
// by the even-odd rule, as in Segment) for a w×h image, as Render fills
// them: polygons that cannot be drawn are skipped, and the rest are clipped
// to the image. A segment with nothing to draw has an empty mask.
func NewMask(polys []geom.Polygon, w, h int) *Mask {
	return NewMasker(w, h).Mask(polys)
}

// Masker rasterizes the masks of segments of one image in turn, as NewMask
// does, reusing its working memory (a band of gg's masks as wide as the
// image) from one segment to the next. It is not safe for concurrent use.
type Masker struct {
	w, h int
	bd   *band
}

// NewMasker returns a Masker for a w×h image.
func NewMasker(w, h int) *Masker { return &Masker{w: max(w, 0), h: max(h, 0)} }

// Mask is NewMask(polys, w, h) for the Masker's image.
func (mk *Masker) Mask(polys []geom.Polygon) *Mask {
	w, h := mk.w, mk.h
	m := &Mask{W: w, H: h}
	if w <= 0 || h <= 0 {
		return m
	}
	d, ok := drawableOf(Segment{Polygons: polys})
	if !ok {
		return m
	}
	cv := &canvas{w: w, h: h, noOutline: true, mask: m}
	cv.add(d.polys, d.visible, white, 1)
	if len(cv.segs) == 0 {
		return m
	}
	sh := cv.segs[0]
	// The fill reaches a column beyond the shape's bounds on either side
	// (see canvas.add), and the rows of its bounds.
	m.Rect = image.Rect(max(0, sh.x0-1), sh.y0, min(w, sh.x1+1), sh.y1)
	m.Pix = make([]uint8, m.Rect.Dx()*m.Rect.Dy())
	if mk.bd == nil {
		mk.bd = cv.newBand()
	}
	mk.bd.cv = cv
	first, last := sh.bands()
	for k := first; k <= last; k++ {
		mk.bd.draw(k)
	}
	return m
}

// maskRow stores one row of a segment's fill mask (gg's coverage, or one
// minus it when flip is 255, as compositeRow8 reads it) for the columns
// x0.. of row y: in when covered at least half.
func (m *Mask) maskRow(fill []byte, flip uint8, x0, y int) {
	if y < m.Rect.Min.Y || y >= m.Rect.Max.Y {
		return
	}
	row := m.Pix[(y-m.Rect.Min.Y)*m.Rect.Dx():][:m.Rect.Dx()]
	for i, f := range fill {
		x := x0 + i
		if x < m.Rect.Min.X || x >= m.Rect.Max.X {
			continue
		}
		if f^flip >= 128 {
			row[x-m.Rect.Min.X] = 1
		}
	}
}

// ClipToImage clips a polygon (normalized coordinates) to the image, as the
// overlay fills it: the result covers, by the even-odd rule, exactly the
// part of the image the polygon covers, and may run along the image's
// border; nil when nothing of it is inside.
func ClipToImage(p geom.Polygon) geom.Polygon {
	if !p.Measurable() {
		return nil
	}
	return clipRing(p, geom.Point{}, geom.Point{X: 1, Y: 1})
}

// DrawOrder returns the indexes of segments (each its polygons) in the
// order Render draws them: largest first by area within the image, equal
// areas in their order, leaving out those with nothing to draw. Where
// segments overlap, the later one is on top.
func DrawOrder(segments [][]geom.Polygon) []int {
	type entry struct {
		i    int
		area float64
	}
	var out []entry
	for i, polys := range segments {
		if d, ok := drawableOf(Segment{Polygons: polys}); ok {
			out = append(out, entry{i, d.area})
		}
	}
	slices.SortStableFunc(out, func(a, b entry) int { return cmp.Compare(b.area, a.area) })
	idx := make([]int, len(out))
	for k, e := range out {
		idx[k] = e.i
	}
	return idx
}
