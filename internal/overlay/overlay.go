// Package overlay draws segmentation results onto their source image:
// translucent filled masks with outlines, SAM-style prompt points and a
// prompt box. It is pure: a typed Spec in, an image out, with no HTTP and no
// configuration.
//
// Coordinates are normalized to the image, origin top-left, and the image is
// expected upright as a browser displays it (imaging.Decode applies the
// EXIF orientation). A vertex (x, y) lands on pixel position (x·W, y·H)
// measured in pixel edges: x = 0 is the left edge of the first column and
// x = 1 the right edge of the last, so a polygon spanning x in [0, 0.5]
// tints exactly the left half of the image, fill and outline alike, and
// pixels an edge passes through are covered by the area inside it.
//
// Everything is drawn with gg. Segments are rasterized by gg's rasterizer,
// from the paths gg would draw, into coverage masks (raster.go), which this
// package composites so that segments sharing an edge leave no seam (see
// segments.go and composite.go); the box and the points are drawn by gg
// directly.
package overlay

import (
	"cmp"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"slices"

	"github.com/fogleman/gg"

	"github.com/segview/segview/internal/geom"
)

// Segment is one mask to draw. Polygons are combined with the even-odd rule:
// a polygon inside another is a hole. Color is usually Color(rank), so that
// swatches on the page match; its alpha is ignored, since the fill uses
// Style.FillAlpha and the outline is opaque. Label, when not empty, is
// drawn in a badge inside the segment (see PlaceLabel); it is usually the
// segment's rank.
type Segment struct {
	Polygons []geom.Polygon
	Color    color.NRGBA
	Label    string
}

// Labels of prompt points, as in SAM's point_labels.
const (
	LabelBackground = 0
	LabelForeground = 1
)

// PromptPoint is a point prompt in normalized coordinates. Label is
// LabelForeground or LabelBackground; points with any other label (SAM pads
// with -1) are not drawn.
type PromptPoint struct {
	X, Y  float64
	Label int
}

// Box is a box prompt in normalized coordinates. Swapped edges are put in
// order.
type Box struct{ XMin, YMin, XMax, YMax float64 }

// DefaultFillAlpha is the opacity of segment fills when Style.FillAlpha is
// not set.
const DefaultFillAlpha = 0.4

// Style tunes the drawing. The zero value gives the defaults.
type Style struct {
	// FillAlpha is the opacity of segment fills; values <= 0 (or NaN) mean
	// DefaultFillAlpha and values above 1 are treated as 1.
	FillAlpha float64
	// NoFill leaves the segments' insides undrawn: only outlines remain.
	NoFill bool
	// NoOutline leaves the segments' outlines undrawn: only fills remain.
	NoOutline bool
}

func (s Style) fillAlpha() float64 {
	if s.NoFill {
		return 0
	}
	if !(s.FillAlpha > 0) {
		return DefaultFillAlpha
	}
	return min(s.FillAlpha, 1)
}

// Spec is everything Render draws.
type Spec struct {
	Image    image.Image
	Segments []Segment
	Points   []PromptPoint
	Box      *Box
	Style    Style
	// Crop, when set, says that Image shows only that rectangle of the
	// whole image: coordinates stay those of the whole image, and sizes
	// follow the zoom (see Crop).
	Crop *Crop
	// Masks, when set, keeps the segments' coverage masks from one Render
	// to the next, so that drawing the same segments on an image of the
	// same size again (another opacity, another subset shown) rasterizes
	// nothing; the output is the same.
	Masks *MaskCache
	// Into, when set and of the image's size, is the buffer Render draws
	// into and returns instead of allocating one, so that a caller can
	// reuse it from one render to the next; its pixels are overwritten.
	// It may be Image itself (an *image.RGBA at the origin that the
	// caller does not need again): Render then draws on it in place.
	Into *image.RGBA
	// Once says that this image's size is not drawn again (a
	// full-resolution export): Masks still provides the masks and labels'
	// anchors it keeps, but the masks drawn now are not added to it.
	Once bool
}

// ErrNoImage is returned by Render when Spec.Image is nil or has no pixels.
var ErrNoImage = errors.New("overlay: no image to draw on")

// Sizes in pixels for an image whose larger side is referenceSize; they
// scale with the image so that the overlay looks the same once the page
// shows the image at a similar size, however large the source.
const (
	referenceSize = 1000
	outlineWidth  = 2 // segment outlines and the box's dashes
	markerRadius  = 8 // prompt points
	dashLength    = 8
	gapLength     = 5
	// minMarkerRadius keeps a point's "+" or "−" legible on small images.
	minMarkerRadius = 3
)

var (
	foreground = color.NRGBA{0, 170, 70, 255}  // green
	background = color.NRGBA{225, 35, 35, 255} // red
	white      = color.NRGBA{255, 255, 255, 255}
	underlay   = color.NRGBA{20, 20, 20, 255}
)

