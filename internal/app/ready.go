package app

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// ReadinessInterval is how often the background readiness check asks the
// identity provider for a CDF token: a lost identity provider shows on
// /readyz within this interval and the check's own timeout, well within
// 30 s.
const ReadinessInterval = 10 * time.Second

// readinessTimeout bounds one check, so a hanging identity provider is
// "not ready" too.
const readinessTimeout = 10 * time.Second

var (
	errNotChecked   = errors.New("the CDF token has not been checked yet")
	errShuttingDown = errors.New("shutting down")
)

// readiness holds the result of the last background check that a CDF token
// is obtainable; /readyz reads it, so a probe never calls the identity
// provider itself.
type readiness struct {
	check  func(context.Context) error
	logger *slog.Logger
	// checked, when set, is told each check's result (tests).
	checked func(error)

	mu       sync.Mutex
	err      error
	stopping bool
}

func newReadiness(check func(context.Context) error, logger *slog.Logger) *readiness {
	return &readiness{check: check, logger: logger, err: errNotChecked}
}

// Ready reports whether segview can serve: nil once a token was obtained
// on the last check and while it is not shutting down.
func (r *readiness) Ready() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopping {
		return errShuttingDown
	}
	return r.err
}

// stop makes Ready fail from now on, so load balancers stop sending new
// requests while the ones in flight finish.
func (r *readiness) stop() {
	r.mu.Lock()
	r.stopping = true
	r.mu.Unlock()
}

// run checks at once, then at each tick, until ctx is done. ticks nil
// means a ticker of ReadinessInterval.
func (r *readiness) run(ctx context.Context, ticks <-chan time.Time) {
	if ticks == nil {
		t := time.NewTicker(ReadinessInterval)
		defer t.Stop()
		ticks = t.C
	}
	for {
		r.once(ctx)
		select {
		case <-ctx.Done():
			return
		case <-ticks:
		}
	}
}

// once runs one check and logs a change of state.
func (r *readiness) once(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, readinessTimeout)
	err := r.check(cctx)
	cancel()
	if ctx.Err() != nil {
		return // stopping: the result means nothing
	}
	r.mu.Lock()
	was := r.err
	r.err = err
	r.mu.Unlock()
	switch {
	case err != nil && (was == nil || was == errNotChecked):
		r.logger.Warn("not ready: no CDF token can be obtained", "err", err)
	case err == nil && was != nil && was != errNotChecked:
		r.logger.Info("ready again: a CDF token was obtained")
	}
	if r.checked != nil {
		r.checked(err)
	}
}
