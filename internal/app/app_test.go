package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/config"
	"github.com/segview/segview/internal/htmltest"
	"github.com/segview/segview/internal/httptestclient"
)

const (
	testProject  = "acme"
	testClientID = "segview-test"
	testSecret   = "test-client-secret-7f3a9c"
)

// syncBuffer collects everything the server logs, for the secret scan.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// stack is a dashboard wired to a simulator exactly as in production:
// config from environment variables, OAuth2 client credentials, HTTP.
type stack struct {
	sim    *cdfsim.Server
	simURL string
	app    *App
	srv    *httptest.Server
	logs   *syncBuffer
	client *http.Client // does not follow redirects
}

func newStack(t *testing.T, env map[string]string) *stack {
	t.Helper()
	return newStackWith(t, env, nil)
}

// newStackWith is newStack with simulator options adjusted by simOpts.
// The readiness check runs once, before it returns, and then only when a
// test sends a tick (newStackOpts), so it never adds a token request in
// the middle of a test that counts them.
func newStackWith(t *testing.T, env map[string]string, simOpts func(*cdfsim.Options)) *stack {
	t.Helper()
	checked := make(chan error, 1)
	s := newStackOpts(t, env, simOpts, WithReadinessTicks(make(chan time.Time), func(err error) { checked <- err }))
	<-checked
	return s
}

// newStackOpts is newStackWith with options of New.
func newStackOpts(t *testing.T, env map[string]string, simOpts func(*cdfsim.Options), appOpts ...Option) *stack {
	t.Helper()
	opts := cdfsim.Options{Project: testProject, ClientID: testClientID, ClientSecret: testSecret, Seed: true}
	if simOpts != nil {
		simOpts(&opts)
	}
	sim, simURL := startSim(t, opts)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	vars := map[string]string{
		"CDF_PROJECT":       testProject,
		"CDF_URL":           simURL,
		"LOGIN_FLOW":        "client_credentials",
		"IDP_TOKEN_URL":     sim.TokenURL(simURL),
		"IDP_CLIENT_ID":     testClientID,
		"IDP_CLIENT_SECRET": testSecret,
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok }, nil)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	a, err := New(ctx, cfg, logger, "0.0.0-test", append([]Option{WithCDFOptions(cdf.WithRetry(fastRetry()))}, appOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		a.Close()
		if strings.Contains(logs.String(), testSecret) {
			t.Errorf("the client secret appears in the server log")
		}
	})
	return &stack{sim: sim, simURL: simURL, app: a, srv: srv, logs: logs,
		client: httptestclient.Client(t, nil, true)}
}

