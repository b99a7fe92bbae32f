package auth

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/segview/segview/internal/auth/authtest"
	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/httptestclient"
)

// clock is a test clock that starts at the real time, since the provider
// issues tokens by the real time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// provider is the test's OpenID Connect provider.
type provider = authtest.Provider

func startProvider(t *testing.T) *provider { return authtest.Start(t, 0) }

// fakeCDF answers GET /api/v1/projects/p/context/vision/segment/1 with a
// job, or 401 while reject says so, and records the bearer tokens.
type fakeCDF struct {
	mu     sync.Mutex
	reject func(n int) bool // by request number, from 1
	auths  []string
}

func (f *fakeCDF) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.auths = append(f.auths, r.Header.Get("Authorization"))
	n := len(f.auths)
	reject := f.reject != nil && f.reject(n)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if reject || !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ey") {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":{"code":401,"message":"Could not authenticate."}}`)
		return
	}
	_, _ = io.WriteString(w, `{"jobId":1,"status":"Completed","createdTime":1,"items":[]}`)
}

func (f *fakeCDF) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.auths...)
}

// flow is a small dashboard guarded by Auth: /page and /image call the
// fake CDF with the person's token and answer with the viewer's name.
type flow struct {
	idp     *provider
	auth    *Auth
	cdf     *fakeCDF
	clock   *clock
	srv     *httptest.Server
	browser *http.Client // keeps cookies, does not follow redirects
}

func newFlow(t *testing.T, identity Identity, keys ...[]byte) *flow {
	t.Helper()
	f := &flow{idp: startProvider(t), cdf: &fakeCDF{}, clock: &clock{t: time.Now()}}
	cdfSrv := httptest.NewServer(f.cdf)
	t.Cleanup(cdfSrv.Close)
	hc, err := cdf.HTTPClient(t.Context(), cdf.Credentials{Flow: cdf.FlowUser}, cdfSrv.Client())
	if err != nil {
		t.Fatal(err)
	}
	client, err := cdf.New(cdfSrv.URL, "p", hc)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) == 0 {
		keys = [][]byte{testKey(t)}
	}
	f.auth, err = New(Options{
		Issuer: f.idp.Issuer(), ClientID: f.idp.ClientID, ClientSecret: f.idp.ClientSecret,
		PublicURL: "http://" + ln.Addr().String(), Scopes: []string{"openid", "profile", "email"},
		Identity: identity, Keys: keys, Now: f.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		var ae *Error
		var he *echo.HTTPError
		switch {
		case errors.As(err, &ae):
			_ = c.String(ae.Status, ae.Message)
		case errors.As(err, &he):
			_ = c.String(he.Code, "error")
		default:
			_ = c.String(http.StatusBadGateway, err.Error())
		}
	}
	show := func(c echo.Context) error {
		v, _ := ViewerFrom(c.Request().Context())
		if identity == IdentityUser {
			if _, err := client.SegmentJob(c.Request().Context(), 1); err != nil {
				return err
			}
		}
		c.Response().Header().Set("Cache-Control", "private, max-age=60")
		return c.JSON(http.StatusOK, v)
	}
	e.GET(LoginPath, f.auth.Login)
	e.GET(CallbackPath, f.auth.Callback)
	e.POST(LogoutPath, f.auth.Logout)
	e.GET("/page", show, f.auth.RequirePage)
	e.GET("/image", show, f.auth.RequireImage)
	f.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: e}}
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	f.browser = newBrowser(t)
	return f
}

func newBrowser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return httptestclient.Client(t, jar, true)
}

type reply struct {
	status int
	header http.Header
	body   string
}

func (r reply) location(t *testing.T) *url.URL {
	t.Helper()
	u, err := url.Parse(r.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func do(t *testing.T, c *http.Client, method, rawURL string, form url.Values) reply {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (f *flow) get(t *testing.T, path string) reply {
	t.Helper()
	return do(t, f.browser, http.MethodGet, f.srv.URL+path, nil)
}

// signIn queues user at the provider, opens path and follows every
// redirect through the provider back to the dashboard; it returns the
// final reply.
func (f *flow) signIn(t *testing.T, user *mockoidc.MockUser, path string) reply {
	t.Helper()
	f.idp.QueueUser(user)
	r := f.get(t, path)
	for range 5 {
		if r.status != http.StatusFound && r.status != http.StatusSeeOther {
			return r
		}
		next := r.location(t)
		if !next.IsAbs() {
			next = mustParse(t, f.srv.URL).ResolveReference(next)
		}
		r = do(t, f.browser, http.MethodGet, next.String(), nil)
	}
	t.Fatal("too many redirects")
	return r
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func viewerOf(t *testing.T, r reply) Viewer {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, body %q", r.status, r.body)
	}
	var v Viewer
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

var alice = &mockoidc.MockUser{Subject: "alice-sub", Email: "alice@example.com", PreferredUsername: "alice"}

func TestSignInAndBack(t *testing.T) {
	t.Parallel()
	f := newFlow(t, IdentityUser)
	r := f.get(t, "/page?x=1")
	if r.status != http.StatusSeeOther {
		t.Fatalf("without a session: status %d, want 303", r.status)
	}
	if got := r.location(t); got.Path != LoginPath || got.Query().Get("return_to") != "/page?x=1" {
		t.Fatalf("redirect to %s, want %s with return_to=/page?x=1", got, LoginPath)
	}
	r = f.get(t, r.header.Get("Location"))
	if r.status != http.StatusFound {
		t.Fatalf("login: status %d", r.status)
	}
	authz := r.location(t)
	q := authz.Query()
	if authz.Path != mockoidc.AuthorizationEndpoint || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" ||
		len(q.Get("state")) < 32 || len(q.Get("nonce")) < 32 || q.Get("redirect_uri") != f.srv.URL+CallbackPath {
		t.Fatalf("authorization request %s lacks PKCE, state, nonce or the redirect URL", authz)
	}
	f.idp.QueueUser(alice)
	r = do(t, f.browser, http.MethodGet, authz.String(), nil)
	callback := r.location(t)
	r = do(t, f.browser, http.MethodGet, callback.String(), nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/page?x=1" {
		t.Fatalf("callback: status %d to %q, want 303 to /page?x=1", r.status, r.header.Get("Location"))
	}
	var session, loginCleared bool
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		switch c.Name {
		case "segview_session":
			session = c.HttpOnly && c.SameSite == http.SameSiteLaxMode && c.Path == "/" && !c.Secure
		case "segview_login":
			loginCleared = c.MaxAge < 0
		}
	}
	if !session || !loginCleared {
		t.Errorf("callback cookies: session set with HttpOnly, Lax = %t; login cookie cleared = %t", session, loginCleared)
	}
	if v := viewerOf(t, f.get(t, "/page?x=1")); v.Name != "alice" || len(v.CSRFToken) < 32 {
		t.Errorf("viewer = %+v, want alice with a CSRF token", v)
	}
	auths := f.cdf.seen()
	if len(auths) != 1 || !strings.HasPrefix(auths[0], "Bearer ey") {
		t.Errorf("CDF saw %q, want the person's JWT", auths)
	}
	// Replaying the callback fails: the login cookie is gone.
	if r := do(t, f.browser, http.MethodGet, callback.String(), nil); r.status != http.StatusBadRequest {
		t.Errorf("replayed callback: status %d, want 400", r.status)
	}
}

func TestCallbackRefusals(t *testing.T) {
	t.Parallel()
	// start begins a sign-in and returns the authorization URL it leads to.
	start := func(t *testing.T, f *flow) *url.URL {
		t.Helper()
		r := f.get(t, LoginPath+"?return_to=/page")
		if r.status != http.StatusFound {
			t.Fatalf("login: %d", r.status)
		}
		return r.location(t)
	}
	// authorize asks the provider for a code with params changed by edit,
	// and returns the callback URL.
	authorize := func(t *testing.T, f *flow, authz *url.URL, edit func(url.Values)) *url.URL {
		t.Helper()
		q := authz.Query()
		if edit != nil {
			edit(q)
		}
		authz.RawQuery = q.Encode()
		f.idp.QueueUser(alice)
		r := do(t, httptestclient.Client(t, nil, true), http.MethodGet, authz.String(), nil)
		if r.status != http.StatusFound {
			t.Fatalf("authorize: %d %s", r.status, r.body)
		}
		return r.location(t)
	}
	tests := []struct {
		name   string
		run    func(t *testing.T, f *flow) *url.URL // returns the callback to open
		status int
	}{
		{name: "state of another sign-in", status: http.StatusBadRequest, run: func(t *testing.T, f *flow) *url.URL {
			return authorize(t, f, start(t, f), func(q url.Values) { q.Set("state", randomToken()) })
		}},
		{name: "no login cookie (another browser)", status: http.StatusBadRequest, run: func(t *testing.T, f *flow) *url.URL {
			cb := authorize(t, f, start(t, f), nil)
			f.browser = newBrowser(t)
			return cb
		}},
		{name: "login cookie expired", status: http.StatusBadRequest, run: func(t *testing.T, f *flow) *url.URL {
			cb := authorize(t, f, start(t, f), nil)
			f.clock.Advance(loginTTL + time.Second)
			return cb
		}},
		{name: "nonce of another sign-in", status: http.StatusBadRequest, run: func(t *testing.T, f *flow) *url.URL {
			return authorize(t, f, start(t, f), func(q url.Values) { q.Set("nonce", randomToken()) })
		}},
		{name: "code challenge of another sign-in (PKCE)", status: http.StatusBadGateway, run: func(t *testing.T, f *flow) *url.URL {
			return authorize(t, f, start(t, f), func(q url.Values) { q.Set("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM") })
		}},
		{name: "error from the provider", status: http.StatusForbidden, run: func(t *testing.T, f *flow) *url.URL {
			authz := start(t, f)
			return mustParse(t, f.srv.URL+CallbackPath+"?error=access_denied&state="+url.QueryEscape(authz.Query().Get("state")))
		}},
		{name: "forged code", status: http.StatusBadGateway, run: func(t *testing.T, f *flow) *url.URL {
			authz := start(t, f)
			return mustParse(t, f.srv.URL+CallbackPath+"?code=forged&state="+url.QueryEscape(authz.Query().Get("state")))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFlow(t, IdentityUser)
			cb := tt.run(t, f)
			r := do(t, f.browser, http.MethodGet, cb.String(), nil)
			if r.status != tt.status {
				t.Fatalf("callback: status %d, want %d; body %q", r.status, tt.status, r.body)
			}
			for _, c := range (&http.Response{Header: r.header}).Cookies() {
				if c.Name == "segview_session" && c.MaxAge >= 0 {
					t.Errorf("a refused callback set the session cookie")
				}
			}
			if r := f.get(t, "/page"); r.status != http.StatusSeeOther {
				t.Errorf("after a refused callback /page answers %d, want 303 to sign in", r.status)
			}
		})
	}
}

func TestReturnToIsSafe(t *testing.T) {
	t.Parallel()
	f := newFlow(t, IdentityService)
	f.idp.QueueUser(alice)
	r := f.get(t, LoginPath+"?return_to="+url.QueryEscape("//evil.example/x"))
	r = do(t, f.browser, http.MethodGet, r.header.Get("Location"), nil)
	r = do(t, f.browser, http.MethodGet, r.header.Get("Location"), nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
		t.Errorf("after sign-in: %d to %q, want 303 to /", r.status, r.header.Get("Location"))
	}
}

func TestSignOut(t *testing.T) {
	t.Parallel()
	f := newFlow(t, IdentityUser)
	v := viewerOf(t, f.signIn(t, alice, "/page"))
	logout := f.srv.URL + LogoutPath

	if r := do(t, f.browser, http.MethodPost, logout, url.Values{CSRFField: {"wrong"}}); r.status != http.StatusForbidden {
		t.Fatalf("sign-out with a wrong CSRF token: %d, want 403", r.status)
	}
	if r := do(t, f.browser, http.MethodPost, logout, url.Values{}); r.status != http.StatusForbidden {
		t.Fatalf("sign-out without a CSRF token: %d, want 403", r.status)
	}
	if r := f.get(t, "/page"); r.status != http.StatusOK {
		t.Fatalf("a refused sign-out ended the session: %d", r.status)
	}
	r := do(t, f.browser, http.MethodPost, logout, url.Values{CSRFField: {v.CSRFToken}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != SignedOutPath {
		t.Fatalf("sign-out: %d to %q, want 303 to %s", r.status, r.header.Get("Location"), SignedOutPath)
	}
	cleared := false
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		cleared = cleared || c.Name == "segview_session" && c.MaxAge < 0
	}
	if !cleared {
		t.Error("sign-out did not clear the session cookie")
	}
	if r := f.get(t, "/page"); r.status != http.StatusSeeOther {
		t.Errorf("after sign-out /page answers %d, want 303 to sign in", r.status)
	}
	if r := f.get(t, "/image"); r.status != http.StatusUnauthorized {
		t.Errorf("after sign-out /image answers %d, want 401", r.status)
	}
}

// sessionCookie returns the browser's session cookie for the flow.
func (f *flow) sessionCookie(t *testing.T) *http.Cookie {
	t.Helper()
	for _, c := range f.browser.Jar.Cookies(mustParse(t, f.srv.URL)) {
		if c.Name == "segview_session" {
			return c
		}
	}
	t.Fatal("no session cookie")
	return nil
}

func TestForgedAndForeignCookies(t *testing.T) {
	t.Parallel()
	oldKey, newKey := testKey(t), testKey(t)
	f := newFlow(t, IdentityUser, oldKey)
	f.signIn(t, alice, "/page")
	good := f.sessionCookie(t)

	// A replica of the same deployment after rotation: new key first, old
	// key still accepted.
	rotated, err := New(Options{Issuer: f.idp.Issuer(), ClientID: f.idp.ClientID, PublicURL: f.srv.URL, Keys: [][]byte{newKey, oldKey}, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := New(Options{Issuer: f.idp.Issuer(), ClientID: f.idp.ClientID, PublicURL: f.srv.URL, Keys: [][]byte{testKey(t)}, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	count, value, _ := strings.Cut(good.Value, ".")
	flipped := []byte(value)
	flipped[len(flipped)/2] ^= 'A' ^ 'B'
	tests := []struct {
		name  string
		auth  *Auth
		value string
		ok    bool
	}{
		{"as issued", f.auth, good.Value, true},
		{"old key after rotation", rotated, good.Value, true},
		{"foreign key", foreign, good.Value, false},
		{"tampered", f.auth, count + "." + string(flipped), false},
		{"truncated", f.auth, good.Value[:len(good.Value)-10], false},
		{"made up", f.auth, `1.{"sub":"admin"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/page", nil)
			req.AddCookie(&http.Cookie{Name: "segview_session", Value: tt.value})
			rec := httptest.NewRecorder()
			e := echo.New()
			h := tt.auth.RequirePage(func(c echo.Context) error { return c.String(http.StatusOK, "in") })
			if err := h(e.NewContext(req, rec)); err != nil {
				t.Fatal(err)
			}
			if got := rec.Code == http.StatusOK; got != tt.ok {
				t.Fatalf("let in = %t (status %d), want %t", got, rec.Code, tt.ok)
			}
			if !tt.ok && !strings.Contains(rec.Header().Get("Set-Cookie"), "Max-Age=0") {
				t.Errorf("an unreadable session cookie was not cleared: Set-Cookie %q", rec.Header().Get("Set-Cookie"))
			}
		})
	}
}

