package cdfsim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/segview/segview/internal/httptestclient"
)

// startProvider runs a real OpenID Connect provider for the test.
func startProvider(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return m
}

// personTokens signs user in at the provider through the authorization-code
// flow and returns the access token and the ID token it issued.
func personTokens(t *testing.T, m *mockoidc.MockOIDC, user *mockoidc.MockUser) (access, id string) {
	t.Helper()
	m.QueueUser(user)
	const redirect = "http://127.0.0.1:1/callback"
	q := url.Values{"scope": {"openid email"}, "state": {"st"}, "client_id": {m.ClientID}, "response_type": {"code"}, "redirect_uri": {redirect}}
	noFollow := httptestclient.Client(t, nil, true)
	resp, err := noFollow.Get(m.AuthorizationEndpoint() + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorize answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = httptestclient.Client(t, nil, false).PostForm(m.TokenEndpoint(), url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"client_id": {m.ClientID}, "client_secret": {m.ClientSecret}, "redirect_uri": {redirect}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		IDToken     string `json:"id_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token response %d: %v", resp.StatusCode, err)
	}
	return tok.AccessToken, tok.IDToken
}

// realClock is a fake clock that starts now: provider tokens carry real
// issue and expiry times.
func realClock() *fakeClock { return &fakeClock{t: time.Now()} }

func TestPersonTokens(t *testing.T) {
	t.Parallel()
	idp := startProvider(t)
	other := startProvider(t) // another provider, with its own keys and issuer
	alice := &mockoidc.MockUser{Subject: "alice", Email: "alice@example.com"}
	bob := &mockoidc.MockUser{Subject: "bob", Email: "bob@example.com"}
	carol := &mockoidc.MockUser{Subject: "carol", Email: "carol@example.com"}
	aliceAccess, _ := personTokens(t, idp, alice)
	bobAccess, _ := personTokens(t, idp, bob)
	_, carolID := personTokens(t, idp, carol)
	foreignAccess, _ := personTokens(t, other, alice)

	tamper := func(tok string) string {
		parts := strings.Split(tok, ".")
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		parts[1] = base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"sub":"bob"`, `"sub":"alice"`, 1)))
		return strings.Join(parts, ".")
	}
	unsigned := func(tok string) string {
		parts := strings.Split(tok, ".")
		parts[0] = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
		return parts[0] + "." + parts[1] + "."
	}

	tests := []struct {
		name       string
		token      string
		audience   string        // default: the provider's client id
		advance    time.Duration // moves the simulator's clock first
		wantStatus int
	}{
		{name: "person with filesAcl:READ", token: aliceAccess, wantStatus: http.StatusOK},
		{name: "person without capabilities", token: bobAccess, wantStatus: http.StatusForbidden},
		{name: "capabilities by email", token: carolID, wantStatus: http.StatusOK},
		{name: "expired", token: aliceAccess, advance: idp.AccessTTL + time.Minute, wantStatus: http.StatusUnauthorized},
		{name: "other audience", token: aliceAccess, audience: "https://other.cognitedata.com", wantStatus: http.StatusUnauthorized},
		{name: "other issuer and key", token: foreignAccess, wantStatus: http.StatusUnauthorized},
		{name: "tampered claims", token: tamper(bobAccess), wantStatus: http.StatusUnauthorized},
		{name: "alg none", token: unsigned(aliceAccess), wantStatus: http.StatusUnauthorized},
		{name: "not a token", token: "a.b.c", wantStatus: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := realClock()
			e := newEnv(t, seeded, func(o *Options) {
				o.Now = clock.Now
				o.OIDCIssuer = idp.Issuer()
				o.OIDCAudience = idp.ClientID
				if tt.audience != "" {
					o.OIDCAudience = tt.audience
				}
				o.UserCapabilities = map[string][]string{
					"alice":             {CapFilesRead},
					"bob":               {"groupsAcl:LIST"},
					"carol@example.com": {CapFilesRead},
				}
			})
			clock.Advance(tt.advance)
			job, file := demoJobAndFile(t, e.sim)
			for _, call := range []struct{ method, path, body string }{
				{http.MethodGet, "/context/vision/segment/" + strconv.FormatInt(job, 10), ""},
				{http.MethodPost, "/files/byids", `{"items":[{"id":` + file + `}]}`},
				{http.MethodPost, "/files/downloadlink", `{"items":[{"id":` + file + `}]}`},
			} {
				var body any
				if call.body != "" {
					body = call.body
				}
				res := e.callWithToken(tt.token, call.method, call.path, body)
				if res.status != tt.wantStatus {
					t.Fatalf("%s %s = %d, want %d; body %s", call.method, call.path, res.status, tt.wantStatus, res.body)
				}
				if res.status != http.StatusOK {
					msg := res.cdfError(t).Message
					if res.status == http.StatusForbidden && !strings.Contains(msg, CapFilesRead) {
						t.Errorf("403 message %q does not name %s", msg, CapFilesRead)
					}
				}
			}
			// Client-credentials tokens keep working next to people's.
			if res := e.call(http.MethodGet, "/context/vision/segment/"+strconv.FormatInt(job, 10), nil); res.status != http.StatusOK {
				t.Errorf("service principal: %d %s", res.status, res.body)
			}
		})
	}
}

func TestPersonRequestsCounted(t *testing.T) {
	t.Parallel()
	idp := startProvider(t)
	access, _ := personTokens(t, idp, &mockoidc.MockUser{Subject: "alice"})
	clock := realClock()
	e := newEnv(t, seeded, func(o *Options) {
		o.Now = clock.Now
		o.OIDCIssuer, o.OIDCAudience = idp.Issuer(), idp.ClientID
		o.UserCapabilities = map[string][]string{"alice": {CapFilesRead}}
	})
	job, file := demoJobAndFile(t, e.sim)
	e.callWithToken(access, http.MethodGet, "/context/vision/segment/"+strconv.FormatInt(job, 10), nil)
	e.callWithToken(access, http.MethodPost, "/files/byids", `{"items":[{"id":`+file+`}]}`)
	e.call(http.MethodGet, "/context/vision/segment/"+strconv.FormatInt(job, 10), nil)
	if got := e.sim.PersonRequests("alice", "/context/vision/segment/"); got != 1 {
		t.Errorf("PersonRequests(alice, segment) = %d, want 1", got)
	}
	if got := e.sim.PersonRequests("alice", "/files/"); got != 1 {
		t.Errorf("PersonRequests(alice, files) = %d, want 1", got)
	}
	if got := e.sim.PersonRequests("bob", ""); got != 0 {
		t.Errorf("PersonRequests(bob) = %d, want 0", got)
	}
}

func TestOIDCOptionsValidated(t *testing.T) {
	t.Parallel()
	for _, o := range []Options{
		{ClientID: "c", ClientSecret: "s", OIDCIssuer: "https://idp.example.com"},
		{ClientID: "c", ClientSecret: "s", OIDCIssuer: "idp.example.com", OIDCAudience: "a"},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", o)
		}
	}
}

// demoJobAndFile returns a seeded demo job with results and one of its files.
func demoJobAndFile(t *testing.T, sim *Server) (job int64, file string) {
	t.Helper()
	for _, dj := range sim.DemoJobs() {
		if j, ok := sim.Job(dj.ID); ok && len(j.Items) > 0 {
			return dj.ID, strconv.FormatInt(j.Items[0].FileID, 10)
		}
	}
	t.Fatal("no demo job with items")
	return 0, ""
}
