package cdf

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const testProject = "test-proj"

// sleepRecorder is an injectable RetryPolicy.Sleep that returns at once
// and remembers what it was asked to wait.
type sleepRecorder struct {
	mu     sync.Mutex
	sleeps []time.Duration
}

func (r *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.sleeps = append(r.sleeps, d)
	r.mu.Unlock()
	return ctx.Err()
}

func (r *sleepRecorder) got() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.sleeps...)
}

// testRetry is DefaultRetryPolicy with a recorded no-op sleep and a fixed
// jitter of one half.
func testRetry(rec *sleepRecorder) RetryPolicy {
	p := DefaultRetryPolicy()
	p.Sleep = rec.sleep
	p.Rand = func() float64 { return 0.5 }
	return p
}

// setup starts a fake CDF API and returns a client for it, the mux that
// the test registers handlers on (paths relative to the project, e.g.
// "GET /context/vision/segment/{id}"), and the sleeps the client made.
// Requests outside /api/v1/projects/test-proj/ fail the test.
func setup(t *testing.T, opts ...Option) (*Client, *http.ServeMux, *sleepRecorder) {
	t.Helper()
	mux := http.NewServeMux()
	root := http.NewServeMux()
	prefix := "/api/v1/projects/" + testProject
	root.Handle(prefix+"/", http.StripPrefix(prefix, mux))
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the project: %s %s", r.Method, r.URL.Path)
		http.Error(w, "not found", http.StatusNotFound)
	})
	srv := httptest.NewServer(root)
	t.Cleanup(srv.Close)

	rec := &sleepRecorder{}
	opts = append([]Option{WithRetry(testRetry(rec))}, opts...)
	c, err := New(srv.URL, testProject, srv.Client(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c, mux, rec
}

// writeJSON writes v as a JSON response with the given status.
func writeJSON(t *testing.T, w http.ResponseWriter, status int, v any) {
	t.Helper()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		t.Errorf("encoding response: %v", err)
	}
}

// fixtureHandler serves testdata/name.
func fixtureHandler(t *testing.T, name string) http.HandlerFunc {
	t.Helper()
	body := readFixture(t, name)
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, baseURL, project string
		opts                   []Option
		wantErr                string // substring; "" means success
	}{
		{name: "ok", baseURL: "https://westeurope-1.cognitedata.com", project: "p"},
		{name: "trailing slash", baseURL: "https://westeurope-1.cognitedata.com/", project: "p"},
		{name: "http", baseURL: "http://127.0.0.1:8080", project: "p"},
		{name: "no scheme", baseURL: "westeurope-1.cognitedata.com", project: "p", wantErr: "must start with https://"},
		{name: "ftp", baseURL: "ftp://x.example", project: "p", wantErr: "must start with https://"},
		{name: "no host", baseURL: "https://", project: "p", wantErr: "no host"},
		{name: "api v1", baseURL: "https://x.cognitedata.com/api/v1", project: "p", wantErr: "/api/v1"},
		{name: "query", baseURL: "https://x.cognitedata.com?a=b", project: "p", wantErr: "query"},
		{name: "userinfo", baseURL: "https://me:hunter2@x.cognitedata.com", project: "p", wantErr: "credentials"},
		{name: "empty project", baseURL: "https://x.cognitedata.com", project: " ", wantErr: "empty project"},
		{name: "bad option", baseURL: "https://x.cognitedata.com", project: "p", opts: []Option{WithMaxJSONBytes(0)}, wantErr: "positive"},
		{name: "bad retry", baseURL: "https://x.cognitedata.com", project: "p", opts: []Option{WithRetry(RetryPolicy{})}, wantErr: "MaxAttempts"},
		{name: "nil download client", baseURL: "https://x.cognitedata.com", project: "p", opts: []Option{WithDownloadClient(nil)}, wantErr: "nil download client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(tt.baseURL, tt.project, nil, tt.opts...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New() error = %v", err)
				}
				if c.Project() != tt.project {
					t.Errorf("Project() = %q, want %q", c.Project(), tt.project)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New() error = %v, want it to contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

// The project is escaped as one path segment.
func TestProjectEscaped(t *testing.T) {
	t.Parallel()
	var gotPath string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath = r.URL.EscapedPath()
		writeJSON(t, w, http.StatusOK, map[string]any{"jobId": 1, "status": "Queued"})
	}))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL+"/proxy/", "my proj/x", srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SegmentJob(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	if want := "/proxy/api/v1/projects/my%20proj%2Fx/context/vision/segment/1"; gotPath != want {
		t.Errorf("path = %q, want %q", gotPath, want)
	}
}

