package cdf

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// RetryPolicy says how idempotent calls are retried after a 429, 502, 503
// or 504 response or a dropped connection, and how creating calls are
// retried after a 429.
type RetryPolicy struct {
	// MaxAttempts is the total number of tries, including the first.
	MaxAttempts int
	// Base and Cap bound the backoff: before retry n (0-based) the client
	// sleeps Rand()*min(Cap, Base*2^n), or the Retry-After delay capped at
	// Cap when the response carries one.
	Base, Cap time.Duration
	// Sleep waits for d or until ctx is done. Nil means a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand returns a number in [0, 1). Nil means math/rand/v2.Float64.
	Rand func() float64
}

// DefaultRetryPolicy returns 5 attempts with full-jitter exponential
// backoff from 0.5 s, capped at 30 s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxAttempts: 5,
		Base:        500 * time.Millisecond,
		Cap:         30 * time.Second,
		Sleep:       sleepContext,
		Rand:        rand.Float64,
	}
}

func (p RetryPolicy) validate() error {
	switch {
	case p.MaxAttempts < 1:
		return errors.New("cdf: retry policy needs MaxAttempts >= 1")
	case p.Base < 0 || p.Cap < 0:
		return errors.New("cdf: retry policy durations must not be negative")
	}
	return nil
}

// response is a fully read HTTP response. Reading the body inside an
// attempt lets a connection dropped mid-body be retried like any other.
type response struct {
	status int
	header http.Header
	body   []byte
}

// retryableStatus reports the statuses CDF documents as transient.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryMode says which failures a call may be retried after.
type retryMode int

const (
	// retryNever runs a non-idempotent call once.
	retryNever retryMode = iota
	// retryThrottled retries a non-idempotent call only after a 429: CDF
	// refused it before acting on it, so a retry cannot apply it twice.
	// This is the SDKs' policy for creating POSTs.
	retryThrottled
	// retryTransient retries an idempotent call after a 429, 502, 503 or
	// 504 response or a dropped connection.
	retryTransient
)

// do runs attempt until it succeeds, fails permanently, runs out of tries,
// or the next sleep would pass ctx's deadline; it then returns the last
// response or error. mode says which failures are worth another try.
func (p RetryPolicy) do(ctx context.Context, mode retryMode, attempt func(context.Context) (*response, error)) (*response, error) {
	for n := 0; ; n++ {
		resp, err := attempt(ctx)
		if n+1 >= p.MaxAttempts || !p.shouldRetry(ctx, mode, resp, err) {
			return resp, err
		}
		d := p.delay(n, resp, time.Now())
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
			return resp, err
		}
		sleep := p.Sleep
		if sleep == nil {
			sleep = sleepContext
		}
		if serr := sleep(ctx, d); serr != nil {
			return nil, serr
		}
	}
}

func (p RetryPolicy) shouldRetry(ctx context.Context, mode retryMode, resp *response, err error) bool {
	switch {
	case mode == retryNever:
		return false
	case mode == retryThrottled:
		return err == nil && resp.status == http.StatusTooManyRequests
	case err != nil:
		return retryableError(ctx, err)
	}
	return retryableStatus(resp.status)
}

// delay returns how long to wait before retry n (0-based).
func (p RetryPolicy) delay(n int, resp *response, now time.Time) time.Duration {
	if resp != nil {
		if d, ok := retryAfter(resp.header.Get("Retry-After"), now); ok {
			return min(d, p.Cap)
		}
	}
	ceil := p.Cap
	if n < 62 && p.Base <= p.Cap>>n {
		ceil = p.Base << n
	}
	r := p.Rand
	if r == nil {
		r = rand.Float64
	}
	return time.Duration(r() * float64(ceil))
}

// retryAfter parses a Retry-After value: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) { // avoids overflow; Cap applies anyway
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// retryableError reports transport failures worth another try: the
// connection was refused, reset, or dropped before the response was
// complete, or a transport timeout fired. Context errors and token
// failures are final.
func retryableError(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ae *AuthError
	var le *LimitError
	var pe *PolicyError
	if errors.As(err, &ae) || errors.As(err, &le) || errors.As(err, &pe) {
		return false
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	// net/http reports some of these only as text.
	msg := err.Error()
	return strings.Contains(msg, "server closed idle connection") ||
		strings.Contains(msg, "connection reset by peer") ||
		strings.Contains(msg, "unexpected EOF")
}

// sleepContext waits for d or until ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
