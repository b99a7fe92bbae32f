package app

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/htmltest"
	"github.com/segview/segview/internal/imagetest"
)

// faultEnv is the dashboard against a simulator whose faults the test
// drives: fast retries (newStack), no image cache (every overlay downloads
// its image, so storage faults always apply) and access tokens so
// short-lived that every CDF call asks the token endpoint. Its requests'
// deadlines pass when the test says (deadlines), not on a clock.
type faultEnv struct {
	*stack
	page, image string // a finished demo job's page and an overlay of its first file
	deadlines   *deadlines
}

// newFaultEnv starts a faultEnv; timeout 0 keeps the default request
// timeout.
func newFaultEnv(t *testing.T, timeout time.Duration) *faultEnv {
	t.Helper()
	env := map[string]string{
		"SEGVIEW_IMAGE_CACHE_BYTES": "1",
		// Nor drawn overlays: each request draws, so each meets the fault.
		"SEGVIEW_OUTPUT_CACHE_BYTES": "1",
		"SEGVIEW_MAX_JSON_BYTES":     "1048576",
	}
	if timeout > 0 {
		env["SEGVIEW_REQUEST_TIMEOUT"] = timeout.String()
	}
	s := newStackWith(t, env, func(o *cdfsim.Options) {
		// oauth2 renews a token 10 s before it expires: 5 s tokens are
		// renewed on every call.
		o.TokenTTL = 5 * time.Second
	})
	// The same dashboard behind a server that can end requests' deadlines.
	dl := &deadlines{}
	srv := httptest.NewServer(dl.wrap(s.app.Handler))
	t.Cleanup(srv.Close)
	s.srv = srv
	job := s.sim.DemoJobs()[0].ID
	j, err := s.cdfClient(t).SegmentJob(t.Context(), job)
	if err != nil || len(j.Items) == 0 {
		t.Fatalf("demo job %d: %v", job, err)
	}
	image := fmt.Sprintf("/projects/%s/jobs/%d/files/%d/overlay.png?width=200", testProject, job, j.Items[0].FileID)
	// The page is a running job's: a finished job's page comes from the
	// cache of finished jobs, so only an unfinished one reads CDF on every
	// view and shows each fault.
	for _, dj := range s.sim.DemoJobs() {
		rj, err := s.cdfClient(t).SegmentJob(t.Context(), dj.ID)
		if err == nil && rj.Status == cdf.StatusRunning {
			return &faultEnv{stack: s, page: fmt.Sprintf("/projects/%s/jobs/%d", testProject, dj.ID), image: image, deadlines: dl}
		}
	}
	t.Fatal("no running demo job")
	return nil
}

// goroutines returns the stacks of the running goroutines by id, without
// those of idle keep-alive connections (client and server side): a
// connection pool that grew is no leak.
func (e *faultEnv) goroutines() map[string]string {
	e.client.CloseIdleConnections()
	buf := make([]byte, 8<<20)
	buf = buf[:runtime.Stack(buf, true)]
	out := map[string]string{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		id, _, _ := strings.Cut(strings.TrimPrefix(header, "goroutine "), " ")
		if id == "" || idleConnection(g) {
			continue
		}
		out[id] = g
	}
	return out
}

// idleConnection reports whether a goroutine belongs to a connection that
// is not serving a request: a client connection's read and write loops, or
// a server connection outside any handler.
func idleConnection(stack string) bool {
	return strings.Contains(stack, "net/http.(*persistConn).readLoop") ||
		strings.Contains(stack, "net/http.(*persistConn).writeLoop") ||
		strings.Contains(stack, "net/http.(*conn).serve") && !strings.Contains(stack, "ServeHTTP")
}

// deadlines gives the requests that arrive while it is armed a deadline
// that passes when the test says: their context ends with
// context.DeadlineExceeded, as when SEGVIEW_REQUEST_TIMEOUT passes, at a
// moment the test chooses whatever the machine's speed.
type deadlines struct {
	mu   sync.Mutex
	next chan struct{} // nil: no deadline
}

