// Package metrics owns segview's Prometheus registry and the series it
// exports on /metrics: requests by route pattern, CDF calls by endpoint
// pattern, token requests, caches, the render limiters and stages, and
// exports. Labels are patterns and outcomes, never ids or raw paths, so
// the number of series stays bounded.
//
// A *Metrics is made once by the wiring and handed to the packages that
// record; every method is safe on a nil *Metrics, which records nothing,
// so packages and tests that do not care need not make one.
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/segview/segview/internal/lru"
)

const namespace = "segview"

// Limiters and stages of a render, the values of the limiter and stage
// labels.
const (
	LimiterDecode = "decode" // the turns to download and decode a source image
	LimiterDraw   = "draw"   // the turns to draw and encode an output

	StageDownload = "download"
	StageDecode   = "decode"
	StageDraw     = "draw"
	StageEncode   = "encode"
)

// Reasons for a token request, the values of the reason label.
const (
	TokenFirst     = "first"     // no token yet
	TokenExpiring  = "expiring"  // the token was due for renewal
	TokenRejected  = "rejected"  // CDF answered 401 to the token
	TokenReadiness = "readiness" // the readiness check asked the identity provider
)

// Cache is what a cache reports at each scrape (*lru.Cache is one).
type Cache interface {
	Stats() lru.Stats
}

// Metrics records segview's series in a registry of its own.
type Metrics struct {
	reg *prometheus.Registry

	requests     *prometheus.HistogramVec
	cdfCalls     *prometheus.HistogramVec
	cdfRetries   *prometheus.CounterVec
	tokens       *prometheus.CounterVec
	personTokens *prometheus.CounterVec
	queueDepth   *prometheus.GaugeVec
	queueWait    *prometheus.HistogramVec
	stages       *prometheus.HistogramVec
	exports      prometheus.Gauge
	exportsQueue prometheus.Gauge
	caches       *cacheCollector
}

// New returns a registry with segview's series and the Go runtime's and
// the process's.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time to answer a request, by method, route pattern and status.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route", "status"}),
		cdfCalls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "cdf", Name: "request_duration_seconds",
			Help:    "Time of each try of a CDF call (and of each image download), by endpoint pattern and status (\"error\": no response).",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"endpoint", "status"}),
		cdfRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "cdf", Name: "retries_total",
			Help: "Tries of CDF calls after the first, by endpoint pattern.",
		}, []string{"endpoint"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "cdf", Name: "token_requests_total",
			Help: "Requests for the service principal's CDF token to the identity provider, by reason (first, expiring, rejected: refreshed after a 401, readiness) and result.",
		}, []string{"reason", "result"}),
		personTokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "auth", Name: "token_refreshes_total",
			Help: "Refresh-token grants redeemed for signed-in people's tokens (SEGVIEW_AUTH=oidc), by result.",
		}, []string{"result"}),
		queueDepth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: "render", Name: "queue_depth",
			Help: "Renders waiting for a turn, by limiter (decode, draw).",
		}, []string{"limiter"}),
		queueWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "render", Name: "queue_wait_seconds",
			Help:    "Time a render waited for a turn, by limiter and result (ok, busy: answered 503, cancelled).",
			Buckets: []float64{.001, .005, .025, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"limiter", "result"}),
		stages: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "render", Name: "stage_duration_seconds",
			Help:    "Time of a render's stages: download, decode, draw, encode.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"stage"}),
		exports: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: "exports", Name: "in_flight",
			Help: "Exports being built (COCO, GeoJSON, the job's JSON, hits.json, overlay.svg).",
		}),
		exportsQueue: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: "exports", Name: "queued",
			Help: "Exports waiting for a turn (SEGVIEW_EXPORT_QUEUE).",
		}),
		caches: newCacheCollector(),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.cdfCalls, m.cdfRetries, m.tokens, m.personTokens, m.queueDepth, m.queueWait, m.stages,
		m.exports, m.exportsQueue, m.caches,
	)
	// The queues are there from the start, empty, so a dashboard shows
	// 0 rather than no data.
	for _, l := range []string{LimiterDecode, LimiterDraw} {
		m.queueDepth.WithLabelValues(l)
	}
	return m
}

// Handler serves the registry in Prometheus' text format (or OpenMetrics
// when asked for it).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, EnableOpenMetrics: true})
}

// Gatherer is the registry, for tests that read it directly.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// Request records an answered request. route is the route pattern
// (echo's c.Path()), never the raw path.
func (m *Metrics) Request(method, route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Observe(d.Seconds())
}

// CDFCall records one try of a CDF call to endpoint (a pattern such as
// "GET /context/vision/segment/{id}"): its HTTP status, or 0 when no
// response came, and its duration.
func (m *Metrics) CDFCall(endpoint string, status int, d time.Duration) {
	if m == nil {
		return
	}
	s := "error"
	if status > 0 {
		s = strconv.Itoa(status)
	}
	m.cdfCalls.WithLabelValues(endpoint, s).Observe(d.Seconds())
}

// CDFRetry records a try of a call after its first.
func (m *Metrics) CDFRetry(endpoint string) {
	if m == nil {
		return
	}
	m.cdfRetries.WithLabelValues(endpoint).Inc()
}

// TokenRequest records a request for the service principal's token, for
// reason (TokenFirst, TokenExpiring, TokenRejected, TokenReadiness).
func (m *Metrics) TokenRequest(reason string, err error) {
	if m == nil {
		return
	}
	m.tokens.WithLabelValues(reason, result(err)).Inc()
}

