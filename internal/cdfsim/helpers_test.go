package cdfsim

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testClientID = "segview-test"
	testSecret   = "s3cr3t+/=%value" // characters that Basic auth form-encodes
)

// fakeClock is an injectable clock that only moves when told to.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testEnv is a simulator behind an httptest.Server with a fake clock.
type testEnv struct {
	t     *testing.T
	sim   *Server
	ts    *httptest.Server
	clock *fakeClock
}

func newEnv(t *testing.T, configure ...func(*Options)) *testEnv {
	t.Helper()
	clock := newFakeClock()
	opts := Options{ClientID: testClientID, ClientSecret: testSecret, Now: clock.Now}
	for _, f := range configure {
		f(&opts)
	}
	sim, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	return &testEnv{t: t, sim: sim, ts: ts, clock: clock}
}

func seeded(o *Options) { o.Seed = true }

// projectURL returns the URL of path under the test project.
func (e *testEnv) projectURL(path string) string {
	return e.ts.URL + "/api/v1/projects/" + e.sim.Project() + path
}

// token gets an access token with form credentials.
func (e *testEnv) token() string {
	e.t.Helper()
	res := e.postForm(url.Values{"grant_type": {"client_credentials"}, "client_id": {testClientID}, "client_secret": {testSecret}}, nil)
	if res.status != http.StatusOK {
		e.t.Fatalf("token: %d %s", res.status, res.body)
	}
	var tok wireToken
	res.decode(e.t, &tok)
	return tok.AccessToken
}

func (e *testEnv) postForm(form url.Values, prepare func(*http.Request)) result {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.sim.TokenURL(e.ts.URL), strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if prepare != nil {
		prepare(req)
	}
	return e.do(req)
}

// call sends an API request with a fresh bearer token; body is marshalled
// unless it is already a string.
func (e *testEnv) call(method, path string, body any) result {
	e.t.Helper()
	return e.callWithToken(e.token(), method, path, body)
}

func (e *testEnv) callWithToken(token, method, path string, body any) result {
	e.t.Helper()
	return e.callIn(token, e.sim.Project(), method, path, body)
}

func (e *testEnv) get(rawURL string) result {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(req)
}

func (e *testEnv) do(req *http.Request) result {
	e.t.Helper()
	res, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("reading body: %v", err)
	}
	return result{status: res.StatusCode, header: res.Header, body: body}
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %q: %v", r.body, err)
	}
}

// object decodes the body as a generic JSON object, to check exact wire keys.
func (r result) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.decode(t, &m)
	return m
}

// cdfError decodes a CDF error body, failing on any other shape.
func (r result) cdfError(t *testing.T) wireErrorBody {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type = %q, want application/json", ct)
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	var e wireError
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("not a CDF error body: %q: %v", r.body, err)
	}
	if e.Error.Code != r.status {
		t.Errorf("error.code = %d, want the HTTP status %d", e.Error.Code, r.status)
	}
	if e.Error.Message == "" {
		t.Errorf("error.message is empty")
	}
	return e.Error
}

func testImage(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 0x80, 0xFF})
		}
	}
	return img
}

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, testImage(w, h)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jpegBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testImage(w, h), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func ptr[T any](v T) *T { return &v }
