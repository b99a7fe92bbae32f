package cdf

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// dropConnection closes the client's connection without a response:
// with reset, as a TCP RST; otherwise as a plain close (EOF).
func dropConnection(t *testing.T, w http.ResponseWriter, reset bool) {
	t.Helper()
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// The idempotent calls, each against a handler that fails first with fail
// and then succeeds; every attempt must carry the same body.
var idempotentCalls = []struct {
	name    string
	pattern string
	call    func(ctx context.Context, c *Client) error
	ok      func(t *testing.T, w http.ResponseWriter)
}{
	{
		name: "SegmentJob", pattern: "GET /context/vision/segment/{id}",
		call: func(ctx context.Context, c *Client) error { _, err := c.SegmentJob(ctx, 1); return err },
		ok: func(t *testing.T, w http.ResponseWriter) {
			writeJSON(t, w, http.StatusOK, map[string]any{"jobId": 1, "status": "Running"})
		},
	},
	{
		name: "FilesByIDs", pattern: "POST /files/byids",
		call: func(ctx context.Context, c *Client) error {
			_, err := c.FilesByIDs(ctx, []FileIdentifier{ByID(1), ByExternalID("x")}, true)
			return err
		},
		ok: func(t *testing.T, w http.ResponseWriter) {
			writeJSON(t, w, http.StatusOK, map[string]any{"items": []any{}})
		},
	},
	{
		name: "DownloadLinks", pattern: "POST /files/downloadlink",
		call: func(ctx context.Context, c *Client) error {
			_, err := c.DownloadLinks(ctx, []FileIdentifier{ByID(1)})
			return err
		},
		ok: func(t *testing.T, w http.ResponseWriter) {
			writeJSON(t, w, http.StatusOK, map[string]any{"items": []any{map[string]any{"id": 1, "downloadUrl": "https://x/y"}}})
		},
	},
}

func TestRetryTransientStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status    int
		wantCalls int
	}{
		{http.StatusTooManyRequests, 2},
		{http.StatusBadGateway, 2},
		{http.StatusServiceUnavailable, 2},
		{http.StatusGatewayTimeout, 2},
		{http.StatusBadRequest, 1},
		{http.StatusUnauthorized, 1},
		{http.StatusForbidden, 1},
		{http.StatusNotFound, 1},
		{http.StatusInternalServerError, 1},
	}
	for _, ic := range idempotentCalls {
		for _, tt := range tests {
			t.Run(ic.name+"/"+http.StatusText(tt.status), func(t *testing.T) {
				t.Parallel()
				c, mux, rec := setup(t)
				var calls atomic.Int32
				var firstBody atomic.Value
				mux.HandleFunc(ic.pattern, func(w http.ResponseWriter, r *http.Request) {
					b, _ := io.ReadAll(r.Body)
					if !firstBody.CompareAndSwap(nil, string(b)) && firstBody.Load() != string(b) {
						t.Errorf("body changed between attempts: %q then %q", firstBody.Load(), b)
					}
					if calls.Add(1) == 1 {
						writeJSON(t, w, tt.status, map[string]any{"error": map[string]any{"code": tt.status, "message": "try later"}})
						return
					}
					ic.ok(t, w)
				})
				err := ic.call(t.Context(), c)
				if got := int(calls.Load()); got != tt.wantCalls {
					t.Errorf("server saw %d calls, want %d", got, tt.wantCalls)
				}
				if tt.wantCalls == 1 {
					var ae *APIError
					if !errors.As(err, &ae) || ae.Status != tt.status {
						t.Errorf("error = %v, want *APIError with status %d", err, tt.status)
					}
					if s := rec.got(); len(s) != 0 {
						t.Errorf("slept %v for a final status", s)
					}
					return
				}
				if err != nil {
					t.Fatalf("call failed after retry: %v", err)
				}
				if diff := cmp.Diff([]time.Duration{250 * time.Millisecond}, rec.got()); diff != "" {
					t.Errorf("sleeps mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestRetryDroppedConnection(t *testing.T) {
	t.Parallel()
	for _, ic := range idempotentCalls {
		for _, reset := range []bool{false, true} {
			name := ic.name + "/close"
			if reset {
				name = ic.name + "/reset"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				c, mux, rec := setup(t)
				var calls atomic.Int32
				mux.HandleFunc(ic.pattern, func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.ReadAll(r.Body)
					if calls.Add(1) == 1 {
						dropConnection(t, w, reset)
						return
					}
					ic.ok(t, w)
				})
				if err := ic.call(t.Context(), c); err != nil {
					t.Fatalf("call failed after a dropped connection: %v", err)
				}
				if got := calls.Load(); got != 2 {
					t.Errorf("server saw %d calls, want 2", got)
				}
				if got := len(rec.got()); got != 1 {
					t.Errorf("slept %d times, want 1", got)
				}
			})
		}
	}
}

func TestRetryGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		policy     func(*RetryPolicy)
		wantSleeps []time.Duration
	}{
		{
			name:       "default",
			wantSleeps: []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second},
		},
		{
			name:       "capped",
			policy:     func(p *RetryPolicy) { p.Base, p.Cap = 10*time.Second, 15*time.Second },
			wantSleeps: []time.Duration{5 * time.Second, 7500 * time.Millisecond, 7500 * time.Millisecond, 7500 * time.Millisecond},
		},
		{
			name:       "three attempts",
			policy:     func(p *RetryPolicy) { p.MaxAttempts = 3 },
			wantSleeps: []time.Duration{250 * time.Millisecond, 500 * time.Millisecond},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &sleepRecorder{}
			p := testRetry(rec)
			if tt.policy != nil {
				tt.policy(&p)
			}
			c, mux, _ := setup(t, WithRetry(p))
			var calls atomic.Int32
			mux.HandleFunc("GET /context/vision/segment/{id}", func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.Header().Set("X-Request-Id", "last")
				w.WriteHeader(http.StatusServiceUnavailable)
			})
			_, err := c.SegmentJob(t.Context(), 1)
			var ae *APIError
			if !errors.As(err, &ae) || ae.Status != http.StatusServiceUnavailable || ae.RequestID != "last" {
				t.Fatalf("error = %v, want the last 503 as *APIError", err)
			}
			if got, want := int(calls.Load()), p.MaxAttempts; got != want {
				t.Errorf("server saw %d calls, want %d", got, want)
			}
			if diff := cmp.Diff(tt.wantSleeps, rec.got()); diff != "" {
				t.Errorf("sleeps mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		retryAfter func() string
		status     int
		wantMin    time.Duration
		wantMax    time.Duration
	}{
		{"seconds", func() string { return "3" }, http.StatusTooManyRequests, 3 * time.Second, 3 * time.Second},
		{"zero", func() string { return "0" }, http.StatusServiceUnavailable, 0, 0},
		{"capped", func() string { return "100" }, http.StatusTooManyRequests, 30 * time.Second, 30 * time.Second},
		{
			// Far enough ahead that the cap applies however slowly the
			// answer travels; TestBackoffDelay checks dates to the second.
			"HTTP date", func() string { return time.Now().Add(10 * time.Minute).UTC().Format(http.TimeFormat) },
			http.StatusServiceUnavailable, 30 * time.Second, 30 * time.Second,
		},
		{"date in the past", func() string { return "Mon, 02 Jan 2006 15:04:05 GMT" }, http.StatusTooManyRequests, 0, 0},
		{"garbage uses jitter", func() string { return "soon" }, http.StatusTooManyRequests, 250 * time.Millisecond, 250 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, rec := setup(t)
			var calls atomic.Int32
			mux.HandleFunc("GET /context/vision/segment/{id}", func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					w.Header().Set("Retry-After", tt.retryAfter())
					w.WriteHeader(tt.status)
					return
				}
				writeJSON(t, w, http.StatusOK, map[string]any{"jobId": 1, "status": "Queued"})
			})
			if _, err := c.SegmentJob(t.Context(), 1); err != nil {
				t.Fatal(err)
			}
			s := rec.got()
			if len(s) != 1 || s[0] < tt.wantMin || s[0] > tt.wantMax {
				t.Errorf("sleeps = %v, want one in [%v, %v]", s, tt.wantMin, tt.wantMax)
			}
		})
	}
}

func TestCreateSegmentJobNotRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		respond func(t *testing.T, w http.ResponseWriter)
	}{
		{"503", func(t *testing.T, w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) }},
		{"429", func(t *testing.T, w http.ResponseWriter) { w.WriteHeader(http.StatusTooManyRequests) }},
		{"reset", func(t *testing.T, w http.ResponseWriter) { dropConnection(t, w, true) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, rec := setup(t)
			var calls atomic.Int32
			mux.HandleFunc("POST /context/vision/segment", func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.ReadAll(r.Body)
				calls.Add(1)
				tt.respond(t, w)
			})
			_, err := c.CreateSegmentJob(t.Context(), SegmentRequest{Items: []FileIdentifier{ByID(1)}, BoundingBox: &BoundingBox{XMax: 1, YMax: 1}})
			if err == nil {
				t.Fatal("CreateSegmentJob succeeded, want an error")
			}
			if got := calls.Load(); got != 1 {
				t.Errorf("server saw %d calls, want 1", got)
			}
			if s := rec.got(); len(s) != 0 {
				t.Errorf("slept %v, want no retries", s)
			}
		})
	}
}

// When the next sleep would pass the context deadline, the last error
// comes back at once.
func TestRetryStopsAtDeadline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		retryAfter string
		policy     func(*RetryPolicy)
	}{
		{name: "Retry-After beyond deadline", retryAfter: "3600"},
		{name: "backoff beyond deadline", policy: func(p *RetryPolicy) { p.Base = time.Hour; p.Rand = func() float64 { return 0.99 } }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &sleepRecorder{}
			p := testRetry(rec)
			p.Cap = 2 * time.Hour
			if tt.policy != nil {
				tt.policy(&p)
			}
			c, mux, _ := setup(t, WithRetry(p))
			var calls atomic.Int32
			mux.HandleFunc("GET /context/vision/segment/{id}", func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.WriteHeader(http.StatusTooManyRequests)
			})
			// A minute is far more than the call takes and far less than
			// the hour-long delay.
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			_, err := c.SegmentJob(ctx, 1)
			var ae *APIError
			if !errors.As(err, &ae) || ae.Status != http.StatusTooManyRequests {
				t.Fatalf("error = %v, want the 429 as *APIError", err)
			}
			if got := calls.Load(); got != 1 {
				t.Errorf("server saw %d calls, want 1", got)
			}
			if s := rec.got(); len(s) != 0 {
				t.Errorf("slept %v, want none", s)
			}
		})
	}
}

