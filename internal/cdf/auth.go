package cdf

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/segview/segview/internal/metrics"
)

// Flows accepted in Credentials.Flow.
const (
	FlowClientCredentials = "client_credentials"
	FlowToken             = "token"
)

// tokenTimeout bounds a token request when the base client has no
// timeout of its own.
const tokenTimeout = 30 * time.Second

// Credentials says how to authenticate to CDF.
type Credentials struct {
	// Flow is FlowClientCredentials or FlowToken.
	Flow string
	// TokenURL, ClientID, ClientSecret, Scopes and Audience configure the
	// OAuth2 client-credentials flow. Scopes and Audience are sent as
	// given (Audience only when non-empty).
	TokenURL, ClientID, ClientSecret string
	Scopes                           []string
	Audience                         string
	// Token is a static bearer token for FlowToken.
	Token string
	// Now is the clock that decides when a client-credentials token is
	// due for renewal (nil means time.Now). Tests inject a fake one, as
	// they do into the simulator (cdfsim.Options.Now).
	Now func() time.Time
	// Metrics, when set, counts the client-credentials token requests.
	Metrics *metrics.Metrics
}

// HTTPClient returns an *http.Client that adds a bearer token to every
// request, for use with New. base (nil means a new http.Client) supplies
// the transport, timeout and redirect policy, and also makes the token
// requests. ctx supplies values only: its cancellation does not stop
// later token refreshes, which are bounded by base.Timeout (30 s if
// unset) and by each API request's own context.
//
// For FlowClientCredentials the token is fetched on first use and reused
// until it is due to expire by creds.Now (10 s before expires_in runs
// out). When CDF answers 401 to it (CDF restarted, key rotated, token
// revoked), the token is dropped, a new one is fetched and the request is
// sent once more; a second 401 goes to the caller. A static token
// (FlowToken) cannot be renewed and is never retried. A failure to obtain
// a token reaches API callers as *AuthError. The returned client refuses redirects to another host or
// from https to http, so the token never leaves the CDF cluster.
func HTTPClient(ctx context.Context, creds Credentials, base *http.Client) (*http.Client, error) {
	if base == nil {
		base = &http.Client{}
	}
	var (
		src    oauth2.TokenSource
		redact []string
	)
	switch creds.Flow {
	case FlowClientCredentials:
		if err := checkTokenURL(creds.TokenURL); err != nil {
			return nil, err
		}
		if creds.ClientID == "" {
			return nil, errors.New("cdf: client credentials need a client id")
		}
		if creds.ClientSecret == "" {
			return nil, errors.New("cdf: client credentials need a client secret")
		}
		cfg := &clientcredentials.Config{
			ClientID:     creds.ClientID,
			ClientSecret: creds.ClientSecret,
			TokenURL:     creds.TokenURL,
			Scopes:       creds.Scopes,
		}
		if creds.Audience != "" {
			cfg.EndpointParams = url.Values{"audience": {creds.Audience}}
		}
		tokenClient := *base
		if tokenClient.Timeout == 0 {
			tokenClient.Timeout = tokenTimeout
		}
		tctx := context.WithValue(context.WithoutCancel(ctx), oauth2.HTTPClient, &tokenClient)
		now := creds.Now
		if now == nil {
			now = time.Now
		}
		src = &serviceTokens{fetch: func() (*oauth2.Token, error) { return cfg.Token(tctx) }, now: now, metrics: creds.Metrics}
		redact = []string{creds.ClientSecret}
		if u, err := url.Parse(creds.TokenURL); err == nil && u.RawQuery != "" {
			redact = append(redact, u.RawQuery)
		}
	case FlowToken:
		if creds.Token == "" {
			return nil, errors.New("cdf: token flow needs a token")
		}
		src = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: creds.Token, TokenType: "Bearer"})
		redact = []string{creds.Token}
	case FlowUser:
		// No credentials of its own: each call brings its person's token.
	default:
		return nil, fmt.Errorf("cdf: unknown auth flow %q (want %q, %q or %q)", creds.Flow, FlowClientCredentials, FlowToken, FlowUser)
	}
	hc := *base
	hc.Transport = &authTransport{src: src, base: base.Transport, redact: redact}
	hc.CheckRedirect = sameOriginRedirects(base.CheckRedirect)
	return &hc, nil
}

func checkTokenURL(s string) error {
	if s == "" {
		return errors.New("cdf: client credentials need a token URL")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("cdf: token URL must be an absolute http(s) URL")
	}
	return nil
}

// errCrossOriginRedirect stops a redirect that would carry the token
// elsewhere.
var errCrossOriginRedirect = errors.New("cdf: refusing to follow a redirect to another origin with credentials")

func sameOriginRedirects(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		first := via[0].URL
		if req.URL.Host != first.Host || req.URL.Scheme != first.Scheme {
			return errCrossOriginRedirect
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("cdf: stopped after 10 redirects")
		}
		return nil
	}
}

