package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/segview/segview/internal/htmltest"
	"github.com/segview/segview/internal/httptestclient"
)

// do sends a request with method, body and headers, without following
// redirects.
func (s *stack) do(t *testing.T, method, path string, body io.Reader, header map[string]string) response {
	t.Helper()
	h := make(http.Header, len(header))
	for k, v := range header {
		h.Set(k, v)
	}
	return s.send(t, method, "", path, body, h)
}

var cspNonce = regexp.MustCompile(`script-src 'self' 'nonce-([^']+)'`)

// Every response carries the security headers; every page's scripts carry
// the nonce of its own response, which no other response shares.
func TestSecurityHeadersThroughTheRouter(t *testing.T) {
	s := newStack(t, map[string]string{
		"SEGVIEW_PUBLIC_URL":      "https://segview.example.com",
		"SEGVIEW_ALLOWED_HOSTS":   "127.0.0.1", // the test server's
		"SEGVIEW_FRAME_ANCESTORS": "'self' https://portal.example.com",
	})
	job := fmt.Sprintf("/projects/%s/jobs/%d", testProject, s.sim.DemoJobs()[0].ID)
	seen := map[string]string{}
	for _, tt := range []struct {
		path   string
		status int
		page   bool
	}{
		{"/", 200, true},
		{job, 200, true},
		{"/projects/acme/jobs/x", 400, true},
		{"/no/such/page", 404, true},
		{firstOverlay(t, s), 200, false},
		{"/projects/acme/jobs/1/files/x/overlay.png", 400, false},
		{"/healthz", 200, false},
		{"/embed" + job, 200, false}, // a page, but without script
	} {
		t.Run(tt.path, func(t *testing.T) {
			r := s.get(t, tt.path)
			wantStatus(t, r, tt.status)
			csp := r.header.Get("Content-Security-Policy")
			m := cspNonce.FindStringSubmatch(csp)
			if m == nil {
				t.Fatalf("CSP %q has no script nonce", csp)
			}
			if other, ok := seen[m[1]]; ok {
				t.Errorf("nonce of %s reused from %s", tt.path, other)
			}
			seen[m[1]] = tt.path
			// Only the embed may be framed by the portal; everything else by segview alone.
			frame := "frame-ancestors 'self'"
			if strings.HasPrefix(tt.path, "/embed/") {
				frame = "frame-ancestors 'self' https://portal.example.com"
			}
			if !strings.HasSuffix(csp, "; "+frame) {
				t.Errorf("CSP %q does not end with %q", csp, frame)
			}
			for _, want := range []string{"default-src 'none'", "base-uri 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP allows inline code: %q", csp)
			}
			for k, want := range map[string]string{
				"X-Content-Type-Options":    "nosniff",
				"Referrer-Policy":           "same-origin",
				"Strict-Transport-Security": "max-age=31536000",
			} {
				if got := r.header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if !tt.page {
				return
			}
			scripts := htmltest.Parse(t, r.body).ByTag("script")
			if len(scripts) == 0 {
				t.Fatal("page has no script tag")
			}
			for _, sc := range scripts {
				if got := htmltest.Attr(sc, "nonce"); got != m[1] {
					t.Errorf("script %q has nonce %q, want the response's %q", htmltest.Attr(sc, "src"), got, m[1])
				}
				if sc.FirstChild != nil {
					t.Errorf("inline script on the page")
				}
			}
		})
	}
}

// Without an https public URL there is no HSTS, and frames are 'self' only.
func TestSecurityHeaderDefaults(t *testing.T) {
	s := newStack(t, nil)
	r := s.get(t, "/")
	wantStatus(t, r, http.StatusOK)
	if got := r.header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("Strict-Transport-Security = %q over http", got)
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "frame-ancestors 'self'") {
		t.Errorf("CSP = %q, want frame-ancestors 'self'", csp)
	}
}