// A deadline that fires during a request ends the call with an error
// that matches context.DeadlineExceeded, without retries.
func TestDeadlineDuringRequest(t *testing.T) {
	t.Parallel()
	c, mux, rec := setup(t)
	var calls atomic.Int32
	ctx, pass := expiringContext()
	mux.HandleFunc("GET /context/vision/segment/{id}", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		pass() // the deadline passes while the request is under way
		<-r.Context().Done()
	})
	_, err := c.SegmentJob(ctx, 1)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want context.DeadlineExceeded", err)
	}
	if want := "cdf: GET /context/vision/segment/1: "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %q, want prefix %q", err, want)
	}
	if got := calls.Load(); got != 1 {
		t.Errorf("server saw %d calls, want 1", got)
	}
	if s := rec.got(); len(s) != 0 {
		t.Errorf("slept %v, want none", s)
	}
}

// Connection refused is retried and, once the tries are used up, returned
// wrapped, without the *url.Error layer.
func TestConnectionRefused(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	rec := &sleepRecorder{}
	c, err := New(addr, testProject, nil, WithRetry(testRetry(rec)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.SegmentJob(t.Context(), 1)
	if err == nil {
		t.Fatal("SegmentJob succeeded against a closed server")
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("error = %v, want it to wrap ECONNREFUSED", err)
	}
	if want := "cdf: GET /context/vision/segment/1: "; !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), `Get "`) {
		t.Errorf("error = %q, want prefix %q and no *url.Error text", err, want)
	}
	if got := len(rec.got()); got != 4 {
		t.Errorf("slept %d times, want 4 (5 attempts)", got)
	}
}

