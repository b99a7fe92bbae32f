package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"image"
	_ "image/png" // overlays
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/segview/segview/internal/auth/authtest"
	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/config"
	"github.com/segview/segview/internal/htmltest"
	"github.com/segview/segview/internal/httptestclient"
	"github.com/segview/segview/internal/metrics/metricstest"
)

// People at the test's identity provider. CDF (the simulator) grants alice
// filesAcl:READ in the project and bob nothing.
var (
	alice = &mockoidc.MockUser{Subject: "alice-sub", Email: "alice@example.com", PreferredUsername: "alice"}
	bob   = &mockoidc.MockUser{Subject: "bob-sub", Email: "bob@example.com", PreferredUsername: "bob"}
	// carol may also read and write annotations: she records verdicts.
	carol = &mockoidc.MockUser{Subject: "carol-sub", Email: "carol@example.com", PreferredUsername: "carol"}
)

// idp is the test's OpenID Connect provider.
type idp = authtest.Provider

func startIDP(t *testing.T, accessTTL time.Duration) *idp { return authtest.Start(t, accessTTL) }

// signInStack is the dashboard with SEGVIEW_AUTH=oidc, configured from
// environment variables like in production, between a real OpenID Connect
// provider and a simulator that verifies that provider's tokens.
type signInStack struct {
	idp   *idp
	sim   *cdfsim.Server
	srv   *httptest.Server
	logs  *syncBuffer
	env   map[string]string
	clock *offsetClock // the dashboard's and the simulator's
}

// offsetClock is the real time moved forward by what a test skipped.
type offsetClock struct{ offset atomic.Int64 }

func (c *offsetClock) Now() time.Time {
	return time.Now().Add(time.Duration(c.offset.Load()))
}

// skip moves the clocks of the dashboard, the simulator and the identity
// provider d forward at once: tokens expire without anybody waiting.
func (s *signInStack) skip(d time.Duration) {
	s.clock.offset.Add(int64(d))
	s.idp.FastForward(d)
}

func newSessionKey(t *testing.T) string {
	t.Helper()
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(k)
}

// newSignInStack starts a provider (accessTTL 0: its default), a simulator
// trusting it, and the dashboard with env over the sign-in defaults
// (SEGVIEW_CDF_IDENTITY=user, no service principal).
func newSignInStack(t *testing.T, accessTTL time.Duration, env map[string]string) *signInStack {
	t.Helper()
	return newSignInStackWith(t, accessTTL, env, nil)
}

// newSignInStackWith is newSignInStack with simulator options adjusted by
// simOpts.
func newSignInStackWith(t *testing.T, accessTTL time.Duration, env map[string]string, simOpts func(*cdfsim.Options)) *signInStack {
	t.Helper()
	p := startIDP(t, accessTTL)
	clock := &offsetClock{}
	opts := cdfsim.Options{Project: testProject, ClientID: testClientID, ClientSecret: testSecret, Seed: true, Now: clock.Now,
		OIDCIssuer: p.Issuer(), OIDCAudience: p.ClientID,
		UserCapabilities: map[string][]string{alice.Subject: {cdfsim.CapFilesRead}, bob.Email: {"groupsAcl:LIST"},
			carol.Subject: {cdfsim.CapFilesRead, cdfsim.CapAnnotationsRead, cdfsim.CapAnnotationsWrite}}}
	if simOpts != nil {
		simOpts(&opts)
	}
	sim, simURL := startSim(t, opts)
	s := &signInStack{idp: p, sim: sim, clock: clock, env: map[string]string{
		"CDF_PROJECT":                testProject,
		"CDF_URL":                    simURL,
		"SEGVIEW_AUTH":               "oidc",
		"SEGVIEW_OIDC_ISSUER":        p.Issuer(),
		"SEGVIEW_OIDC_CLIENT_ID":     p.ClientID,
		"SEGVIEW_OIDC_CLIENT_SECRET": p.ClientSecret,
		// The provider knows no offline_access and no CDF scope; it
		// issues refresh tokens anyway.
		"SEGVIEW_OIDC_SCOPES": "openid profile email",
		"SEGVIEW_SESSION_KEY": newSessionKey(t),
	}}
	for k, v := range env {
		s.env[k] = v
	}
	s.srv, s.logs = s.startReplica(t, nil)
	return s
}