// arm gives the requests that arrive from now until disarm a deadline
// that passes when pass is called.
func (d *deadlines) arm() (pass func()) {
	done := make(chan struct{})
	d.mu.Lock()
	d.next = done
	d.mu.Unlock()
	return sync.OnceFunc(func() { close(done) })
}

func (d *deadlines) disarm() {
	d.mu.Lock()
	d.next = nil
	d.mu.Unlock()
}

func (d *deadlines) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		done := d.next
		d.mu.Unlock()
		if done != nil {
			r = r.WithContext(expiring{Context: context.WithoutCancel(r.Context()), done: done})
		}
		h.ServeHTTP(w, r)
	})
}

// expiring is a request context whose deadline passes when done closes.
// It keeps the request's values; WithoutCancel also makes context.Cause
// report Err, as for a deadline.
type expiring struct {
	context.Context
	done chan struct{}
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

// noLeak waits for every goroutine started since before to end, and fails
// with their stacks if some are still there after a minute (a hang guard:
// they end within milliseconds).
func (e *faultEnv) noLeak(t *testing.T, before map[string]string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var left []string
		for id, stack := range e.goroutines() {
			if _, ok := before[id]; !ok {
				left = append(left, stack)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left behind:\n\n%s", len(left), strings.Join(left, "\n\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// healthy checks that the page and the overlay answer 200.
func (e *faultEnv) healthy(t *testing.T) {
	t.Helper()
	wantStatus(t, e.get(t, e.page), http.StatusOK)
	r := e.get(t, e.image)
	wantStatus(t, r, http.StatusOK)
	if _, err := png.Decode(bytes.NewReader(r.body)); err != nil {
		t.Fatalf("overlay is not a PNG: %v", err)
	}
}

// answer is what segview should answer a request during a fault.
type answer struct {
	status    int
	mention   string // in the error page or text; "" for a 200
	requestID bool   // CDF's x-request-id shown (the fault answered)
}

// TestUpstreamFaults drives every fault the simulator has through the whole
// router: each gives the right status and a readable message (with CDF's
// request id when CDF answered), no panic and no goroutine left behind,
// and the next requests succeed once the fault is removed.
func TestUpstreamFaults(t *testing.T) {
	e := newFaultEnv(t, 0)
	e.healthy(t) // warms the connection pools the goroutine count includes

	ok := answer{status: http.StatusOK}
	// Match "" faults every CDF API call (not the token endpoint, not
	// downloads): the page's and the overlay's, whatever the caches hold.
	tests := []struct {
		name        string
		fault       cdfsim.Fault
		page, image answer
		retryAfter  bool // a 503 that says when to come back
	}{
		{name: "401", fault: cdfsim.Fault{Status: 401},
			page:  answer{502, "Authentication to CDF failed", true},
			image: answer{502, "Authentication to CDF failed", true}},
		{name: "403", fault: cdfsim.Fault{Status: 403},
			page:  answer{403, "filesAcl:READ", true},
			image: answer{403, "filesAcl:READ", true}},
		{name: "429 with Retry-After", fault: cdfsim.Fault{Status: 429, RetryAfter: "1"},
			page:  answer{503, "throttling", true},
			image: answer{503, "throttling", true}, retryAfter: true},
		{name: "429 without Retry-After", fault: cdfsim.Fault{Status: 429},
			page:  answer{503, "throttling", true},
			image: answer{503, "throttling", true}, retryAfter: true},
		{name: "500", fault: cdfsim.Fault{Status: 500},
			page:  answer{502, "HTTP 500", true},
			image: answer{502, "HTTP 500", true}},
		{name: "502 after retries", fault: cdfsim.Fault{Status: 502},
			page:  answer{502, "HTTP 502", true},
			image: answer{502, "HTTP 502", true}},
		{name: "503 after retries", fault: cdfsim.Fault{Status: 503},
			page:  answer{503, "unavailable", true},
			image: answer{503, "unavailable", true}, retryAfter: true},
		{name: "504 after retries", fault: cdfsim.Fault{Status: 504},
			page:  answer{502, "HTTP 504", true},
			image: answer{502, "HTTP 504", true}},
		{name: "transient 503 is retried away", fault: cdfsim.Fault{Status: 503, Times: 2}, page: ok, image: ok},
		{name: "connection reset", fault: cdfsim.Fault{Reset: true},
			page:  answer{502, "connection to CDF", false},
			image: answer{502, "connection to CDF", false}},
		{name: "truncated JSON", fault: cdfsim.Fault{Malformed: true},
			page:  answer{502, "could not read", true},
			image: answer{502, "could not read", true}},
		{name: "HTML instead of JSON", fault: cdfsim.Fault{ContentType: "text/html; charset=utf-8"},
			page:  answer{502, "text/html instead of JSON", true},
			image: answer{502, "text/html instead of JSON", true}},
		{name: "token endpoint down", fault: cdfsim.Fault{Match: "/oauth2/token", Status: 503},
			page:  answer{502, "access token", false},
			image: answer{502, "access token", false}},
		{name: "token endpoint resets", fault: cdfsim.Fault{Match: "/oauth2/token", Reset: true},
			page:  answer{502, "access token", false},
			image: answer{502, "access token", false}},
		{name: "download link expired once", fault: cdfsim.Fault{Match: "/download/", Status: 403, Times: 1},
			page: ok, image: ok},
		{name: "download link always refused", fault: cdfsim.Fault{Match: "/download/", Status: 403},
			page: ok, image: answer{502, "HTTP 403", true}},
		{name: "download fails", fault: cdfsim.Fault{Match: "/download/", Status: 500},
			page: ok, image: answer{502, "HTTP 500", true}},
		{name: "download resets", fault: cdfsim.Fault{Match: "/download/", Reset: true},
			page: ok, image: answer{502, "connection to CDF", false}},
		{name: "HTML where the image was expected", fault: cdfsim.Fault{Match: "/download/", ContentType: "text/html"},
			page: ok, image: answer{502, "web page", false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.goroutines()
			links := e.sim.APIRequests("/files/downloadlink")
			remove := e.sim.InjectFault(tt.fault)
			e.check(t, e.page, false, tt.page, tt.retryAfter)
			e.check(t, e.image, true, tt.image, tt.retryAfter)
			remove()
			if tt.name == "download link expired once" {
				if n := e.sim.APIRequests("/files/downloadlink") - links; n != 2 {
					t.Errorf("download links fetched = %d, want 2 (the expired one and one more)", n)
				}
			}
			e.healthy(t)
			e.noLeak(t, before)
		})
	}
	t.Run("answer over the JSON limit", func(t *testing.T) { e.responseOverTheLimit(t) })
	t.Run("image header bomb", func(t *testing.T) { e.imageHeaderBomb(t) })
	t.Run("damaged image", func(t *testing.T) { e.damagedImage(t) })
	e.noPanic(t)
}

// A request whose deadline passes while CDF, the IdP or storage has not
// answered ends in a 504 that says so, and nothing keeps waiting for the
// slow answer once it came. Each path is tried once: the page for the CDF
// API and the token endpoint, the overlay for the download. The answer is
// held at the simulator and the deadline passed by the test, so neither
// depends on the machine's speed.
func TestUpstreamDeadlines(t *testing.T) {
	e := newFaultEnv(t, 0)
	e.healthy(t)
	tests := []struct {
		name  string
		match string
		path  func() string
		plain bool
	}{
		{"CDF API", "", func() string { return e.page }, false},
		{"token endpoint", "/oauth2/token", func() string { return e.page }, false},
		{"download", "/download/", func() string { return e.image }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.goroutines()
			hold, held := make(chan struct{}), make(chan string)
			release := sync.OnceFunc(func() { close(hold) })
			defer release()
			remove := e.sim.InjectFault(cdfsim.Fault{Match: tt.match, Hold: hold, Held: held})
			defer remove()
			pass := e.deadlines.arm()
			answered := make(chan response, 1)
			go func() { answered <- e.get(t, tt.path()) }()
			<-held
			e.deadlines.disarm()
			pass()
			e.checkAnswer(t, tt.path(), <-answered, tt.plain, answer{status: http.StatusGatewayTimeout, mention: "SEGVIEW_REQUEST_TIMEOUT"}, false)
			remove()
			// The slow answer comes. A token request outlives the page that
			// started it until then, so that the next page finds the token.
			release()
			e.noLeak(t, before)
			e.healthy(t)
			e.noLeak(t, before)
		})
	}
	e.noPanic(t)
}

// SEGVIEW_REQUEST_TIMEOUT sets the deadline: with the token endpoint held,
// the page answers 504 once the setting's time has passed.
func TestRequestTimeoutSetting(t *testing.T) {
	const timeout = 100 * time.Millisecond
	e := newFaultEnv(t, timeout)
	before := e.goroutines()
	hold := make(chan struct{})
	release := sync.OnceFunc(func() { close(hold) })
	defer release()
	remove := e.sim.InjectFault(cdfsim.Fault{Match: "/oauth2/token", Hold: hold})
	defer remove()
	start := time.Now()
	e.check(t, e.page, false, answer{status: http.StatusGatewayTimeout, mention: "SEGVIEW_REQUEST_TIMEOUT"}, false)
	if d := time.Since(start); d < timeout {
		t.Errorf("504 after %v, before SEGVIEW_REQUEST_TIMEOUT (%v)", d, timeout)
	}
	remove()
	release()
	e.noLeak(t, before)
	e.noPanic(t)
}

// noPanic fails if any handler panicked.
func (e *faultEnv) noPanic(t *testing.T) {
	t.Helper()
	if strings.Contains(e.logs.String(), `"msg":"panic"`) {
		t.Error("a fault made a handler panic")
	}
}

// check requests path and compares the answer with want: for pages the
// error page's text and request id, for images the plain-text error.
func (e *faultEnv) check(t *testing.T, path string, plain bool, want answer, retryAfter bool) {
	t.Helper()
	e.checkAnswer(t, path, e.get(t, path), plain, want, retryAfter)
}

// checkAnswer is check of an answer r to path already received.
func (e *faultEnv) checkAnswer(t *testing.T, path string, r response, plain bool, want answer, retryAfter bool) {
	t.Helper()
	wantStatus(t, r, want.status)
	if want.status == http.StatusOK {
		return
	}
	var text, requestID string
	if plain {
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("%s: error content type %q, want plain text", path, ct)
		}
		text = string(r.body)
		if _, id, found := strings.Cut(text, "CDF request id: "); found {
			requestID = strings.TrimSpace(id)
		}
	} else {
		doc := htmltest.Parse(t, r.body)
		text = htmltest.Text(doc.One(t, "error"))
		if ids := doc.ByTestID("request-id"); len(ids) == 1 {
			requestID = htmltest.Text(ids[0])
		}
	}
	if !strings.Contains(text, want.mention) {
		t.Errorf("%s: error %q does not mention %q", path, text, want.mention)
	}
	if want.requestID && requestID == "" {
		t.Errorf("%s: error %q shows no CDF request id", path, text)
	}
	if requestID != "" && !strings.Contains(e.logs.String(), `"cdf_request_id":"`+requestID+`"`) {
		t.Errorf("%s: the request log does not carry CDF request id %q", path, requestID)
	}
	if got := r.header.Get("Retry-After"); retryAfter != (got != "") {
		t.Errorf("%s: Retry-After = %q, want one: %v", path, got, retryAfter)
	}
}

// responseOverTheLimit: a CDF answer larger than SEGVIEW_MAX_JSON_BYTES
// fails that page alone.
func (e *faultEnv) responseOverTheLimit(t *testing.T) {
	before := e.goroutines()
	now := time.Now()
	e.sim.AddFile(cdfsim.File{ID: 9101, Name: "small.png", Data: tinyPNG(t)})
	e.sim.AddJob(cdfsim.Job{ID: 9100, Status: "Failed", Created: now, Started: now, StatusAt: now,
		ErrorMessage: strings.Repeat("a long error message ", 60000), // 1.2 MB
		Items:        []cdfsim.JobItem{{FileID: 9101}}})
	page := fmt.Sprintf("/projects/%s/jobs/9100", testProject)
	e.check(t, page, false, answer{status: 502, mention: "SEGVIEW_MAX_JSON_BYTES"}, false)
	e.check(t, page+"/files/9101/overlay.png", true, answer{status: 502, mention: "SEGVIEW_MAX_JSON_BYTES"}, false)
	e.healthy(t)
	e.noLeak(t, before)
}

// imageHeaderBomb: a file whose PNG header claims 30000×30000 pixels is
// refused from the header, 422 for its overlays, without allocating its
// pixels, while its job page still shows.
func (e *faultEnv) imageHeaderBomb(t *testing.T) {
	before := e.goroutines()
	now := time.Now()
	e.sim.AddFile(cdfsim.File{ID: 9201, Name: "bomb.png", MimeType: "image/png", Data: pngClaiming(t, 30000, 30000)})
	e.sim.AddJob(cdfsim.Job{ID: 9200, Status: "Completed", Created: now, Started: now, StatusAt: now,
		Items: []cdfsim.JobItem{{FileID: 9201, Segments: []cdfsim.Segment{
			{Score: 0.5, Polygons: [][]cdfsim.Vertex{{{X: 0.1, Y: 0.1}, {X: 0.9, Y: 0.1}, {X: 0.5, Y: 0.9}}}}}}}})
	page := fmt.Sprintf("/projects/%s/jobs/9200", testProject)
	wantStatus(t, e.get(t, page), http.StatusOK)

	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for _, name := range []string{"overlay.png", "overlay.jpg", "layer.png", "overlay.png?export=1"} {
		e.check(t, page+"/files/9201/"+name, true, answer{status: http.StatusUnprocessableEntity, mention: "30000"}, false)
	}
	runtime.ReadMemStats(&m1)
	// The pixels would take 3.6 GB; everything the four requests allocated
	// together stays far below one such image.
	if alloc := m1.TotalAlloc - m0.TotalAlloc; alloc > 256<<20 {
		t.Errorf("refusing the bomb allocated %d MB", alloc>>20)
	}
	e.healthy(t)
	e.noLeak(t, before)
}

// damagedImage: a JPEG cut short in CDF is refused as damaged, 422 for
// the overlays that decode it, while its layer (which needs only the
// header's size) and its job page still answer.
func (e *faultEnv) damagedImage(t *testing.T) {
	before := e.goroutines()
	now := time.Now()
	jpg := imagetest.ProgressiveGray(640, 480, 2, false)
	e.sim.AddFile(cdfsim.File{ID: 9301, Name: "cut.jpg", MimeType: "image/jpeg", Data: jpg[:len(jpg)/2]})
	e.sim.AddJob(cdfsim.Job{ID: 9300, Status: "Completed", Created: now, Started: now, StatusAt: now,
		Items: []cdfsim.JobItem{{FileID: 9301, Segments: []cdfsim.Segment{
			{Score: 0.5, Polygons: [][]cdfsim.Vertex{{{X: 0.1, Y: 0.1}, {X: 0.9, Y: 0.1}, {X: 0.5, Y: 0.9}}}}}}}})
	page := fmt.Sprintf("/projects/%s/jobs/9300", testProject)
	wantStatus(t, e.get(t, page), http.StatusOK)
	for _, name := range []string{"overlay.png", "overlay.jpg", "overlay.png?export=1"} {
		e.check(t, page+"/files/9301/"+name, true, answer{status: http.StatusUnprocessableEntity, mention: "damaged or cut short"}, false)
	}
	e.check(t, page+"/files/9301/layer.png", true, answer{status: http.StatusOK}, false)
	e.healthy(t)
	e.noLeak(t, before)
}

// pngClaiming returns a valid 1×1 PNG whose header says w×h.
func pngClaiming(t *testing.T, w, h uint32) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// Signature (8), IHDR length (4), "IHDR" (4), width, height, ...; the
	// CRC covers the type and the 13 data bytes.
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	if cfg, err := png.DecodeConfig(bytes.NewReader(b)); err != nil || cfg.Width != int(w) || cfg.Height != int(h) {
		t.Fatalf("patched PNG header reads %dx%d, %v", cfg.Width, cfg.Height, err)
	}
	return b
}
