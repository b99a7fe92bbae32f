package app

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/segview/segview/internal/cdfsim"
)

// TestReadiness: /readyz follows the background token check, which runs
// when the test ticks, not when a probe asks. The simulator's identity
// provider is made to fail: the next check makes /readyz 503 while
// /healthz stays 200, and the page names no secret; back, it is 200
// again. Both answer on any host name, as Kubernetes' probes name the
// pod's IP address.
func TestReadiness(t *testing.T) {
	t.Parallel()
	ticks := make(chan time.Time)
	checked := make(chan error)
	s := newStackOpts(t, nil, nil, WithReadinessTicks(ticks, func(err error) { checked <- err }))
	check := func() error {
		t.Helper()
		ticks <- time.Now()
		return <-checked
	}
	if err := <-checked; err != nil {
		t.Fatalf("first check = %v", err)
	}
	probe := func(path string, want int) string {
		t.Helper()
		r := s.send(t, http.MethodGet, "10.1.2.3:8080", path, nil, nil)
		if r.status != want {
			t.Fatalf("GET %s = %d, want %d; body %q", path, r.status, want, r.body)
		}
		if strings.Contains(string(r.body), testSecret) {
			t.Fatalf("GET %s reveals the client secret", path)
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", path, cc)
		}
		return string(r.body)
	}
	probe("/readyz", http.StatusOK)
	probe("/healthz", http.StatusOK)

	tokens := s.sim.TokenRequests()
	for range 5 {
		probe("/readyz", http.StatusOK)
	}
	if n := s.sim.TokenRequests() - tokens; n != 0 {
		t.Errorf("5 probes made %d token requests, want 0 (the check runs in the background)", n)
	}

	remove := s.sim.InjectFault(cdfsim.Fault{Match: "/oauth2/token", Status: http.StatusServiceUnavailable})
	if err := check(); err == nil {
		t.Fatal("the check passed with the identity provider down")
	}
	if body := probe("/readyz", http.StatusServiceUnavailable); !strings.Contains(body, "503") {
		t.Errorf("/readyz says %q, want the token endpoint's status", body)
	}
	probe("/healthz", http.StatusOK)
	if !strings.Contains(s.logs.String(), "not ready") {
		t.Errorf("the lost identity provider was not logged")
	}

	remove()
	if err := check(); err != nil {
		t.Fatalf("the check failed with the identity provider back: %v", err)
	}
	probe("/readyz", http.StatusOK)
}

// TestReadinessWrongSecret: a secret the identity provider refuses is not
// ready, and the answer does not echo it.
func TestReadinessWrongSecret(t *testing.T) {
	t.Parallel()
	s := newStackWith(t, map[string]string{"IDP_CLIENT_SECRET": "wrong-" + testSecret}, nil)
	r := s.send(t, http.MethodGet, "", "/readyz", nil, nil)
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("GET /readyz = %d, want 503", r.status)
	}
	if strings.Contains(string(r.body), "wrong-") {
		t.Errorf("/readyz reveals the secret: %q", r.body)
	}
}
