package overlay

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"slices"

	"github.com/segview/segview/internal/geom"
	"github.com/segview/segview/internal/lru"
)

// MaskCache keeps the coverage masks rasterized for segments (the fill
// and the outline mask of each band, see segments.go), so that drawing the
// same segments on an image of the same size again, at another opacity or
// with another subset of them shown, only composites: a new threshold or
// opacity on a cached decode draws nothing with gg. A segment's masks
// depend only on its polygons as drawn (after any crop), the output's size,
// the outline width and whether outlines are drawn, which together are its
// key; its colour, opacity and the segments drawn before it are applied
// when compositing, so the output is the same bytes as without the cache.
//
// Masks are kept one byte a pixel over each band's rectangle of the
// segment, and the cache holds at most its capacity in bytes of them
// (least recently used go first). It is safe for concurrent use; a nil
// *MaskCache keeps nothing.
type MaskCache struct {
	masks *lru.Cache[maskKey, *maskEntry]
	seed  maphash.Seed
	// anchors keeps the labels' anchors (labelAnchor, a search for the
	// pole of inaccessibility) by a 128-bit hash of the polygons and the
	// frame's size, anchorEntries of them.
	anchors      *lru.Cache[anchorKey, anchor]
	seed1, seed2 maphash.Seed
}

// anchorEntries bounds the labels' anchors a MaskCache keeps (about 100
// bytes each).
const anchorEntries = 16384

type anchorKey struct {
	fw, fh uint64 // float bits
	h1, h2 uint64
}

type anchor struct {
	p  geom.Point
	ok bool
}

// labelAnchor is labelAnchor(visible, fw, fh), kept between renders.
func (c *MaskCache) labelAnchor(visible []geom.Polygon, fw, fh float64) (geom.Point, bool) {
	if c == nil || c.masks.Capacity() <= 0 {
		return labelAnchor(visible, fw, fh)
	}
	k := anchorKey{fw: math.Float64bits(fw), fh: math.Float64bits(fh),
		h1: hashPolys(c.seed1, visible), h2: hashPolys(c.seed2, visible)}
	if a, ok := c.anchors.Get(k); ok {
		return a.p, a.ok
	}
	p, ok := labelAnchor(visible, fw, fh)
	c.anchors.Add(k, anchor{p, ok}, 1)
	return p, ok
}

// NewMaskCache returns a MaskCache holding at most capacity bytes of masks;
// capacity <= 0 keeps nothing.
func NewMaskCache(capacity int64) *MaskCache {
	return &MaskCache{masks: lru.New[maskKey, *maskEntry](capacity), seed: maphash.MakeSeed(),
		anchors: lru.New[anchorKey, anchor](anchorEntries), seed1: maphash.MakeSeed(), seed2: maphash.MakeSeed()}
}

// Stats returns the cache's statistics, for metrics.
func (c *MaskCache) Stats() lru.Stats { return c.masks.Stats() }

// Size is the bytes of masks held.
func (c *MaskCache) Size() int64 { return c.masks.Size() }

// Len is the number of segments whose masks are held.
func (c *MaskCache) Len() int { return c.masks.Len() }

// Capacity is the most bytes of masks held.
func (c *MaskCache) Capacity() int64 { return c.masks.Capacity() }

type maskKey struct {
	w, h      int
	width     uint64 // outline width, float bits
	noOutline bool
	polys     uint64 // hash of the polygons; entries compare them in full
}

// maskEntry is one segment's masks, with the polygons they are of.
type maskEntry struct {
	polys []geom.Polygon
	m     *segMasks
}

// segMasks are a segment's masks in its bands, one entry a band from band0.
type segMasks struct {
	x0, x1, y0, y1 int
	band0          int
	bands          []bandMask
}

// bandMask is a segment's masks in one band: the rectangle [x0, x1) ×
// [y0, y1) of the image, the fill mask as compositeRow reads it (with
// flip) and the outline mask, one byte a pixel row by row; line is nil
// when no outline reaches the band. drawn is false when the segment draws
// nothing in the band.
type bandMask struct {
	drawn          bool
	x0, x1, y0, y1 int
	flip           uint8
	fill, line     []byte
}

func (m *segMasks) bytes() int64 {
	n := int64(64 + 64*len(m.bands))
	for _, b := range m.bands {
		n += int64(len(b.fill) + len(b.line))
	}
	return n
}

func (c *MaskCache) key(cv *canvas, polys []geom.Polygon) maskKey {
	return maskKey{w: cv.w, h: cv.h, width: math.Float64bits(cv.width), noOutline: cv.noOutline, polys: hashPolys(c.seed, polys)}
}

