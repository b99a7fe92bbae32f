package render

import (
	"context"
	"image"
	"runtime"
	"sync/atomic"

	"github.com/segview/segview/internal/overlay"
	"github.com/segview/segview/internal/segment"
)

// maskPrep rasterizes the segments' masks of a full-size output while its
// image is being decoded (overlay.PrepareMasks), so that drawing then only
// composites: a full-resolution export takes about the decode and the
// encode, plus compositing, instead of rasterizing after the decode too.
// The decode uses one core; the masks take the others.
//
// It runs for the request whose flight decodes the image (decodeSource
// finds it in the context), and only for an image the cache does not
// keep (an export, see keeps): an image kept is drawn again, and its masks
// go to the Service's MaskCache as the image's views draw them. The masks
// go to a cache of the request's own, dropped with it.
type maskPrep struct {
	view    segment.View
	results segment.FileResults
	target  int

	started atomic.Bool
	size    image.Point // of the output the masks are for, once started
	masks   *overlay.MaskCache
	done    chan struct{} // closed once the masks are ready
}

// prepBytes bounds the masks one preparation keeps.
const prepBytes = 32 << 20

type maskPrepKey struct{}

func withMaskPrep(ctx context.Context, p *maskPrep) context.Context {
	return context.WithValue(ctx, maskPrepKey{}, p)
}

// startMaskPrep starts the preparation in ctx, if any, for a source of
// full size size (as displayed), decoded whole.
func startMaskPrep(ctx context.Context, size image.Point) {
	p, _ := ctx.Value(maskPrepKey{}).(*maskPrep)
	if p == nil || !p.started.CompareAndSwap(false, true) {
		return
	}
	w, h := fitSize(size.X, size.Y, p.target) // the output: the decode fitted to target
	p.size = image.Pt(w, h)
	// At most prepBytes of masks (a byte of fill and one of outline a
	// pixel of each segment's bounds), as much as the Service's own mask
	// cache holds by default: segments beyond it, or larger than a quarter
	// of it, are rasterized when drawn, as without a preparation.
	p.masks = overlay.NewMaskCache(prepBytes)
	spec := p.view.Spec(nil, p.results.Ranked, p.results.Prompt)
	spec.Masks = p.masks
	go func() {
		defer close(p.done)
		overlay.PrepareMasks(spec, w, h, max(1, runtime.GOMAXPROCS(0)-1))
	}()
}

// wait returns the prepared masks, once ready, when they are for an output
// of size; nil when none were prepared (p nil, or not started: another
// request's flight decoded the image, or the image is kept) or they are for
// another size.
func (p *maskPrep) wait(size image.Point) *overlay.MaskCache {
	if p == nil || !p.started.Load() {
		return nil
	}
	<-p.done
	if p.size != size {
		return nil
	}
	return p.masks
}
