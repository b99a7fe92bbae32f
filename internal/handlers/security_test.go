package handlers

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

var nonceInCSP = regexp.MustCompile(`script-src 'self' 'nonce-([A-Za-z0-9+/=]+)';`)

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name               string
		s                  Security
		embed              bool
		wantFrameAncestors string
		wantHSTS           bool
	}{
		{"page, defaults", Security{}, false, "frame-ancestors 'self'", false},
		{"embed, defaults", Security{}, true, "frame-ancestors 'self'", false},
		{"page keeps 'self' with a portal", Security{FrameAncestors: "'self' https://portal.example.com", HSTS: true}, false,
			"frame-ancestors 'self'", true},
		{"embed, portal and HSTS", Security{FrameAncestors: "'self' https://portal.example.com", HSTS: true}, true,
			"frame-ancestors 'self' https://portal.example.com", true},
		{"page keeps 'self' with nobody", Security{FrameAncestors: "'none'"}, false, "frame-ancestors 'self'", false},
		{"embed, nobody", Security{FrameAncestors: "'none'"}, true, "frame-ancestors 'none'", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := echo.New()
			var seen []string
			h := func(c echo.Context) error {
				seen = append(seen, nonceFrom(c.Request().Context()))
				return c.NoContent(http.StatusOK)
			}
			if tt.embed {
				h = allowFraming(tt.s)(h)
			}
			h = securityHeaders(tt.s)(h)
			var nonces []string
			for range 2 {
				rec := httptest.NewRecorder()
				if err := h(e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)); err != nil {
					t.Fatal(err)
				}
				hdr := rec.Header()
				csp := hdr.Get("Content-Security-Policy")
				m := nonceInCSP.FindStringSubmatch(csp)
				if m == nil || len(m[1]) < 22 {
					t.Fatalf("CSP %q has no nonce of at least 128 bits", csp)
				}
				nonces = append(nonces, m[1])
				if !strings.HasSuffix(csp, "; "+tt.wantFrameAncestors) {
					t.Errorf("CSP %q does not end with %q", csp, tt.wantFrameAncestors)
				}
				for _, bad := range []string{"unsafe-inline", "unsafe-eval", "*"} {
					if strings.Contains(csp, bad) {
						t.Errorf("CSP %q contains %s", csp, bad)
					}
				}
				if hdr.Get("X-Content-Type-Options") != "nosniff" || hdr.Get("Referrer-Policy") != "same-origin" {
					t.Errorf("headers = %v", hdr)
				}
				if got := hdr.Get("Strict-Transport-Security") != ""; got != tt.wantHSTS {
					t.Errorf("Strict-Transport-Security = %q, want it sent: %v", hdr.Get("Strict-Transport-Security"), tt.wantHSTS)
				}
			}
			if nonces[0] == nonces[1] {
				t.Errorf("two responses share the nonce %q", nonces[0])
			}
			if len(seen) != 2 || seen[0] != nonces[0] || seen[1] != nonces[1] {
				t.Errorf("handlers saw nonces %q, headers carry %q", seen, nonces)
			}
		})
	}
}

// checkerFunc adapts a function to CSRFChecker.
type checkerFunc func(*http.Request) error

func (f checkerFunc) CheckCSRF(r *http.Request) error { return f(r) }

