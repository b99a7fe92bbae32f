package handlers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/auth"
	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/imaging"
	"github.com/segview/segview/internal/jobs"
	"github.com/segview/segview/internal/render"
	"github.com/segview/segview/internal/segment"
	"github.com/segview/segview/internal/verdict"
)

// The error types that say themselves what they mean on a page. A method
// renamed in one of them would silently make its errors 500s; here it
// fails the build.
var (
	_ publicError = (*cdf.APIError)(nil)
	_ publicError = (*cdf.AuthError)(nil)
	_ publicError = (*cdf.LimitError)(nil)
	_ publicError = (*cdf.DecodeError)(nil)
	_ publicError = (*cdf.ContentTypeError)(nil)
	_ publicError = (*cdf.PolicyError)(nil)
	_ publicError = (*imaging.TooLargeError)(nil)
	_ publicError = (*imaging.UnsupportedError)(nil)
	_ publicError = (*jobs.FileNotFoundError)(nil)
	_ publicError = (*render.BusyError)(nil)
	_ publicError = (*render.NotAnImageError)(nil)
	_ publicError = (*segment.FileNotInJobError)(nil)
	_ publicError = (*segment.TooManyVerticesError)(nil)
	_ publicError = (*verdict.InputError)(nil)
	_ publicError = (*auth.Error)(nil)
	_ publicError = (*hostError)(nil)
	_ publicError = (*inputError)(nil)
	_ publicError = (*csrfError)(nil)
	_ publicError = (*notFoundError)(nil)
	_ publicError = (*conflictError)(nil)
	_ publicError = (*exportsBusyError)(nil)

	_ detailError     = (*cdf.APIError)(nil)
	_ detailError     = (*cdf.AuthError)(nil)
	_ requestIDError  = (*cdf.APIError)(nil)
	_ requestIDError  = (*cdf.DecodeError)(nil)
	_ requestIDError  = (*cdf.ContentTypeError)(nil)
	_ retryAfterError = (*render.BusyError)(nil)
	_ retryAfterError = (*exportsBusyError)(nil)

	_ framingError = (*verdict.Error)(nil)
)