// startReplica starts one more dashboard with the stack's settings and env
// over them.
func (s *signInStack) startReplica(t *testing.T, env map[string]string) (*httptest.Server, *syncBuffer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"SEGVIEW_PUBLIC_URL": "http://" + ln.Addr().String()}
	for k, v := range s.env {
		vars[k] = v
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok }, nil)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	a, err := New(t.Context(), cfg, slog.New(slog.NewJSONHandler(logs, nil)), "0.0.0-test", WithCDFOptions(cdf.WithRetry(fastRetry())), WithClock(s.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: a.Handler}}
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		a.Close()
		for _, secret := range []string{s.idp.ClientSecret, vars["SEGVIEW_SESSION_KEY"]} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("a secret appears in the server log")
			}
		}
	})
	return srv, logs
}

// browser keeps cookies and does not follow redirects.
type browser struct {
	*http.Client
	base string
}

func (s *signInStack) browser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{Client: httptestclient.Client(t, jar, true), base: s.srv.URL}
}

func (b *browser) do(t *testing.T, method, target string, form url.Values) response {
	t.Helper()
	if strings.HasPrefix(target, "/") {
		target = b.base + target
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

func (b *browser) get(t *testing.T, target string) response {
	t.Helper()
	return b.do(t, http.MethodGet, target, nil)
}

// signIn opens path as user and follows the redirects through the
// provider and back; it returns the final answer.
func (b *browser) signIn(t *testing.T, s *signInStack, user *mockoidc.MockUser, path string) response {
	t.Helper()
	s.idp.QueueUser(user)
	r := b.get(t, path)
	for range 6 {
		if r.status != http.StatusFound && r.status != http.StatusSeeOther {
			return r
		}
		r = b.get(t, r.header.Get("Location"))
	}
	t.Fatal("too many redirects")
	return r
}

func (s *signInStack) jobPage(t *testing.T) (path string, job *cdfsim.Job) {
	t.Helper()
	for _, dj := range s.sim.DemoJobs() {
		if j, ok := s.sim.Job(dj.ID); ok && len(j.Items) > 0 && j.Status == "Completed" {
			return fmt.Sprintf("/projects/%s/jobs/%d", testProject, dj.ID), &j
		}
	}
	t.Fatal("no completed demo job with files")
	return "", nil
}

func overlayPath(page string, fileID int64) string {
	return fmt.Sprintf("%s/files/%d/overlay.png?width=320", page, fileID)
}

func wantImage(t *testing.T, r response) {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	if _, _, err := image.Decode(strings.NewReader(string(r.body))); err != nil {
		t.Fatalf("not an image: %v", err)
	}
}

func TestSignInRequired(t *testing.T) {
	t.Parallel()
	s := newSignInStack(t, 0, nil)
	page, job := s.jobPage(t)
	b := s.browser(t)
	for _, path := range []string{"/", page, page + "?x=1", page + "/status", "/jobs/1001", "/open?job=1001"} {
		r := b.get(t, path)
		wantStatus(t, r, http.StatusSeeOther)
		loc, err := url.Parse(r.header.Get("Location"))
		if err != nil || loc.Path != "/auth/login" || loc.Query().Get("return_to") != path {
			t.Errorf("GET %s redirects to %q, want /auth/login with return_to=%s", path, r.header.Get("Location"), path)
		}
	}
	for _, name := range []string{"overlay.png", "overlay.jpg", "layer.png"} {
		r := b.get(t, fmt.Sprintf("%s/files/%d/%s", page, job.Items[0].FileID, name))
		wantStatus(t, r, http.StatusUnauthorized)
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("%s without a session: content type %q, want plain text", name, ct)
		}
	}
	wantStatus(t, b.get(t, "/healthz"), http.StatusOK)
	if n := s.sim.APIRequests("/api/"); n != 0 {
		t.Errorf("CDF saw %d requests from a visitor without a session", n)
	}
	// A return-to that leaves the dashboard is dropped at sign-in.
	s.idp.QueueUser(alice)
	r := b.get(t, "/auth/login?return_to="+url.QueryEscape("//evil.example/"))
	wantStatus(t, r, http.StatusFound)
	r = b.get(t, r.header.Get("Location")) // the provider
	wantStatus(t, r, http.StatusFound)
	r = b.get(t, r.header.Get("Location")) // the callback
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/" {
		t.Errorf("after sign-in the browser goes to %q, want /", loc)
	}
}