func fastRetry() cdf.RetryPolicy {
	p := cdf.DefaultRetryPolicy()
	p.Base, p.Cap = time.Millisecond, 5*time.Millisecond
	return p
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (s *stack) get(t *testing.T, path string) response {
	t.Helper()
	resp, err := s.client.Get(s.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), testSecret) {
		t.Errorf("GET %s: the client secret appears in the response", path)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func (s *stack) cdfClient(t *testing.T) *cdf.Client {
	t.Helper()
	hc, err := cdf.HTTPClient(context.Background(), cdf.Credentials{Flow: "client_credentials",
		TokenURL: s.sim.TokenURL(s.simURL), ClientID: testClientID, ClientSecret: testSecret}, httptestclient.Client(t, nil, false))
	if err != nil {
		t.Fatal(err)
	}
	c, err := cdf.New(s.simURL, testProject, hc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func wantStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body:\n%.600s", r.status, status, r.body)
	}
}

func TestEveryDemoJobPageAndOverlay(t *testing.T) {
	s := newStack(t, nil)
	client := s.cdfClient(t)
	jobs := s.sim.DemoJobs()
	if len(jobs) < 7 {
		t.Fatalf("simulator seeds %d demo jobs, want at least 7", len(jobs))
	}
	wantJobs := map[int64]*cdf.SegmentJob{}
	for _, dj := range jobs {
		j, err := client.SegmentJob(context.Background(), dj.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantJobs[dj.ID] = j
	}
	tokensBefore := s.sim.TokenRequests()
	sawHole, sawFailedGroup, sawInstanceID := false, false, false
	for _, dj := range jobs {
		t.Run(strconv.FormatInt(dj.ID, 10), func(t *testing.T) {
			want := wantJobs[dj.ID]
			r := s.get(t, fmt.Sprintf("/projects/%s/jobs/%d", testProject, dj.ID))
			wantStatus(t, r, http.StatusOK)
			doc := htmltest.Parse(t, r.body)
			if got := htmltest.Text(doc.One(t, "job-status")); got != string(want.Status) {
				t.Errorf("status badge = %q, want %q", got, want.Status)
			}
			// The page shows one file at a time: the first, or the one
			// file= names.
			if files := doc.ByTestID("file"); len(files) != min(1, len(want.Items)) {
				t.Fatalf("files = %d, want %d", len(files), min(1, len(want.Items)))
			}
			for i, item := range want.Items {
				fdoc := doc
				if i > 0 {
					r := s.get(t, fmt.Sprintf("/projects/%s/jobs/%d?file=%d", testProject, dj.ID, item.FileID))
					wantStatus(t, r, http.StatusOK)
					fdoc = htmltest.Parse(t, r.body)
				}
				files := fdoc.ByTestID("file")
				if len(files) != 1 || htmltest.Attr(files[0], "data-file-id") != strconv.FormatInt(item.FileID, 10) {
					t.Fatalf("file %d: %d file sections", item.FileID, len(files))
				}
				f := files[0]
				rows := htmltest.ByTestID(f, "segment-row")
				if len(rows) != len(item.Segments) {
					t.Errorf("file %d: rows = %d, want %d", item.FileID, len(rows), len(item.Segments))
				}
				for _, row := range rows {
					cells := htmltest.ByTag(row, "td")
					if len(cells) >= 6 && htmltest.Text(cells[3]) == "2" {
						sawHole = true
					}
				}
				if len(htmltest.ByTestID(f, "file-instance-id")) > 0 {
					sawInstanceID = true
				}
				imgs := htmltest.ByTestID(f, "overlay")
				if len(imgs) != 1 {
					t.Fatalf("file %d: overlay images = %d", item.FileID, len(imgs))
				}
				checkImage(t, s, htmltest.Attr(imgs[0], "src"), 1600)
				if exports := htmltest.ByTestID(f, "overlay-export"); len(exports) != 1 || !strings.HasSuffix(htmltest.Attr(exports[0], "href"), "/overlay.png?export=1") {
					t.Errorf("file %d: no full-resolution export link", item.FileID)
				}
			}
			if want.Status == cdf.StatusFailed {
				if got := htmltest.Text(doc.One(t, "job-error")); !strings.Contains(got, want.ErrorMessage) {
					t.Errorf("job error = %q, want it to contain %q", got, want.ErrorMessage)
				}
			}
			if len(doc.ByTestID("failed-group")) > 0 {
				sawFailedGroup = true
			}
			refreshes := len(doc.ByTestID("refreshing")) == 1
			if refreshes == want.Status.Terminal() {
				t.Errorf("status %s: refreshing=%v", want.Status, refreshes)
			}
		})
	}
	if !sawHole || !sawFailedGroup || !sawInstanceID {
		t.Errorf("demo data lacks a case: hole=%v failedGroup=%v instanceId=%v", sawHole, sawFailedGroup, sawInstanceID)
	}
	// The readiness check at start-up obtained the token: every page and
	// image since reused it.
	if n := s.sim.TokenRequests() - tokensBefore; n != 0 {
		t.Errorf("the dashboard made %d token requests, want 0 (the token is reused until it expires)", n)
	}
}

// checkImage fetches an overlay and checks its type, by the name's
// extension, and its width.
func checkImage(t *testing.T, s *stack, src string, maxWidth int) {
	t.Helper()
	r := s.get(t, src)
	wantStatus(t, r, http.StatusOK)
	u, err := url.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	wantType, wantFormat := "image/png", "png"
	if strings.HasSuffix(u.Path, ".jpg") {
		wantType, wantFormat = "image/jpeg", "jpeg"
	}
	if ct := r.header.Get("Content-Type"); ct != wantType {
		t.Errorf("%s: content type %q, want %q", src, ct, wantType)
	}
	img, format, err := image.Decode(bytes.NewReader(r.body))
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	if format != wantFormat {
		t.Errorf("%s: body is %s, want %s", src, format, wantFormat)
	}
	if w := img.Bounds().Dx(); w <= 0 || w > maxWidth {
		t.Errorf("%s: width %d, want 1..%d", src, w, maxWidth)
	}
}

func TestRoutes(t *testing.T) {
	s := newStack(t, nil)
	job := s.sim.DemoJobs()[0].ID
	jobURL := fmt.Sprintf("/projects/%s/jobs/%d", testProject, job)

	t.Run("home", func(t *testing.T) {
		r := s.get(t, "/")
		wantStatus(t, r, http.StatusOK)
		doc := htmltest.Parse(t, r.body)
		form := doc.One(t, "open-form")
		if htmltest.Attr(form, "action") != "/open" || htmltest.Attr(form, "method") != "get" {
			t.Errorf("form action/method = %q %q", htmltest.Attr(form, "action"), htmltest.Attr(form, "method"))
		}
		if len(doc.ByTestID("demo-badge")) != 0 {
			t.Errorf("demo badge shown outside demo mode")
		}
	})
	t.Run("recently opened jobs come from the cookie", func(t *testing.T) {
		r := s.get(t, jobURL)
		wantStatus(t, r, http.StatusOK)
		req, _ := http.NewRequest(http.MethodGet, s.srv.URL+"/", nil)
		for _, c := range (&http.Response{Header: r.header}).Cookies() {
			req.AddCookie(c)
		}
		resp, err := s.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		links := htmltest.Parse(t, body).ByTestID("recent-job")
		if len(links) != 1 || htmltest.Attr(htmltest.ByTag(links[0], "a")[0], "href") != jobURL {
			t.Errorf("recent jobs = %d entries", len(links))
		}
	})
	t.Run("short job link redirects", func(t *testing.T) {
		r := s.get(t, fmt.Sprintf("/jobs/%d", job))
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.header.Get("Location"); loc != jobURL {
			t.Errorf("Location = %q, want %q", loc, jobURL)
		}
		r = s.get(t, fmt.Sprintf("/open?job=+%d+", job))
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.header.Get("Location"); loc != jobURL {
			t.Errorf("Location = %q, want %q", loc, jobURL)
		}
		// The form sent without an id says that one is missing.
		for _, path := range []string{"/open?job=", "/open?job=+", "/open"} {
			r = s.get(t, path)
			wantStatus(t, r, http.StatusBadRequest)
			if text := htmltest.Text(htmltest.Parse(t, r.body).One(t, "error")); !strings.Contains(text, "No job id was given") {
				t.Errorf("%s: error %q does not say the job id is missing", path, text)
			}
		}
	})
	t.Run("job status", func(t *testing.T) {
		client := s.cdfClient(t)
		byStatus := map[cdf.JobStatus]int64{}
		for _, dj := range s.sim.DemoJobs() {
			j, err := client.SegmentJob(context.Background(), dj.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := byStatus[j.Status]; !ok {
				byStatus[j.Status] = dj.ID
			}
		}
		for _, tt := range []struct {
			status   cdf.JobStatus
			terminal bool
		}{{cdf.StatusRunning, false}, {cdf.StatusQueued, false}, {cdf.StatusCompleted, true}, {cdf.StatusFailed, true}} {
			id, ok := byStatus[tt.status]
			if !ok {
				t.Fatalf("no %s demo job", tt.status)
			}
			r := s.get(t, fmt.Sprintf("/projects/%s/jobs/%d/status", testProject, id))
			wantStatus(t, r, http.StatusOK)
			if ct, cc := r.header.Get("Content-Type"), r.header.Get("Cache-Control"); !strings.HasPrefix(ct, "application/json") || cc != "no-store" {
				t.Errorf("%s: Content-Type %q, Cache-Control %q", tt.status, ct, cc)
			}
			var got struct {
				Status   string `json:"status"`
				Terminal bool   `json:"terminal"`
			}
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatalf("%s: %v in %q", tt.status, err, r.body)
			}
			if got.Status != string(tt.status) || got.Terminal != tt.terminal {
				t.Errorf("%s job: got %+v, want terminal=%v", tt.status, got, tt.terminal)
			}
		}
		wantStatus(t, s.get(t, fmt.Sprintf("/projects/other/jobs/%d/status", job)), http.StatusNotFound)
		wantStatus(t, s.get(t, fmt.Sprintf("/projects/%s/jobs/0/status", testProject)), http.StatusBadRequest)
		wantStatus(t, s.get(t, fmt.Sprintf("/projects/%s/jobs/99999/status", testProject)), http.StatusNotFound)
	})
	t.Run("healthz", func(t *testing.T) {
		wantStatus(t, s.get(t, "/healthz"), http.StatusOK)
	})
	t.Run("security headers", func(t *testing.T) {
		r := s.get(t, jobURL)
		csp := r.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("CSP = %q", csp)
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Referrer-Policy") != "same-origin" {
			t.Errorf("headers = %v", r.header)
		}
	})
	t.Run("static assets are fingerprinted and cacheable", func(t *testing.T) {
		doc := htmltest.Parse(t, s.get(t, "/").body)
		for _, n := range append(doc.ByTag("link"), doc.ByTag("script")...) {
			src := htmltest.Attr(n, "href") + htmltest.Attr(n, "src")
			r := s.get(t, src)
			wantStatus(t, r, http.StatusOK)
			if !strings.Contains(r.header.Get("Cache-Control"), "immutable") {
				t.Errorf("%s: Cache-Control %q", src, r.header.Get("Cache-Control"))
			}
		}
		wantStatus(t, s.get(t, "/static/app.css"), http.StatusNotFound)
	})
}

func TestBadInputMakesNoUpstreamCall(t *testing.T) {
	s := newStack(t, nil)
	tests := []struct {
		path   string
		status int
		plain  bool
	}{
		{"/projects/acme/jobs/abc", 400, false},
		{"/projects/acme/jobs/0", 400, false},
		{"/projects/acme/jobs/-5", 400, false},
		{"/projects/acme/jobs/9223372036854775808", 400, false},
		{"/jobs/1.5", 400, false},
		{"/open?job=%3Cscript%3E", 400, false},
		{"/projects/other/jobs/1001", 404, false},
		{"/projects/acme/jobs/1001/files/x/overlay.png", 400, true},
		{"/projects/acme/jobs/1001/files/1/overlay.png?width=wide", 400, true},
		{"/projects/acme/jobs/1001/files/1/overlay.png?width=0", 400, true},
		{"/projects/acme/jobs/1001/files/x/overlay.jpg", 400, true},
		{"/projects/acme/jobs/1001/files/1/overlay.jpg?export=yes", 400, true},
		{"/projects/acme/jobs/1001/files/1/layer.png?width=-3", 400, true},
		{"/projects/other/jobs/1001/files/1/layer.png", 404, true},
		{"/no/such/page", 404, false},
		// Ids: signs, spaces, leading zeros past 19 digits, overflow.
		{"/projects/acme/jobs/+1001", 400, false},
		{"/projects/acme/jobs/%201001", 400, false},
		{"/projects/acme/jobs/0x3e9", 400, false},
		{"/projects/acme/jobs/00000000000000001001", 400, false},
		{"/projects/acme/jobs/18446744073709551616", 400, false},
		{"/jobs/-1", 400, false},
		{"/jobs/0", 400, false},
		{"/open?job=9223372036854775808", 400, false},
		{"/open?job=", 400, false},
		{"/projects/acme/jobs/1001/files/0/overlay.png", 400, true},
		{"/projects/acme/jobs/1001/files/-7/overlay.jpg", 400, true},
		{"/projects/acme/jobs/1001/files/9223372036854775808/layer.png", 400, true},
		{"/projects/acme/jobs/0/files/1/overlay.png", 400, true},
		// Query values out of range, not numbers, or not one of the choices.
		{"/projects/acme/jobs/1001/files/1/overlay.png?width=NaN", 400, true},
		{"/projects/acme/jobs/1001/files/1/overlay.png?width=Inf", 400, true},
		{"/projects/acme/jobs/1001/files/1/overlay.png?width=1e9", 400, true},
		{"/projects/acme/jobs/1001/files/1/overlay.png?width=%2B300", 400, true},
		{"/projects/acme/jobs/1001/files/1/overlay.png?width=%20300", 400, true},
		{"/projects/acme/jobs/1001/files/1/overlay.png?width=12.5", 400, true},
		{"/projects/acme/jobs/1001/files/1/overlay.png?width=-0", 400, true},
		{"/projects/acme/jobs/1001/files/1/overlay.png?width=%00", 400, true},
		{"/projects/acme/jobs/1001/files/1/overlay.png?export=maybe", 400, true},
		{"/projects/acme/jobs/1001/files/1/layer.png?export=true", 400, true},
		// Crops: out of range, inverted, too small, malformed, too many
		// digits, and on the SVG, which has no crop.
		{"/projects/acme/jobs/1001/files/1/overlay.png?crop=0,0,1.5,1", 400, true},
		{"/projects/acme/jobs/1001/files/1/overlay.jpg?crop=0.75,0,0.25,1", 400, true},
		{"/projects/acme/jobs/1001/files/1/layer.png?crop=0.5,0.5,0.5005,0.6", 400, true},
		{"/projects/acme/jobs/1001/files/1/overlay.png?crop=0,0,1", 400, true},
		{"/projects/acme/jobs/1001/files/1/overlay.png?crop=NaN,0,1,1", 400, true},
		{"/projects/acme/jobs/1001/files/1/overlay.png?crop=0.1234567,0,1,1", 400, true},
		{"/projects/acme/jobs/1001/files/1/overlay.svg?crop=0,0,0.5,0.5", 400, true},
		{"/projects/acme/jobs/1001?fragment=files", 400, false},
		{"/projects/acme/jobs/1001?fragment=segments-0", 400, false},
		// Encoded path separators and dot segments stay inside their
		// parameter: a bad id or project, never another route.
		{"/projects/acme/jobs/1001%2Ffiles%2F1%2Foverlay.png", 400, false},
		{"/projects/acme/jobs/1001%2F..%2F1002", 400, false},
		{"/projects/acme/jobs/1001%5C1002", 400, false},
		{"/projects/acme/jobs/%2e%2e", 400, false},
		{"/projects/acme/jobs/%2E%2E%2F1001", 400, false},
		{"/projects/acme%2Fjobs%2F1001/jobs/1001", 404, false},
		{"/projects/%2e%2e/jobs/1001", 404, false},
		{"/projects/acme%5C..%5Cother/jobs/1001", 404, false},
		{"/projects/acme/jobs/1001/files/1%2F2/overlay.png", 400, true},
		{"/projects/acme/jobs/1001/files/%2e%2e/overlay.png", 400, true},
		{"/projects/acme/jobs/1001/files/1%5C2/layer.png", 400, true},
		{"/projects/acme/jobs/%2e%2e/files/1/overlay.png", 400, true},
		{"/projects/acme/jobs/1001/files/1/overlay.png%2F..%2F..", 404, false},
		{"/jobs/1001%2F..%2F..%2Fhealthz", 400, false},
		{"/static/..%2Fapp.js", 404, false},
		{"/static/%2e%2e%2fgo.mod", 404, false},
	}
	before := s.sim.APIRequests("/api/v1/")
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := s.get(t, tt.path)
			wantStatus(t, r, tt.status)
			ct := r.header.Get("Content-Type")
			if tt.plain != strings.HasPrefix(ct, "text/plain") {
				t.Errorf("content type %q, plain=%v", ct, tt.plain)
			}
			if !tt.plain {
				doc := htmltest.Parse(t, r.body)
				if got := htmltest.Attr(doc.One(t, "error"), "data-status"); got != strconv.Itoa(tt.status) {
					t.Errorf("error page status = %q", got)
				}
			}
		})
	}
	if after := s.sim.APIRequests("/api/v1/"); after != before {
		t.Errorf("bad input caused %d CDF calls", after-before)
	}
}

