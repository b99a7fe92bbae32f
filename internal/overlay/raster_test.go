package overlay

import (
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	"github.com/fogleman/gg"

	"github.com/segview/segview/internal/geom"
)

// ggBandMasks draws a segment's masks in band k with gg itself, as the
// masks were drawn before raster.go: an *image.RGBA each, opaque white
// over transparent, filled and stroked by gg.Context.
func ggBandMasks(cv *canvas, sh *shape, k int) (fill, line *image.RGBA) {
	rows := min(bandRows, cv.h)
	r := image.Rect(0, 0, cv.w+2*maskPad, rows+2*maskPad)
	fill, line = image.NewRGBA(r), image.NewRGBA(r)
	top := k * bandRows
	fp, op := &sh.fill[k-sh.band0], &sh.outline[k-sh.band0]
	y0, y1 := max(top, sh.y0), min(top+bandRows, cv.h, sh.y1)
	x0, x1 := fp.x0, fp.x1

	dc := gg.NewContextForRGBA(fill)
	dc.SetFillRule(gg.FillRuleEvenOdd)
	dc.SetColor(color.White)
	dc.Translate(maskPad, float64(maskPad-top))
	if fp.area > float64((x1-x0)*(y1-y0))/2 {
		dc.DrawRectangle(float64(x0), float64(y0), float64(x1-x0), float64(y1-y0))
	}
	fp.subpaths(func(pts []point) {
		dc.MoveTo(pts[0].x, pts[0].y)
		for _, p := range pts[1:] {
			dc.LineTo(p.x, p.y)
		}
		dc.ClosePath()
	})
	dc.Fill()

	dc = gg.NewContextForRGBA(line)
	dc.SetLineWidth(2 * cv.width)
	dc.SetLineCapRound()
	dc.SetLineJoinRound()
	dc.SetColor(color.White)
	dc.Translate(maskPad, float64(maskPad-top))
	op.subpaths(func(pts []point) {
		dc.MoveTo(pts[0].x, pts[0].y)
		for _, p := range pts[1:] {
			dc.LineTo(p.x, p.y)
		}
	})
	dc.Stroke()
	return fill, line
}

// TestMasksMatchGG pins the masks raster.go rasterizes, one byte a pixel,
// to those gg draws from the same path into an *image.RGBA: every pixel of
// every band of every segment, fills (plain and flipped, with holes and
// self-intersections) and outlines (joins, caps, points closer than gg
// keeps), at several sizes and outline widths, the border included.
func TestMasksMatchGG(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(17, 19))
	var segs [][]geom.Polygon
	for range 24 {
		segs = append(segs, randomSegment(rng))
	}
	segs = append(segs,
		[]geom.Polygon{rect(0.1, 0.1, 0.9, 0.9)},  // fills its rectangle: flipped
		[]geom.Polygon{rect(-0.2, 0.3, 0.5, 1.4)}, // beyond the border
		[]geom.Polygon{{{X: 0.3, Y: 0.3}, {X: 0.3001, Y: 0.3001}, {X: 0.30012, Y: 0.3}, {X: 0.6, Y: 0.7}, {X: 0.2, Y: 0.6}}}, // vertices closer than 8/64 px
		[]geom.Polygon{{{X: 0.1, Y: 0.1}, {X: 0.9, Y: 0.9}, {X: 0.9, Y: 0.1}, {X: 0.1, Y: 0.9}}},                             // a bow tie
	)
	for _, size := range []struct {
		w, h  int
		width float64
	}{{320, 240, 1}, {500, 375, 2.3}, {97, 1000, 5}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			dst := image.NewRGBA(image.Rect(0, 0, size.w, size.h))
			bad := 0
			for i, polys := range segs {
				d, ok := drawableOf(Segment{Polygons: polys})
				if !ok {
					continue
				}
				cv := newCanvas(dst, size.width)
				cv.add(d.polys, d.visible, color.NRGBA{R: 255, A: 255}, 0.5)
				if len(cv.segs) == 0 {
					continue
				}
				sh := cv.segs[0]
				bd := cv.newBand()
				first, last := sh.bands()
				for k := first; k <= last; k++ {
					fp := &sh.fill[k-sh.band0]
					if len(fp.ends) == 0 || fp.x0 >= fp.x1 {
						continue
					}
					// Masks left over from another segment, as in a band
					// drawing several: segment clears what it paints.
					bd.rasterizer()
					for j := range bd.fill {
						bd.fill[j], bd.line[j] = 0, 0
					}
					bd.top, bd.bottom = k*bandRows, min((k+1)*bandRows, cv.h)
					bd.segment(sh, fp, &sh.outline[k-sh.band0])
					wantFill, wantLine := ggBandMasks(cv, sh, k)
					for j, v := range bd.fill {
						if g := wantFill.Pix[4*j : 4*j+4]; g[0] != v || g[1] != v || g[2] != v || g[3] != v {
							if bad++; bad <= 5 {
								t.Errorf("segment %d, band %d: fill pixel %d is %d, gg drew %v", i, k, j, v, g)
							}
						}
					}
					if len(sh.outline[k-sh.band0].ends) == 0 {
						continue
					}
					for j, v := range bd.line {
						if g := wantLine.Pix[4*j : 4*j+4]; g[0] != v || g[1] != v || g[2] != v || g[3] != v {
							if bad++; bad <= 5 {
								t.Errorf("segment %d, band %d: outline pixel %d is %d, gg drew %v", i, k, j, v, g)
							}
						}
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d mask pixels differ from gg's", bad)
			}
		})
	}
}