func TestPersonSeesJobAndOverlayWithOwnToken(t *testing.T) {
	t.Parallel()
	s := newSignInStack(t, 0, nil)
	page, job := s.jobPage(t)
	b := s.browser(t)
	r := b.signIn(t, s, alice, page)
	wantStatus(t, r, http.StatusOK)
	doc := htmltest.Parse(t, r.body)
	if got := htmltest.Text(doc.One(t, "user")); got != "alice" {
		t.Errorf("header names %q, want alice", got)
	}
	form := doc.One(t, "signout")
	if htmltest.Attr(form, "method") != "post" || htmltest.Attr(form, "action") != "/auth/logout" {
		t.Errorf("sign-out form: method %q action %q", htmltest.Attr(form, "method"), htmltest.Attr(form, "action"))
	}
	imgs := doc.ByTestID("overlay")
	if len(imgs) == 0 {
		t.Fatal("no overlay on the job page")
	}
	byids := s.sim.PersonRequests(alice.Subject, "/files/byids")
	img := b.get(t, htmltest.Attr(imgs[0], "src"))
	wantImage(t, img)
	// The access check reads the file once; the renderer uses its version.
	if n := s.sim.PersonRequests(alice.Subject, "/files/byids") - byids; n != 1 {
		t.Errorf("the overlay read files/byids %d times, want once", n)
	}
	if cc := img.header.Get("Cache-Control"); cc != "private, no-cache" {
		t.Errorf("overlay Cache-Control = %q, want private, no-cache", cc)
	}
	if n := s.sim.PersonRequests(alice.Subject, fmt.Sprintf("/context/vision/segment/%d", job.ID)); n < 2 {
		t.Errorf("CDF saw %d job requests with alice's token, want the page's and the overlay's", n)
	}
	if n := s.sim.PersonRequests(alice.Subject, "/files/"); n == 0 {
		t.Error("CDF saw no files request with alice's token")
	}
	if n := s.sim.TokenRequests(); n != 0 {
		t.Errorf("%d client-credentials tokens were requested, want none: there is no service principal", n)
	}
	if h := s.sim.LastHeaders("/download/"); h == nil || h.Get("Authorization") != "" {
		t.Errorf("download request headers %v: want a download without Authorization", h)
	}
}

// The name from the identity provider is text, never markup.
func TestPersonNameIsEscaped(t *testing.T) {
	t.Parallel()
	s := newSignInStack(t, 0, nil)
	b := s.browser(t)
	mallory := &mockoidc.MockUser{Subject: alice.Subject, PreferredUsername: `<script>alert("x")</script>`}
	r := b.signIn(t, s, mallory, "/")
	wantStatus(t, r, http.StatusOK)
	if strings.Contains(string(r.body), "<script>alert") {
		t.Fatal("the name from the ID token reached the page as markup")
	}
	if got := htmltest.Text(htmltest.Parse(t, r.body).One(t, "user")); got != mallory.PreferredUsername {
		t.Errorf("header names %q, want %q", got, mallory.PreferredUsername)
	}
}