// Every API call sends the CDF headers.
func TestHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     []Option
		wantVer  string
		wantUA   string
		pattern  string
		response string
		call     func(ctx context.Context, c *Client) error
		wantCT   string
	}{
		{
			name: "SegmentJob defaults", wantVer: "alpha", wantUA: "segview/dev",
			pattern: "GET /context/vision/segment/{id}", response: "segment_get_docs.json",
			call: func(ctx context.Context, c *Client) error { _, err := c.SegmentJob(ctx, 123); return err },
		},
		{
			name: "CreateSegmentJob", opts: []Option{WithVersion("beta"), WithAppVersion("1.2.3")},
			wantVer: "beta", wantUA: "segview/1.2.3", wantCT: "application/json",
			pattern: "POST /context/vision/segment", response: "segment_post_docs.json",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CreateSegmentJob(ctx, SegmentRequest{Items: []FileIdentifier{ByID(1)}, Points: []PromptPoint{{X: 0.5, Y: 0.5, Label: 1}}})
				return err
			},
		},
		{
			name: "FilesByIDs", opts: []Option{WithVersion("20230101-beta")},
			wantVer: "20230101-beta", wantUA: "segview/dev", wantCT: "application/json",
			pattern: "POST /files/byids", response: "files_byids.json",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.FilesByIDs(ctx, []FileIdentifier{ByID(1234)}, false)
				return err
			},
		},
		{
			name: "DownloadLinks", wantVer: "alpha", wantUA: "segview/dev", wantCT: "application/json",
			pattern: "POST /files/downloadlink",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.DownloadLinks(ctx, []FileIdentifier{ByID(1)})
				return err
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t, tt.opts...)
			var got http.Header
			mux.HandleFunc(tt.pattern, func(w http.ResponseWriter, r *http.Request) {
				got = r.Header.Clone()
				if tt.response != "" {
					fixtureHandler(t, tt.response)(w, r)
					return
				}
				writeJSON(t, w, http.StatusOK, map[string]any{"items": []any{map[string]any{"id": 1, "downloadUrl": "https://x/y"}}})
			})
			if err := tt.call(t.Context(), c); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				"Cdf-Version":  tt.wantVer,
				"X-Cdp-App":    "segview",
				"User-Agent":   tt.wantUA,
				"Accept":       "application/json",
				"Content-Type": tt.wantCT,
			}
			for k, v := range want {
				if g := got.Get(k); g != v {
					t.Errorf("header %s = %q, want %q", k, g, v)
				}
			}
		})
	}
}

func TestSegmentJob(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /context/vision/segment/{id}", func(w http.ResponseWriter, r *http.Request) {
		if id := r.PathValue("id"); id != "123" {
			t.Errorf("job id = %q, want 123", id)
		}
		fixtureHandler(t, "segment_get_docs.json")(w, r)
	})
	job, err := c.SegmentJob(t.Context(), 123)
	if err != nil {
		t.Fatal(err)
	}
	if job.JobID != 123 || len(job.Items) != 1 || len(job.Items[0].Segments) != 1 {
		t.Errorf("unexpected job %+v", job)
	}
	if _, err := c.SegmentJob(t.Context(), 0); err == nil {
		t.Error("SegmentJob(0) succeeded, want an error")
	}
}

func TestCreateSegmentJob(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("POST /context/vision/segment", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		if diff := cmp.Diff(decodeAny(t, readFixture(t, "segment_request_docs.json")), decodeAny(t, b)); diff != "" {
			t.Errorf("request body mismatch (-want +got):\n%s", diff)
		}
		fixtureHandler(t, "segment_post_docs.json")(w, r)
	})
	job, err := c.CreateSegmentJob(t.Context(), SegmentRequest{
		Items:       []FileIdentifier{ByID(1234)},
		Points:      []PromptPoint{{X: 0.8, Y: 0.8, Label: 1}},
		BoundingBox: &BoundingBox{XMin: 0.1, YMin: 0.2, XMax: 0.5, YMax: 0.6},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Prompt{Points: []PromptPoint{{X: 0.8, Y: 0.8, Label: 1}}, BoundingBox: &BoundingBox{XMin: 0.1, YMin: 0.2, XMax: 0.5, YMax: 0.6}}
	if diff := cmp.Diff(want, job.Prompt); diff != "" {
		t.Errorf("prompt mismatch (-want +got):\n%s", diff)
	}
	// An invalid request is refused before anything is sent.
	if _, err := c.CreateSegmentJob(t.Context(), SegmentRequest{Items: []FileIdentifier{ByID(1)}}); err == nil {
		t.Error("CreateSegmentJob without a prompt succeeded, want an error")
	}
}