// hashPolys hashes the polygons' vertices with seed.
func hashPolys(seed maphash.Seed, polys []geom.Polygon) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	var buf [16]byte
	for _, p := range polys {
		binary.LittleEndian.PutUint64(buf[:8], uint64(len(p)))
		h.Write(buf[:8])
		for _, v := range p {
			binary.LittleEndian.PutUint64(buf[:8], math.Float64bits(v.X))
			binary.LittleEndian.PutUint64(buf[8:], math.Float64bits(v.Y))
			h.Write(buf[:])
		}
	}
	return h.Sum64()
}

// lookup returns the masks kept for polys drawn on cv.
func (c *MaskCache) lookup(k maskKey, polys []geom.Polygon) *segMasks {
	if c == nil {
		return nil
	}
	e, ok := c.masks.Get(k)
	if !ok || !slices.EqualFunc(e.polys, polys, func(a, b geom.Polygon) bool { return slices.Equal(a, b) }) {
		return nil
	}
	return e.m
}

// store keeps masks drawn for polys; a segment's masks larger than a
// quarter of the cache are not kept.
func (c *MaskCache) store(k maskKey, polys []geom.Polygon, m *segMasks) {
	if c == nil {
		return
	}
	n := m.bytes()
	for _, p := range polys {
		n += int64(24 + 16*len(p))
	}
	if n <= c.masks.Capacity()/4 {
		c.masks.Add(k, &maskEntry{polys: polys, m: m}, n)
	}
}

// captureBand records the masks bd has just drawn for sh in the band's
// rows y0..y1 and columns x0..x1.
func (m *segMasks) captureBand(bd *band, k, x0, x1, y0, y1 int, flip uint8, hasLine bool) {
	w := x1 - x0
	bm := bandMask{drawn: true, x0: x0, x1: x1, y0: y0, y1: y1, flip: flip, fill: make([]byte, w*(y1-y0))}
	if hasLine {
		bm.line = make([]byte, w*(y1-y0))
	}
	for y := y0; y < y1; y++ {
		o := (y - y0) * w
		copy(bm.fill[o:o+w], bd.maskRow(bd.fill, y, x0, x1))
		if hasLine {
			copy(bm.line[o:o+w], bd.maskRow(bd.line, y, x0, x1))
		}
	}
	m.bands[k-m.band0] = bm
}

// compositeRow8 blends one row of a segment into pix, the row's pixels in
// the image. fill and outline are the same row of the segment's masks, one
// byte a pixel: fill holds the fill's coverage, or one minus it when flip
// is 255, and outline the outline's, or is nil for none. covered and under
// are the row's coverage bookkeeping (one and four bytes a pixel): the
// fraction of each pixel already covered by segments (0..255), and the
// colour before any segment where that is strictly between none and all.
func (b *blender) compositeRow8(pix, fill []byte, flip uint8, outline []byte, covered, under []uint8) {
	n := len(pix) / 4
	fill = fill[:n]
	if outline != nil {
		outline = outline[:n]
	}
	covered, under = covered[:n], under[:4*n]
	flip8 := uint64(flip) * 0x0101010101010101
	for x := 0; x < n; x++ {
		f := fill[x] ^ flip
		if f == 0 {
			// Outside: skip the run of pixels the fill does not reach.
			for x+9 <= n && binary.LittleEndian.Uint64(fill[x+1:])^flip8 == 0 {
				x += 8
			}
			for x+1 < n && fill[x+1]^flip == 0 {
				x++
			}
			continue
		}
		var o uint8
		if outline != nil {
			o = outline[x]
		}
		if f == 255 && o == 0 {
			// Inside, beyond the outline: the run of whole pixels gets
			// the fill alone.
			end := x + 1
			if outline == nil {
				for end+8 <= n && binary.LittleEndian.Uint64(fill[end:])^flip8 == 1<<64-1 {
					end += 8
				}
			} else {
				for end+8 <= n && binary.LittleEndian.Uint64(fill[end:])^flip8 == 1<<64-1 &&
					binary.LittleEndian.Uint64(outline[end:]) == 0 {
					end += 8
				}
			}
			for end < n && fill[end]^flip == 255 && (outline == nil || outline[end] == 0) {
				end++
			}
			b.fillRun(pix[4*x : 4*end])
			clear(covered[x:end])
			x = end - 1
			continue
		}
		if f == 255 && o == 255 {
			// Whole pixels of the outline: opaque, the colour itself
			// (pixel's blend at opacity one).
			end := x + 1
			for end+8 <= n && binary.LittleEndian.Uint64(fill[end:])^flip8 == 1<<64-1 &&
				binary.LittleEndian.Uint64(outline[end:]) == 1<<64-1 {
				end += 8
			}
			for end < n && fill[end]^flip == 255 && outline[end] == 255 {
				end++
			}
			b.solidRun(pix[4*x : 4*end])
			clear(covered[x:end])
			x = end - 1
			continue
		}
		b.pixel(pix[4*x:4*x+4:4*x+4], under[4*x:4*x+4:4*x+4], &covered[x], f, o)
	}
}