// authTransport adds a bearer token to each request: the token of the
// person the request is made for when its context carries a token source
// (WithTokenSource), else the client's own. Unlike oauth2.Transport it
// gives up waiting for the token when the request's context ends, reports
// token failures as sanitized *AuthError, and answers a 401 with one
// refresh and one retry when the token source can renew (a Refresher: a
// person's session, the service principal's client credentials).
type authTransport struct {
	src    oauth2.TokenSource // nil for FlowUser
	base   http.RoundTripper
	redact []string
	// refused remembers, per project, a token that CDF refused with a
	// 401 although it had just been fetched to replace a refused one: a
	// 401 that a new token does not cure is about the project (one the
	// identity cannot reach, or that does not exist), not the token, and
	// refreshing again for each request would cost the identity provider
	// a grant per request. Another project, or another token, refreshes
	// as before.
	refused refusedTokens
}

// refusedTokens is a bounded set of (project, token digest) pairs.
type refusedTokens struct {
	mu  sync.Mutex
	set map[[sha256.Size]byte]struct{}
}

// maxRefusedTokens bounds refusedTokens; when full it starts again.
const maxRefusedTokens = 1024

func refusedKey(req *http.Request, tok *oauth2.Token) ([sha256.Size]byte, bool) {
	project, ok := projectOf(req.URL.EscapedPath())
	if !ok {
		return [sha256.Size]byte{}, false
	}
	return sha256.Sum256([]byte(project + "\x00" + tok.AccessToken)), true
}

// projectOf returns the project of an API path /api/v1/projects/{p}/...
func projectOf(path string) (string, bool) {
	_, rest, ok := strings.Cut(path, "/api/v1/projects/")
	if !ok {
		return "", false
	}
	project, _, _ := strings.Cut(rest, "/")
	return project, project != ""
}

func (r *refusedTokens) has(req *http.Request, tok *oauth2.Token) bool {
	k, ok := refusedKey(req, tok)
	if !ok {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, found := r.set[k]
	return found
}

func (r *refusedTokens) add(req *http.Request, tok *oauth2.Token) {
	k, ok := refusedKey(req, tok)
	if !ok {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.set == nil || len(r.set) >= maxRefusedTokens {
		r.set = map[[sha256.Size]byte]struct{}{}
	}
	r.set[k] = struct{}{}
}

// RoundTrip implements http.RoundTripper.
func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	src, personal := tokenSourceFrom(ctx)
	if !personal {
		src = t.src
	}
	if src == nil {
		closeBody(req)
		return nil, &AuthError{Err: errNoIdentity}
	}
	tok, err := t.token(ctx, src)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.send(req, req.Body, tok)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	// The access token may have been revoked, may have expired early, or
	// CDF may have restarted and forgotten it: refresh it once and try
	// again. A second 401 goes to the caller (a person is then asked to
	// sign in again).
	r, ok := src.(Refresher)
	if !ok || (req.Body != nil && req.Body != http.NoBody && req.GetBody == nil) || t.refused.has(req, tok) {
		return resp, nil
	}
	drainAndClose(resp)
	fresh, err := t.await(ctx, func() (*oauth2.Token, error) { return r.Refresh(ctx, tok) })
	if err != nil {
		return nil, err
	}
	body := req.Body
	if req.GetBody != nil {
		if body, err = req.GetBody(); err != nil {
			return nil, err
		}
	}
	resp, err = t.send(req, body, fresh)
	if err == nil && resp.StatusCode == http.StatusUnauthorized {
		t.refused.add(req, fresh)
	}
	return resp, err
}

// send sends a copy of req with body and tok's Authorization header.
func (t *authTransport) send(req *http.Request, body io.ReadCloser, tok *oauth2.Token) (*http.Response, error) {
	r2 := req.Clone(req.Context())
	r2.Body = body
	tok.SetAuthHeader(r2)
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r2)
}

func (t *authTransport) token(ctx context.Context, src oauth2.TokenSource) (*oauth2.Token, error) {
	return t.await(ctx, src.Token)
}

