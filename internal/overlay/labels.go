package overlay

import (
	"image"
	"image/color"
	"math"
	"sync"

	"github.com/fogleman/gg"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/segview/segview/internal/geom"
)

// Sizes of a segment's label badge for an image whose larger side is
// referenceSize pixels; they scale with the image like the other marks, so
// a badge is about 38 px tall on a 1600 px overlay and keeps that share of
// a full-resolution export.
const (
	labelRadius    = 12 // half the badge's height
	minLabelRadius = 8  // below this the digits blur
	// labelFontScale is the font size as a multiple of the badge's radius.
	labelFontScale = 1.15
)

// LabelBadge is where and how large a segment's label is drawn, in pixels
// of the output image. The SVG export draws the same badge from it.
type LabelBadge struct {
	// X and Y are the badge's centre.
	X, Y float64
	// W and H are its size: a circle (W == H) for short labels, a pill
	// wider than it is tall for long ones.
	W, H float64
	// FontSize is the label's font size in pixels (Go Bold).
	FontSize float64
	// Outline is the width of the badge's edge.
	Outline float64
	// TextX and TextY are where the label's baseline starts so that its
	// ink is centred on the badge.
	TextX, TextY float64
}

// labelFont is Go Bold, parsed once. A parsed font is safe for concurrent
// use; faces made from it are not, so each drawing makes its own.
var labelFont = sync.OnceValues(func() (*opentype.Font, error) { return opentype.Parse(gobold.TTF) })

// labelFace returns a face of Go Bold at size pixels.
func labelFace(size float64) (font.Face, error) {
	f, err := labelFont()
	if err != nil {
		return nil, err
	}
	return opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
}

// LabelRadius is half the height of a label badge on a w×h image.
func LabelRadius(w, h int) float64 {
	return max(minLabelRadius, labelRadius*float64(max(w, h))/referenceSize)
}

// LabelInk is the colour of a badge's edge and text on a badge filled with
// c: near-black on light colours, white on dark ones.
func LabelInk(c color.NRGBA) color.NRGBA {
	if 0.299*float64(c.R)+0.587*float64(c.G)+0.114*float64(c.B) > 140 {
		return underlay
	}
	return white
}

// PlaceLabel returns the badge for label on a segment of polys (normalized,
// even-odd as Segment) drawn on a w×h image. The badge is centred on the
// segment's label anchor: the pole of inaccessibility of its
// largest part within the image, the point farthest from its edges, which
// unlike a centroid is never in a hole or outside a concave shape. It is
// then moved, if it would stick out of the image, to lie within it. ok is
// false when label is empty or no part of the segment is in the image.
func PlaceLabel(label string, polys []geom.Polygon, w, h int) (LabelBadge, bool) {
	var visible []geom.Polygon
	for _, p := range polys {
		if !p.Measurable() {
			continue
		}
		if c := clipRing(p, geom.Point{}, geom.Point{X: 1, Y: 1}); c != nil {
			visible = append(visible, c)
		}
	}
	fw, fh := float64(w), float64(h)
	anchor, ok := labelAnchor(visible, fw, fh)
	if !ok || label == "" {
		return LabelBadge{}, false
	}
	r := LabelRadius(w, h)
	face, err := labelFace(labelFontScale * r)
	if err != nil {
		return LabelBadge{}, false
	}
	defer face.Close()
	return placeLabel(face, r, label, anchor, fw, fh, 0, 0), true
}

// labelAnchor is where a label goes on a segment whose polygons, clipped
// to the image, are visible, on an image of fw×fh pixels, in the image's
// normalized coordinates: the pole of inaccessibility of the segment's
// largest part (geom.LargestPart, geom.Pole). ok is false when it has none.
//
// It depends on the image's shape only, not on its size, so a PNG at any
// width, a crop of it and the SVG put the badge at the same place of the
// image: the pole is searched in a frame of the image's aspect ratio
// (rounded to a hundredth, since a crop's frame is known only to the
// rounding of the crop's pixel size) whose larger side is referenceSize
// pixels, to a quarter of a badge's radius there.
func labelAnchor(visible []geom.Polygon, fw, fh float64) (geom.Point, bool) {
	if !(fw > 0) || !(fh > 0) || math.IsInf(fw, 0) || math.IsInf(fh, 0) {
		return geom.Point{}, false
	}
	aspect := math.Round(fw/fh*100) / 100
	cw, ch := float64(referenceSize), float64(referenceSize)
	switch {
	case aspect >= 1:
		ch = referenceSize / aspect
	case aspect > 0:
		cw = referenceSize * aspect
	default: // thinner than a hundredth: keep the frame as it is
		cw = referenceSize * fw / fh
	}
	// A quarter of the radius is finer than a badge can be placed by eye,
	// and keeps the search short.
	pole, _, ok := geom.Pole(geom.LargestPart(visible), cw, ch, labelRadius/4.0)
	return pole, ok
}