func TestClassify(t *testing.T) {
	t.Parallel()
	api := func(status int, msg string, missing bool) error {
		e := &cdf.APIError{Status: status, Code: status, Message: msg, RequestID: "req-1"}
		if missing {
			e.Missing = []map[string]any{{"id": 1}}
		}
		return fmt.Errorf("loading job: %w", e)
	}
	netErr := &url.Error{Op: "Get", URL: "https://x", Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}
	tests := []struct {
		name       string
		err        error
		status     int
		mentions   string
		requestID  string
		wantDetail string
	}{
		{"bad input", &inputError{msg: "The job id \"x\" is not valid"}, 400, "not valid", "", ""},
		{"own not found", &notFoundError{msg: "Project \"p\" is not served"}, 404, "not served", "", ""},
		{"file not in CDF", &jobs.FileNotFoundError{FileID: 3}, 404, "File 3 does not exist in CDF.", "", ""},
		{"file not in job", fmt.Errorf("hits: %w", &segment.FileNotInJobError{JobID: 4, FileID: 3}), 404, "File 3 has no results in job 4.", "", ""},
		{"cdf 401", api(401, "Could not authenticate.", false), 502, "credentials", "req-1", "Could not authenticate."},
		{"cdf 403", api(403, "Forbidden", false), 403, "filesAcl:READ", "req-1", "Forbidden"},
		{"cdf 404", api(404, "Not found", false), 404, "no such job", "req-1", "Not found"},
		{"cdf 400 missing", api(400, "Ids not found", true), 404, "no such job", "req-1", "Ids not found"},
		{"cdf 400 other", api(400, "bad", false), 502, "HTTP 400", "req-1", "bad"},
		{"cdf 429", api(429, "Too many", false), 503, "throttling", "req-1", "Too many"},
		{"cdf 503", api(503, "Down", false), 503, "unavailable", "req-1", "Down"},
		{"cdf 500", api(500, "Oops", false), 502, "HTTP 500", "req-1", "Oops"},
		{"cdf 504", api(504, "Slow", false), 502, "HTTP 504", "req-1", "Slow"},
		{"token", &cdf.AuthError{Err: errors.New("invalid_client")}, 502, "access token", "", ""},
		{"undecodable", &cdf.DecodeError{Method: "GET", Path: "/x", RequestID: "req-2", Err: errors.New("unexpected EOF")}, 502, "could not read", "req-2", ""},
		{"json limit", &cdf.LimitError{What: "JSON response", Limit: 10}, 502, "10", "", ""},
		{"image too large", &imaging.TooLargeError{Width: 30000, Height: 30000, MaxPixels: 100_000_000}, 422, "30000", "", ""},
		{"not an image", &imaging.UnsupportedError{Found: "HTML document"}, 422, "HTML", "", ""},
		{"too many vertices", &segment.TooManyVerticesError{FileID: 1, Vertices: 10, Limit: 5}, 422, "SEGVIEW_MAX_VERTICES", "", ""},
		{"no link", render.ErrNoDownloadLink, 502, "download link", "", ""},
		{"render busy", fmt.Errorf("rendering: %w", &render.BusyError{Concurrency: 2, Waited: 5 * time.Second}), 503, "SEGVIEW_RENDER_CONCURRENCY", "", ""},
		{"deadline", fmt.Errorf("get: %w", context.DeadlineExceeded), 504, "SEGVIEW_REQUEST_TIMEOUT", "", ""},
		{"network", netErr, 502, "connection", "", ""},
		{"echo 404", echo.ErrNotFound, 404, "no page", "", ""},
		{"echo 405", echo.ErrMethodNotAllowed, 405, "does not accept", "", ""},
		{"echo 413", echo.ErrStatusRequestEntityTooLarge, 413, "larger", "", ""},
		{"download link policy", fmt.Errorf("rendering: %w", &cdf.PolicyError{Reason: "it redirects to another host"}), 502, "redirects to another host", "", ""},
		{"download link scheme", fmt.Errorf("rendering: %w", &cdf.PolicyError{Link: "gopher://storage.example", Reason: `scheme "gopher" is not allowed`}), 502, `image ("gopher://storage.example") that segview does not follow: scheme "gopher" is not allowed.`, "", ""},
		{"download link file", &cdf.PolicyError{Link: "file:", Reason: `scheme "file" is not allowed`}, 502, `("file:") that segview does not follow: scheme "file" is not allowed.`, "", ""},
		{"download link relative", &cdf.PolicyError{Reason: "it is a relative URL"}, 502, "for the image that segview does not follow: it is a relative URL.", "", ""},
		{"download link TLS", &cdf.PolicyError{Link: "https://storage.example.com", Reason: "the TLS handshake failed: x509: certificate signed by unknown authority"}, 502, `("https://storage.example.com") that segview does not follow: the TLS handshake failed`, "", ""},
		{"download link through a proxy", &cdf.PolicyError{Link: "https://internal.example.com", Reason: "its host resolves to a private address"}, 502, "resolves to a private address", "", ""},
		{"not JSON", &cdf.ContentTypeError{Method: "GET", Path: "/x", ContentType: "text/html; charset=utf-8", RequestID: "req-3"}, 502, "text/html instead of JSON", "req-3", ""},
		{"web page instead of the image", &render.NotAnImageError{ContentType: "text/html"}, 502, "web page", "", ""},
		{"download link expired twice", &cdf.APIError{Status: 403, Message: "HTTP 403 Forbidden", Path: cdf.DownloadPath, RequestID: "st-1"}, 502, "HTTP 403", "st-1", ""},
		{"download storage busy", &cdf.APIError{Status: 503, Message: "HTTP 503", Path: cdf.DownloadPath}, 503, "after several retries", "", ""},
		{"cross-site request", &csrfError{msg: "This request came from another site", err: errors.New("cross-origin")}, 403, "another site", "", ""},
		{"verdict write refused", &verdict.Error{Op: verdict.OpWrite, Err: api(403, "Forbidden", false)}, 403, "annotationsAcl:WRITE", "req-1", "Forbidden"},
		{"verdict read refused", &verdict.Error{Op: verdict.OpRead, Err: api(403, "Forbidden", false)}, 403, "annotationsAcl:READ", "req-1", "Forbidden"},
		{"verdict write timed out", &verdict.Error{Op: verdict.OpWrite, Err: fmt.Errorf("create: %w", context.DeadlineExceeded)}, 504, "(SEGVIEW_REQUEST_TIMEOUT). The verdict may not have been stored", "", ""},
		{"verdict read throttled", fmt.Errorf("verdicts: %w", &verdict.Error{Op: verdict.OpRead, Err: api(429, "Too many", false)}), 503, "throttling", "req-1", "Too many"},
		{"verdict input", &verdict.InputError{Msg: "Rank 9 is not a segment of file 3"}, 400, "Rank 9", "", ""},
		{"sign-in", &auth.Error{Status: 400, Message: "The sign-in has expired.", Hint: "Sign in again.", Err: errors.New("secret internals")}, 400, "Sign in again", "", ""},
		{"unknown host", &hostError{host: "evil.example"}, 421, "SEGVIEW_ALLOWED_HOSTS", "", ""},
		{"conflict", &conflictError{msg: "The job is still running"}, 409, "still running", "", ""},
		{"exports busy", &exportsBusyError{Slots: 2, Queue: 4}, 503, "SEGVIEW_EXPORT_QUEUE", "", ""},
		{"body too large", fmt.Errorf("reading the form: %w", &http.MaxBytesError{Limit: 10}), 413, "larger", "", ""},
		{"unknown", errors.New("secret internals"), 500, "logged", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := classify(tt.err)
			if p.Status != tt.status {
				t.Errorf("status = %d, want %d", p.Status, tt.status)
			}
			if !strings.Contains(p.Message+" "+p.Heading+" "+p.Hint, tt.mentions) {
				t.Errorf("message %q / heading %q does not mention %q", p.Message, p.Heading, tt.mentions)
			}
			if p.RequestID != tt.requestID {
				t.Errorf("request id = %q, want %q", p.RequestID, tt.requestID)
			}
			if tt.wantDetail != "" && p.Detail != tt.wantDetail {
				t.Errorf("detail = %q, want %q", p.Detail, tt.wantDetail)
			}
			if strings.Contains(p.Message+p.Detail, "secret internals") {
				t.Errorf("internal error text leaked: %q", p.Message)
			}
			if p.Status < 400 || p.Status > 599 || http.StatusText(p.Status) == "" {
				t.Errorf("status %d is not an error status", p.Status)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"render busy waits as long as the request did", &render.BusyError{Concurrency: 2, Waited: 5 * time.Second}, "5"},
		{"short waits round up to a second", &render.BusyError{Concurrency: 1, Waited: 50 * time.Millisecond}, "1"},
		{"fractions round up", &render.BusyError{Concurrency: 1, Waited: 2500 * time.Millisecond}, "3"},
		{"CDF busy uses the default", &cdf.APIError{Status: 429}, "30"},
		{"exports name their own", &exportsBusyError{Slots: 1, Queue: 1}, "5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := classify(tt.err)
			if p.Status != http.StatusServiceUnavailable {
				t.Fatalf("status = %d, want 503", p.Status)
			}
			if got := retryAfter(p.RetryAfter); got != tt.want {
				t.Errorf("Retry-After = %q, want %q", got, tt.want)
			}
		})
	}
}
