package render

import (
	"context"
	"errors"
	"image"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/cdf"
)

// TestConcurrentColdRequests sends ten identical requests for an image no
// one has decoded yet: they share one download and one decode.
func TestConcurrentColdRequests(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFake(t, cdf.StatusCompleted, 2500, 20)
		f.block = make(chan struct{})
		s := New(f, Options{Limits: Limits{MaxWidth: 2048}, Concurrency: 2})
		decodes := countDecodes(s)

		const n = 10
		results := make([]Result, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				results[i], errs[i] = s.renderRead(context.Background(), Request{JobID: 5, FileID: 9, Format: FormatJPEG, Width: 1600})
			})
		}
		synctest.Wait() // every request is blocked: one in the download, the rest waiting for it
		if got := f.counts(decodes()).Downloads; got != 1 {
			t.Errorf("%d downloads while %d identical requests wait, want 1", got, n)
		}
		close(f.block)
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("request %d: %v", i, errs[i])
			}
			if !cmp.Equal(results[i], results[0]) {
				t.Errorf("request %d got another result", i)
			}
		}
		// Job and metadata calls are shared too, but requests that arrive
		// after such a quick call has ended make their own.
		if c := f.counts(decodes()); c.Downloads != 1 || c.Decodes != 1 {
			t.Errorf("calls %+v, want one download and one decode", c)
		}
	})
}

// TestBusy holds the only decode slot with a blocked decode: a second cold
// request gives up after the configured wait with a *BusyError, and a warm
// request is still served meanwhile.
func TestBusy(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFake(t, cdf.StatusCompleted, 300, 200)
		const wait = 3 * time.Second
		s := New(f, Options{Limits: Limits{MaxWidth: 2048}, Concurrency: 1, Wait: wait})
		ctx := context.Background()

		// Warm file 10 at width 300 before the slot is taken.
		if _, err := s.renderRead(ctx, Request{JobID: 5, FileID: 10, Format: FormatPNG}); err != nil {
			t.Fatal(err)
		}

		unblock := make(chan struct{})
		decode := s.decode
		s.decode = func(data []byte, opts decodeOptions) (*image.RGBA, error) {
			<-unblock
			return decode(data, opts)
		}
		var first error
		var wg sync.WaitGroup
		wg.Go(func() {
			_, first = s.renderRead(ctx, Request{JobID: 5, FileID: 9, Format: FormatPNG})
		})
		synctest.Wait() // the first request holds the slot, blocked in decode

		if _, err := s.renderRead(ctx, Request{JobID: 5, FileID: 10, Format: FormatPNG}); err != nil {
			t.Errorf("a warm render failed while the decoder was busy: %v", err)
		}
		start := time.Now()
		_, err := s.renderRead(ctx, Request{JobID: 5, FileID: 9, Format: FormatJPEG, Width: 100})
		var busy *BusyError
		if !errors.As(err, &busy) {
			t.Fatalf("err = %v, want *BusyError", err)
		}
		if waited := time.Since(start); waited != wait || busy.Waited != wait || busy.Concurrency != 1 {
			t.Errorf("gave up after %v with %+v, want %v", waited, busy, wait)
		}
		if busy.RetryAfter() != wait {
			t.Errorf("RetryAfter = %v, want %v", busy.RetryAfter(), wait)
		}

		close(unblock)
		wg.Wait()
		if first != nil {
			t.Errorf("the request holding the slot failed: %v", first)
		}
		// The slot is free again.
		if _, err := s.renderRead(ctx, Request{JobID: 5, FileID: 9, Format: FormatJPEG, Width: 100}); err != nil {
			t.Errorf("after the slot was released: %v", err)
		}
	})
}

// TestCancelledWaiter checks that a caller that goes away stops waiting for
// a shared decode, and that the decode still finishes and is cached for the
// others.
func TestCancelledWaiter(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFake(t, cdf.StatusCompleted, 300, 200)
		f.block = make(chan struct{})
		s := New(f, Options{})
		decodes := countDecodes(s)
		ctx, cancel := context.WithCancel(context.Background())
		var err error
		var wg sync.WaitGroup
		wg.Go(func() { _, err = s.renderRead(ctx, Request{JobID: 5, FileID: 9, Format: FormatPNG}) })
		synctest.Wait()
		cancel()
		wg.Wait()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		close(f.block)
		synctest.Wait() // the shared decode finishes on its own
		if _, err := s.renderRead(context.Background(), Request{JobID: 5, FileID: 9, Format: FormatPNG}); err != nil {
			t.Fatal(err)
		}
		if c := f.counts(decodes()); c.Downloads != 1 || c.Decodes != 1 {
			t.Errorf("%+v: the cancelled request's decode was not kept", c)
		}
	})
}

// TestJoinedFlightOutlivesFirstDeadline checks that a caller who joined a
// shared download started by a caller with a shorter deadline gets the
// image, not the other caller's timeout.
func TestJoinedFlightOutlivesFirstDeadline(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFake(t, cdf.StatusCompleted, 300, 200)
		f.block = make(chan struct{})
		s := New(f, Options{})
		decodes := countDecodes(s)
		req := Request{JobID: 5, FileID: 9, Format: FormatPNG}
		short, cancelShort := context.WithTimeout(context.Background(), time.Second)
		defer cancelShort()
		long, cancelLong := context.WithTimeout(context.Background(), time.Minute)
		defer cancelLong()

		var errShort, errLong error
		var wg sync.WaitGroup
		wg.Go(func() { _, errShort = s.renderRead(short, req) })
		synctest.Wait() // the short request's download is under way
		wg.Go(func() { _, errLong = s.renderRead(long, req) })
		synctest.Wait() // the long request waits for the same download
		time.Sleep(2 * time.Second)
		synctest.Wait() // the short deadline has passed; the long request downloads again
		close(f.block)
		wg.Wait()
		if !errors.Is(errShort, context.DeadlineExceeded) {
			t.Errorf("short request: %v, want its deadline", errShort)
		}
		if errLong != nil {
			t.Errorf("long request: %v, want the image", errLong)
		}
		if c := f.counts(decodes()); c.Downloads != 2 || c.Decodes != 1 {
			t.Errorf("%+v, want the download made again and decoded once", c)
		}
	})
}
