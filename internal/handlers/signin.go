package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/auth"
	"github.com/segview/segview/web/templates"
)

// Authenticator signs people in and guards routes (SEGVIEW_AUTH=oidc);
// *auth.Auth implements it.
type Authenticator interface {
	Login(c echo.Context) error
	Callback(c echo.Context) error
	Logout(c echo.Context) error
	// RequirePage sends a request without a session to sign in.
	RequirePage(next echo.HandlerFunc) echo.HandlerFunc
	// RequireImage answers a request without a session with 401.
	RequireImage(next echo.HandlerFunc) echo.HandlerFunc
	// RequireWith answers a request without a session with deny.
	RequireWith(deny echo.HandlerFunc) echo.MiddlewareFunc
	// CSRFChecker checks the session's CSRF token on every request
	// that is not GET, HEAD or OPTIONS.
	CSRFChecker
}

// guards returns the middleware that guards pages and images: a.RequirePage
// and a.RequireImage, or nothing when a is nil (SEGVIEW_AUTH=none).
func guards(a Authenticator) (page, image echo.MiddlewareFunc) {
	if a == nil {
		open := func(next echo.HandlerFunc) echo.HandlerFunc { return next }
		return open, open
	}
	return a.RequirePage, a.RequireImage
}

// embedGuard guards the embed: without a session it shows deny, a frameable
// sign-in link instead of redirecting; nothing when a is nil.
func embedGuard(a Authenticator, deny echo.HandlerFunc) echo.MiddlewareFunc {
	if a == nil {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	return a.RequireWith(deny)
}

// signInRoutes adds the sign-in, callback, sign-out and signed-out routes
// when a is not nil.
func signInRoutes(e *echo.Echo, a Authenticator, page Page) {
	if a == nil {
		return
	}
	signedOut := &SignedOut{Page: page}
	get(e, auth.LoginPath, a.Login)
	get(e, auth.CallbackPath, a.Callback)
	e.POST(auth.LogoutPath, a.Logout)
	get(e, auth.SignedOutPath, signedOut.Show)
}

// SignedOut serves the page shown after signing out. It needs no session.
type SignedOut struct {
	Page Page
}

// Show handles GET /signed-out.
func (h *SignedOut) Show(c echo.Context) error {
	m := templates.SignedOutPage{Base: forRequest(c, h.Page.Base("Signed out")), SignInURL: auth.LoginPath}
	c.Response().Header().Set("Cache-Control", "no-store")
	return writePage(c, http.StatusOK, templates.SignedOut(m))
}

// withViewer adds the signed-in person, if any, to b, so that the header
// shows who is signed in and the sign-out form.
func withViewer(c echo.Context, b templates.Base) templates.Base {
	if v, ok := auth.ViewerFrom(c.Request().Context()); ok {
		b.User, b.CSRFToken = v.Name, v.CSRFToken
	} else if token, ok := c.Get(ctxCSRFToken).(string); ok {
		b.CSRFToken = token
	}
	return b
}