// Without sign-in no route changes state: no route takes another method
// than GET and HEAD, so every other method gets the router's 405 (with
// Allow) or 404 before any handler runs, whatever its CSRF token, and
// nothing reaches CDF. (Routes that do change state, with sign-in, check
// the CSRF token and the origin first: handlers' TestCSRFGuard, auth's
// flow tests.)
func TestStateChangingRequestsRefused(t *testing.T) {
	s := newStack(t, nil)
	job := fmt.Sprintf("/projects/%s/jobs/%d", testProject, s.sim.DemoJobs()[0].ID)
	overlay := firstOverlay(t, s)
	before := s.sim.APIRequests("/api/v1/")
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		for _, path := range []string{"/", job, overlay, "/open?job=1", "/healthz", "/auth/logout", "/no/such/page"} {
			for _, header := range []map[string]string{
				{"Content-Type": "application/x-www-form-urlencoded"},
				{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
			} {
				t.Run(method+" "+path, func(t *testing.T) {
					r := s.do(t, method, path, strings.NewReader("csrf_token=guess"), header)
					if path == "/no/such/page" || path == "/auth/logout" { // no sign-in, no sign-out route
						wantStatus(t, r, http.StatusNotFound)
						return
					}
					wantStatus(t, r, http.StatusMethodNotAllowed)
					if allow := r.header.Get("Allow"); !strings.Contains(allow, http.MethodGet) || strings.Contains(allow, method) {
						t.Errorf("Allow = %q, want GET and not %s", allow, method)
					}
				})
			}
		}
	}
	if after := s.sim.APIRequests("/api/v1/"); after != before {
		t.Errorf("refused requests made %d CDF calls", after-before)
	}
}

// Every route has a body limit: a 1 MiB body is refused with 413 before
// anything reads it.
func TestBodyLimit(t *testing.T) {
	s := newStack(t, nil)
	job := fmt.Sprintf("/projects/%s/jobs/%d", testProject, s.sim.DemoJobs()[0].ID)
	before := s.sim.APIRequests("/api/v1/")
	big := bytes.Repeat([]byte("a"), 1<<20)
	for _, path := range []string{"/", job, job + "/files/1/overlay.png", "/healthz", "/auth/logout", "/no/such/page"} {
		for _, method := range []string{http.MethodPost, http.MethodPut} {
			t.Run(method+" "+path, func(t *testing.T) {
				r := s.do(t, method, path, bytes.NewReader(big), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
				wantStatus(t, r, http.StatusRequestEntityTooLarge)
			})
		}
	}
	t.Run("a GET with a body", func(t *testing.T) {
		wantStatus(t, s.do(t, http.MethodGet, job, bytes.NewReader(big), nil), http.StatusRequestEntityTooLarge)
	})
	if after := s.sim.APIRequests("/api/v1/"); after != before {
		t.Errorf("oversized requests made %d CDF calls", after-before)
	}
}

// Oversized request headers are refused by the server itself (431), through
// a real listener as in production; a session's cookies of about 20 KB
// still fit.
func TestHeaderLimit(t *testing.T) {
	s := newStack(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- s.app.Serve(ctx, "127.0.0.1:0", slog.New(slog.NewJSONHandler(s.logs, nil)), func(a net.Addr) { addrc <- a })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	var base string
	select {
	case a := <-addrc:
		base = "http://" + a.String()
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	}
	client := httptestclient.Client(t, nil, false)
	defer client.CloseIdleConnections()
	before := s.sim.APIRequests("/api/v1/")
	for _, tt := range []struct {
		name   string
		size   int
		status int
	}{
		{"20 KiB of cookies", 20 << 10, http.StatusOK},
		{"80 KiB header", 80 << 10, http.StatusRequestHeaderFieldsTooLarge},
		{"1 MiB header", 1 << 20, http.StatusRequestHeaderFieldsTooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, base+"/healthz", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Cookie", "big="+strings.Repeat("c", tt.size))
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
	if after := s.sim.APIRequests("/api/v1/"); after != before {
		t.Errorf("oversized headers made %d CDF calls", after-before)
	}
}
