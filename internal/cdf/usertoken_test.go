package cdf

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/oauth2"
)

// personSource is a person's token source: it hands out tokens[i] and
// moves to the next one on Refresh.
type personSource struct {
	mu         sync.Mutex
	tokens     []string
	i          int
	refreshes  int
	refreshErr error
}

func (p *personSource) Token() (*oauth2.Token, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return &oauth2.Token{AccessToken: p.tokens[p.i], TokenType: "Bearer"}, nil
}

func (p *personSource) Refresh(_ context.Context, rejected *oauth2.Token) (*oauth2.Token, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refreshes++
	if p.refreshErr != nil {
		return nil, p.refreshErr
	}
	if rejected.AccessToken == p.tokens[p.i] && p.i+1 < len(p.tokens) {
		p.i++
	}
	return &oauth2.Token{AccessToken: p.tokens[p.i], TokenType: "Bearer"}, nil
}

// plainSource is a token source that cannot refresh.
type plainSource string

func (s plainSource) Token() (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: string(s), TokenType: "Bearer"}, nil
}

// personAPI serves files/byids and a job, accepting only the bearer tokens
// in valid, and records every Authorization header and request body.
type personAPI struct {
	mu     sync.Mutex
	valid  map[string]bool
	auths  []string
	bodies []string
}

func (a *personAPI) handler(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	prefix := "/api/v1/projects/" + testProject
	check := func(w http.ResponseWriter, r *http.Request) bool {
		body, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		defer a.mu.Unlock()
		auth := r.Header.Get("Authorization")
		a.auths = append(a.auths, auth)
		a.bodies = append(a.bodies, string(body))
		if !a.valid[strings.TrimPrefix(auth, "Bearer ")] {
			writeJSON(t, w, http.StatusUnauthorized, map[string]any{"error": map[string]any{"code": 401, "message": "Could not authenticate."}})
			return false
		}
		return true
	}
	mux.HandleFunc("GET "+prefix+"/context/vision/segment/{id}", func(w http.ResponseWriter, r *http.Request) {
		if check(w, r) {
			writeJSON(t, w, http.StatusOK, map[string]any{"jobId": 1, "status": "Queued"})
		}
	})
	mux.HandleFunc("POST "+prefix+"/files/byids", func(w http.ResponseWriter, r *http.Request) {
		if check(w, r) {
			writeJSON(t, w, http.StatusOK, map[string]any{"items": []any{map[string]any{"id": 7, "name": "a.jpg"}}})
		}
	})
	return mux
}

func (a *personAPI) seen() (auths, bodies []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.auths...), append([]string(nil), a.bodies...)
}

