package render

import (
	"context"
	"fmt"
	"math"
	"time"
)

// BusyError says that a render could not get a turn to decode within the
// configured wait, because as many cold decodes as allowed were running.
// It maps to 503 with Retry-After.
type BusyError struct {
	Concurrency int           // decodes allowed at a time (SEGVIEW_RENDER_CONCURRENCY)
	Waited      time.Duration // how long the request waited (SEGVIEW_RENDER_WAIT)
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("all %d image decoders stayed busy for %s (SEGVIEW_RENDER_CONCURRENCY, SEGVIEW_RENDER_WAIT)", e.Concurrency, e.Waited)
}

// RetryAfter is a sensible delay before asking again: about as long as the
// request waited, at least a second.
func (e *BusyError) RetryAfter() time.Duration {
	return time.Duration(max(1, math.Ceil(e.Waited.Seconds()))) * time.Second
}

// limiter lets at most a fixed number of cold renders run at a time, so a
// burst of requests for new images cannot hold more decoded pixels than
// that in memory. A waiter gives up after wait with a *BusyError.
type limiter struct {
	slots chan struct{}
	wait  time.Duration
}

func newLimiter(n int, wait time.Duration) *limiter {
	return &limiter{slots: make(chan struct{}, max(n, 1)), wait: wait}
}

// acquire waits for a turn. The returned release must be called once the
// work is done.
func (l *limiter) acquire(ctx context.Context) (release func(), err error) {
	release = func() { <-l.slots }
	select {
	case l.slots <- struct{}{}:
		return release, nil
	default:
	}
	t := time.NewTimer(l.wait)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		return release, nil
	case <-t.C:
		return nil, &BusyError{Concurrency: cap(l.slots), Waited: l.wait}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
