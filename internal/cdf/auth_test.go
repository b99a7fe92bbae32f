package cdf

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/segview/segview/internal/httptestclient"
)

const (
	testClientID     = "segview-app"
	testClientSecret = "sup3r-s3cret-value"
)

// tokenEndpoint is a client-credentials token endpoint for tests.
type tokenEndpoint struct {
	*httptest.Server
	calls atomic.Int32
	mu    sync.Mutex
	forms []url.Values
}

// newTokenEndpoint starts a token endpoint. With respond nil it checks
// the client credentials and issues "tok-1" for an hour.
func newTokenEndpoint(t *testing.T, respond http.HandlerFunc) *tokenEndpoint {
	t.Helper()
	te := &tokenEndpoint{}
	te.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		te.calls.Add(1)
		if err := r.ParseForm(); err != nil {
			t.Errorf("token request form: %v", err)
		}
		form := r.PostForm
		if id, secret, ok := r.BasicAuth(); ok {
			form.Set("client_id", id)
			form.Set("client_secret", secret)
		}
		te.mu.Lock()
		te.forms = append(te.forms, form)
		te.mu.Unlock()
		if respond != nil {
			respond(w, r)
			return
		}
		if form.Get("grant_type") != "client_credentials" || form.Get("client_id") != testClientID || form.Get("client_secret") != testClientSecret {
			writeJSON(t, w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
			return
		}
		writeJSON(t, w, http.StatusOK, map[string]any{"access_token": "tok-1", "token_type": "Bearer", "expires_in": 3600})
	}))
	t.Cleanup(te.Close)
	return te
}

func (te *tokenEndpoint) lastForm() url.Values {
	te.mu.Lock()
	defer te.mu.Unlock()
	if len(te.forms) == 0 {
		return nil
	}
	return te.forms[len(te.forms)-1]
}