func TestLimits(t *testing.T) {
	t.Run("image pixels", func(t *testing.T) {
		s := newStack(t, map[string]string{"SEGVIEW_MAX_IMAGE_PIXELS": "1000"})
		r := s.get(t, firstOverlay(t, s))
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if !strings.Contains(string(r.body), "SEGVIEW_MAX_IMAGE_PIXELS") {
			t.Errorf("body %q does not name the limit", r.body)
		}
	})
	t.Run("image bytes", func(t *testing.T) {
		s := newStack(t, map[string]string{"SEGVIEW_MAX_IMAGE_BYTES": "1000"})
		r := s.get(t, firstOverlay(t, s))
		wantStatus(t, r, http.StatusBadGateway)
		if !strings.Contains(string(r.body), "SEGVIEW_MAX_IMAGE_BYTES") {
			t.Errorf("body %q does not name the limit", r.body)
		}
	})
	t.Run("JSON bytes", func(t *testing.T) {
		s := newStack(t, map[string]string{"SEGVIEW_MAX_JSON_BYTES": "200"})
		r := s.get(t, fmt.Sprintf("/projects/%s/jobs/%d", testProject, s.sim.DemoJobs()[0].ID))
		wantStatus(t, r, http.StatusBadGateway)
		if !strings.Contains(string(r.body), "SEGVIEW_MAX_JSON_BYTES") {
			t.Errorf("body does not name the limit")
		}
	})
	t.Run("vertices", func(t *testing.T) {
		s := newStack(t, map[string]string{"SEGVIEW_MAX_VERTICES": "10"})
		page := fmt.Sprintf("/projects/%s/jobs/%d", testProject, s.sim.DemoJobs()[0].ID)
		r := s.get(t, page)
		wantStatus(t, r, http.StatusOK)
		doc := htmltest.Parse(t, r.body)
		if len(doc.ByTestID("no-overlay")) == 0 {
			t.Errorf("page does not say the overlay is not drawn")
		}
	})
	t.Run("overlay width is capped", func(t *testing.T) {
		s := newStack(t, map[string]string{"SEGVIEW_MAX_OVERLAY_WIDTH": "300"})
		src := firstOverlay(t, s)
		u, _ := url.Parse(src)
		checkImage(t, s, u.Path, 300)
		checkImage(t, s, u.Path+"?width=100", 100)
		png := strings.TrimSuffix(u.Path, "overlay.jpg") + "overlay.png"
		checkImage(t, s, png, 300)
		checkImage(t, s, strings.TrimSuffix(u.Path, "overlay.jpg")+"layer.png", 300)
	})
}

