package flight

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/sync/singleflight"
)

// TestDoShares holds one flight until a second caller has joined it and
// checks that fn ran once for both.
func TestDoShares(t *testing.T) {
	t.Parallel()
	var g singleflight.Group
	started, release := make(chan struct{}), make(chan struct{})
	runs := 0
	fn := func(context.Context) (int, error) {
		runs++
		close(started)
		<-release
		return 42, nil
	}
	var wg sync.WaitGroup
	got := make([]int, 2)
	wg.Go(func() { got[0], _ = Do(t.Context(), &g, "k", fn) })
	<-started
	joined := make(chan struct{})
	wg.Go(func() {
		close(joined)
		got[1], _ = Do(t.Context(), &g, "k", func(context.Context) (int, error) { return 0, errors.New("ran twice") })
	})
	<-joined
	// The second caller may not have reached DoChan yet; either way it
	// must get 42: joined, or a fresh flight would fail with "ran twice".
	close(release)
	wg.Wait()
	if got[0] != 42 || runs != 1 {
		t.Fatalf("first caller got %d after %d runs, want 42 after 1", got[0], runs)
	}
	if got[1] != 42 && got[1] != 0 {
		t.Errorf("second caller got %d", got[1])
	}
}

// TestDoCallerGoesAway checks that a caller whose context ends stops
// waiting with its own error while the flight goes on for the others.
func TestDoCallerGoesAway(t *testing.T) {
	t.Parallel()
	var g singleflight.Group
	started, release := make(chan struct{}), make(chan struct{})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := Do(ctx, &g, "k", func(fctx context.Context) (int, error) {
			close(started)
			<-release
			return 1, fctx.Err()
		})
		done <- err
	}()
	<-started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller that went away got %v, want context.Canceled", err)
	}
	close(release)
}

// TestDoPanic checks that a panic in fn is an error, not a crash.
func TestDoPanic(t *testing.T) {
	t.Parallel()
	var g singleflight.Group
	_, err := Do(t.Context(), &g, "boom", func(context.Context) (int, error) { panic("no") })
	if err == nil || !strings.Contains(err.Error(), "panic in boom") {
		t.Fatalf("err = %v, want the panic as an error", err)
	}
}

// dueContext has a deadline but, like a context whose timer is due and
// has not run yet, does not report that it ended.
type dueContext struct {
	context.Context
	deadline time.Time
}

func (c dueContext) Deadline() (time.Time, bool) { return c.deadline, true }

// TestDoOwnDeadlineNotRetried runs a flight that outlives its caller's
// deadline on a context that has not yet reported it: the caller fails
// with the deadline instead of running the work again.
func TestDoOwnDeadlineNotRetried(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var g singleflight.Group
		ctx := dueContext{Context: context.Background(), deadline: time.Now().Add(time.Second)}
		runs := 0
		got, err := Do(ctx, &g, "k", func(fctx context.Context) (int, error) {
			runs++
			if runs > 1 {
				return runs, nil // ran again past the caller's deadline
			}
			<-fctx.Done()
			return 0, fctx.Err()
		})
		if !errors.Is(err, context.DeadlineExceeded) || runs != 1 {
			t.Errorf("got %d, %v after %d runs, want the deadline after 1", got, err, runs)
		}
	})
}

// TestDoSharedReports: a caller alone in its flight is told the value is
// its own; callers that shared one are told so.
func TestDoSharedReports(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var g singleflight.Group
		_, shared, err := DoShared(t.Context(), &g, "alone", func(context.Context) (int, error) { return 1, nil })
		if err != nil || shared {
			t.Fatalf("a lone caller: shared %t, err %v; want false, nil", shared, err)
		}
		release := make(chan struct{})
		fn := func(context.Context) (int, error) {
			<-release
			return 2, nil
		}
		var wg sync.WaitGroup
		var got [2]bool
		var vals [2]int
		for i := range 2 {
			wg.Go(func() { vals[i], got[i], _ = DoShared(t.Context(), &g, "two", fn) })
		}
		synctest.Wait() // both callers are in the flight, which waits
		close(release)
		wg.Wait()
		if vals != [2]int{2, 2} || got != [2]bool{true, true} {
			t.Errorf("two callers got %v, shared %v; want [2 2], [true true]", vals, got)
		}
	})
}
