package render

import (
	"context"
	"errors"
	"image"
	"testing"
	"testing/synctest"
	"time"

	"github.com/segview/segview/internal/cdf"
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

// TestByteBudget pins the decode memory budget, on synctest's bubble so
// that "waits" is a fact, not a guess: with a large decode running, a
// second large one waits while a small one passes; the large one goes once
// the first ends; one larger than the whole budget runs alone; and a
// waiter gives up with a *BusyError after the configured wait.
func TestByteBudget(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const budget = 100
		b := newByteBudget(budget, 2, time.Minute)
		ctx := context.Background()
		large1, err := b.acquire(ctx, 70)
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan string, 4)
		var large2 func()
		go func() {
			r, err := b.acquire(ctx, 70)
			if err != nil {
				got <- err.Error()
				return
			}
			large2 = r
			got <- "large"
		}()
		synctest.Wait()
		select {
		case g := <-got:
			t.Fatalf("the second large decode got %q while the first ran", g)
		default:
		}
		small, err := b.acquire(ctx, 30)
		if err != nil {
			t.Fatalf("a small decode that fits was refused: %v", err)
		}
		small()
		large1()
		synctest.Wait()
		if g := <-got; g != "large" {
			t.Fatalf("the second large decode: %s, want a turn once the first ended", g)
		}

		// Larger than the budget: waits for everything, then runs alone.
		go func() {
			r, err := b.acquire(ctx, 10*budget)
			if err != nil {
				got <- err.Error()
				return
			}
			got <- "huge"
			r()
		}()
		synctest.Wait()
		select {
		case g := <-got:
			t.Fatalf("a decode over the budget got %q beside another", g)
		default:
		}
		large2()
		synctest.Wait()
		if g := <-got; g != "huge" {
			t.Fatalf("a decode over the budget: %s, want a turn alone", g)
		}

		// Nothing frees: the waiter gives up after the wait.
		hold, _ := b.acquire(ctx, budget)
		defer hold()
		start := time.Now()
		_, err = b.acquire(ctx, 1)
		var busy *BusyError
		if !errors.As(err, &busy) || time.Since(start) != time.Minute {
			t.Errorf("err = %v after %v, want a *BusyError after 1m", err, time.Since(start))
		}
	})
}

// TestDecodeWaitsForBytes pins that Render's decodes take their expected
// memory from the budget: with the budget held, a cold render's decode
// does not start, and it does once the budget frees.
func TestDecodeWaitsForBytes(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		job := &cdf.SegmentJob{JobID: 5, Status: cdf.StatusCompleted, Items: []cdf.SegmentItem{{FileID: 9}}}
		fake := &fakeCDF{job: job, files: map[int64]*fakeFile{9: {data: solidPNG(t, 64, 48), updated: 1000}}}
		s := New(fake, Options{Concurrency: 2, Wait: time.Hour})
		decodes := make(chan struct{}, 1)
		decode := s.decode
		s.decode = func(data []byte, opts decodeOptions) (*image.RGBA, error) {
			decodes <- struct{}{}
			return decode(data, opts)
		}
		hold, err := s.decodeBytes.acquire(context.Background(), s.decodeBytes.size)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := s.renderRead(context.Background(), Request{JobID: 5, FileID: 9, Format: FormatJPEG})
			done <- err
		}()
		synctest.Wait()
		if len(decodes) != 0 {
			t.Fatal("a decode started with the memory budget taken")
		}
		hold()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if len(decodes) != 1 {
			t.Errorf("%d decodes, want 1 once the budget freed", len(decodes))
		}
	})
}
