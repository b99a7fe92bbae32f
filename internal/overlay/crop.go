package overlay

import (
	"github.com/segview/segview/internal/geom"
)

// Crop is the part of the whole image that Spec.Image shows, in normalized
// coordinates of the whole image: X0 < X1 and Y0 < Y1, within 0..1.
//
// Spec.Image then stands for that rectangle, and the drawing is the one
// the whole image would get at the same zoom, cut to the rectangle: the
// whole image's frame is Spec.Image's size divided by the crop's size
// (W / (X1−X0) by H / (Y1−Y0) pixels), line widths, marker radii, dashes
// and the box's placement follow from that frame, and segments are ordered
// by their area in the whole image. So a crop drawn at width w and the
// same rectangle of the whole image drawn at width w / (X1−X0) show the
// same strokes, sizes and colours on screen.
type Crop struct{ X0, Y0, X1, Y1 float64 }

// valid reports whether c is a non-empty rectangle within 0..1.
func (c *Crop) valid() bool {
	return c != nil && finite(c.X0, c.Y0, c.X1, c.Y1) &&
		c.X0 >= 0 && c.Y0 >= 0 && c.X1 <= 1 && c.Y1 <= 1 && c.X0 < c.X1 && c.Y0 < c.Y1
}

// frame is the whole image's frame for an output w×h showing crop: its
// size in pixels and the crop's top-left corner in it. Without a valid
// crop it is the output itself.
func (c *Crop) frame(w, h float64) (fw, fh, ox, oy float64) {
	if !c.valid() {
		return w, h, 0, 0
	}
	fw, fh = w/(c.X1-c.X0), h/(c.Y1-c.Y0)
	return fw, fh, c.X0 * fw, c.Y0 * fh
}

// cropDrawables maps segments from the whole image's coordinates into the
// crop's (0..1 across the crop), and clips them to it again. Their order,
// decided by their area in the whole image, is kept.
func cropDrawables(ds []drawable, c *Crop) []drawable {
	if !c.valid() {
		return ds
	}
	sx, sy := 1/(c.X1-c.X0), 1/(c.Y1-c.Y0)
	out := ds[:0]
	for _, d := range ds {
		m := d // colour, area and the rest as they are
		m.polys, m.visible = nil, nil
		for _, p := range d.polys {
			q := make(geom.Polygon, len(p))
			for i, v := range p {
				q[i] = geom.Point{X: (v.X - c.X0) * sx, Y: (v.Y - c.Y0) * sy}
			}
			m.polys = append(m.polys, q)
			if v := clipRing(q, geom.Point{}, geom.Point{X: 1, Y: 1}); v != nil {
				m.visible = append(m.visible, v)
			}
		}
		out = append(out, m)
	}
	return out
}