// authedSetup is setup with a client from HTTPClient, and a handler for
// GET /context/vision/segment/{id} that requires "Bearer tok-1".
func authedSetup(t *testing.T, creds Credentials) (*Client, *atomic.Int32) {
	t.Helper()
	var apiCalls atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/projects/"+testProject+"/context/vision/segment/{id}", func(w http.ResponseWriter, r *http.Request) {
		apiCalls.Add(1)
		if got := r.Header.Get("Authorization"); got != "Bearer tok-1" {
			writeJSON(t, w, http.StatusUnauthorized, map[string]any{"error": map[string]any{"code": 401, "message": "Could not authenticate."}})
			return
		}
		writeJSON(t, w, http.StatusOK, map[string]any{"jobId": 1, "status": "Queued"})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	hc, err := HTTPClient(t.Context(), creds, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(srv.URL, testProject, hc, WithRetry(testRetry(&sleepRecorder{})))
	if err != nil {
		t.Fatal(err)
	}
	return c, &apiCalls
}

func TestClientCredentialsTokenReused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		scopes   []string
		audience string
		want     url.Values
	}{
		{
			name:   "scope",
			scopes: []string{"https://westeurope-1.cognitedata.com/.default"},
			want: url.Values{
				"grant_type": {"client_credentials"}, "client_id": {testClientID}, "client_secret": {testClientSecret},
				"scope": {"https://westeurope-1.cognitedata.com/.default"},
			},
		},
		{
			name:     "audience and two scopes",
			scopes:   []string{"user_impersonation", "IDENTITY"},
			audience: "https://westeurope-1.cognitedata.com",
			want: url.Values{
				"grant_type": {"client_credentials"}, "client_id": {testClientID}, "client_secret": {testClientSecret},
				"scope": {"user_impersonation IDENTITY"}, "audience": {"https://westeurope-1.cognitedata.com"},
			},
		},
		{
			name: "no scopes",
			want: url.Values{"grant_type": {"client_credentials"}, "client_id": {testClientID}, "client_secret": {testClientSecret}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			te := newTokenEndpoint(t, nil)
			c, apiCalls := authedSetup(t, Credentials{
				Flow: FlowClientCredentials, TokenURL: te.URL, ClientID: testClientID, ClientSecret: testClientSecret,
				Scopes: tt.scopes, Audience: tt.audience,
			})
			var wg sync.WaitGroup
			for range 10 {
				wg.Go(func() {
					if _, err := c.SegmentJob(t.Context(), 1); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			for range 5 {
				if _, err := c.SegmentJob(t.Context(), 1); err != nil {
					t.Fatal(err)
				}
			}
			if got := te.calls.Load(); got != 1 {
				t.Errorf("token endpoint saw %d requests, want 1", got)
			}
			if got := apiCalls.Load(); got != 15 {
				t.Errorf("API saw %d requests, want 15", got)
			}
			if diff := cmp.Diff(tt.want, te.lastForm()); diff != "" {
				t.Errorf("token request mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStaticToken(t *testing.T) {
	t.Parallel()
	c, apiCalls := authedSetup(t, Credentials{Flow: FlowToken, Token: "tok-1"})
	if _, err := c.SegmentJob(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	if apiCalls.Load() != 1 {
		t.Errorf("API saw %d requests, want 1", apiCalls.Load())
	}
}

// Token failures surface as *AuthError, are not retried, and never show
// the secret or the raw token response.
func TestTokenFailure(t *testing.T) {
	t.Parallel()
	refused := httptest.NewServer(http.NotFoundHandler())
	refusedURL := refused.URL
	refused.Close()
	tests := []struct {
		name     string
		respond  http.HandlerFunc
		tokenURL string // overrides the test endpoint when set
		want     string // substring of Error()
	}{
		{
			name: "invalid client",
			respond: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_ = json.NewEncoder(w).Encode(map[string]string{
					"error":             "invalid_client",
					"error_description": "AADSTS7000215: Invalid client secret provided.",
					"debug":             "received secret " + testClientSecret + " from raw-body-marker",
				})
			},
			want: "cdf: could not obtain an access token: token endpoint returned 401 Unauthorized: invalid_client: AADSTS7000215: Invalid client secret provided.",
		},
		{
			name: "description echoes the secret",
			respond: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(t, w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "bad secret " + testClientSecret})
			},
			want: "invalid_request: bad secret [redacted]",
		},
		{
			name: "HTML error page",
			respond: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte("<html>raw-body-marker " + testClientSecret + "</html>"))
			},
			want: "token endpoint returned 503 Service Unavailable",
		},
		{
			name:     "endpoint down",
			tokenURL: refusedURL + "/oauth2/token",
			want:     "cdf: could not obtain an access token: ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			te := newTokenEndpoint(t, tt.respond)
			tokenURL := te.URL
			if tt.tokenURL != "" {
				tokenURL = tt.tokenURL
			}
			c, apiCalls := authedSetup(t, Credentials{
				Flow: FlowClientCredentials, TokenURL: tokenURL, ClientID: testClientID, ClientSecret: testClientSecret,
			})
			_, err := c.SegmentJob(t.Context(), 1)
			var ae *AuthError
			if !errors.As(err, &ae) {
				t.Fatalf("error = %v (%T), want *AuthError", err, err)
			}
			msg := err.Error()
			t.Logf("error: %s", msg)
			if !strings.Contains(msg, tt.want) {
				t.Errorf("Error() = %q, want it to contain %q", msg, tt.want)
			}
			for _, leak := range []string{testClientSecret, "raw-body-marker", "tok-1"} {
				if strings.Contains(msg, leak) || strings.Contains(errors.Unwrap(err).Error(), leak) {
					t.Errorf("error leaks %q: %s", leak, msg)
				}
			}
			if got := apiCalls.Load(); got != 0 {
				t.Errorf("API saw %d requests, want 0", got)
			}
		})
	}
}

// A hanging token endpoint does not outlive the API request's context.
func TestTokenWaitHonoursContext(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	ctx, pass := expiringContext()
	te := newTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		pass() // the deadline passes while the token request hangs
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) })
	c, _ := authedSetup(t, Credentials{Flow: FlowClientCredentials, TokenURL: te.URL, ClientID: testClientID, ClientSecret: testClientSecret})
	// The endpoint answers only once release closes, after the test: the
	// call returning at all shows that it did not wait for the token.
	_, err := c.SegmentJob(ctx, 1)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want context.DeadlineExceeded", err)
	}
}

func TestHTTPClientValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		creds Credentials
	}{
		{"unknown flow", Credentials{Flow: "password"}},
		{"no token", Credentials{Flow: FlowToken}},
		{"no token URL", Credentials{Flow: FlowClientCredentials, ClientID: "a", ClientSecret: testClientSecret}},
		{"relative token URL", Credentials{Flow: FlowClientCredentials, TokenURL: "/token", ClientID: "a", ClientSecret: testClientSecret}},
		{"no client id", Credentials{Flow: FlowClientCredentials, TokenURL: "https://idp/token", ClientSecret: testClientSecret}},
		{"no secret", Credentials{Flow: FlowClientCredentials, TokenURL: "https://idp/token", ClientID: "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := HTTPClient(t.Context(), tt.creds, nil)
			if err == nil {
				t.Fatal("HTTPClient succeeded, want an error")
			}
			if strings.Contains(err.Error(), testClientSecret) {
				t.Errorf("error leaks the secret: %v", err)
			}
		})
	}
}

// The authenticated client does not follow redirects to another host, so
// the token stays with CDF.
func TestNoCrossOriginRedirect(t *testing.T) {
	t.Parallel()
	var leaked atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("Authorization"))
	}))
	t.Cleanup(other.Close)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/steal", http.StatusFound)
	}))
	t.Cleanup(api.Close)
	hc, err := HTTPClient(t.Context(), Credentials{Flow: FlowToken, Token: "tok-1"}, httptestclient.Client(t, nil, false))
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(api.URL, testProject, hc, WithRetry(RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SegmentJob(t.Context(), 1); err == nil {
		t.Error("SegmentJob followed a cross-origin redirect")
	}
	if v, _ := leaked.Load().(string); v != "" {
		t.Errorf("token sent to another origin: %q", v)
	}
}

// A static token cannot be renewed: CDF's 401 goes to the caller after one
// request.
func TestStaticTokenRefusedIsNotRetried(t *testing.T) {
	t.Parallel()
	c, apiCalls := authedSetup(t, Credentials{Flow: FlowToken, Token: "tok-revoked"})
	_, err := c.SegmentJob(t.Context(), 1)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized {
		t.Fatalf("err = %v, want a 401 *APIError", err)
	}
	if n := apiCalls.Load(); n != 1 {
		t.Errorf("API saw %d requests, want 1", n)
	}
}

// Refresh drops the rejected token, unless another request has already
// replaced it; Token keeps a token until it is due by the clock.
func TestServiceTokensRefresh(t *testing.T) {
	t.Parallel()
	var (
		mu      sync.Mutex
		fetches int
		now     = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	)
	s := &serviceTokens{
		now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now },
		fetch: func() (*oauth2.Token, error) {
			mu.Lock()
			defer mu.Unlock()
			fetches++
			tok := &oauth2.Token{AccessToken: "tok-" + strconv.Itoa(fetches), TokenType: "Bearer"}
			return tok.WithExtra(map[string]any{"expires_in": float64(60)}), nil
		},
	}
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	steps := []struct {
		name   string
		do     func() (*oauth2.Token, error)
		want   string
		before time.Duration // clock advance before the step
	}{
		{"first use fetches", s.Token, "tok-1", 0},
		{"reused", s.Token, "tok-1", 49 * time.Second},
		{"due 10 s before expiry", s.Token, "tok-2", time.Second},
		{"refresh of the current token fetches", func() (*oauth2.Token, error) {
			return s.Refresh(t.Context(), &oauth2.Token{AccessToken: "tok-2"})
		}, "tok-3", 0},
		{"refresh of an older token returns the newer one", func() (*oauth2.Token, error) {
			return s.Refresh(t.Context(), &oauth2.Token{AccessToken: "tok-2"})
		}, "tok-3", 0},
		{"refresh when the newer one is due fetches", func() (*oauth2.Token, error) {
			return s.Refresh(t.Context(), &oauth2.Token{AccessToken: "tok-2"})
		}, "tok-4", time.Minute},
	}
	for _, st := range steps {
		advance(st.before)
		tok, err := st.do()
		if err != nil || tok.AccessToken != st.want {
			t.Errorf("%s: got %v, %v; want %s", st.name, tok, err, st.want)
		}
	}
	if fetches != 4 {
		t.Errorf("fetches = %d, want 4", fetches)
	}
}
