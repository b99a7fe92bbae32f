package handlers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segview/segview/internal/metrics"
)

// exportGate bounds the exports being built at once (COCO, GeoJSON, the
// job's JSON, hits.json, overlay.svg), each of which holds a job's
// geometry, and for overlay.svg?embed=1 a photo, in memory: at most slots
// build, at most queue more wait for a turn, and any further request is
// refused at once with an *exportsBusyError (503 with Retry-After), so a
// burst cannot grow memory with the number of connections. A waiter waits
// until a turn frees or its request's time (SEGVIEW_REQUEST_TIMEOUT) runs
// out. A nil gate lets everything through.
type exportGate struct {
	slots chan struct{}
	queue chan struct{}
	// queued, when set, is called as a request starts waiting: tests use
	// it to know that the queue holds it.
	queued func()
	// metrics counts the exports building and waiting.
	metrics *metrics.Metrics
}

// newExportGate returns a gate of slots turns and a queue of queue
// waiters; slots <= 0 means no bound (nil).
func newExportGate(slots, queue int) *exportGate {
	if slots <= 0 {
		return nil
	}
	return &exportGate{slots: make(chan struct{}, slots), queue: make(chan struct{}, max(queue, 0))}
}

// exportRetryAfter is the Retry-After of a refused export: an export of a
// large job takes a second or so.
const exportRetryAfter = 5 * time.Second

// exportsBusyError says that an export could not get a turn: as many as
// allowed were building and the queue was full, or the request's time ran
// out while it waited.
type exportsBusyError struct {
	Slots, Queue int
	// TimedOut is set when the request waited in the queue until its
	// deadline.
	TimedOut bool
}

func (e *exportsBusyError) Error() string {
	if e.TimedOut {
		return fmt.Sprintf("all %d export turns (SEGVIEW_MAX_EXPORTS) stayed busy until the request's time ran out (SEGVIEW_REQUEST_TIMEOUT)", e.Slots)
	}
	return fmt.Sprintf("all %d export turns (SEGVIEW_MAX_EXPORTS) are busy and the queue of %d waiting exports (SEGVIEW_EXPORT_QUEUE) is full", e.Slots, e.Queue)
}

// acquire takes a turn, waiting in the queue when every turn is taken.
// The returned release must be called once the export is written.
func (g *exportGate) acquire(ctx context.Context) (release func(), err error) {
	if g == nil {
		return func() {}, nil
	}
	started := func() func() {
		done := g.metrics.ExportStarted()
		return func() { done(); <-g.slots }
	}
	select {
	case g.slots <- struct{}{}:
		return started(), nil
	default:
	}
	select {
	case g.queue <- struct{}{}:
	default:
		return nil, &exportsBusyError{Slots: cap(g.slots), Queue: cap(g.queue)}
	}
	defer func() { <-g.queue }()
	defer g.metrics.ExportQueued()()
	if g.queued != nil {
		g.queued()
	}
	select {
	case g.slots <- struct{}{}:
		return started(), nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, &exportsBusyError{Slots: cap(g.slots), Queue: cap(g.queue), TimedOut: true}
		}
		return nil, ctx.Err()
	}
}
