package cdf

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAPIErrorMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		requestID   string
		want        *APIError
		wantString  string
	}{
		{
			name: "CDF error body", status: http.StatusForbidden, contentType: "application/json",
			body:      `{"error":{"code":403,"message":"Resource not found. This may also be due to insufficient access rights."}}`,
			requestID: "abc-123",
			want: &APIError{
				Status: 403, Code: 403, Message: "Resource not found. This may also be due to insufficient access rights.",
				RequestID: "abc-123", Method: "GET", Path: "/context/vision/segment/1",
			},
			wantString: "cdf: GET /context/vision/segment/1: 403 Forbidden: Resource not found. This may also be due to insufficient access rights. (request id abc-123)",
		},
		{
			name: "401", status: http.StatusUnauthorized, contentType: "application/json",
			body:       `{"error":{"code":401,"message":"Could not authenticate."}}`,
			want:       &APIError{Status: 401, Code: 401, Message: "Could not authenticate.", Method: "GET", Path: "/context/vision/segment/1"},
			wantString: "cdf: GET /context/vision/segment/1: 401 Unauthorized: Could not authenticate.",
		},
		{
			name: "missing on 400", status: http.StatusBadRequest, contentType: "application/json",
			body:      `{"error":{"code":400,"message":"Files ids not found","missing":[{"id":1234},{"externalId":"x"}],"duplicated":[{"id":5}],"extra":{"a":1}}}`,
			requestID: "r-1",
			want: &APIError{
				Status: 400, Code: 400, Message: "Files ids not found", RequestID: "r-1",
				Missing:    []map[string]any{{"id": float64(1234)}, {"externalId": "x"}},
				Duplicated: []map[string]any{{"id": float64(5)}},
				Method:     "GET", Path: "/context/vision/segment/1",
			},
			wantString: "cdf: GET /context/vision/segment/1: 400 Bad Request: Files ids not found (request id r-1)",
		},
		{
			name: "string error", status: http.StatusBadRequest, contentType: "application/json",
			body:       `{"error":"Job not found"}`,
			want:       &APIError{Status: 400, Message: "Job not found", Method: "GET", Path: "/context/vision/segment/1"},
			wantString: "cdf: GET /context/vision/segment/1: 400 Bad Request: Job not found",
		},
		{
			name: "HTML body", status: http.StatusBadGateway, contentType: "text/html",
			body:       "<html><body><h1>502 Bad Gateway</h1></body></html>",
			requestID:  "gw-9",
			want:       &APIError{Status: 502, Message: "HTTP 502 Bad Gateway", RequestID: "gw-9", Method: "GET", Path: "/context/vision/segment/1"},
			wantString: "cdf: GET /context/vision/segment/1: 502 Bad Gateway: HTTP 502 Bad Gateway (request id gw-9)",
		},
		{
			name: "empty body", status: http.StatusInternalServerError,
			want: &APIError{Status: 500, Message: "HTTP 500 Internal Server Error", Method: "GET", Path: "/context/vision/segment/1"},
		},
		{
			name: "proxy message", status: http.StatusForbidden, contentType: "application/json",
			body: `{"message":"Forbidden"}`,
			want: &APIError{Status: 403, Message: "Forbidden", Method: "GET", Path: "/context/vision/segment/1"},
		},
		{
			// Only the first 64 KiB is read, so the JSON is cut and unusable.
			name: "huge body", status: http.StatusBadRequest, contentType: "application/json",
			body: `{"error":{"code":400,"message":"` + strings.Repeat("x", 100<<10) + `"}}`,
			want: &APIError{Status: 400, Message: "HTTP 400 Bad Request", Method: "GET", Path: "/context/vision/segment/1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t, WithRetry(RetryPolicy{MaxAttempts: 1}))
			mux.HandleFunc("GET /context/vision/segment/{id}", func(w http.ResponseWriter, r *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				if tt.requestID != "" {
					w.Header().Set("X-Request-Id", tt.requestID)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			_, err := c.SegmentJob(t.Context(), 1)
			var got *APIError
			if !errors.As(err, &got) {
				t.Fatalf("SegmentJob() error = %v (%T), want *APIError", err, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("APIError mismatch (-want +got):\n%s", diff)
			}
			if tt.wantString != "" && err.Error() != tt.wantString {
				t.Errorf("Error() = %q\nwant      %q", err.Error(), tt.wantString)
			}
		})
	}
}

func TestLimitErrorString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *LimitError
		want string
	}{
		{&LimitError{What: "JSON response", Limit: 67108864}, "cdf: JSON response larger than 67108864 bytes (limit SEGVIEW_MAX_JSON_BYTES)"},
		{&LimitError{What: "download", Limit: 10}, "cdf: download larger than 10 bytes (limit SEGVIEW_MAX_IMAGE_BYTES)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// JSON bodies over the limit fail with *LimitError, whether the length
// is declared up front or only discovered while reading.
func TestJSONLimit(t *testing.T) {
	t.Parallel()
	big := `{"jobId":1,"status":"Queued","padding":"` + strings.Repeat("x", 2000) + `"}`
	tests := []struct {
		name    string
		chunked bool
	}{
		{"content length", false},
		{"chunked", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, rec := setup(t, WithMaxJSONBytes(1000))
			mux.HandleFunc("GET /context/vision/segment/{id}", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if !tt.chunked {
					w.Header().Set("Content-Length", strconv.Itoa(len(big)))
					_, _ = w.Write([]byte(big))
					return
				}
				_, _ = w.Write([]byte(big[:500]))
				w.(http.Flusher).Flush()
				_, _ = w.Write([]byte(big[500:]))
			})
			_, err := c.SegmentJob(t.Context(), 1)
			var le *LimitError
			if !errors.As(err, &le) {
				t.Fatalf("error = %v, want *LimitError", err)
			}
			if diff := cmp.Diff(&LimitError{What: "JSON response", Limit: 1000}, le); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			if s := rec.got(); len(s) != 0 {
				t.Errorf("a limit error was retried: sleeps %v", s)
			}
		})
	}
}

// A 2xx answer that is not JSON, such as a proxy's HTML page, fails with a
// *ContentTypeError before any decoding; JSON under any of its names, or
// without a Content-Type, is decoded.
func TestContentType(t *testing.T) {
	t.Parallel()
	const job = `{"jobId":1,"status":"Queued","createdTime":1,"items":[]}`
	tests := []struct {
		contentType string // "" sends none
		body        string
		wantErr     bool
	}{
		{"application/json", job, false},
		{"application/json; charset=utf-8", job, false},
		{"Application/JSON", job, false},
		{"application/problem+json", job, false},
		{"", job, false},
		{"text/html; charset=utf-8", "<!DOCTYPE html><html><body>Sign in to the proxy</body></html>", true},
		{"text/html", job, true},
		{"text/plain", job, true},
		{"application/xml", "<Error/>", true},
		{"application/jsonx", job, true},
		{"text/json+html", job, true},
		{";;", job, true},
	}
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t, WithRetry(RetryPolicy{MaxAttempts: 1}))
			mux.HandleFunc("GET /context/vision/segment/{id}", func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Content-Type"] = nil // no sniffing
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.Header().Set("X-Request-Id", "ct-1")
				_, _ = w.Write([]byte(tt.body))
			})
			_, err := c.SegmentJob(t.Context(), 1)
			var ce *ContentTypeError
			if got := errors.As(err, &ce); got != tt.wantErr {
				t.Fatalf("SegmentJob() error = %v, want a *ContentTypeError: %v", err, tt.wantErr)
			}
			if !tt.wantErr {
				return
			}
			want := &ContentTypeError{Method: "GET", Path: "/context/vision/segment/1", ContentType: tt.contentType, RequestID: "ct-1"}
			if diff := cmp.Diff(want, ce); diff != "" {
				t.Errorf("ContentTypeError mismatch (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), "not JSON") || !strings.Contains(err.Error(), "ct-1") {
				t.Errorf("Error() = %q, want it to say not JSON and name the request id", err)
			}
		})
	}
}
