package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// TestReadinessNoticesLostIdP: the background check runs on its own
// ticker, and an identity provider lost at any moment shows on Ready
// within 30 s; probes in between never call the check.
func TestReadinessNoticesLostIdP(t *testing.T) {
	t.Parallel()
	for _, lostAfter := range []time.Duration{time.Second, 9 * time.Second, 61 * time.Second} {
		t.Run(lostAfter.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var down atomic.Bool
				var checks atomic.Int64
				r := newReadiness(func(ctx context.Context) error {
					checks.Add(1)
					if down.Load() {
						return errors.New("token endpoint returned 503")
					}
					return nil
				}, slog.New(slog.NewTextHandler(io.Discard, nil)))
				if err := r.Ready(); !errors.Is(err, errNotChecked) {
					t.Fatalf("Ready before any check = %v, want errNotChecked", err)
				}
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				go r.run(ctx, nil)
				synctest.Wait()
				if err := r.Ready(); err != nil {
					t.Fatalf("Ready after the first check = %v", err)
				}
				time.Sleep(lostAfter)
				synctest.Wait()
				before := checks.Load()
				for range 100 {
					_ = r.Ready() // probes do not check
				}
				if checks.Load() != before {
					t.Fatalf("Ready called the check")
				}
				down.Store(true)
				time.Sleep(30 * time.Second)
				synctest.Wait()
				if err := r.Ready(); err == nil {
					t.Fatalf("Ready 30 s after the identity provider was lost = nil")
				}
				down.Store(false)
				time.Sleep(30 * time.Second)
				synctest.Wait()
				if err := r.Ready(); err != nil {
					t.Fatalf("Ready 30 s after the identity provider came back = %v", err)
				}
				r.stop()
				if err := r.Ready(); !errors.Is(err, errShuttingDown) {
					t.Errorf("Ready while shutting down = %v", err)
				}
				cancel()
			})
		})
	}
}
