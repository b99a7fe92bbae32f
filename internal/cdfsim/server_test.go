package cdfsim

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/segview/segview/internal/httptestclient"
)

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
	}{
		{"no client id", Options{ClientSecret: "s"}},
		{"no secret", Options{ClientID: "c"}},
		{"negative TTL", Options{ClientID: "c", ClientSecret: "s", TokenTTL: -time.Second}},
		{"negative phase", Options{ClientID: "c", ClientSecret: "s", JobPhase: -time.Second}},
		{"project with a slash", Options{ClientID: "c", ClientSecret: "s", Project: "a/b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := New(tt.opts); err == nil {
				t.Error("New accepted invalid options")
			}
		})
	}
	s, err := New(Options{ClientID: "c", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Project() != "demo" || s.TokenURL("http://h:1/") != "http://h:1/oauth2/token" {
		t.Errorf("defaults: project %q token URL %q", s.Project(), s.TokenURL("http://h:1/"))
	}
}

func TestStartServesUntilClose(t *testing.T) {
	t.Parallel()
	sim, err := New(Options{ClientID: "c", ClientSecret: "s", Project: "acme-dev"})
	if err != nil {
		t.Fatal(err)
	}
	base, err := sim.Start(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Errorf("base URL %q, want a loopback address", base)
	}
	if _, err := sim.Start(context.Background(), ""); err == nil {
		t.Error("second Start succeeded")
	}
	res, err := httptestclient.Client(t, nil, false).Get(base + "/api/v1/projects/acme-dev/files/1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("unauthenticated request: %d, want 401", res.StatusCode)
	}

	// Close ends a request held by a fault that is never released: it
	// returns without error only if the held request ended (otherwise
	// Shutdown would give up and Close would report it).
	held := make(chan string)
	sim.InjectFault(Fault{Hold: make(chan struct{}), Held: held})
	errc := make(chan error, 1)
	go func() {
		res, err := httptestclient.Client(t, nil, false).Get(base + "/api/v1/projects/acme-dev/files/1")
		if err == nil {
			res.Body.Close()
		}
		errc <- err
	}()
	<-held // the request is in the handler
	if err := sim.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	<-errc
	if _, err := httptestclient.Client(t, nil, false).Get(base + "/"); err == nil {
		t.Error("server still answers after Close")
	}
	if err := sim.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestStartStopsWithContext(t *testing.T) {
	t.Parallel()
	sim, err := New(Options{ClientID: "c", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	base, err := sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	sim.runMu.Lock()
	done := sim.done
	sim.runMu.Unlock()
	<-done // Serve returned: the context's end shut the server down
	if res, err := httptestclient.Client(t, nil, false).Get(base + "/"); err == nil {
		res.Body.Close()
		t.Fatal("server still serving after its context ended")
	}
	if err := sim.Close(); err != nil {
		t.Errorf("Close after context end: %v", err)
	}
}

func TestCloseWithoutStart(t *testing.T) {
	t.Parallel()
	sim, err := New(Options{ClientID: "c", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestDownloadLinksFollowTheRequestHost(t *testing.T) {
	t.Parallel()
	e, _ := filesEnv(t)
	tok := e.token()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/projects/demo/files/downloadlink", strings.NewReader(`{"items":[{"id":11}]}`))
	req.Host = "sim.example:8443"
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	e.sim.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"downloadUrl":"http://sim.example:8443/download/`) {
		t.Errorf("downloadlink via Host sim.example:8443: %d %s", rec.Code, rec.Body)
	}
}