// firstOverlay returns the overlay URL of the first file of the first demo job.
func firstOverlay(t *testing.T, s *stack) string {
	t.Helper()
	r := s.get(t, fmt.Sprintf("/projects/%s/jobs/%d", testProject, s.sim.DemoJobs()[0].ID))
	wantStatus(t, r, http.StatusOK)
	imgs := htmltest.Parse(t, r.body).ByTestID("overlay")
	if len(imgs) == 0 {
		t.Fatal("no overlay on the first demo job")
	}
	return htmltest.Attr(imgs[0], "src")
}

// TestInjection puts markup into every CDF string that reaches a page and
// checks it arrives as text, never as elements or attributes.
func TestInjection(t *testing.T) {
	s := newStack(t, nil)
	const evil = `<script>alert("x")</script><img src=x onerror=alert(1)>"'&`
	s.sim.AddFile(cdfsim.File{ID: 777, ExternalID: "ext" + evil, Name: "name" + evil, MimeType: "image/png", Data: tinyPNG(t)})
	now := time.Now()
	s.sim.AddJob(cdfsim.Job{ID: 4242, Status: "Failed", Created: now, Started: now, StatusAt: now,
		ErrorMessage: "job" + evil,
		Items: []cdfsim.JobItem{{FileID: 777, FileExternalID: "ext" + evil, Segments: []cdfsim.Segment{
			{Score: 0.5, Polygons: [][]cdfsim.Vertex{{{X: 0.1, Y: 0.1}, {X: 0.9, Y: 0.1}, {X: 0.5, Y: 0.9}}}}}}},
		Failed: []cdfsim.FailedBatch{{ErrorMessage: "batch" + evil, Items: []cdfsim.FailedRef{{FileID: 777}}}},
	})
	r := s.get(t, "/projects/acme/jobs/4242")
	wantStatus(t, r, http.StatusOK)
	doc := htmltest.Parse(t, r.body)
	for _, sc := range doc.ByTag("script") {
		if htmltest.Attr(sc, "src") == "" || sc.FirstChild != nil {
			t.Errorf("injected script element: %v", sc)
		}
	}
	for _, n := range htmltest.Find(doc.Root, func(n *html.Node) bool { return htmltest.Attr(n, "onerror") != "" }) {
		t.Errorf("injected event handler on <%s>", n.Data)
	}
	for _, id := range []string{"job-error", "file-external-id"} {
		if got := htmltest.Text(doc.One(t, id)); !strings.Contains(got, evil) {
			t.Errorf("%s = %q, want the markup shown as text", id, got)
		}
	}
	if got := htmltest.Text(doc.One(t, "failed-group")); !strings.Contains(got, "batch"+evil) || !strings.Contains(got, "name"+evil) {
		t.Errorf("failed group = %q", got)
	}
}