// Render returns a copy of spec.Image, with its origin at (0, 0), with the
// segments, their labels, the box and the points drawn on it, in that
// order.
//
// Segments are drawn largest first (by geom.Area within the image) so that
// small ones stay visible on top: each is filled at Style.FillAlpha with the
// even-odd rule and outlined at full opacity in the same colour. The outline
// lies inside the polygon, along every edge of it that is in the image, so
// nothing of a segment is drawn outside its polygon; edges are
// anti-aliased by the area each pixel has inside, as gg's rasterizer
// measures it, to a 64th of a pixel (see the package comment for the
// coordinate convention). A segment with a Label gets a badge (PlaceLabel):
// a circle, or a pill for long labels, filled opaque in the segment's
// colour with a near-black or white edge and the label in Go Bold in the
// same ink, centred on the pole of inaccessibility of the segment's largest
// part; badges are drawn whether or not fills and outlines are, largest
// segment first. The box is a white dashed line over a slightly
// wider dark one, visible on any background.
// Prompt points are green (foreground, with a "+") or red (background, with
// a "−") discs with a white edge. Line widths (2 px) and the marker radius
// (8 px) are given for a 1000-pixel image and scale with max(width, height)
// of the whole image's frame (the output's size, or with Spec.Crop the size
// the whole image has at the crop's zoom, so a crop shows the same strokes);
// lines never get thinner than 1 px and markers no smaller than a 3 px
// radius, below which the sign is illegible.
//
// Degenerate input never panics or fails: polygons with fewer than three
// vertices or a non-finite coordinate, and points or boxes with non-finite
// coordinates, are skipped. Polygons reaching outside 0..1 are clipped to
// the image, keeping their shape inside it, and not outlined along the
// image's border where they continue beyond it; points and boxes are
// clamped to the image. Self-intersecting polygons are filled by the
// even-odd rule. Callers report such input with geom.Validate.
func Render(spec Spec) (*image.RGBA, error) {
	if spec.Image == nil {
		return nil, ErrNoImage
	}
	b := spec.Image.Bounds()
	if b.Empty() {
		return nil, fmt.Errorf("%w: the image is %d×%d", ErrNoImage, b.Dx(), b.Dy())
	}
	dst := spec.Into
	if dst == nil || dst.Rect != image.Rect(0, 0, b.Dx(), b.Dy()) || dst.Stride != 4*b.Dx() {
		dst = image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	}
	r := newRenderer(dst, spec.Crop)
	alpha := spec.Style.fillAlpha()
	segments := newCanvas(dst, r.line)
	switch src, ok := spec.Image.(*image.RGBA); {
	case ok && src == dst: // drawn in place
	case ok && src.Rect == dst.Rect && src.Stride == dst.Stride:
		segments.src = src // copied band by band as the segments are drawn
	default:
		draw.Draw(dst, dst.Rect, spec.Image, b.Min, draw.Src)
	}
	segments.noOutline = spec.Style.NoOutline
	segments.cache = spec.Masks
	segments.once = spec.Once
	ordered := r.drawables(spec)
	for _, s := range ordered {
		segments.addCached(s.polys, s.visible, s.color, alpha)
	}
	segments.draw()
	segments.keep()
	r.marks(ordered, spec)
	return dst, nil
}

// drawable is a segment reduced to the polygons that can be drawn.
type drawable struct {
	polys   []geom.Polygon
	visible []geom.Polygon // polys clipped to the image
	color   color.NRGBA
	label   string
	area    float64 // of visible
	// anchor is where the label goes, normalized to the whole image.
	anchor    geom.Point
	hasAnchor bool
}

// drawables are spec's segments to draw, largest first, in the output's
// coordinates (cropDrawables), with their labels' anchors found on the whole
// image before any crop, so that a crop shows a badge where the whole image
// has it.
func (r *renderer) drawables(spec Spec) []drawable {
	ordered := largestFirst(spec.Segments)
	for i, d := range ordered {
		if d.label != "" {
			ordered[i].anchor, ordered[i].hasAnchor = spec.Masks.labelAnchor(d.visible, r.w, r.h)
		}
	}
	return cropDrawables(ordered, spec.Crop)
}

// largestFirst drops what cannot be drawn and orders the rest by decreasing
// area; equal areas keep their order.
func largestFirst(segments []Segment) []drawable {
	out := make([]drawable, 0, len(segments))
	for _, s := range segments {
		if d, ok := drawableOf(s); ok {
			out = append(out, d)
		}
	}
	slices.SortStableFunc(out, func(a, b drawable) int { return cmp.Compare(b.area, a.area) })
	return out
}

