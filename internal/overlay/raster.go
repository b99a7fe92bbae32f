package overlay

import (
	"github.com/golang/freetype/raster"
	"golang.org/x/image/math/fixed"
)

// Masks one byte a pixel, rasterized by gg's rasterizer as gg does.
//
// gg fills and strokes a path by handing golang/freetype's rasterizer the
// path in 26.6 fixed point and painting the spans it gets back into an
// *image.RGBA. Drawn opaque white over a cleared mask, each pixel of a span
// becomes four bytes of its coverage (the span's 16-bit alpha >> 8), and the
// rasterizer gives each pixel at most one span per path. A mask needs only
// that byte: maskPath builds the path the way gg's Context builds it
// (MoveTo, LineTo, ClosePath, DrawRectangle, Fill and Stroke, with the
// band's translation), and the same rasterizer paints the coverage into
// one byte a pixel, a quarter of the memory to clear, write and read.
// TestMasksMatchGG pins the bytes to gg's.

// maskPath builds a path as gg.Context does for a fill (fillPath) and a
// stroke (strokePath) of the same calls, with points translated by
// (ox, oy) as gg's Translate does.
type maskPath struct {
	fill, stroke raster.Path
	start        fixed.Point26_6
	has          bool
	ox, oy       float64
}

// reset empties the path and sets the translation.
func (p *maskPath) reset(ox, oy float64) {
	p.fill, p.stroke = p.fill[:0], p.stroke[:0]
	p.has = false
	p.ox, p.oy = ox, oy
}

// point is gg's TransformPoint and Point.Fixed: a translation, then a
// truncation to 26.6.
func (p *maskPath) point(x, y float64) fixed.Point26_6 {
	return fixed.Point26_6{X: fixed.Int26_6((x + p.ox) * 64), Y: fixed.Int26_6((y + p.oy) * 64)}
}

func (p *maskPath) moveTo(x, y float64) {
	if p.has {
		p.fill.Add1(p.start)
	}
	f := p.point(x, y)
	p.stroke.Start(f)
	p.fill.Start(f)
	p.start = f
	p.has = true
}

func (p *maskPath) lineTo(x, y float64) {
	if !p.has {
		p.moveTo(x, y)
		return
	}
	f := p.point(x, y)
	p.stroke.Add1(f)
	p.fill.Add1(f)
}

func (p *maskPath) closePath() {
	if p.has {
		p.stroke.Add1(p.start)
		p.fill.Add1(p.start)
	}
}

// rectangle is gg's DrawRectangle.
func (p *maskPath) rectangle(x, y, w, h float64) {
	if p.has {
		p.fill.Add1(p.start) // NewSubPath
	}
	p.has = false
	p.moveTo(x, y)
	p.lineTo(x+w, y)
	p.lineTo(x+w, y+h)
	p.lineTo(x, y+h)
	p.closePath()
}

// fillPath is the path gg's Fill rasterizes: the open subpath closed.
func (p *maskPath) fillPath() raster.Path {
	if p.has {
		p.fill.Add1(p.start)
	}
	return p.fill
}

// strokePath is the path gg's Stroke rasterizes (without dashes): the
// stroke path with each point closer than 8/64 of a pixel (in |dx|+|dy|)
// to the point before it left out, as gg's rasterPath(flattenPath(...))
// does for straight lines. It reuses out's memory.
func (p *maskPath) strokePath(out raster.Path) raster.Path {
	out = out[:0]
	var previous fixed.Point26_6
	for i := 0; i < len(p.stroke); i += 4 {
		f := fixed.Point26_6{X: p.stroke[i+1], Y: p.stroke[i+2]}
		if p.stroke[i] == 0 {
			out.Start(f)
		} else if d := abs26(f.X-previous.X) + abs26(f.Y-previous.Y); d > 8 {
			out.Add1(f)
		}
		previous = f
	}
	return out
}

func abs26(v fixed.Int26_6) fixed.Int26_6 {
	if v < 0 {
		return -v
	}
	return v
}

// bytePainter paints a rasterizer's spans as gg's RGBAPainter paints
// opaque white over an *image.RGBA, into one byte a pixel (what each of
// the four bytes would hold): pix holds rows of stride bytes, w×h of them
// inside the painter's bounds.
type bytePainter struct {
	pix    []byte
	stride int
	w, h   int
}

// Paint implements raster.Painter.
func (bp *bytePainter) Paint(ss []raster.Span, done bool) {
	const m = 1<<16 - 1
	for _, s := range ss {
		if s.Y < 0 {
			continue
		}
		if s.Y >= bp.h {
			return
		}
		x0, x1 := max(s.X0, 0), min(s.X1, bp.w)
		if x0 >= x1 {
			continue
		}
		ma := s.Alpha
		v := uint8(ma >> 8) // over a cleared pixel
		a := (m - ma) * 0x101
		row := bp.pix[s.Y*bp.stride+x0 : s.Y*bp.stride+x1]
		for i, d := range row {
			if d == 0 {
				row[i] = v
			} else {
				// RGBAPainter's source-over, should a pixel be painted
				// twice.
				row[i] = uint8((uint32(d)*a + m*ma) / m >> 8)
			}
		}
	}
}
