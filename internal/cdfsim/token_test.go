package cdfsim

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	basic := func(id, secret string) func(*http.Request) {
		return func(r *http.Request) { r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret)) }
	}
	tests := []struct {
		name       string
		form       url.Values
		prepare    func(*http.Request)
		wantStatus int
		wantError  string // OAuth2 "error" code
	}{
		{name: "form credentials", form: url.Values{"grant_type": {"client_credentials"}, "client_id": {testClientID}, "client_secret": {testSecret}}, wantStatus: http.StatusOK},
		{name: "basic credentials, form-encoded as golang.org/x/oauth2 does", form: url.Values{"grant_type": {"client_credentials"}}, prepare: basic(testClientID, testSecret), wantStatus: http.StatusOK},
		{name: "basic credentials, not form-encoded", form: url.Values{"grant_type": {"client_credentials"}}, prepare: func(r *http.Request) { r.SetBasicAuth(testClientID, testSecret) }, wantStatus: http.StatusOK},
		{name: "with scope and audience", form: url.Values{"grant_type": {"client_credentials"}, "client_id": {testClientID}, "client_secret": {testSecret}, "scope": {"https://api.cognitedata.com/.default"}, "audience": {"https://api.cognitedata.com"}}, wantStatus: http.StatusOK},
		{name: "wrong secret", form: url.Values{"grant_type": {"client_credentials"}, "client_id": {testClientID}, "client_secret": {"nope"}}, wantStatus: http.StatusUnauthorized, wantError: "invalid_client"},
		{name: "wrong secret via basic", form: url.Values{"grant_type": {"client_credentials"}}, prepare: basic(testClientID, "nope"), wantStatus: http.StatusUnauthorized, wantError: "invalid_client"},
		{name: "unknown client", form: url.Values{"grant_type": {"client_credentials"}, "client_id": {"other"}, "client_secret": {testSecret}}, wantStatus: http.StatusUnauthorized, wantError: "invalid_client"},
		{name: "no credentials", form: url.Values{"grant_type": {"client_credentials"}}, wantStatus: http.StatusUnauthorized, wantError: "invalid_client"},
		{name: "two auth methods", form: url.Values{"grant_type": {"client_credentials"}, "client_secret": {testSecret}}, prepare: basic(testClientID, testSecret), wantStatus: http.StatusBadRequest, wantError: "invalid_request"},
		{name: "missing grant type", form: url.Values{"client_id": {testClientID}, "client_secret": {testSecret}}, wantStatus: http.StatusBadRequest, wantError: "invalid_request"},
		{name: "password grant", form: url.Values{"grant_type": {"password"}, "client_id": {testClientID}, "client_secret": {testSecret}}, wantStatus: http.StatusBadRequest, wantError: "unsupported_grant_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(o *Options) { o.TokenTTL = 90 * time.Minute })
			res := e.postForm(tt.form, tt.prepare)
			if res.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", res.status, tt.wantStatus, res.body)
			}
			if res.header.Get("X-Request-Id") == "" {
				t.Error("no x-request-id header")
			}
			if tt.wantError != "" {
				var oe wireOAuthError
				res.decode(t, &oe)
				if oe.Error != tt.wantError || oe.Description == "" {
					t.Errorf("error body = %+v, want error %q with a description", oe, tt.wantError)
				}
				if e.sim.TokenRequests() != 0 || len(e.sim.IssuedTokens()) != 0 {
					t.Errorf("TokenRequests = %d, IssuedTokens = %d after a refused grant", e.sim.TokenRequests(), len(e.sim.IssuedTokens()))
				}
				return
			}
			m := res.object(t)
			tok, _ := m["access_token"].(string)
			if len(tok) < 32 {
				t.Errorf("access_token %q is too short to be opaque and random", tok)
			}
			if diff := cmp.Diff(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": float64(5400)}, m); diff != "" {
				t.Errorf("token response (-want +got):\n%s", diff)
			}
			if got := e.sim.TokenRequests(); got != 1 {
				t.Errorf("TokenRequests = %d, want 1", got)
			}
			if diff := cmp.Diff([]string{tok}, e.sim.IssuedTokens()); diff != "" {
				t.Errorf("IssuedTokens (-want +got):\n%s", diff)
			}
			want := url.Values{}
			for k, v := range tt.form {
				if k != "client_secret" {
					want[k] = v
				}
			}
			if diff := cmp.Diff(want, e.sim.LastTokenParams()); diff != "" {
				t.Errorf("LastTokenParams (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTokenEndpointRejectsGET(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res := e.get(e.sim.TokenURL(e.ts.URL))
	if res.status != http.StatusMethodNotAllowed || res.header.Get("Allow") != http.MethodPost {
		t.Errorf("GET token = %d Allow %q, want 405 Allow POST", res.status, res.header.Get("Allow"))
	}
}

func TestTokenExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.TokenTTL = 10 * time.Minute })
	tok := e.token()
	body := map[string]any{"items": []map[string]any{{"id": 1}}, "ignoreUnknownIds": true}
	steps := []struct {
		advance time.Duration
		want    int
	}{
		{0, http.StatusOK},
		{10*time.Minute - time.Millisecond, http.StatusOK},
		{time.Millisecond, http.StatusUnauthorized}, // exactly at expiry
		{time.Hour, http.StatusUnauthorized},
	}
	for _, s := range steps {
		e.clock.Advance(s.advance)
		res := e.callWithToken(tok, http.MethodPost, "/files/byids", body)
		if res.status != s.want {
			t.Fatalf("at +%v: status %d, want %d", s.advance, res.status, s.want)
		}
		if s.want == http.StatusUnauthorized {
			if got := res.cdfError(t); got.Message != "Could not authenticate." {
				t.Errorf("401 message = %q", got.Message)
			}
		}
	}
	// A new token works again.
	if res := e.call(http.MethodPost, "/files/byids", body); res.status != http.StatusOK {
		t.Errorf("fresh token: %d", res.status)
	}
	// Expired tokens stay in IssuedTokens: a leak of one is still a leak.
	if issued := e.sim.IssuedTokens(); len(issued) != 2 || issued[0] != tok {
		t.Errorf("IssuedTokens = %d tokens, want the expired one first and the fresh one", len(issued))
	}
}

// ForgetTokens is a CDF restart: every token granted so far gets 401, a
// token granted afterwards works, and the counters keep the old grants.
func TestForgetTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := map[string]any{"items": []map[string]any{{"id": 1}}, "ignoreUnknownIds": true}
	old := e.token()
	if res := e.callWithToken(old, http.MethodPost, "/files/byids", body); res.status != http.StatusOK {
		t.Fatalf("before ForgetTokens: status %d", res.status)
	}
	e.sim.ForgetTokens()
	res := e.callWithToken(old, http.MethodPost, "/files/byids", body)
	if res.status != http.StatusUnauthorized {
		t.Fatalf("forgotten token: status %d, want 401", res.status)
	}
	if got := res.cdfError(t); got.Message != "Could not authenticate." {
		t.Errorf("401 message = %q", got.Message)
	}
	if res := e.call(http.MethodPost, "/files/byids", body); res.status != http.StatusOK {
		t.Errorf("token granted after ForgetTokens: status %d", res.status)
	}
	if n, issued := e.sim.TokenRequests(), len(e.sim.IssuedTokens()); n != 2 || issued != 2 {
		t.Errorf("TokenRequests = %d, IssuedTokens = %d, want 2 and 2", n, issued)
	}
}