// await runs get, which cannot be cancelled, in a goroutine and waits for
// it until ctx ends; a refresh that outlives the request still fills the
// source's cache.
func (t *authTransport) await(ctx context.Context, get func() (*oauth2.Token, error)) (*oauth2.Token, error) {
	type result struct {
		tok *oauth2.Token
		err error
	}
	ch := make(chan result, 1)
	go func() {
		tok, err := get()
		ch <- result{tok, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			var ae *AuthError
			if errors.As(r.err, &ae) {
				return nil, ae
			}
			return nil, &AuthError{Err: sanitizeTokenError(r.err, t.redact)}
		}
		if r.tok == nil || r.tok.AccessToken == "" {
			return nil, &AuthError{Err: errors.New("the token source returned no access token")}
		}
		return r.tok, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// expiryMargin is how long before its expiry a client-credentials token is
// renewed, as golang.org/x/oauth2 does.
const expiryMargin = 10 * time.Second

// serviceTokens is the service principal's client-credentials token
// source. Like oauth2.ReuseTokenSource it shares one token among all
// requests, fetching a new one when the current one is due; unlike it, it
// judges expiry by an injected clock and can drop a token CDF refused
// (Refresh).
type serviceTokens struct {
	fetch   func() (*oauth2.Token, error) // one token request
	now     func() time.Time
	metrics *metrics.Metrics

	mu      sync.Mutex // held while fetching, so that callers share one fetch
	tok     *oauth2.Token
	renewAt time.Time // by now; zero: the token does not expire
}

// Token returns the current token, fetching a new one when there is none
// or it is due.
func (s *serviceTokens) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != nil && (s.renewAt.IsZero() || s.now().Before(s.renewAt)) {
		return s.tok, nil
	}
	reason := metrics.TokenFirst
	if s.tok != nil {
		reason = metrics.TokenExpiring
	}
	return s.renew(reason)
}

// check asks the identity provider for a new token and keeps it; a
// failure keeps the current token, which may still be good for a while.
// It tells readiness whether a token is obtainable now, not whether one
// was an hour ago. It fetches without holding s.mu, so requests that
// have a good token never wait for it.
func (s *serviceTokens) check() error {
	start := s.now()
	tok, err := s.fetch()
	s.metrics.TokenRequest(metrics.TokenReadiness, err)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keep(tok, start)
	return nil
}

// Refresh implements Refresher: it drops rejected and fetches a new token,
// unless another request has already replaced rejected, in which case that
// newer token is returned without a fetch.
func (s *serviceTokens) Refresh(_ context.Context, rejected *oauth2.Token) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != nil && s.tok.AccessToken != rejected.AccessToken && (s.renewAt.IsZero() || s.now().Before(s.renewAt)) {
		return s.tok, nil
	}
	s.tok = nil
	return s.renew(metrics.TokenRejected)
}

// renew fetches a token, for reason; s.mu is held.
func (s *serviceTokens) renew(reason string) (*oauth2.Token, error) {
	start := s.now()
	tok, err := s.fetch()
	s.metrics.TokenRequest(reason, err)
	if err != nil {
		return nil, err
	}
	s.keep(tok, start)
	return tok, nil
}

// keep makes tok, fetched at start, the current token; s.mu is held.
func (s *serviceTokens) keep(tok *oauth2.Token, start time.Time) {
	s.tok, s.renewAt = tok, time.Time{}
	if life, ok := tokenLifetime(tok); ok {
		s.renewAt = start.Add(life - expiryMargin)
	}
}

// tokenLifetime returns the token's expires_in, or failing that the time
// left until the Expiry oauth2 computed from the wall clock.
func tokenLifetime(tok *oauth2.Token) (time.Duration, bool) {
	var secs float64
	switch v := tok.Extra("expires_in").(type) {
	case float64:
		secs = v
	case string:
		secs, _ = strconv.ParseFloat(v, 64)
	}
	if secs > 0 {
		return time.Duration(secs * float64(time.Second)), true
	}
	if tok.Expiry.IsZero() {
		return 0, false
	}
	return time.Until(tok.Expiry), true
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// drainAndClose reads a little of a discarded response so that its
// connection can be reused.
func drainAndClose(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
}

// sanitizeTokenError reduces a token-source error to the token endpoint's
// status and its OAuth2 error fields, with every secret in redact removed.
// The raw body of the token response is never included.
func sanitizeTokenError(err error, redact []string) error {
	var msg string
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		msg = "token endpoint"
		if re.Response != nil {
			msg += " returned " + statusLine(re.Response.StatusCode)
		} else {
			msg += " failed"
		}
		if re.ErrorCode != "" {
			msg += ": " + re.ErrorCode
		}
		if re.ErrorDescription != "" {
			msg += ": " + re.ErrorDescription
		}
	} else {
		// Errors from oauth2 other than RetrieveError are built with %v
		// from transport or JSON errors, for example
		// `oauth2: cannot fetch token: Post "https://idp/token": dial tcp ...`.
		msg = "token request failed: " + err.Error()
	}
	for _, s := range redact {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if r := []rune(msg); len(r) > 300 {
		msg = string(r[:300]) + "..."
	}
	return errors.New(msg)
}

// CheckToken reports whether the client's own identity can obtain a CDF
// token now. With client credentials it asks the identity provider for a
// new token (and keeps it), so a lost identity provider shows at once even
// while a cached token is still valid; a static token (FlowToken) and
// per-person identity (FlowUser) have nothing to ask and report nil. The
// error is sanitized like any token failure (*AuthError).
func (c *Client) CheckToken(ctx context.Context) error {
	t, ok := c.hc.Transport.(*authTransport)
	if !ok {
		return nil
	}
	s, ok := t.src.(*serviceTokens)
	if !ok {
		return nil
	}
	_, err := t.await(ctx, func() (*oauth2.Token, error) {
		if err := s.check(); err != nil {
			return nil, err
		}
		return &oauth2.Token{AccessToken: "checked"}, nil
	})
	return err
}
