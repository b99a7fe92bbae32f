package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/htmltest"
)

// recorder is a RoundTripper that keeps everything the server answered:
// status lines, headers and bodies.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	all  bytes.Buffer // every answer
	text bytes.Buffer // answers that are not images
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s → %s\n", req.Method, req.URL.RequestURI(), resp.Status)
	_ = resp.Header.Write(&b)
	b.Write(body)
	b.WriteString("\n")
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all.Write(b.Bytes())
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/") {
		r.text.Write(b.Bytes())
	}
	return resp, nil
}

// TestNoSecretInAnythingServed runs pages, overlays, bad input and upstream
// faults, then scans everything the server wrote — every response's status
// line, headers and body, and the whole log with the start-up summary — for
// the client secret and for every access token the simulator issued, and
// the text for signed download URLs.
func TestNoSecretInAnythingServed(t *testing.T) {
	e := newFaultEnv(t, 0) // tokens are renewed on every CDF call: many to look for
	rec := &recorder{base: http.DefaultTransport}
	e.client.Transport = rec
	defer e.client.CloseIdleConnections()
	logger := slog.New(slog.NewJSONHandler(e.logs, nil))
	logger.LogAttrs(context.Background(), slog.LevelInfo, "configuration", e.app.Config.LogAttrs()...)

	var paths []string
	home := e.get(t, "/")
	for _, n := range append(htmltest.Parse(t, home.body).ByTag("link"), htmltest.Parse(t, home.body).ByTag("script")...) {
		paths = append(paths, htmltest.Attr(n, "href")+htmltest.Attr(n, "src"))
	}
	for _, dj := range e.sim.DemoJobs() {
		page := fmt.Sprintf("/projects/%s/jobs/%d", testProject, dj.ID)
		r := e.get(t, page)
		wantStatus(t, r, http.StatusOK)
		paths = append(paths, fmt.Sprintf("/jobs/%d", dj.ID), fmt.Sprintf("/open?job=%d", dj.ID))
		for _, img := range htmltest.Parse(t, r.body).ByTestID("overlay") {
			src := htmltest.Attr(img, "src")
			base := src[:strings.LastIndex(src, "/")]
			paths = append(paths, src, base+"/overlay.png?width=300", base+"/layer.png", base+"/overlay.jpg?export=1&width=400")
		}
	}
	paths = append(paths, "/healthz", "/projects/acme/jobs/abc", "/projects/acme/jobs/1/files/x/overlay.png",
		"/projects/acme/jobs/424242", "/projects/other/jobs/1", "/no/such/page")
	for _, p := range paths {
		if r := e.get(t, p); r.status >= 500 {
			t.Errorf("GET %s: %d", p, r.status)
		}
	}
	e.do(t, http.MethodPost, e.page, strings.NewReader("csrf_token=x"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	e.do(t, http.MethodPost, e.page, bytes.NewReader(make([]byte, 1<<20)), nil)

	for _, f := range []cdfsim.Fault{
		{Status: 401}, {Status: 403}, {Status: 500}, {Status: 429}, {Malformed: true}, {ContentType: "text/html"}, {Reset: true},
		{Match: "/oauth2/token", Status: 401}, {Match: "/oauth2/token", Status: 500}, {Match: "/oauth2/token", Malformed: true},
		{Match: "/download/", Status: 403}, {Match: "/download/", ContentType: "text/html"}, {Match: "/download/", Reset: true},
	} {
		remove := e.sim.InjectFault(f)
		e.get(t, e.page)
		e.get(t, e.image)
		remove()
	}
	e.healthy(t)

	tokens := e.sim.IssuedTokens()
	if len(tokens) < 20 {
		t.Fatalf("the simulator issued %d tokens; the scan needs many", len(tokens))
	}
	rec.mu.Lock()
	served, text := rec.all.String(), rec.text.String()
	rec.mu.Unlock()
	logs := e.logs.String()
	if len(served) < 1<<20 || !strings.Contains(logs, `"msg":"configuration"`) {
		t.Fatalf("recorded %d bytes of answers; the log has no configuration summary", len(served))
	}
	for _, where := range []struct{ name, text string }{{"the answers", served}, {"the log", logs}} {
		if strings.Contains(where.text, testSecret) {
			t.Errorf("the client secret appears in %s", where.name)
		}
		for i, tok := range tokens {
			if strings.Contains(where.text, tok) {
				t.Errorf("access token %d of %d appears in %s", i+1, len(tokens), where.name)
			}
		}
	}
	// Signed download URLs grant access to the file for their lifetime.
	for _, where := range []struct{ name, text string }{{"the answers", text}, {"the log", logs}} {
		if m := signedLink.FindString(where.text); m != "" {
			t.Errorf("a signed download URL appears in %s: %q", where.name, m)
		}
	}
}

// signedLink matches the simulator's signed download URLs and their
// signature (base64url of an HMAC-SHA256).
var signedLink = regexp.MustCompile(`/download/[0-9a-f]+|sig=[A-Za-z0-9_-]{43}`)