func TestBackoffDelay(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := RetryPolicy{MaxAttempts: 5, Base: 500 * time.Millisecond, Cap: 30 * time.Second, Rand: func() float64 { return 1 }}
	header := func(v string) *response { return &response{header: http.Header{"Retry-After": {v}}} }
	tests := []struct {
		name string
		n    int
		resp *response
		want time.Duration
	}{
		{"first retry", 0, nil, 500 * time.Millisecond},
		{"second retry", 1, nil, time.Second},
		{"fifth retry", 4, nil, 8 * time.Second},
		{"capped", 6, nil, 30 * time.Second},
		{"huge n does not overflow", 200, nil, 30 * time.Second},
		{"Retry-After seconds", 0, header("7"), 7 * time.Second},
		{"Retry-After capped", 0, header("3600"), 30 * time.Second},
		{"Retry-After date", 0, header(now.Add(12 * time.Second).Format(http.TimeFormat)), 12 * time.Second},
		{"Retry-After negative ignored", 1, header("-5"), time.Second},
		{"no header", 1, &response{header: http.Header{}}, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := p.delay(tt.n, tt.resp, now); got != tt.want {
				t.Errorf("delay(%d) = %v, want %v", tt.n, got, tt.want)
			}
		})
	}
}

// TestSleepContext runs on synctest's clock: the sleeps are exact.
func TestSleepContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		if err := sleepContext(t.Context(), time.Millisecond); err != nil || time.Since(start) != time.Millisecond {
			t.Errorf("sleepContext(1ms) = %v after %v", err, time.Since(start))
		}
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		start = time.Now()
		if err := sleepContext(ctx, time.Minute); !errors.Is(err, context.Canceled) || time.Since(start) != 0 {
			t.Errorf("sleepContext(1m) on a cancelled context = %v after %v, want context.Canceled at once", err, time.Since(start))
		}
		ctx, cancel = context.WithCancel(t.Context())
		time.AfterFunc(time.Second, cancel)
		start = time.Now()
		if err := sleepContext(ctx, time.Minute); !errors.Is(err, context.Canceled) || time.Since(start) != time.Second {
			t.Errorf("sleepContext(1m) cancelled after 1s = %v after %v", err, time.Since(start))
		}
	})
}

// expiringContext returns a context whose deadline passes when pass is
// called: Done closes and Err is context.DeadlineExceeded, at the moment
// the test chooses rather than after a duration a slow machine may need
// for something else.
func expiringContext() (ctx context.Context, pass func()) {
	done := make(chan struct{})
	return expiring{Context: context.Background(), done: done}, sync.OnceFunc(func() { close(done) })
}

type expiring struct {
	context.Context // no deadline, no cancellation, no values
	done            chan struct{}
}

func (e expiring) Done() <-chan struct{} { return e.done }

func (e expiring) Err() error {
	select {
	case <-e.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// With Sleep and Rand left nil, the policy uses a real timer.
func TestRetryRealSleep(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, WithRetry(RetryPolicy{MaxAttempts: 3, Base: time.Millisecond, Cap: 5 * time.Millisecond}))
	var calls atomic.Int32
	mux.HandleFunc("GET /context/vision/segment/{id}", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		writeJSON(t, w, http.StatusOK, map[string]any{"jobId": 1, "status": "Queued"})
	})
	if _, err := c.SegmentJob(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	if got := calls.Load(); got != 3 {
		t.Errorf("server saw %d calls, want 3", got)
	}
}
