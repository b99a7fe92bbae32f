package metrics_test

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/segview/segview/internal/lru"
	"github.com/segview/segview/internal/metrics"
	"github.com/segview/segview/internal/metrics/metricstest"
)

// TestSeries records one of each kind and reads them back from the
// handler's text exposition.
func TestSeries(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	m.Request("GET", "/projects/:project/jobs/:jobId", 200, 30*time.Millisecond)
	m.CDFCall("GET /context/vision/segment/{id}", 503, time.Millisecond)
	m.CDFCall("GET /context/vision/segment/{id}", 200, time.Millisecond)
	m.CDFCall("download", 0, time.Millisecond)
	m.CDFRetry("GET /context/vision/segment/{id}")
	m.TokenRequest(metrics.TokenFirst, nil)
	m.TokenRequest(metrics.TokenReadiness, errors.New("no"))
	m.PersonTokenRefresh(nil)
	done := m.QueueEnter(metrics.LimiterDecode)
	waiting := m.QueueEnter(metrics.LimiterDecode)
	done("busy")
	m.QueueTurn(metrics.LimiterDraw)
	m.Stage(metrics.StageDecode, 5*time.Millisecond)
	exporting := m.ExportStarted()
	m.ExportStarted()()
	m.Cache("decoded_images", stats{Hits: 3, Misses: 2, Evictions: 1, Bytes: 4096})

	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	fams := metricstest.Scrape(t, srv.Client(), srv.URL)
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"segview_http_request_duration_seconds", map[string]string{"method": "GET", "route": "/projects/:project/jobs/:jobId", "status": "200"}, 1},
		{"segview_cdf_request_duration_seconds", map[string]string{"endpoint": "GET /context/vision/segment/{id}"}, 2},
		{"segview_cdf_request_duration_seconds", map[string]string{"endpoint": "GET /context/vision/segment/{id}", "status": "503"}, 1},
		{"segview_cdf_request_duration_seconds", map[string]string{"endpoint": "download", "status": "error"}, 1},
		{"segview_cdf_retries_total", map[string]string{"endpoint": "GET /context/vision/segment/{id}"}, 1},
		{"segview_cdf_token_requests_total", map[string]string{"reason": "first", "result": "ok"}, 1},
		{"segview_cdf_token_requests_total", map[string]string{"reason": "readiness", "result": "error"}, 1},
		{"segview_auth_token_refreshes_total", map[string]string{"result": "ok"}, 1},
		{"segview_render_queue_depth", map[string]string{"limiter": "decode"}, 1},
		{"segview_render_queue_wait_seconds", map[string]string{"limiter": "decode", "result": "busy"}, 1},
		{"segview_render_queue_wait_seconds", map[string]string{"limiter": "draw", "result": "ok"}, 1},
		{"segview_render_stage_duration_seconds", map[string]string{"stage": "decode"}, 1},
		{"segview_exports_in_flight", nil, 1},
		{"segview_cache_hits_total", map[string]string{"cache": "decoded_images"}, 3},
		{"segview_cache_misses_total", map[string]string{"cache": "decoded_images"}, 2},
		{"segview_cache_evictions_total", map[string]string{"cache": "decoded_images"}, 1},
		{"segview_cache_bytes", map[string]string{"cache": "decoded_images"}, 4096},
	}
	for _, tt := range tests {
		if got, ok := fams.Value(tt.name, tt.labels); !ok || got != tt.want {
			t.Errorf("%s%v = %v (found %t), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	if _, ok := fams.Value("go_goroutines", nil); !ok {
		t.Error("go_goroutines missing: the Go runtime's series are not registered")
	}
	waiting("ok")
	exporting()
}

// TestNil: a nil *Metrics records nothing and does not panic.
func TestNil(t *testing.T) {
	t.Parallel()
	var m *metrics.Metrics
	m.Request("GET", "/", 200, time.Second)
	m.CDFCall("x", 200, time.Second)
	m.CDFRetry("x")
	m.TokenRequest(metrics.TokenFirst, nil)
	m.PersonTokenRefresh(nil)
	m.QueueEnter(metrics.LimiterDecode)("ok")
	m.QueueTurn(metrics.LimiterDraw)
	m.Stage(metrics.StageDraw, time.Second)
	m.ExportStarted()()
	m.ExportQueued()()
	m.Cache("x", stats{})
}

type stats lru.Stats

func (s stats) Stats() lru.Stats { return lru.Stats(s) }

// BenchmarkRequest is the cost the request middleware adds per request.
func BenchmarkRequest(b *testing.B) {
	m := metrics.New()
	for b.Loop() {
		m.Request("GET", "/projects/:project/jobs/:jobId/files/:fileId/overlay.jpg", 200, 3*time.Millisecond)
	}
}

// BenchmarkScrape is the cost of one /metrics answer.
func BenchmarkScrape(b *testing.B) {
	m := metrics.New()
	m.Request("GET", "/", 200, time.Millisecond)
	h := m.Handler()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	}
}
