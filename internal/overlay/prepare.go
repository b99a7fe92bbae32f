package overlay

import (
	"runtime"
)

// PrepareMasks rasterizes into spec.Masks the coverage masks and the
// labels' anchors that Render needs to draw spec's segments on an image of
// w×h pixels, and draws nothing: a Render of spec on such an image with the
// same Masks then only composites, with the same pixels. spec.Image is not
// read, so a caller can prepare the masks while the image is still being
// decoded. It uses at most workers goroutines (at least one). Without
// Masks it does nothing.
func PrepareMasks(spec Spec, w, h, workers int) {
	if spec.Masks == nil || w <= 0 || h <= 0 {
		return
	}
	// As Render: the renderer's frame and outline width, its drawables
	// and their anchors, the canvas's segments.
	r := frameOf(w, h, spec.Crop)
	ordered := r.drawables(spec)
	cv := &canvas{w: w, h: h, width: r.line, noOutline: spec.Style.NoOutline, cache: spec.Masks,
		workers: max(1, workers)}
	alpha := spec.Style.fillAlpha()
	for _, s := range ordered {
		cv.addCached(s.polys, s.visible, s.color, alpha)
	}
	cv.draw()
	cv.keep()
}

// defaultWorkers is how many goroutines draw a canvas's bands.
func defaultWorkers() int { return runtime.GOMAXPROCS(0) }