func TestPersonWithoutAccessGets403(t *testing.T) {
	t.Parallel()
	s := newSignInStack(t, 0, nil)
	page, job := s.jobPage(t)
	b := s.browser(t)
	r := b.signIn(t, s, bob, page)
	wantStatus(t, r, http.StatusForbidden)
	doc := htmltest.Parse(t, r.body)
	if got := htmltest.Attr(doc.One(t, "error"), "data-status"); got != "403" {
		t.Errorf("error page status %q", got)
	}
	if msg := htmltest.Text(doc.One(t, "error-message")); !strings.Contains(msg, "filesAcl:READ") {
		t.Errorf("error message %q does not name filesAcl:READ", msg)
	}
	if got := htmltest.Text(doc.One(t, "user")); got != "bob" {
		t.Errorf("header names %q, want bob", got)
	}
	img := b.get(t, overlayPath(page, job.Items[0].FileID))
	wantStatus(t, img, http.StatusForbidden)
	if n := s.sim.PersonRequests(bob.Subject, "/context/vision/segment/"); n == 0 {
		t.Error("CDF never saw bob's token")
	}
}

// The renderer caches decoded images and finished jobs for everybody: a
// person CDF refuses must not get them right after someone else drew them.
func TestNoOverlayFromAnotherPersonsCache(t *testing.T) {
	t.Parallel()
	s := newSignInStack(t, 0, nil)
	page, job := s.jobPage(t)
	overlay := overlayPath(page, job.Items[0].FileID)

	a := s.browser(t)
	wantStatus(t, a.signIn(t, s, alice, page), http.StatusOK)
	wantImage(t, a.get(t, overlay))
	downloads := s.sim.APIRequests("/download/")

	b := s.browser(t)
	wantStatus(t, b.signIn(t, s, bob, page), http.StatusForbidden)
	before := s.sim.PersonRequests(bob.Subject, "")
	for _, path := range []string{overlay, strings.Replace(overlay, "overlay.png", "layer.png", 1), strings.Replace(overlay, "overlay.png", "overlay.jpg", 1)} {
		r := b.get(t, path)
		wantStatus(t, r, http.StatusForbidden)
		if len(r.body) > 0 && r.body[0] == 0x89 {
			t.Fatalf("%s: bob got image bytes", path)
		}
	}
	if n := s.sim.PersonRequests(bob.Subject, "") - before; n < 3 {
		t.Errorf("CDF was asked %d times with bob's token for 3 overlays, want at least one each", n)
	}
	// Alice still gets it from the cache, after CDF said yes to her.
	wantImage(t, a.get(t, overlay))
	if n := s.sim.APIRequests("/download/"); n != downloads {
		t.Errorf("downloads went from %d to %d: the cached image was not used", downloads, n)
	}
}

// The renderer shares one CDF call among concurrent requests for the same
// file: a person CDF refuses must not join a call made with someone else's
// token while it is under way.
func TestNoOverlayFromAnotherPersonsCall(t *testing.T) {
	t.Parallel()
	s := newSignInStack(t, 0, nil)
	page, job := s.jobPage(t)
	overlay := overlayPath(page, job.Items[0].FileID)
	a, b := s.browser(t), s.browser(t)
	wantStatus(t, a.signIn(t, s, alice, page), http.StatusOK)
	wantStatus(t, b.signIn(t, s, bob, page), http.StatusForbidden)
	wantImage(t, a.get(t, overlay)) // the job and the image are cached now

	// Alice's next file lookup is held at CDF; bob asks meanwhile.
	hold, held := make(chan struct{}), make(chan string)
	release := sync.OnceFunc(func() { close(hold) })
	defer release()
	s.sim.InjectFault(cdfsim.Fault{Match: "/files/byids", Hold: hold, Held: held, Times: 1})
	done := make(chan response, 1)
	go func() { done <- a.get(t, overlay) }()
	<-held
	bobs := make(chan response, 1)
	go func() { bobs <- b.get(t, overlay) }()
	var r response
	select {
	case r = <-bobs: // answered while alice's call is still under way
	case <-time.After(time.Minute):
		// Only a hang guard: bob seems to wait for alice's call. Let it
		// end; what he gets then says whether he joined it.
		release()
		r = <-bobs
	}
	wantStatus(t, r, http.StatusForbidden)
	release()
	wantImage(t, <-done)
}

