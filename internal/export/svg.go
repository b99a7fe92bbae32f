package export

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/geom"
	"github.com/segview/segview/internal/overlay"
	"github.com/segview/segview/internal/segment"
)

// Overlay is one file's overlay as ToSVG draws it.
type Overlay struct {
	// Title names the drawing (the SVG's <title>).
	Title string
	// Width and Height are the image's size in pixels as displayed, the
	// frame in which the job's normalized coordinates are scaled.
	Width, Height int
	// ImageHref is the photo under the shapes: a URL, absolute or relative
	// to the SVG's own, or a data: URI; "" leaves the photo out.
	ImageHref string
	// Ranked are the file's segments as segment.Rank orders them, and
	// Prompt the job's prompt.
	Ranked []segment.Ranked
	Prompt cdf.Prompt
	// View is what to draw and how, as for the PNG and JPEG overlays.
	View segment.View
}

// Colours and sizes of the prompt marks, as package overlay draws them, for
// an image whose larger side is svgReference pixels; they scale with it.
const (
	svgReference  = 1000
	svgLine       = 2
	svgRadius     = 8
	svgMinRadius  = 3
	svgDash       = 8
	svgGap        = 5
	svgForeground = "#00aa46"
	svgBackground = "#e12323"
)

// ToSVG draws o as a standalone SVG document in image pixels: the photo,
// then each segment the view shows as one path of all its rings, filled
// with the even-odd rule in its palette colour at the view's opacity and
// outlined in the same colour, largest first as the raster overlay draws
// them, then (with the labels layer) each such segment's rank in a badge
// where the raster overlay puts it, then the prompt's box (dashed) and
// points (green foreground, red background). Segments without a
// measurable polygon are left out. Every text and attribute value is
// XML-escaped.
func ToSVG(o Overlay) []byte {
	w, h := max(o.Width, 1), max(o.Height, 1)
	scale := float64(max(w, h)) / svgReference
	line := max(1, svgLine*scale)
	v := o.View

	var b bytes.Buffer
	b.WriteString(xml.Header)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">`+"\n", w, h, w, h)
	b.WriteString("<title>")
	escape(&b, o.Title)
	b.WriteString("</title>\n")
	if o.ImageHref != "" {
		fmt.Fprintf(&b, `<image x="0" y="0" width="%d" height="%d" preserveAspectRatio="none" href="`, w, h)
		escape(&b, o.ImageHref)
		b.WriteString(`"/>` + "\n")
	}

	fill := v.Layers&segment.LayerSegments != 0 && v.Opacity > 0
	outline := v.Layers&segment.LayerOutlines != 0
	labels := v.Layers&segment.LayerLabels != 0
	var shown []svgSegment
	if fill || outline || labels {
		shown = shownSegments(o.Ranked, v, w, h)
	}
	if fill || outline {
		for _, s := range shown {
			b.WriteString(`<path data-rank="`)
			b.WriteString(strconv.Itoa(s.rank))
			b.WriteString(`" fill-rule="evenodd" d="`)
			for _, ring := range s.rings {
				for i, p := range ring {
					if i == 0 {
						b.WriteByte('M')
					} else {
						b.WriteByte(' ')
					}
					b.WriteString(num(p.X))
					b.WriteByte(',')
					b.WriteString(num(p.Y))
				}
				b.WriteByte('Z')
			}
			b.WriteString(`"`)
			if fill {
				fmt.Fprintf(&b, ` fill="%s" fill-opacity="%s"`, hex(s.color), num(v.Opacity))
			} else {
				b.WriteString(` fill="none"`)
			}
			if outline {
				fmt.Fprintf(&b, ` stroke="%s" stroke-width="%s" stroke-linejoin="round"`, hex(s.color), num(round2(line)))
			}
			b.WriteString("/>\n")
		}
	}
	if labels {
		for _, s := range shown {
			writeLabel(&b, s, w, h)
		}
	}

	if bb := o.Prompt.BoundingBox; bb != nil && v.Layers&segment.LayerBox != 0 && finite(bb.XMin, bb.YMin, bb.XMax, bb.YMax) {
		x0, x1 := clamp01(min(bb.XMin, bb.XMax))*float64(w), clamp01(max(bb.XMin, bb.XMax))*float64(w)
		y0, y1 := clamp01(min(bb.YMin, bb.YMax))*float64(h), clamp01(max(bb.YMin, bb.YMax))*float64(h)
		fmt.Fprintf(&b, `<rect class="box" x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#ffffff" stroke-width="%s" stroke-dasharray="%s %s"/>`+"\n",
			num(round2(x0)), num(round2(y0)), num(round2(x1-x0)), num(round2(y1-y0)),
			num(round2(line)), num(round2(svgDash*scale)), num(round2(svgGap*scale)))
	}

	if v.Layers&segment.LayerPoints != 0 {
		r := max(svgMinRadius, svgRadius*scale)
		for _, p := range o.Prompt.Points {
			var colour string
			switch p.Label {
			case cdf.LabelForeground:
				colour = svgForeground
			case cdf.LabelBackground:
				colour = svgBackground
			default:
				continue
			}
			if !finite(p.X, p.Y) {
				continue
			}
			fmt.Fprintf(&b, `<circle class="point" data-label="%d" cx="%s" cy="%s" r="%s" fill="%s" stroke="#ffffff" stroke-width="%s"/>`+"\n",
				p.Label, num(round2(clamp01(p.X)*float64(w))), num(round2(clamp01(p.Y)*float64(h))), num(round2(r)), colour, num(round2(max(1, r/4))))
		}
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// svgSegment is a shown segment in pixels.
type svgSegment struct {
	rank  int
	color color.NRGBA
	area  float64
	rings []pixelRing
	polys []geom.Polygon // normalized, for the label's place
}

// shownSegments keeps the ranked segments the view shows that have a
// measurable polygon, and orders them by decreasing area (ties keep the
// rank order), as the raster overlay stacks them.
func shownSegments(ranked []segment.Ranked, v segment.View, w, h int) []svgSegment {
	var out []svgSegment
	for _, r := range ranked {
		if !v.Shows(r) {
			continue
		}
		rings := toPixels(r.Polygons, w, h)
		if len(rings) == 0 {
			continue
		}
		out = append(out, svgSegment{rank: r.Rank, color: r.Color, area: r.Area, rings: rings, polys: r.Polygons})
	}
	slices.SortStableFunc(out, func(a, b svgSegment) int { return cmp.Compare(b.area, a.area) })
	return out
}

// writeLabel draws s's rank in the badge the raster overlay draws
// (overlay.PlaceLabel): a circle, or a pill for long ranks, in the
// segment's colour with an edge in the contrasting ink, and the rank in Go
// Bold (a bold sans-serif where Go is not installed) centred on it. A
// segment with no part in the image gets no badge.
func writeLabel(b *bytes.Buffer, s svgSegment, w, h int) {
	text := strconv.Itoa(s.rank)
	badge, ok := overlay.PlaceLabel(text, s.polys, w, h)
	if !ok {
		return
	}
	fill, ink := hex(s.color), hex(overlay.LabelInk(s.color))
	fmt.Fprintf(b, `<g class="label" data-rank="%d">`, s.rank)
	if badge.W == badge.H {
		fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="%s"`, num(round2(badge.X)), num(round2(badge.Y)), num(round2(badge.H/2)))
	} else {
		fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s" rx="%s"`,
			num(round2(badge.X-badge.W/2)), num(round2(badge.Y-badge.H/2)), num(round2(badge.W)), num(round2(badge.H)), num(round2(badge.H/2)))
	}
	fmt.Fprintf(b, ` fill="%s" stroke="%s" stroke-width="%s"/>`, fill, ink, num(round2(badge.Outline)))
	fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle" font-family="Go, sans-serif" font-weight="bold" font-size="%s" fill="%s">%s</text></g>`+"\n",
		num(round2(badge.X)), num(round2(badge.TextY)), num(round2(badge.FontSize)), ink, text)
}

func escape(b *bytes.Buffer, s string) {
	// Writing to a bytes.Buffer cannot fail.
	_ = xml.EscapeText(b, []byte(s))
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func hex(c color.NRGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

func clamp01(v float64) float64 { return min(max(v, 0), 1) }

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