// placeLabel returns the badge of radius r, in face (of the badge's font
// size), for label with its anchor at the normalized point a of a whole
// image's frame of fw×fh pixels, kept within that frame, in the
// coordinates of an output whose top-left corner is (ox, oy) in the frame.
func placeLabel(face font.Face, r float64, label string, a geom.Point, fw, fh, ox, oy float64) LabelBadge {
	ink, _ := font.BoundString(face, label)
	inkW := fixedFloat(ink.Max.X - ink.Min.X)
	b := LabelBadge{
		H:        2 * r,
		W:        max(2*r, inkW+r),
		FontSize: labelFontScale * r,
		Outline:  max(1, r/6),
	}
	b.X = clampRange(a.X*fw, b.W/2, fw-b.W/2) - ox
	b.Y = clampRange(a.Y*fh, b.H/2, fh-b.H/2) - oy
	b.TextX = b.X - fixedFloat(ink.Min.X+ink.Max.X)/2
	b.TextY = b.Y - fixedFloat(ink.Min.Y+ink.Max.Y)/2
	return b
}

// clampRange keeps v within lo..hi, or at their middle when the range is
// empty (a badge larger than the image).
func clampRange(v, lo, hi float64) float64 {
	if lo > hi {
		return (lo + hi) / 2
	}
	return math.Min(math.Max(v, lo), hi)
}

func fixedFloat(v fixed.Int26_6) float64 { return float64(v) / 64 }

// badges are the badges of segments that have a label, in the order
// given (largest segment first, so smaller segments' badges lie on top),
// with their fills. The badge's size and place follow the whole image's
// frame, as the other marks do. Its anchor was found on the whole image
// (Render), so a crop that shows the anchor shows the badge exactly where
// the whole image has it (cut by the crop's edge like any mark); only when
// the anchor is outside the crop does the badge go to the part of the
// segment the crop shows, so that a segment zoomed into keeps its label.
func (r *renderer) badges(face font.Face, radius float64, segments []drawable) []placedBadge {
	var out []placedBadge
	for _, s := range segments {
		if s.label == "" || !s.hasAnchor {
			continue
		}
		b, ok := r.badge(face, radius, s)
		if !ok {
			continue
		}
		fill := s.color
		fill.A = 255
		out = append(out, placedBadge{LabelBadge: b, label: s.label, fill: fill})
	}
	return out
}

// placedBadge is a badge to draw: where, its label and its fill.
type placedBadge struct {
	LabelBadge
	label string
	fill  color.NRGBA
}

// drawBadge draws b with dc, its label in face (of the badge's font
// size): a rounded rectangle filled with the segment's colour, edged and
// lettered in LabelInk.
func drawBadge(dc *gg.Context, face font.Face, b placedBadge) {
	ink := LabelInk(b.fill)
	dc.ClearPath()
	dc.SetDash()
	dc.DrawRoundedRectangle(b.X-b.W/2, b.Y-b.H/2, b.W, b.H, b.H/2)
	dc.SetColor(b.fill)
	dc.FillPreserve()
	dc.SetColor(ink)
	dc.SetLineWidth(b.Outline)
	dc.Stroke()
	dc.SetFontFace(face)
	dc.DrawString(b.label, b.TextX, b.TextY)
}

// bounds is every pixel drawing b may write: the badge with its edge, and
// the label's glyphs, which gg draws with a bilinear transform of each
// glyph's mask, with a margin for both.
func (b placedBadge) bounds(face font.Face) image.Rectangle {
	m := b.Outline/2 + 2
	out := image.Rect(int(math.Floor(b.X-b.W/2-m)), int(math.Floor(b.Y-b.H/2-m)),
		int(math.Ceil(b.X+b.W/2+m)), int(math.Ceil(b.Y+b.H/2+m)))
	dot := fixed.Point26_6{X: fixed.Int26_6(b.TextX * 64), Y: fixed.Int26_6(b.TextY * 64)}
	prev := rune(-1)
	for _, c := range b.label {
		if prev >= 0 {
			dot.X += face.Kern(prev, c)
		}
		dr, _, _, advance, ok := face.Glyph(dot, c)
		if ok {
			out = out.Union(dr.Inset(-2))
		}
		dot.X += advance
		prev = c
	}
	return out
}

// labelRadius is the badge's radius for the whole image's frame.
func (r *renderer) labelRadius() float64 {
	return max(minLabelRadius, labelRadius*max(r.w, r.h)/referenceSize)
}

// badge places s's badge in the output (see labels).
func (r *renderer) badge(face font.Face, radius float64, s drawable) (LabelBadge, bool) {
	if !s.hasAnchor {
		return LabelBadge{}, false
	}
	outW, outH := float64(r.dc.Width()), float64(r.dc.Height())
	if r.cropped() {
		if x, y := s.anchor.X*r.w-r.ox, s.anchor.Y*r.h-r.oy; x < 0 || y < 0 || x > outW || y > outH {
			// s.visible is in the crop's coordinates (cropDrawables).
			a, ok := labelAnchor(s.visible, outW, outH)
			if !ok {
				return LabelBadge{}, false
			}
			s.anchor = geom.Point{X: (a.X*outW + r.ox) / r.w, Y: (a.Y*outH + r.oy) / r.h}
		}
	}
	return placeLabel(face, radius, s.label, s.anchor, r.w, r.h, r.ox, r.oy), true
}