func TestExpiredTokenIsRefreshed(t *testing.T) {
	t.Parallel()
	const ttl = 10 * time.Minute
	s := newSignInStack(t, ttl, nil)
	page, _ := s.jobPage(t)
	b := s.browser(t)
	wantStatus(t, b.signIn(t, s, alice, page), http.StatusOK)
	refreshes := s.idp.GrantCount("refresh_token")
	// The access token expires, for the dashboard and for CDF (the
	// simulator would refuse it), then the page is opened again.
	s.skip(ttl + time.Second)
	requests := s.sim.PersonRequests(alice.Subject, "")
	wantStatus(t, b.get(t, page), http.StatusOK)
	if n := s.idp.GrantCount("refresh_token"); n <= refreshes {
		t.Errorf("refresh_token grants = %d, want more than %d", n, refreshes)
	}
	if s.sim.PersonRequests(alice.Subject, "") <= requests {
		t.Error("CDF saw no request with alice's refreshed token")
	}
}

func TestCDF401RefreshesAndRetriesOnce(t *testing.T) {
	t.Parallel()
	s := newSignInStack(t, 0, nil)
	page, job := s.jobPage(t)
	b := s.browser(t)
	wantStatus(t, b.signIn(t, s, alice, page), http.StatusOK)
	refreshes := s.idp.GrantCount("refresh_token")
	jobPath := fmt.Sprintf("/context/vision/segment/%d", job.ID)
	before := s.sim.APIRequests(jobPath)
	s.sim.InjectFault(cdfsim.Fault{Match: jobPath, Status: http.StatusUnauthorized, Times: 1})
	wantStatus(t, b.get(t, page), http.StatusOK)
	if n := s.idp.GrantCount("refresh_token") - refreshes; n != 1 {
		t.Errorf("refresh_token grants = %d, want 1", n)
	}
	if n := s.sim.APIRequests(jobPath) - before; n != 2 {
		t.Errorf("job requests = %d, want 2 (refused, retried)", n)
	}
	fams := metricstest.Scrape(t, nil, s.srv.URL+"/metrics")
	if v, _ := fams.Value("segview_auth_token_refreshes_total", map[string]string{"result": "ok"}); v != 1 {
		t.Errorf("segview_auth_token_refreshes_total{result=ok} = %v, want 1", v)
	}
}

func TestSignOutClearsSession(t *testing.T) {
	t.Parallel()
	s := newSignInStack(t, 0, nil)
	page, _ := s.jobPage(t)
	b := s.browser(t)
	r := b.signIn(t, s, alice, page)
	wantStatus(t, r, http.StatusOK)
	var csrf string
	for _, in := range htmltest.ByTag(htmltest.Parse(t, r.body).One(t, "signout"), "input") {
		if htmltest.Attr(in, "name") == "csrf_token" {
			csrf = htmltest.Attr(in, "value")
		}
	}
	if len(csrf) < 32 {
		t.Fatalf("sign-out form carries CSRF token %q", csrf)
	}
	wantStatus(t, b.do(t, http.MethodPost, "/auth/logout", url.Values{"csrf_token": {"forged"}}), http.StatusForbidden)
	wantStatus(t, b.get(t, page), http.StatusOK)

	r = b.do(t, http.MethodPost, "/auth/logout", url.Values{"csrf_token": {csrf}})
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/signed-out" {
		t.Errorf("sign-out redirects to %q", loc)
	}
	cleared := false
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		cleared = cleared || c.Name == "segview_session" && c.MaxAge < 0
	}
	if !cleared {
		t.Error("sign-out did not clear the session cookie")
	}
	out := b.get(t, "/signed-out")
	wantStatus(t, out, http.StatusOK)
	htmltest.Parse(t, out.body).One(t, "signed-out")
	wantStatus(t, b.get(t, page), http.StatusSeeOther)
}