// drawableOf reduces a segment to the polygons that can be drawn, and
// reports whether any can.
func drawableOf(s Segment) (drawable, bool) {
	d := drawable{color: s.Color, label: s.Label}
	for _, p := range s.Polygons {
		if !p.Measurable() {
			continue
		}
		d.polys = append(d.polys, p)
		if c := clipRing(p, geom.Point{}, geom.Point{X: 1, Y: 1}); c != nil {
			d.visible = append(d.visible, c)
		}
	}
	if len(d.polys) == 0 {
		return d, false
	}
	d.area = geom.Area(d.visible)
	return d, true
}

// renderer holds the drawing context and the sizes scaled to the image.
type renderer struct {
	dc *gg.Context
	// w, h are the whole image's frame in pixels, and ox, oy the output's
	// top-left corner in it: the output's size and 0 unless cropped.
	w, h, ox, oy  float64
	line          float64 // segment outline and box dash width
	radius        float64
	dash, gap     float64
	underlayWidth float64
}

// cropped reports whether the output is a crop of the whole image's frame.
func (r *renderer) cropped() bool {
	return r.ox != 0 || r.oy != 0 || r.w != float64(r.dc.Width()) || r.h != float64(r.dc.Height())
}

func newRenderer(dst *image.RGBA, crop *Crop) *renderer {
	r := frameOf(dst.Rect.Dx(), dst.Rect.Dy(), crop)
	r.dc = gg.NewContextForRGBA(dst) // draws into dst: no second copy
	return r
}

// frameOf is a renderer, without its drawing context, for an output of
// w×h pixels showing crop (nil: the whole image).
func frameOf(w0, h0 int, crop *Crop) *renderer {
	w, h, ox, oy := crop.frame(float64(w0), float64(h0))
	scale := max(w, h) / referenceSize
	px := func(v float64) float64 { return max(1, v*scale) }
	return &renderer{
		w:             w,
		h:             h,
		ox:            ox,
		oy:            oy,
		line:          px(outlineWidth),
		radius:        max(minMarkerRadius, markerRadius*scale),
		dash:          px(dashLength),
		gap:           px(gapLength),
		underlayWidth: px(outlineWidth) + px(1),
	}
}

func (r *renderer) box(dc *gg.Context, b Box) {
	if !finite(b.XMin, b.YMin, b.XMax, b.YMax) {
		return
	}
	x0, x1 := clamp01(min(b.XMin, b.XMax))*r.w, clamp01(max(b.XMin, b.XMax))*r.w
	y0, y1 := clamp01(min(b.YMin, b.YMax))*r.h, clamp01(max(b.YMin, b.YMax))*r.h
	// Keep the whole line inside the image so a box on the image's edge
	// does not lose half its width.
	in := r.underlayWidth / 2
	x0, x1 = math.Min(math.Max(x0, in), r.w-in), math.Max(math.Min(x1, r.w-in), in)
	y0, y1 = math.Min(math.Max(y0, in), r.h-in), math.Max(math.Min(y1, r.h-in), in)
	x0, x1, y0, y1 = x0-r.ox, x1-r.ox, y0-r.oy, y1-r.oy

	dc.ClearPath()
	dc.SetLineJoinRound()
	dc.DrawRectangle(x0, y0, x1-x0, y1-y0)
	dc.SetDash()
	dc.SetColor(underlay)
	dc.SetLineWidth(r.underlayWidth)
	// Square caps fill the corner where the rectangle's path starts and ends.
	dc.SetLineCapSquare()
	dc.StrokePreserve()
	dc.SetLineCapButt()
	dc.SetDash(r.dash, r.gap)
	dc.SetColor(white)
	dc.SetLineWidth(r.line)
	dc.Stroke()
	dc.SetDash()
}

func (r *renderer) point(dc *gg.Context, p PromptPoint) {
	if !finite(p.X, p.Y) {
		return
	}
	var fill color.NRGBA
	switch p.Label {
	case LabelForeground:
		fill = foreground
	case LabelBackground:
		fill = background
	default:
		return
	}
	x, y := clamp01(p.X)*r.w-r.ox, clamp01(p.Y)*r.h-r.oy

	dc.ClearPath()
	dc.SetDash()
	dc.DrawCircle(x, y, r.radius)
	dc.SetColor(fill)
	dc.FillPreserve()
	dc.SetColor(white)
	dc.SetLineWidth(max(1, r.radius/4))
	dc.Stroke()

	// The sign is drawn with lines rather than a font: no font files, and
	// it stays centred at every size.
	arm := r.radius * 0.55
	dc.SetLineCapButt()
	dc.SetLineWidth(max(1, r.radius/4))
	dc.DrawLine(x-arm, y, x+arm, y)
	if p.Label == LabelForeground {
		dc.DrawLine(x, y-arm, x, y+arm)
	}
	dc.Stroke()
}

func clamp01(v float64) float64 { return min(max(v, 0), 1) }

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
