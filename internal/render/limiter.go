package render

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/segview/segview/internal/metrics"
)

// BusyError says that a render could not get a turn within the configured
// wait, because as many cold decodes, or as many draws, as allowed were
// running. It maps to 503 with Retry-After.
type BusyError struct {
	Concurrency int           // decodes allowed at a time (SEGVIEW_RENDER_CONCURRENCY)
	Waited      time.Duration // how long the request waited (SEGVIEW_RENDER_WAIT)
	// Drawing is set when the turn waited for was one of the
	// drawingTurns×Concurrency turns to draw and encode, not a decode.
	Drawing bool
}

func (e *BusyError) Error() string {
	if e.Drawing {
		return fmt.Sprintf("all %d drawing turns (%d × SEGVIEW_RENDER_CONCURRENCY=%d) stayed busy for %s (SEGVIEW_RENDER_WAIT)",
			drawingTurns*e.Concurrency, drawingTurns, e.Concurrency, e.Waited)
	}
	return fmt.Sprintf("all %d image decoders (SEGVIEW_RENDER_CONCURRENCY) stayed busy for %s (SEGVIEW_RENDER_WAIT)", e.Concurrency, e.Waited)
}

// drawingTurns is how many draws and encodes may run for each decode.
const drawingTurns = 2

// RetryAfter is a sensible delay before asking again: about as long as the
// request waited, at least a second.
func (e *BusyError) RetryAfter() time.Duration {
	return time.Duration(max(1, math.Ceil(e.Waited.Seconds()))) * time.Second
}

// limiter lets at most a fixed number of cold renders run at a time, so a
// burst of requests for new images cannot hold more decoded pixels than
// that in memory. A waiter gives up after wait with a copy of busy.
type limiter struct {
	slots chan struct{}
	wait  time.Duration
	busy  BusyError
	// name and metrics record the queue's depth and waits.
	name    string
	metrics *metrics.Metrics
}

// newLimiter returns the limiter of decodes: concurrency at a time.
func newLimiter(concurrency int, wait time.Duration) *limiter {
	n := max(concurrency, 1)
	return &limiter{slots: make(chan struct{}, n), wait: wait, busy: BusyError{Concurrency: n, Waited: wait}, name: metrics.LimiterDecode}
}

// newDrawingLimiter returns the limiter of draws and encodes:
// drawingTurns × concurrency at a time.
func newDrawingLimiter(concurrency int, wait time.Duration) *limiter {
	n := max(concurrency, 1)
	return &limiter{slots: make(chan struct{}, drawingTurns*n), wait: wait, busy: BusyError{Concurrency: n, Waited: wait, Drawing: true}, name: metrics.LimiterDraw}
}

// acquire waits for a turn. The returned release must be called once the
// work is done.
func (l *limiter) acquire(ctx context.Context) (release func(), err error) {
	release = func() { <-l.slots }
	select {
	case l.slots <- struct{}{}:
		l.metrics.QueueTurn(l.name)
		return release, nil
	default:
	}
	waited := l.metrics.QueueEnter(l.name)
	t := time.NewTimer(l.wait)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		waited("ok")
		return release, nil
	case <-t.C:
		waited("busy")
		busy := l.busy
		return nil, &busy
	case <-ctx.Done():
		waited("cancelled")
		return nil, ctx.Err()
	}
}

// byteBudget lets decodes run at once as long as their expected memory
// (imaging.DecodeMemory) fits a budget of bytes, so that two decodes that
// each hold several bytes a pixel (image/jpeg's coefficients of a
// progressive JPEG jpegscale refuses) do not run together where many small ones may. A
// decode larger than the whole budget counts as the budget: it runs
// alone. Whatever fits goes, in no particular order, so small decodes
// pass while a large one waits; a waiter gives up after wait with a copy
// of busy, as with limiter.
type byteBudget struct {
	mu      sync.Mutex
	size    int64
	used    int64
	changed chan struct{} // closed, and replaced, when bytes are released
	wait    time.Duration
	busy    BusyError
}

func newByteBudget(size int64, concurrency int, wait time.Duration) *byteBudget {
	return &byteBudget{size: max(size, 1), changed: make(chan struct{}), wait: wait,
		busy: BusyError{Concurrency: max(concurrency, 1), Waited: wait}}
}

// acquire waits until n bytes fit. The returned release must be called
// once the decode is done.
func (b *byteBudget) acquire(ctx context.Context, n int64) (release func(), err error) {
	n = min(max(n, 1), b.size)
	var timeout <-chan time.Time
	for {
		b.mu.Lock()
		if b.used+n <= b.size {
			b.used += n
			b.mu.Unlock()
			var once sync.Once
			return func() { once.Do(func() { b.release(n) }) }, nil
		}
		changed := b.changed
		b.mu.Unlock()
		if timeout == nil {
			t := time.NewTimer(b.wait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-changed:
		case <-timeout:
			busy := b.busy
			return nil, &busy
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (b *byteBudget) release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	close(b.changed)
	b.changed = make(chan struct{})
}