func TestImageWithoutSession(t *testing.T) {
	t.Parallel()
	f := newFlow(t, IdentityUser)
	if r := f.get(t, "/image"); r.status != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", r.status)
	}
	f.signIn(t, alice, "/page")
	r := f.get(t, "/image")
	if r.status != http.StatusOK {
		t.Fatalf("signed in: status %d", r.status)
	}
	if cc := r.header.Get("Cache-Control"); cc != "private, no-cache" {
		t.Errorf("Cache-Control = %q, want private, no-cache", cc)
	}
}

// A token that is due is refreshed before the request, and the new one is
// kept in the session cookie.
func TestTokenRefreshedWhenDue(t *testing.T) {
	t.Parallel()
	f := newFlow(t, IdentityUser)
	f.signIn(t, alice, "/page")
	before := f.sessionCookie(t).Value
	if n := f.idp.GrantCount("refresh_token"); n != 0 {
		t.Fatalf("%d refresh grants right after sign-in", n)
	}
	f.clock.Advance(f.idp.AccessTTL)
	r := f.get(t, "/page")
	viewerOf(t, r)
	if n := f.idp.GrantCount("refresh_token"); n != 1 {
		t.Errorf("refresh grants = %d, want 1", n)
	}
	if f.sessionCookie(t).Value == before {
		t.Error("the session cookie was not rewritten with the refreshed token")
	}
	// The refreshed token is valid again by the test clock, since the
	// provider sets its expiry by real time: no second refresh is due yet.
	viewerOf(t, f.get(t, "/page"))
}

