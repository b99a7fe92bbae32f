// Package auth signs people in to segview with OpenID Connect and keeps
// their sessions (SEGVIEW_AUTH=oidc).
//
// Sign-in is the authorization-code flow with PKCE: Login sends the browser
// to the identity provider with a random state, nonce and code challenge
// kept in a short-lived sealed cookie; Callback checks the state against
// that cookie, exchanges the code with the verifier, verifies the ID token
// and its nonce, and starts the session. The session lives only in sealed
// cookies (AES-256-GCM, see Codec), so replicas share no store. With
// IdentityUser the session also holds the person's tokens: the middleware
// refreshes the access token before it expires and hands it to the CDF
// client through the request context (cdf.WithTokenSource), so CDF applies
// the person's own access rights. Logout is a POST carrying the session's
// CSRF token.
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/segview/segview/internal/metrics"
)

// Identity says whose identity CDF sees (SEGVIEW_CDF_IDENTITY).
type Identity string

// Identities.
const (
	// IdentityUser calls CDF with the signed-in person's access token.
	IdentityUser Identity = "user"
	// IdentityService calls CDF with segview's service principal; sign-in
	// only decides who may use the dashboard.
	IdentityService Identity = "service"
)

// Paths of the sign-in routes.
const (
	LoginPath     = "/auth/login"
	CallbackPath  = "/auth/callback"
	LogoutPath    = "/auth/logout"
	SignedOutPath = "/signed-out"
	// CSRFField is the form field of the sign-out form.
	CSRFField = "csrf_token"
)

// Defaults of Options.
const (
	DefaultSessionTTL = 12 * time.Hour
	// loginTTL bounds the time between the redirect to the identity
	// provider and the callback.
	loginTTL = 10 * time.Minute
	// freshLogin is how long after sign-in a rejection by CDF is taken as
	// a configuration problem and shown, rather than answered with
	// another sign-in that would fail the same way.
	freshLogin = 2 * time.Minute
)

// Options configure an Auth.
type Options struct {
	// Issuer is the OpenID Connect issuer URL; its discovery document
	// gives the endpoints and keys.
	Issuer string
	// ClientID and ClientSecret identify segview at the provider; an empty
	// secret makes segview a public client (PKCE only).
	ClientID, ClientSecret string
	// PublicURL is the dashboard's external base URL, e.g.
	// https://segview.example.com. The redirect URL is PublicURL +
	// CallbackPath; an https PublicURL makes the cookies Secure.
	PublicURL string
	// Scopes are requested at sign-in ("openid" is added when missing).
	Scopes []string
	// Audience, when set, is sent as the audience parameter of the
	// authorization request, for providers that issue the CDF token by
	// audience rather than by scope.
	Audience string
	// Identity is IdentityUser (default) or IdentityService.
	Identity Identity
	// Keys seal the cookies, KeySize bytes each; the first one seals, all
	// open (rotation).
	Keys [][]byte
	// SessionTTL is the longest a session lasts (default 12h).
	SessionTTL time.Duration
	// HTTPClient makes the discovery, token and key requests (default: a
	// client with a 30 s timeout).
	HTTPClient *http.Client
	Logger     *slog.Logger
	Now        func() time.Time
	// Metrics, when set, counts the refreshes of people's tokens.
	Metrics *metrics.Metrics
}

// Auth signs people in and out and guards routes. Its methods are echo
// handlers and middleware; it is safe for concurrent use.
type Auth struct {
	issuer, clientID, clientSecret string
	redirectURL                    string
	scopes                         []string
	audience                       string
	identity                       Identity
	sessionTTL                     time.Duration
	codec                          *Codec
	sessionJar, loginJar           cookieJar
	hc                             *http.Client
	log                            *slog.Logger
	now                            func() time.Time
	refresher                      refresher

	mu       sync.Mutex
	provider *providerClient // nil until discovery succeeded
}

// providerClient is what discovery yields.
type providerClient struct {
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// New validates opts and returns an Auth. It does not contact the
// provider: discovery happens on first use, so that segview starts while
// the provider is unreachable.
func New(opts Options) (*Auth, error) {
	u, err := url.Parse(opts.PublicURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("auth: public URL %q is not an absolute http(s) URL", opts.PublicURL)
	}
	if opts.Issuer == "" || opts.ClientID == "" {
		return nil, errors.New("auth: issuer and client id are required")
	}
	codec, err := NewCodec(opts.Keys)
	if err != nil {
		return nil, err
	}
	identity := opts.Identity
	switch identity {
	case "":
		identity = IdentityUser
	case IdentityUser, IdentityService:
	default:
		return nil, fmt.Errorf("auth: unknown identity %q", identity)
	}
	secure := u.Scheme == "https"
	a := &Auth{
		issuer:       opts.Issuer,
		clientID:     opts.ClientID,
		clientSecret: opts.ClientSecret,
		redirectURL:  u.Scheme + "://" + u.Host + CallbackPath,
		scopes:       withOpenID(opts.Scopes),
		audience:     opts.Audience,
		identity:     identity,
		sessionTTL:   cmpOr(opts.SessionTTL, DefaultSessionTTL),
		codec:        codec,
		sessionJar:   newCookieJar("segview_session", secure, maxChunks),
		loginJar:     newCookieJar("segview_login", secure, 1),
		hc:           opts.HTTPClient,
		log:          opts.Logger,
		now:          opts.Now,
	}
	if a.hc == nil {
		a.hc = &http.Client{Timeout: 30 * time.Second}
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	a.refresher.now = a.now
	a.refresher.metrics = opts.Metrics
	return a, nil
}

// Identity returns whose identity CDF sees.
func (a *Auth) Identity() Identity { return a.identity }

func withOpenID(scopes []string) []string {
	for _, s := range scopes {
		if s == oidc.ScopeOpenID {
			return scopes
		}
	}
	return append([]string{oidc.ScopeOpenID}, scopes...)
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// client returns the provider's endpoints and ID token verifier,
// discovering them on first use.
func (a *Auth) client(ctx context.Context) (*providerClient, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.provider != nil {
		return a.provider, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, a.hc), a.issuer)
	if err != nil {
		return nil, fmt.Errorf("auth: discovering the OpenID Connect provider %s: %w", a.issuer, err)
	}
	a.provider = &providerClient{
		oauth: &oauth2.Config{
			ClientID:     a.clientID,
			ClientSecret: a.clientSecret,
			Endpoint:     p.Endpoint(),
			RedirectURL:  a.redirectURL,
			Scopes:       a.scopes,
		},
		verifier: p.Verifier(&oidc.Config{ClientID: a.clientID, Now: a.now}),
	}
	return a.provider, nil
}

// oauthContext makes oauth2 use segview's HTTP client.
func (a *Auth) oauthContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, a.hc)
}