func TestCSRFGuard(t *testing.T) {
	t.Parallel()
	const token = "the-session-token"
	checker := checkerFunc(func(r *http.Request) error {
		if r.Header.Get("X-CSRF-Token") == token {
			return nil
		}
		// Like auth.CheckCSRF: reading the form can hit the body limit.
		if err := r.ParseForm(); err != nil {
			return err
		}
		if r.PostForm.Get("csrf_token") == token {
			return nil
		}
		return errors.New("wrong token")
	})
	type req struct {
		method, origin, fetchSite, token string
		body                             io.Reader
	}
	tests := []struct {
		name   string
		check  CSRFChecker
		req    req
		status int
	}{
		{"GET passes", checker, req{method: http.MethodGet}, 200},
		{"HEAD passes", checker, req{method: http.MethodHead}, 200},
		{"OPTIONS passes", checker, req{method: http.MethodOptions}, 200},
		{"cross-site GET passes: it changes nothing", checker, req{method: http.MethodGet, fetchSite: "cross-site"}, 200},
		{"POST with the token", checker, req{method: http.MethodPost, token: token}, 200},
		{"POST with the token from the same origin", checker, req{method: http.MethodPost, token: token, fetchSite: "same-origin", origin: "http://segview.test"}, 200},
		{"POST with the token in the form", checker, req{method: http.MethodPost, body: strings.NewReader("csrf_token=" + token)}, 200},
		{"POST from the trusted public URL", checker, req{method: http.MethodPost, token: token, origin: "https://segview.example.com"}, 200},
		{"POST without a token", checker, req{method: http.MethodPost}, 403},
		{"POST with a wrong token", checker, req{method: http.MethodPost, token: "forged"}, 403},
		{"PUT without a token", checker, req{method: http.MethodPut}, 403},
		{"DELETE without a token", checker, req{method: http.MethodDelete}, 403},
		{"PATCH without a token", checker, req{method: http.MethodPatch}, 403},
		{"cross-site POST with the token", checker, req{method: http.MethodPost, token: token, fetchSite: "cross-site"}, 403},
		{"same-site POST with the token", checker, req{method: http.MethodPost, token: token, fetchSite: "same-site"}, 403},
		{"foreign Origin with the token", checker, req{method: http.MethodPost, token: token, origin: "https://evil.example"}, 403},
		{"null Origin with the token", checker, req{method: http.MethodPost, token: token, origin: "null"}, 403},
		{"without sign-in nothing changes state", nil, req{method: http.MethodPost, token: token}, 403},
		{"a form over the body limit", checker, req{method: http.MethodPost, body: io.MultiReader(strings.NewReader("csrf_token="), strings.NewReader(strings.Repeat("x", 2048)))}, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			guard, err := csrfGuard(tt.check, nil, "https://segview.example.com")
			if err != nil {
				t.Fatal(err)
			}
			e := echo.New()
			e.HTTPErrorHandler = ErrorHandler(Page{Project: "acme"}, slog.New(slog.DiscardHandler))
			e.Use(middleware.BodyLimit("1K"), guard)
			e.Any("/x", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
			r := httptest.NewRequest(tt.req.method, "http://segview.test/x", tt.req.body)
			if tt.req.body != nil {
				r.ContentLength = -1 // as a chunked body: only reading finds it too large
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			for k, v := range map[string]string{"Origin": tt.req.origin, "Sec-Fetch-Site": tt.req.fetchSite, "X-CSRF-Token": tt.req.token} {
				if v != "" {
					r.Header.Set(k, v)
				}
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, r)
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d; body %.300s", rec.Code, tt.status, rec.Body)
			}
		})
	}
}

func TestCSRFGuardRefusesBadTrustedOrigin(t *testing.T) {
	t.Parallel()
	if _, err := csrfGuard(nil, nil, "https://segview.example.com/path"); err == nil {
		t.Error("a trusted origin with a path was accepted")
	}
}

// TestCSRFGuardUnroutedMethod: a request no route takes with its method
// reaches the router's 405 or 404 whatever its token or origin, since no
// handler runs; a routed one is still checked.
func TestCSRFGuardUnroutedMethod(t *testing.T) {
	t.Parallel()
	e := echo.New()
	e.HTTPErrorHandler = ErrorHandler(Page{Project: "acme"}, slog.New(slog.DiscardHandler))
	routes := map[string]bool{"GET /page": true, "POST /form": true}
	guard, err := csrfGuard(nil, func(method, path string) bool { return routes[method+" "+path] })
	if err != nil {
		t.Fatal(err)
	}
	e.Use(guard)
	e.GET("/page", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	e.POST("/form", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	for _, tt := range []struct {
		method, path string
		status       int
	}{
		{http.MethodPost, "/page", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/page", http.StatusMethodNotAllowed},
		{http.MethodPost, "/nothing", http.StatusNotFound},
		{http.MethodPost, "/form", http.StatusForbidden}, // routed: refused without a checker
	} {
		r := httptest.NewRequest(tt.method, "http://segview.test"+tt.path, nil)
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, r)
		if rec.Code != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, rec.Code, tt.status)
		}
	}
}
