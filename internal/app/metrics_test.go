package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/metrics/metricstest"
)

// TestMetrics makes real requests against the simulator (a page, an
// overlay cold and warm, an export, a CDF call that is retried once) and
// reads /metrics as Prometheus would: every series the operations docs
// promise is there, with route and endpoint patterns, never ids.
func TestMetrics(t *testing.T) {
	t.Parallel()
	s := oneConnection(t, newStack(t, nil))
	job := s.sim.DemoJobs()[0].ID
	// The first read of the job fails once with a 503 and is retried.
	s.sim.InjectFault(cdfsim.Fault{Match: "/context/vision/segment/", Status: http.StatusServiceUnavailable, Times: 1})
	src := firstOverlay(t, s)
	u, err := url.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // cold, then from the output cache
		wantStatus(t, s.get(t, u.Path), http.StatusOK)
	}
	wantStatus(t, s.get(t, fmt.Sprintf("/projects/%s/jobs/%d/export/coco.json", testProject, job)), http.StatusOK)
	wantStatus(t, s.get(t, "/projects/"+testProject+"/jobs/999999999"), http.StatusNotFound)

	fams := metricstest.Scrape(t, s.client, s.srv.URL+"/metrics")
	jobRoute := "/projects/:project/jobs/:jobId"
	tests := []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{"segview_http_request_duration_seconds", map[string]string{"method": "GET", "route": jobRoute, "status": "200"}, 1},
		{"segview_http_request_duration_seconds", map[string]string{"method": "GET", "route": jobRoute, "status": "404"}, 1},
		{"segview_http_request_duration_seconds", map[string]string{"route": jobRoute + "/files/:fileId/overlay.jpg", "status": "200"}, 2},
		{"segview_http_request_duration_seconds", map[string]string{"route": jobRoute + "/export/coco.json", "status": "200"}, 1},
		{"segview_cdf_request_duration_seconds", map[string]string{"endpoint": "GET /context/vision/segment/{id}", "status": "503"}, 1},
		{"segview_cdf_request_duration_seconds", map[string]string{"endpoint": "GET /context/vision/segment/{id}", "status": "200"}, 1},
		{"segview_cdf_request_duration_seconds", map[string]string{"endpoint": "POST /files/byids", "status": "200"}, 1},
		{"segview_cdf_request_duration_seconds", map[string]string{"endpoint": "POST /files/downloadlink", "status": "200"}, 1},
		{"segview_cdf_request_duration_seconds", map[string]string{"endpoint": "GET download", "status": "200"}, 1},
		{"segview_cdf_retries_total", map[string]string{"endpoint": "GET /context/vision/segment/{id}"}, 1},
		{"segview_cdf_token_requests_total", map[string]string{"reason": "readiness", "result": "ok"}, 1},
		{"segview_cache_misses_total", map[string]string{"cache": "decoded_images"}, 1},
		{"segview_cache_bytes", map[string]string{"cache": "decoded_images"}, 1},
		{"segview_cache_hits_total", map[string]string{"cache": "encoded_outputs"}, 1},
		{"segview_cache_hits_total", map[string]string{"cache": "finished_jobs"}, 1},
		{"segview_cache_evictions_total", map[string]string{"cache": "page_files"}, 0},
		{"segview_render_queue_wait_seconds", map[string]string{"limiter": "decode", "result": "ok"}, 1},
		{"segview_render_queue_wait_seconds", map[string]string{"limiter": "draw", "result": "ok"}, 1},
		{"segview_render_queue_depth", map[string]string{"limiter": "decode"}, 0},
		{"segview_render_stage_duration_seconds", map[string]string{"stage": "download"}, 1},
		{"segview_render_stage_duration_seconds", map[string]string{"stage": "decode"}, 1},
		{"segview_render_stage_duration_seconds", map[string]string{"stage": "draw"}, 1},
		{"segview_render_stage_duration_seconds", map[string]string{"stage": "encode"}, 1},
		{"segview_exports_in_flight", nil, 0},
		{"segview_exports_queued", nil, 0},
		{"process_resident_memory_bytes", nil, 1},
	}
	for _, tt := range tests {
		got, ok := fams.Value(tt.name, tt.labels)
		if !ok || got < tt.min {
			t.Errorf("%s%v = %v (found %t), want at least %v", tt.name, tt.labels, got, ok, tt.min)
		}
	}
	if v, _ := fams.Value("segview_exports_in_flight", nil); v != 0 {
		t.Errorf("segview_exports_in_flight = %v after every export was written, want 0", v)
	}
	// Routes and endpoints are patterns: no job id, file id or path.
	id := strconv.FormatInt(job, 10)
	for _, v := range append(fams.LabelValues("segview_http_request_duration_seconds", "route"),
		fams.LabelValues("segview_cdf_request_duration_seconds", "endpoint")...) {
		if strings.Contains(v, id) || strings.Contains(v, "999999999") || strings.Contains(v, "?") {
			t.Errorf("label value %q carries an id or a query", v)
		}
	}
}

// oneConnection makes s send every request over one connection, one at a
// time. A request is recorded after its answer is sent, but the server
// reads the next request on a connection only once the last one's handler
// has returned: so a scrape sent after a request on the same connection
// sees it, whatever the machine's speed.
func oneConnection(t *testing.T, s *stack) *stack {
	t.Helper()
	one := *s
	tr := &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1}
	t.Cleanup(tr.CloseIdleConnections)
	one.client = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &one
}

// TestMetricsAddr: with SEGVIEW_METRICS_ADDR, /metrics is served on its
// own listener and not on the dashboard's.
func TestMetricsAddr(t *testing.T) {
	t.Parallel()
	s := oneConnection(t, newStack(t, map[string]string{"SEGVIEW_METRICS_ADDR": "127.0.0.1:0"}))
	wantStatus(t, s.get(t, "/metrics"), http.StatusNotFound)

	main, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	side, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.app.ServeListeners(ctx, main, side, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeListeners: %v", err)
		}
	}()
	base := "http://" + main.Addr().String()
	resp, err := s.client.Get(base + "/projects/" + testProject + "/jobs/" + strconv.FormatInt(s.sim.DemoJobs()[0].ID, 10))
	if err != nil {
		t.Fatal(err)
	}
	// Read to the end, so that the next request reuses the connection
	// and is read only once the job page's handler (and its recording)
	// has returned (oneConnection); a body closed unread closes the
	// connection, and the scrape below could then overtake the record.
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	resp, err = s.client.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics on the dashboard's listener = %d, want 404", resp.StatusCode)
	}
	fams := metricstest.Scrape(t, s.client, "http://"+side.Addr().String()+"/metrics")
	if v, ok := fams.Value("segview_http_request_duration_seconds", map[string]string{"route": "/projects/:project/jobs/:jobId", "status": "200"}); !ok || v < 1 {
		t.Errorf("the metrics listener does not count the job page: %v (found %t)", v, ok)
	}
}
