package handlers

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/hosts"
)

func TestHostGuard(t *testing.T) {
	t.Parallel()
	configured, err := hosts.NewPolicy("segview.example.com", "segview.internal:8080", "[::1]")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		policy hosts.Policy
		host   string
		path   string
		status int
	}{
		{"default: localhost", hosts.Policy{}, "localhost:8080", "/x", http.StatusOK},
		{"default: loopback IPv4", hosts.Policy{}, "127.0.0.1:8080", "/x", http.StatusOK},
		{"default: loopback IPv6", hosts.Policy{}, "[::1]:8080", "/x", http.StatusOK},
		{"default: another IP address", hosts.Policy{}, "192.168.1.5:8080", "/x", http.StatusOK},
		{"default: a name", hosts.Policy{}, "rebind.evil.example:8080", "/x", http.StatusMisdirectedRequest},
		{"default: a name of 127.0.0.1", hosts.Policy{}, "127.0.0.1.nip.io", "/x", http.StatusMisdirectedRequest},
		{"default: a subdomain of localhost", hosts.Policy{}, "evil.localhost", "/x", http.StatusMisdirectedRequest},
		{"default: IPv6 without brackets", hosts.Policy{}, "::1", "/x", http.StatusMisdirectedRequest},
		{"default: missing Host", hosts.Policy{}, "", "/x", http.StatusMisdirectedRequest},
		{"configured: the name", configured, "segview.example.com", "/x", http.StatusOK},
		{"configured: any port", configured, "segview.example.com:8443", "/x", http.StatusOK},
		{"configured: any case, trailing dot", configured, "SegView.Example.COM.", "/x", http.StatusOK},
		{"configured: the port of the entry is not required", configured, "segview.internal", "/x", http.StatusOK},
		{"configured: IPv6 literal", configured, "[0:0::1]:9000", "/x", http.StatusOK},
		{"configured: localhost is not listed", configured, "localhost", "/x", http.StatusMisdirectedRequest},
		{"configured: an IP address is not listed", configured, "127.0.0.1", "/x", http.StatusMisdirectedRequest},
		{"configured: a subdomain", configured, "a.segview.example.com", "/x", http.StatusMisdirectedRequest},
		{"configured: a suffix", configured, "segview.example.com.evil.example", "/x", http.StatusMisdirectedRequest},
		{"configured: missing Host", configured, "", "/x", http.StatusMisdirectedRequest},
		{"health probe on a pod IP", configured, "10.1.2.3:8080", healthPath, http.StatusOK},
		{"health probe on any name", hosts.Policy{}, "evil.example", healthPath, http.StatusOK},
		{"health probe without Host", configured, "", healthPath, http.StatusOK},
		{"not the health path", configured, "10.1.2.3:8080", healthPath + "/x", http.StatusMisdirectedRequest},
		{"readiness probe on a pod IP", configured, "10.1.2.3:8080", readyPath, http.StatusOK},
		{"readiness probe on any name", hosts.Policy{}, "evil.example", readyPath, http.StatusOK},
		{"metrics scrape on a pod IP", configured, "10.1.2.3:8080", metricsPath, http.StatusOK},
		{"not the metrics path", configured, "10.1.2.3:8080", metricsPath + "/x", http.StatusMisdirectedRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := echo.New()
			e.HTTPErrorHandler = ErrorHandler(Page{Project: "acme"}, slog.New(slog.DiscardHandler))
			e.Use(hostGuard(tt.policy))
			reached := false
			ok := func(c echo.Context) error { reached = true; return c.String(http.StatusOK, "ok") }
			e.GET("/x", ok)
			e.GET(healthPath, ok)
			e.GET(healthPath+"/x", ok)
			e.GET(readyPath, ok)
			e.GET(metricsPath, ok)
			e.GET(metricsPath+"/x", ok)
			req := httptest.NewRequest(http.MethodGet, tt.path, nil)
			req.Host = tt.host
			req.Header.Set("Accept", "application/json")
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("Host %q: status %d, want %d; body %s", tt.host, rec.Code, tt.status, rec.Body)
			}
			if reached != (tt.status == http.StatusOK) {
				t.Errorf("handler reached: %t", reached)
			}
			if tt.status == http.StatusOK {
				return
			}
			var body errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("error body %q: %v", rec.Body, err)
			}
			if body.Error.Status != http.StatusMisdirectedRequest || !strings.Contains(body.Error.Message, "does not serve the host name") ||
				!strings.Contains(body.Error.Hint, "SEGVIEW_ALLOWED_HOSTS") {
				t.Errorf("error = %+v", body.Error)
			}
		})
	}
}

// The refusal names the host, quoted and clipped, in every form of the
// error: a long or hostile Host cannot make the page large or break out.
func TestHostErrorPage(t *testing.T) {
	t.Parallel()
	e := echo.New()
	e.HTTPErrorHandler = ErrorHandler(Page{Project: "acme"}, slog.New(slog.DiscardHandler))
	e.Use(hostGuard(hosts.Policy{}))
	e.GET("/x", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	req := httptest.NewRequest(http.MethodGet, "/x", nil)
	req.Host = "<b>evil</b>" + strings.Repeat("a", 500) + ".example"
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusMisdirectedRequest {
		t.Fatalf("status %d", rec.Code)
	}
	b, _ := io.ReadAll(rec.Body)
	if strings.Contains(string(b), "<b>evil") || strings.Contains(string(b), strings.Repeat("a", 300)) {
		t.Errorf("page echoes the Host unescaped or unclipped:\n%.600s", b)
	}
}

func TestClassifyHostsAndBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    error
		status int
		kind   string
	}{
		{"host", &hostError{host: "evil.example"}, http.StatusMisdirectedRequest, "host"},
		{"body over http.MaxBytesReader", &http.MaxBytesError{Limit: 10}, http.StatusRequestEntityTooLarge, "http_413"},
		{"body over echo's limit", echo.ErrStatusRequestEntityTooLarge, http.StatusRequestEntityTooLarge, "http_413"},
	}
	for _, tt := range tests {
		if p := classify(tt.err); p.Status != tt.status || p.Kind != tt.kind {
			t.Errorf("%s: classify = %d %s, want %d %s", tt.name, p.Status, p.Kind, tt.status, tt.kind)
		}
	}
}
