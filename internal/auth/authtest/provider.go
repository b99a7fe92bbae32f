// Package authtest runs a real OpenID Connect provider (mockoidc) for tests
// and records which grants its token endpoint answered.
package authtest

import (
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"
)

// Provider is a running OpenID Connect provider.
type Provider struct {
	*mockoidc.MockOIDC
	// mu guards grants; every request also takes it on arrival, so that a
	// FastForward happens before the requests that come after it.
	mu     sync.Mutex
	grants []string
}

// Start runs a provider on a loopback port until the test ends. accessTTL,
// when above zero, is the lifetime of the access tokens it issues.
func Start(t testing.TB, accessTTL time.Duration) *Provider {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if accessTTL > 0 {
		m.AccessTTL = accessTTL
	}
	p := &Provider{MockOIDC: m}
	err = m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// oauth2 first tries HTTP Basic client authentication, which
			// this provider refuses; count the requests it answers.
			grant := r.URL.Path == mockoidc.TokenEndpoint && r.ParseForm() == nil && r.PostForm.Get("client_id") != ""
			p.mu.Lock()
			if grant {
				p.grants = append(p.grants, r.PostForm.Get("grant_type"))
			}
			p.mu.Unlock()
			next.ServeHTTP(w, r)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return p
}

// GrantCount counts the answered token requests of grant type g.
func (p *Provider) GrantCount(g string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, got := range p.grants {
		if got == g {
			n++
		}
	}
	return n
}

// FastForward moves the provider's clock d forward, as a test moves its
// other clocks: tokens issued from now on start and expire d later, and
// tokens are checked against the moved clock. Call it between requests.
func (p *Provider) FastForward(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.MockOIDC.FastForward(d)
}
