package handlers

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/hosts"
	"github.com/segview/segview/web/templates"
)

// Security configures the protections of every response and request.
type Security struct {
	// FrameAncestors is the CSP frame-ancestors source list of the embed
	// route, already validated (config.Security); "" means 'self'. Full
	// pages always send pageFrameAncestors.
	FrameAncestors string
	// HSTS sends Strict-Transport-Security (the public URL is https).
	HSTS bool
	// CSRFKey keys the CSRF tokens of the forms without sign-in; empty
	// means a random key of this process.
	CSRFKey []byte
	// PublicURL is the address people open (scheme, host and port), or "";
	// its origin is trusted by the cross-origin check, for proxies that
	// change the Host header.
	PublicURL string
	// Hosts are the host names served (hostGuard); the zero value serves
	// localhost and IP addresses only.
	Hosts hosts.Policy
}

// hstsMaxAge is a year, the value browsers' preload lists expect; subdomains
// are not included: they are not segview's to decide.
const hstsMaxAge = "max-age=31536000"

// contentSecurityPolicy allows only segview's own scripts (and only with
// the request's nonce or from its own origin), styles and images: no inline
// scripts, no inline styles, no third-party origins.
func contentSecurityPolicy(nonce, frameAncestors string) string {
	return "default-src 'none'; script-src 'self' 'nonce-" + nonce + "'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors " + frameAncestors
}

// pageFrameAncestors is the framing policy of every route but the embed:
// full pages carry the sign-out form and other controls, so only segview
// itself may frame them (clickjacking).
const pageFrameAncestors = "'self'"

// frameAncestors returns the frame-ancestors source list of a route:
// SEGVIEW_FRAME_ANCESTORS for the embed, 'self' for everything else.
func frameAncestors(s Security, embed bool) string {
	if embed && s.FrameAncestors != "" {
		return s.FrameAncestors
	}
	return pageFrameAncestors
}

type nonceKey struct{}

// nonceFrom returns the request's CSP nonce, "" outside securityHeaders.
func nonceFrom(ctx context.Context) string {
	n, _ := ctx.Value(nonceKey{}).(string)
	return n
}

// newNonce returns 128 random bits, base64: a fresh value for each response
// that an injected script cannot guess.
func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return base64.StdEncoding.EncodeToString(b)
}

// securityHeaders sets the headers every response carries and puts the
// request's CSP nonce into its context for the page templates. Its CSP
// lets only segview frame the response; allowFraming widens that for the
// embed route.
func securityHeaders(s Security) echo.MiddlewareFunc {
	frameAncestors := frameAncestors(s, false)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			nonce := newNonce()
			r := c.Request()
			c.SetRequest(r.WithContext(context.WithValue(r.Context(), nonceKey{}, nonce)))
			h := c.Response().Header()
			h.Set("Content-Security-Policy", contentSecurityPolicy(nonce, frameAncestors))
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			if s.HSTS {
				h.Set("Strict-Transport-Security", hstsMaxAge)
			}
			return next(c)
		}
	}
}

// allowFraming replaces the CSP of securityHeaders with one whose
// frame-ancestors is the embed's (SEGVIEW_FRAME_ANCESTORS). It is route
// middleware placed before the sign-in guard, so that the embed's sign-in
// page and error pages may be framed too.
func allowFraming(s Security) echo.MiddlewareFunc {
	list := frameAncestors(s, true)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			nonce := nonceFrom(c.Request().Context())
			c.Response().Header().Set("Content-Security-Policy", contentSecurityPolicy(nonce, list))
			return next(c)
		}
	}
}

// forRequest completes a page's frame with what belongs to the request:
// its CSP nonce and the signed-in person, if any.
func forRequest(c echo.Context, b templates.Base) templates.Base {
	b.Nonce = nonceFrom(c.Request().Context())
	return withViewer(c, b)
}

// CSRFChecker checks the CSRF token of a state-changing request against
// the session; *auth.Auth implements it.
type CSRFChecker interface {
	CheckCSRF(r *http.Request) error
}

// csrfError is a state-changing request refused by csrfGuard.
type csrfError struct {
	msg string
	err error
}

func (e *csrfError) Error() string { return "csrf: " + e.msg + ": " + e.err.Error() }
func (e *csrfError) Unwrap() error { return e.err }

// errNoStateChanges refuses state-changing requests when there is nobody
// signed in whose token they could carry: without sign-in segview has no
// state-changing routes at all.
var errNoStateChanges = errors.New("no state-changing requests without sign-in")

// csrfGuard refuses every request with a method other than GET, HEAD and
// OPTIONS that comes from another site (Sec-Fetch-Site, or an Origin that
// is not this host or trusted), or that does not carry the CSRF token of
// its session (with sign-in) or of its CSRF cookie (without). A nil check
// refuses every such request. It runs after the body limit: the token may
// be in the form. A request that no route takes with its method (routed
// reports false for its method and route pattern) is let through to the
// router's 404 or 405, which change nothing; a nil routed counts every
// request as routed.
func csrfGuard(check CSRFChecker, routed func(method, path string) bool, trustedOrigins ...string) (echo.MiddlewareFunc, error) {
	cop := http.NewCrossOriginProtection()
	for _, o := range trustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("handlers: trusted origin %q: %w", o, err)
		}
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
				return next(c)
			}
			if routed != nil && !routed(r.Method, c.Path()) {
				return next(c)
			}
			if err := cop.Check(r); err != nil {
				return &csrfError{msg: "This request came from another site, and segview does not accept changes from other sites.", err: err}
			}
			if check == nil {
				return &csrfError{msg: "segview accepts no changes here.", err: errNoStateChanges}
			}
			if err := check.CheckCSRF(r); err != nil {
				var he *echo.HTTPError
				if errors.As(err, &he) {
					return err // the body limit, from reading the form
				}
				return &csrfError{msg: "The form has expired or did not come from this page.", err: err}
			}
			return next(c)
		}
	}, nil
}