func tinyPNG(t *testing.T) []byte {
	t.Helper()
	// A 4×4 PNG written by the standard library's encoder.
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDemoMode(t *testing.T) {
	cfg, err := config.Load(func(string) (string, bool) { return "", false }, nil)
	if err != nil || !cfg.Demo {
		t.Fatalf("empty environment: demo=%v err=%v", cfg.Demo, err)
	}
	logs := &syncBuffer{}
	a, err := New(context.Background(), cfg, slog.New(slog.NewJSONHandler(logs, nil)), "0.0.0-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(a.Config.URL)
	if !config.IsLoopback(u.Hostname()) || a.Config.LoginFlow != config.FlowClientCredentials || !a.Config.ClientSecret.IsSet() {
		t.Errorf("demo config: url=%q flow=%q", a.Config.URL, a.Config.LoginFlow)
	}
	resp, err := httptestclient.Client(t, nil, false).Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	doc := htmltest.Parse(t, body)
	doc.One(t, "demo-badge")
	links := doc.ByTestID("demo-job")
	if len(links) < 7 {
		t.Fatalf("demo jobs listed = %d", len(links))
	}
	// Two projects, so that a new user sees the list; both have demo
	// jobs listed, the default project's first.
	var projects []string
	for _, p := range doc.ByTestID("project") {
		projects = append(projects, htmltest.Attr(p, "data-project"))
	}
	var second int
	for _, l := range links {
		if strings.HasPrefix(htmltest.Attr(htmltest.ByTag(l, "a")[0], "href"), "/projects/"+demoSecondProject+"/") {
			second++
		}
	}
	if !slices.Equal(projects, []string{demoProject, demoSecondProject}) || second != 2 {
		t.Errorf("demo home lists projects %v and %d demo jobs of %s, want [%s %s] and 2", projects, second, demoSecondProject, demoProject, demoSecondProject)
	}
	href := htmltest.Attr(htmltest.ByTag(links[0], "a")[0], "href")
	resp2, err := httptestclient.Client(t, nil, false).Get(srv.URL + href)
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	body2, _ := io.ReadAll(resp2.Body)
	if resp2.StatusCode != http.StatusOK {
		t.Fatalf("demo job page: %d %s", resp2.StatusCode, body2)
	}
	htmltest.Parse(t, body2).One(t, "demo-badge")
	if strings.Contains(logs.String(), a.Config.ClientSecret.Reveal()) {
		t.Errorf("demo secret logged")
	}
}

// TestNewRefusesNonSemVerVersion: every build must send CDF a SemVer
// creatingAppVersion, so the app refuses to start with anything else.
func TestNewRefusesNonSemVerVersion(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"", "dev", "v1.2.3", "1.2"} {
		_, err := New(context.Background(), config.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)), v)
		if err == nil || !strings.Contains(err.Error(), "Semantic Versioning") {
			t.Errorf("New(version %q) = %v, want a SemVer error", v, err)
		}
	}
}

// startSim starts a simulator made with opts on a loopback port for the
// test's lifetime and returns it with its base URL.
func startSim(t *testing.T, opts cdfsim.Options) (*cdfsim.Server, string) {
	t.Helper()
	sim, err := cdfsim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	simURL, err := sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); sim.Close() })
	return sim, simURL
}