// A 401 from CDF leads to one refresh and one retry. When CDF keeps
// refusing, the session ends and the person signs in again, except right
// after signing in, when that would loop.
func TestCDF401(t *testing.T) {
	t.Parallel()
	t.Run("refresh and retry", func(t *testing.T) {
		t.Parallel()
		f := newFlow(t, IdentityUser)
		f.signIn(t, alice, "/page")
		f.cdf.mu.Lock()
		f.cdf.reject = func(n int) bool { return n == 2 }
		f.cdf.mu.Unlock()
		viewerOf(t, f.get(t, "/page"))
		if n := f.idp.GrantCount("refresh_token"); n != 1 {
			t.Errorf("refresh grants = %d, want 1", n)
		}
		if n := len(f.cdf.seen()); n != 3 {
			t.Errorf("CDF saw %d requests, want 3 (sign-in page, refused, retried)", n)
		}
	})
	t.Run("still refused", func(t *testing.T) {
		t.Parallel()
		f := newFlow(t, IdentityUser)
		f.signIn(t, alice, "/page")
		f.cdf.mu.Lock()
		f.cdf.reject = func(n int) bool { return n > 1 }
		f.cdf.mu.Unlock()
		if r := f.get(t, "/page"); r.status != http.StatusBadGateway {
			t.Errorf("right after sign-in: status %d, want the error itself (502), not another sign-in", r.status)
		}
		f.clock.Advance(freshLogin + time.Second)
		r := f.get(t, "/page")
		if r.status != http.StatusSeeOther || r.location(t).Path != LoginPath {
			t.Fatalf("status %d to %q, want 303 to sign in", r.status, r.header.Get("Location"))
		}
		if r := f.get(t, "/page"); r.status != http.StatusSeeOther {
			t.Errorf("the session survived: %d", r.status)
		}
		// One refresh: the second request's 401 came to the token that
		// refresh had just got and CDF refused, which is not refreshed
		// again (package cdf's transport); the person signs in again.
		if n := f.idp.GrantCount("refresh_token"); n != 1 {
			t.Errorf("refresh grants = %d, want 1 (a refreshed token CDF refused is not refreshed again)", n)
		}
	})
}

// With IdentityService the session holds no tokens.
func TestServiceIdentityKeepsNoTokens(t *testing.T) {
	t.Parallel()
	f := newFlow(t, IdentityService)
	viewerOf(t, f.signIn(t, alice, "/page"))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(f.sessionCookie(t))
	s, ok := f.auth.readSession(req)
	if !ok || s.Token != nil {
		t.Errorf("session = %+v (ok %t), want one without tokens", s, ok)
	}
	if n := len(f.cdf.seen()); n != 0 {
		t.Errorf("CDF saw %d requests", n)
	}
}

// A session ends after SessionTTL whatever its tokens say.
func TestSessionExpires(t *testing.T) {
	t.Parallel()
	f := newFlow(t, IdentityService)
	viewerOf(t, f.signIn(t, alice, "/page"))
	f.clock.Advance(DefaultSessionTTL - time.Minute)
	viewerOf(t, f.get(t, "/page"))
	f.clock.Advance(2 * time.Minute)
	if r := f.get(t, "/page"); r.status != http.StatusSeeOther {
		t.Errorf("after %v: status %d, want 303 to sign in", DefaultSessionTTL+time.Minute, r.status)
	}
}