// Sessions need no shared store: another replica with the same keys reads
// them, also after a key rotation; a replica with other keys, or a changed
// cookie, gets none.
func TestSessionCookieAcrossReplicas(t *testing.T) {
	t.Parallel()
	s := newSignInStack(t, 0, nil)
	page, _ := s.jobPage(t)
	b := s.browser(t)
	wantStatus(t, b.signIn(t, s, alice, page), http.StatusOK)
	var session *http.Cookie
	for _, c := range b.Jar.Cookies(mustURL(t, s.srv.URL)) {
		if c.Name == "segview_session" {
			session = c
		}
	}
	if session == nil {
		t.Fatal("no session cookie")
	}
	oldKey := s.env["SEGVIEW_SESSION_KEY"]
	rotated, _ := s.startReplica(t, map[string]string{"SEGVIEW_SESSION_KEY": newSessionKey(t) + "," + oldKey})
	foreign, _ := s.startReplica(t, map[string]string{"SEGVIEW_SESSION_KEY": newSessionKey(t)})
	same, _ := s.startReplica(t, nil)
	tampered := []byte(session.Value)
	tampered[len(tampered)/2] ^= 0x01
	tests := []struct {
		name   string
		srv    *httptest.Server
		value  string
		status int
	}{
		{"replica with the same key", same, session.Value, http.StatusOK},
		{"replica with the key rotated", rotated, session.Value, http.StatusOK},
		{"replica with another key", foreign, session.Value, http.StatusSeeOther},
		{"changed cookie", same, string(tampered), http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, tt.srv.URL+page, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.AddCookie(&http.Cookie{Name: "segview_session", Value: tt.value})
			resp, err := httptestclient.Client(t, nil, true).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
}

// With SEGVIEW_CDF_IDENTITY=service sign-in only gates the dashboard: CDF
// sees the service principal, so bob sees the job.
func TestServiceIdentityGatesOnly(t *testing.T) {
	t.Parallel()
	s := newSignInStack(t, 0, nil)
	srv, _ := s.startReplica(t, map[string]string{
		"SEGVIEW_CDF_IDENTITY": "service",
		"IDP_TOKEN_URL":        s.sim.TokenURL(s.env["CDF_URL"]),
		"IDP_CLIENT_ID":        testClientID,
		"IDP_CLIENT_SECRET":    testSecret,
	})
	page, _ := s.jobPage(t)
	b := s.browser(t)
	b.base = srv.URL
	wantStatus(t, b.get(t, page), http.StatusSeeOther)
	r := b.signIn(t, s, bob, page)
	wantStatus(t, r, http.StatusOK)
	if got := htmltest.Text(htmltest.Parse(t, r.body).One(t, "user")); got != "bob" {
		t.Errorf("header names %q, want bob", got)
	}
	if n := s.sim.PersonRequests(bob.Subject, ""); n != 0 {
		t.Errorf("CDF saw %d requests with bob's token, want none", n)
	}
	if s.sim.TokenRequests() == 0 {
		t.Error("the service principal never got a token")
	}
}

// A verdict is written with the person's own token, in their name; a
// person CDF does not let write annotations is told so and nothing is
// stored.
func TestPersonRecordsVerdictWithOwnToken(t *testing.T) {
	t.Parallel()
	s := newSignInStack(t, 0, nil)
	page, job := s.jobPage(t)
	fileID := job.Items[0].FileID
	verdictForm := func(r response) (action string, form url.Values) {
		t.Helper()
		wantStatus(t, r, http.StatusOK)
		doc := htmltest.Parse(t, r.body)
		forms := doc.ByTestID("verdict-form")
		if len(forms) == 0 {
			t.Fatalf("no verdict form on the page:\n%.400s", r.body)
		}
		form = url.Values{"verdict": {"1:approved"}, "view": {"min_score=0.5"}}
		for _, in := range htmltest.ByTag(forms[0], "input") {
			if htmltest.Attr(in, "name") == "csrf_token" {
				form.Set("csrf_token", htmltest.Attr(in, "value"))
			}
		}
		if form.Get("csrf_token") == "" {
			t.Fatal("the verdict form carries no CSRF token")
		}
		return htmltest.Attr(forms[0], "action"), form
	}

	// carol approves segment 1.
	b := s.browser(t)
	action, form := verdictForm(b.signIn(t, s, carol, page))
	r := b.do(t, http.MethodPost, action, form)
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != fmt.Sprintf("%s?min_score=0.5#file-%d", page, fileID) {
		t.Errorf("after the verdict the browser goes to %q", loc)
	}
	if n := s.sim.PersonRequests(carol.Subject, "/annotations"); n < 2 {
		t.Errorf("CDF saw %d annotations requests with carol's token, want the list and the create", n)
	}
	if n := s.sim.TokenRequests(); n != 0 {
		t.Errorf("%d client-credentials tokens were requested, want none", n)
	}
	hc, err := cdf.HTTPClient(context.Background(), cdf.Credentials{Flow: "client_credentials",
		TokenURL: s.sim.TokenURL(s.env["CDF_URL"]), ClientID: testClientID, ClientSecret: testSecret}, httptestclient.Client(t, nil, false))
	if err != nil {
		t.Fatal(err)
	}
	service, err := cdf.New(s.env["CDF_URL"], testProject, hc)
	if err != nil {
		t.Fatal(err)
	}
	anns, err := service.ListAnnotations(context.Background(), cdf.AnnotationFilter{FileIDs: []int64{fileID}}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(anns) == 0 {
		t.Fatal("no annotation stored")
	}
	for _, a := range anns {
		if a.Status != cdf.AnnotationApproved || a.CreatingUser == nil || *a.CreatingUser != "carol" || a.CreatingApp != "segview" {
			t.Errorf("annotation %+v: want approved by carol through segview", a)
		}
	}
	// Her next page shows it.
	doc := htmltest.Parse(t, b.get(t, page).body)
	rows := htmltest.ByTestID(doc.ByTestID("file")[0], "segment-row")
	if v := htmltest.Attr(rows[0], "data-verdict"); v != "approved" {
		t.Errorf("rank 1 shows verdict %q after reload, want approved", v)
	}

	// alice may read files but not annotations.
	before := len(s.sim.AnnotationStatuses(fileID))
	a := s.browser(t)
	r = a.signIn(t, s, alice, page)
	if notice := htmltest.Text(htmltest.Parse(t, r.body).One(t, "verdicts-notice")); !strings.Contains(notice, "annotationsAcl:READ") {
		t.Errorf("notice %q does not name annotationsAcl:READ", notice)
	}
	action, form = verdictForm(r)
	form.Set("verdict", "2:rejected")
	r = a.do(t, http.MethodPost, action, form)
	wantStatus(t, r, http.StatusForbidden)
	if !strings.Contains(string(r.body), "annotationsAcl:WRITE") {
		t.Errorf("the refusal does not name annotationsAcl:WRITE: %v\n%.600s", r.header, r.body)
	}
	if after := len(s.sim.AnnotationStatuses(fileID)); after != before {
		t.Errorf("annotations went from %d to %d after a refused verdict", before, after)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
