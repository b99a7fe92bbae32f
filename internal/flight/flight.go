// Package flight shares one run of a function among concurrent callers
// with the same key (golang.org/x/sync/singleflight), with the context
// handling a server needs: one caller going away does not fail the
// others, and a caller never fails with another caller's deadline.
package flight

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/singleflight"
)

// Do runs fn once for all concurrent callers with the same key. fn runs on
// a context that keeps the first caller's values and deadline but not its
// cancellation, so one caller going away does not fail the others; each
// caller still stops waiting when its own context ends. A caller that
// joined a flight which then ran out of the first caller's time, while its
// own context is still alive and its own deadline has not come, runs the
// work again rather than fail with someone else's deadline; the caller
// whose deadline it was never does.
//
// The flight runs with the first caller's context values: a call made
// with a person's own credentials (in the context) must not be shared.
func Do[T any](ctx context.Context, g *singleflight.Group, key string, fn func(context.Context) (T, error)) (T, error) {
	v, _, err := DoShared(ctx, g, key, fn)
	return v, err
}

// DoShared is Do, and also reports whether the value was given to other
// callers too: when it was not, this caller has the only reference fn
// returned (unless fn kept one elsewhere).
func DoShared[T any](ctx context.Context, g *singleflight.Group, key string, fn func(context.Context) (T, error)) (T, bool, error) {
	var zero T
	for {
		ch := g.DoChan(key, func() (v any, err error) {
			// A panic in DoChan's goroutine could not be recovered by the
			// request's middleware and would end the process.
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("panic in %s: %v", key, r)
				}
			}()
			fctx, cancel := detach(ctx)
			defer cancel()
			v, err = fn(fctx)
			if err != nil && fctx.Err() != nil {
				err = &expiredFlight{err: err}
			}
			return v, err
		})
		select {
		case r := <-ch:
			if r.Err == nil {
				return r.Val.(T), r.Shared, nil
			}
			var expired *expiredFlight
			if errors.As(r.Err, &expired) {
				if ctx.Err() == nil && !pastDeadline(ctx) {
					continue // the flight ran out of another caller's time
				}
				return zero, false, expired.err
			}
			return zero, false, r.Err
		case <-ctx.Done():
			return zero, false, ctx.Err()
		}
	}
}

// expiredFlight marks the error of a shared flight whose context (the
// first caller's deadline) ended.
type expiredFlight struct{ err error }

func (e *expiredFlight) Error() string { return e.err.Error() }
func (e *expiredFlight) Unwrap() error { return e.err }

// pastDeadline reports whether ctx's deadline has come. A context reports
// its deadline only once its timer has run, and the flight's context (the
// same deadline, its own timer) may end first: a caller that checked
// ctx.Err() alone would see its time left, run the work again on a context
// already past its deadline, and go on doing so until its own timer ran.
func pastDeadline(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

func detach(ctx context.Context) (context.Context, context.CancelFunc) {
	d := context.WithoutCancel(ctx)
	if deadline, ok := ctx.Deadline(); ok {
		return context.WithDeadline(d, deadline)
	}
	return context.WithCancel(d)
}
