package render

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestBusyMessageCounts fills each of a Service's limiters and checks that
// the 503's message counts the turns that were really busy: the decodes
// are SEGVIEW_RENDER_CONCURRENCY, the draws twice as many.
func TestBusyMessageCounts(t *testing.T) {
	t.Parallel()
	s := New(nil, Options{Concurrency: 3, Wait: time.Millisecond})
	tests := []struct {
		name  string
		l     *limiter
		slots int
		want  string
	}{
		{"decodes", s.limiter, 3, "all 3 image decoders (SEGVIEW_RENDER_CONCURRENCY) stayed busy for 1ms (SEGVIEW_RENDER_WAIT)"},
		{"draws", s.drawing, 6, "all 6 drawing turns (2 × SEGVIEW_RENDER_CONCURRENCY=3) stayed busy for 1ms (SEGVIEW_RENDER_WAIT)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Every turn taken, so that the next waiter must give up
			// whatever the machine's speed.
			for range tt.slots {
				release, err := tt.l.acquire(context.Background())
				if err != nil {
					t.Fatalf("a free turn was refused: %v", err)
				}
				t.Cleanup(release)
			}
			_, err := tt.l.acquire(context.Background())
			var busy *BusyError
			if !errors.As(err, &busy) {
				t.Fatalf("err = %v, want a *BusyError", err)
			}
			if got := busy.Error(); got != tt.want {
				t.Errorf("message = %q, want %q", got, tt.want)
			}
			if busy.Concurrency != 3 || busy.RetryAfter() != time.Second {
				t.Errorf("BusyError = %+v, RetryAfter %v; want the configured 3 and 1s", busy, busy.RetryAfter())
			}
		})
	}
}