func newPersonClient(t *testing.T, creds Credentials, valid ...string) (*Client, *personAPI) {
	t.Helper()
	api := &personAPI{valid: map[string]bool{}}
	for _, v := range valid {
		api.valid[v] = true
	}
	srv := httptest.NewServer(api.handler(t))
	t.Cleanup(srv.Close)
	hc, err := HTTPClient(t.Context(), creds, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(srv.URL, testProject, hc, WithRetry(testRetry(&sleepRecorder{})))
	if err != nil {
		t.Fatal(err)
	}
	return c, api
}

func TestPersonTokenReplacesServiceToken(t *testing.T) {
	t.Parallel()
	te := newTokenEndpoint(t, nil)
	c, api := newPersonClient(t, Credentials{Flow: FlowClientCredentials, TokenURL: te.URL, ClientID: testClientID, ClientSecret: testClientSecret}, "tok-1", "alice-1")
	ctx := WithTokenSource(t.Context(), plainSource("alice-1"))
	if _, err := c.SegmentJob(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SegmentJob(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	auths, _ := api.seen()
	if want := []string{"Bearer alice-1", "Bearer tok-1"}; strings.Join(auths, ",") != strings.Join(want, ",") {
		t.Errorf("Authorization headers = %q, want %q", auths, want)
	}
	if got := te.calls.Load(); got != 1 {
		t.Errorf("token endpoint saw %d requests, want 1 (only for the call without a person)", got)
	}
}

func TestFlowUserNeedsAPerson(t *testing.T) {
	t.Parallel()
	c, api := newPersonClient(t, Credentials{Flow: FlowUser}, "alice-1")
	_, err := c.SegmentJob(t.Context(), 1)
	var ae *AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v (%T), want *AuthError", err, err)
	}
	if auths, _ := api.seen(); len(auths) != 0 {
		t.Errorf("CDF saw %d requests without a person, want 0", len(auths))
	}
	if _, err := c.SegmentJob(WithTokenSource(t.Context(), plainSource("alice-1")), 1); err != nil {
		t.Errorf("with a person's token: %v", err)
	}
}

// A 401 to a person's token leads to one refresh and one retry, with the
// request body sent again; a second 401 reaches the caller.
func TestPersonToken401RefreshesOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		tokens        []string
		refreshErr    error
		wantAuths     []string
		wantRefreshes int
		wantStatus    int  // of the *APIError, 0 for success
		wantAuthErr   bool // a *AuthError from the failed refresh
	}{
		{name: "refreshed token accepted", tokens: []string{"alice-old", "alice-1"},
			wantAuths: []string{"Bearer alice-old", "Bearer alice-1"}, wantRefreshes: 1},
		{name: "refreshed token rejected too", tokens: []string{"alice-old", "alice-revoked"},
			wantAuths: []string{"Bearer alice-old", "Bearer alice-revoked"}, wantRefreshes: 1, wantStatus: http.StatusUnauthorized},
		{name: "refresh fails", tokens: []string{"alice-old"}, refreshErr: &oauth2.RetrieveError{Response: &http.Response{StatusCode: 400}, ErrorCode: "invalid_grant"},
			wantAuths: []string{"Bearer alice-old"}, wantRefreshes: 1, wantAuthErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, api := newPersonClient(t, Credentials{Flow: FlowUser}, "alice-1")
			src := &personSource{tokens: tt.tokens, refreshErr: tt.refreshErr}
			_, err := c.FilesByIDs(WithTokenSource(t.Context(), src), []FileIdentifier{ByID(7)}, false)
			var (
				apiErr  *APIError
				authErr *AuthError
			)
			switch {
			case tt.wantAuthErr:
				if !errors.As(err, &authErr) || !strings.Contains(err.Error(), "invalid_grant") {
					t.Errorf("err = %v, want *AuthError naming invalid_grant", err)
				}
			case tt.wantStatus != 0:
				if !errors.As(err, &apiErr) || apiErr.Status != tt.wantStatus {
					t.Errorf("err = %v, want *APIError %d", err, tt.wantStatus)
				}
			case err != nil:
				t.Errorf("err = %v, want success", err)
			}
			auths, bodies := api.seen()
			if strings.Join(auths, ",") != strings.Join(tt.wantAuths, ",") {
				t.Errorf("Authorization headers = %q, want %q", auths, tt.wantAuths)
			}
			for i, b := range bodies {
				if !strings.Contains(b, `"id":7`) {
					t.Errorf("request %d body = %q, want the file ids", i, b)
				}
			}
			if src.refreshes != tt.wantRefreshes {
				t.Errorf("refreshes = %d, want %d", src.refreshes, tt.wantRefreshes)
			}
		})
	}
}

func TestPersonToken401WithoutRefresherNotRetried(t *testing.T) {
	t.Parallel()
	c, api := newPersonClient(t, Credentials{Flow: FlowUser}, "alice-1")
	_, err := c.SegmentJob(WithTokenSource(t.Context(), plainSource("alice-old")), 1)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized {
		t.Fatalf("err = %v, want *APIError 401", err)
	}
	if auths, _ := api.seen(); len(auths) != 1 {
		t.Errorf("CDF saw %d requests, want 1", len(auths))
	}
}

// The download client never sees the person's token.
func TestPersonTokenNotSentToDownloads(t *testing.T) {
	t.Parallel()
	var sawAuth atomic.Value
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawAuth.Store(r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write([]byte("png"))
	}))
	t.Cleanup(storage.Close)
	api := &personAPI{valid: map[string]bool{"alice-1": true}}
	srv := httptest.NewServer(api.handler(t))
	t.Cleanup(srv.Close)
	hc, err := HTTPClient(t.Context(), Credentials{Flow: FlowUser}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(srv.URL, testProject, hc, WithRetry(testRetry(&sleepRecorder{})),
		WithDownloadPolicy(DownloadPolicy{CDFHost: strings.TrimPrefix(srv.URL, "http://"), AllowPrivate: true}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := WithTokenSource(t.Context(), &personSource{tokens: []string{"alice-1"}})
	if _, _, err := c.Download(ctx, storage.URL+"/bucket/object?sig=x"); err != nil {
		t.Fatal(err)
	}
	if got, _ := sawAuth.Load().(string); got != "" {
		t.Errorf("download carried Authorization %q", got)
	}
}