// PersonTokenRefresh records a signed-in person's token refreshed with
// their refresh token (or the failure to).
func (m *Metrics) PersonTokenRefresh(err error) {
	if m == nil {
		return
	}
	m.personTokens.WithLabelValues(result(err)).Inc()
}

func result(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}

// QueueEnter records that a render starts waiting for a turn of limiter;
// the returned func records the end of the wait with its result ("ok",
// "busy", "cancelled").
func (m *Metrics) QueueEnter(limiter string) (done func(result string)) {
	if m == nil {
		return func(string) {}
	}
	start := time.Now()
	depth := m.queueDepth.WithLabelValues(limiter)
	depth.Inc()
	return func(result string) {
		depth.Dec()
		m.queueWait.WithLabelValues(limiter, result).Observe(time.Since(start).Seconds())
	}
}

// QueueTurn records a turn of limiter taken without waiting.
func (m *Metrics) QueueTurn(limiter string) {
	if m == nil {
		return
	}
	m.queueWait.WithLabelValues(limiter, "ok").Observe(0)
}

// Stage records how long a stage of a render took.
func (m *Metrics) Stage(stage string, d time.Duration) {
	if m == nil {
		return
	}
	m.stages.WithLabelValues(stage).Observe(d.Seconds())
}

// ExportStarted records an export that got a turn; call the returned func
// once it is written.
func (m *Metrics) ExportStarted() (done func()) {
	if m == nil {
		return func() {}
	}
	m.exports.Inc()
	return m.exports.Dec
}

// ExportQueued records an export waiting for a turn; call the returned
// func when it stops waiting.
func (m *Metrics) ExportQueued() (done func()) {
	if m == nil {
		return func() {}
	}
	m.exportsQueue.Inc()
	return m.exportsQueue.Dec
}

// Cache makes the cache named name (e.g. "decoded_images") report its
// counts at each scrape.
func (m *Metrics) Cache(name string, c Cache) {
	if m == nil {
		return
	}
	m.caches.add(name, c)
}

// cacheCollector reads each cache's counts at scrape time, so that the
// caches themselves keep plain counters and know nothing of Prometheus.
type cacheCollector struct {
	hits, misses, evictions, bytes *prometheus.Desc

	mu     sync.Mutex
	caches []namedCache
}

type namedCache struct {
	name  string
	cache Cache
}

func newCacheCollector() *cacheCollector {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(namespace, "cache", name), help, []string{"cache"}, nil)
	}
	return &cacheCollector{
		hits:      desc("hits_total", "Lookups that found a value, by cache."),
		misses:    desc("misses_total", "Lookups that found nothing, by cache."),
		evictions: desc("evictions_total", "Values dropped to make room for others, by cache."),
		bytes:     desc("bytes", "The size of the values held, by cache (bytes; entries for the image sizes cache)."),
	}
}

func (c *cacheCollector) add(name string, cache Cache) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.caches = append(c.caches, namedCache{name, cache})
}

// Describe implements prometheus.Collector.
func (c *cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.hits
	ch <- c.misses
	ch <- c.evictions
	ch <- c.bytes
}

// Collect implements prometheus.Collector.
func (c *cacheCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	caches := append([]namedCache(nil), c.caches...)
	c.mu.Unlock()
	for _, nc := range caches {
		s := nc.cache.Stats()
		ch <- prometheus.MustNewConstMetric(c.hits, prometheus.CounterValue, float64(s.Hits), nc.name)
		ch <- prometheus.MustNewConstMetric(c.misses, prometheus.CounterValue, float64(s.Misses), nc.name)
		ch <- prometheus.MustNewConstMetric(c.evictions, prometheus.CounterValue, float64(s.Evictions), nc.name)
		ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.GaugeValue, float64(s.Bytes), nc.name)
	}
}

// PeerLoads are a shared group's loads (package peers): values this
// replica got from their owner, values it computed itself, and failed
// requests to owners (after which it computes the value itself).
type PeerLoads struct {
	FromPeers, Computed, PeerErrors int64
}

// PeerGroup records a group shared among replicas: its loads, read at
// each scrape from stats. Its cache's hits, misses and bytes are recorded
// with Cache.
func (m *Metrics) PeerGroup(name string, stats func() PeerLoads) {
	if m == nil {
		return
	}
	m.reg.MustRegister(&peerCollector{name: name, stats: stats,
		loads: prometheus.NewDesc(prometheus.BuildFQName(namespace, "peers", "loads_total"),
			"Values of a group shared among replicas that this replica loaded on a miss of its caches, by group and from (peer: from the key's owner; here: computed here, as the owner or after a peer failed).",
			[]string{"from"}, prometheus.Labels{"group": name}),
		errors: prometheus.NewDesc(prometheus.BuildFQName(namespace, "peers", "errors_total"),
			"Requests to a key's owner that failed, by group; the value was then computed here.",
			nil, prometheus.Labels{"group": name}),
	})
}

type peerCollector struct {
	name          string
	stats         func() PeerLoads
	loads, errors *prometheus.Desc
}

func (c *peerCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.loads; ch <- c.errors }

func (c *peerCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(c.loads, prometheus.CounterValue, float64(s.FromPeers), "peer")
	ch <- prometheus.MustNewConstMetric(c.loads, prometheus.CounterValue, float64(s.Computed), "here")
	ch <- prometheus.MustNewConstMetric(c.errors, prometheus.CounterValue, float64(s.PeerErrors))
}
