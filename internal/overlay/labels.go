package overlay

import (
	"image/color"
	"math"
	"sync"

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
// pole of inaccessibility of the segment's largest part within the image
// (geom.LargestPart, geom.Pole, measured in pixels): the point farthest
// from its edges, which unlike a centroid is never in a hole or outside a
// concave shape. It is then moved, if it would stick out of the image, to
// lie within it. ok is false when label is empty or no part of the segment
// is in the image.
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
	r := LabelRadius(w, h)
	face, err := labelFace(labelFontScale * r)
	if err != nil {
		return LabelBadge{}, false
	}
	defer face.Close()
	return placeLabel(face, r, label, visible, float64(w), float64(h))
}

// placeLabel is PlaceLabel for polygons already clipped to the output of
// fw×fh pixels, with a badge of radius r and a face of its font size.
func placeLabel(face font.Face, r float64, label string, visible []geom.Polygon, fw, fh float64) (LabelBadge, bool) {
	if label == "" || !(fw > 0) || !(fh > 0) {
		return LabelBadge{}, false
	}
	// A quarter of the radius is finer than a badge can be placed by eye,
	// and keeps the search short on large exports.
	pole, _, ok := geom.Pole(geom.LargestPart(visible), fw, fh, max(1, r/4))
	if !ok {
		return LabelBadge{}, false
	}
	ink, _ := font.BoundString(face, label)
	inkW := fixedFloat(ink.Max.X - ink.Min.X)
	b := LabelBadge{
		H:        2 * r,
		W:        max(2*r, inkW+r),
		FontSize: labelFontScale * r,
		Outline:  max(1, r/6),
	}
	b.X = clampRange(pole.X*fw, b.W/2, fw-b.W/2)
	b.Y = clampRange(pole.Y*fh, b.H/2, fh-b.H/2)
	b.TextX = b.X - fixedFloat(ink.Min.X+ink.Max.X)/2
	b.TextY = b.Y - fixedFloat(ink.Min.Y+ink.Max.Y)/2
	return b, true
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

// labels draws the badges of segments that have a label, in the order
// given (largest segment first, so smaller segments' badges lie on top).
// The badge's size follows the whole image's frame, as the other marks do;
// in a crop, segments are already in the crop's coordinates, so a badge
// sits in the part of its segment that the crop shows.
func (r *renderer) labels(segments []drawable) {
	var face font.Face
	radius := max(minLabelRadius, labelRadius*max(r.w, r.h)/referenceSize)
	outW, outH := float64(r.dc.Width()), float64(r.dc.Height())
	for _, s := range segments {
		if s.label == "" {
			continue
		}
		if face == nil {
			f, err := labelFace(labelFontScale * radius)
			if err != nil {
				return // Go Bold is embedded; it parses
			}
			face = f
			defer f.Close()
		}
		b, ok := placeLabel(face, radius, s.label, s.visible, outW, outH)
		if !ok {
			continue
		}
		fill := s.color
		fill.A = 255
		ink := LabelInk(fill)
		dc := r.dc
		dc.ClearPath()
		dc.SetDash()
		dc.DrawRoundedRectangle(b.X-b.W/2, b.Y-b.H/2, b.W, b.H, b.H/2)
		dc.SetColor(fill)
		dc.FillPreserve()
		dc.SetColor(ink)
		dc.SetLineWidth(b.Outline)
		dc.Stroke()
		dc.SetFontFace(face)
		dc.DrawString(s.label, b.TextX, b.TextY)
	}
}
