package overlay

import (
	"image"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/fogleman/gg"
	"golang.org/x/image/font"
)

// Marks: the labels' badges, the box and the points, drawn by gg on top of
// the segments, in that order.
//
// gg draws one mark at a time on one core. Marks that write no pixel in
// common do not depend on each other's order, so they are drawn by
// several workers at once, each with its own gg context (and font face)
// on the same image: a mark waits only for the marks before it whose
// pixels it may share (mark.area, a conservative bound of what gg
// writes). Each pixel thus gets the same operations in the same order as
// drawing one mark after the other, and the same bytes
// (TestMarksParallelSame).

// mark is one mark to draw.
type mark struct {
	// area holds every pixel drawing the mark may write.
	area []image.Rectangle
	draw func(dc *gg.Context, face font.Face)
	// badge says that draw needs a face of the badges' font.
	badge bool
}

// overlaps reports whether m and o may write a pixel in common.
func (m *mark) overlaps(o *mark) bool {
	for _, a := range m.area {
		for _, b := range o.area {
			if a.Overlaps(b) {
				return true
			}
		}
	}
	return false
}

// marks draws the badges of ordered's labelled segments, the box and the
// points of spec, in that order.
func (r *renderer) marks(ordered []drawable, spec Spec) {
	r.drawMarks(r.markList(ordered, spec), defaultWorkers())
}

// markList lists the marks to draw, in order.
func (r *renderer) markList(ordered []drawable, spec Spec) []mark {
	var out []mark
	radius := r.labelRadius()
	if hasLabel(ordered) {
		if face, err := labelFace(labelFontScale * radius); err == nil { // Go Bold is embedded; it parses
			for _, b := range r.badges(face, radius, ordered) {
				out = append(out, mark{area: []image.Rectangle{b.bounds(face)}, badge: true,
					draw: func(dc *gg.Context, face font.Face) {
						// gg's defaults, which no badge changes.
						dc.SetLineCap(gg.LineCapRound)
						dc.SetLineJoin(gg.LineJoinRound)
						drawBadge(dc, face, b)
					}})
			}
			face.Close()
		}
	}
	if spec.Box != nil {
		box := *spec.Box
		out = append(out, mark{area: r.boxArea(box), draw: func(dc *gg.Context, _ font.Face) { r.box(dc, box) }})
	}
	// gg's line cap stays from one drawing to the next, and a point's
	// circle is stroked with the one before it: round (gg's default) for
	// the first point when there is no box, butt after the box or another
	// point, which set it. Each worker's context is set so.
	cap := gg.LineCapRound
	if spec.Box != nil {
		cap = gg.LineCapButt
	}
	for _, p := range spec.Points {
		c := cap
		out = append(out, mark{area: []image.Rectangle{r.pointArea(p)}, draw: func(dc *gg.Context, _ font.Face) {
			dc.SetLineCap(c)
			dc.SetLineJoin(gg.LineJoinRound)
			r.point(dc, p)
		}})
		cap = gg.LineCapButt
	}
	return out
}

func hasLabel(ds []drawable) bool {
	for _, d := range ds {
		if d.label != "" && d.hasAnchor {
			return true
		}
	}
	return false
}

// boxArea bounds what drawing b writes: four strips along its edges, as
// wide as half the underlay's line and a margin on either side (the
// underlay is drawn with round joins and square caps, within that).
func (r *renderer) boxArea(b Box) []image.Rectangle {
	if !finite(b.XMin, b.YMin, b.XMax, b.YMax) {
		return nil
	}
	x0, x1 := clamp01(min(b.XMin, b.XMax))*r.w-r.ox, clamp01(max(b.XMin, b.XMax))*r.w-r.ox
	y0, y1 := clamp01(min(b.YMin, b.YMax))*r.h-r.oy, clamp01(max(b.YMin, b.YMax))*r.h-r.oy
	// box moves the edges inward by at most half the underlay's width.
	reach := r.underlayWidth + 2
	lo := func(v float64) int { return int(math.Floor(v - reach)) }
	hi := func(v float64) int { return int(math.Ceil(v + reach)) }
	return []image.Rectangle{
		image.Rect(lo(x0), lo(y0), hi(x1), hi(y0)), // top
		image.Rect(lo(x0), lo(y1), hi(x1), hi(y1)), // bottom
		image.Rect(lo(x0), lo(y0), hi(x0), hi(y1)), // left
		image.Rect(lo(x1), lo(y0), hi(x1), hi(y1)), // right
	}
}

// pointArea bounds what drawing p writes: its disc, edge and sign.
func (r *renderer) pointArea(p PromptPoint) image.Rectangle {
	if !finite(p.X, p.Y) {
		return image.Rectangle{}
	}
	x, y := clamp01(p.X)*r.w-r.ox, clamp01(p.Y)*r.h-r.oy
	reach := r.radius + max(1, r.radius/4)/2 + 2
	return image.Rect(int(math.Floor(x-reach)), int(math.Floor(y-reach)), int(math.Ceil(x+reach)), int(math.Ceil(y+reach)))
}

// drawMarks draws marks in order on r's image, with up to workers workers
// (see the comment at the top of the file).
func (r *renderer) drawMarks(marks []mark, workers int) {
	workers = min(workers, len(marks))
	if workers <= 1 {
		face := r.newFace(marks)
		if face != nil {
			defer face.Close()
		}
		for _, m := range marks {
			m.draw(r.dc, face)
		}
		return
	}
	done := make([]chan struct{}, len(marks))
	deps := make([][]int, len(marks))
	for i := range marks {
		done[i] = make(chan struct{})
		for j := range i {
			if marks[i].overlaps(&marks[j]) {
				deps[i] = append(deps[i], j)
			}
		}
	}
	dst := r.dc.Image().(*image.RGBA)
	var next atomic.Int64
	run := func(dc *gg.Context) {
		face := r.newFace(marks)
		if face != nil {
			defer face.Close()
		}
		for i := int(next.Add(1) - 1); i < len(marks); i = int(next.Add(1) - 1) {
			for _, j := range deps[i] {
				<-done[j]
			}
			marks[i].draw(dc, face)
			close(done[i])
		}
	}
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Go(func() { run(gg.NewContextForRGBA(dst)) })
	}
	run(r.dc)
	wg.Wait()
}

// newFace is a face of Go Bold at the badges' font size when marks has
// a badge, or nil.
func (r *renderer) newFace(marks []mark) font.Face {
	if !slices.ContainsFunc(marks, func(m mark) bool { return m.badge }) {
		return nil
	}
	f, err := labelFace(labelFontScale * r.labelRadius())
	if err != nil {
		return nil
	}
	return f
}
