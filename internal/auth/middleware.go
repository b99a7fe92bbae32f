package auth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/cdf"
)

// Viewer is the signed-in person as pages show them.
type Viewer struct {
	// Name is the display name (name, preferred_username, email or sub).
	Name string
	// CSRFToken goes into the sign-out form's CSRFField.
	CSRFToken string
}

type viewerKey struct{}

// ViewerFrom returns the signed-in person of a request that went through
// RequirePage or RequireImage.
func ViewerFrom(ctx context.Context) (Viewer, bool) {
	v, ok := ctx.Value(viewerKey{}).(Viewer)
	return v, ok
}

// RequirePage guards a page: without a valid session the browser is sent
// to sign in and brought back to the same address afterwards.
func (a *Auth) RequirePage(next echo.HandlerFunc) echo.HandlerFunc {
	return a.require(next, a.signInRedirect)
}

// RequireImage guards an image: without a valid session it answers 401.
// Its responses may be kept by the browser but must be revalidated on every
// use, so that an image is not shown after sign-out or after CDF has taken
// the person's access away.
func (a *Auth) RequireImage(next echo.HandlerFunc) echo.HandlerFunc {
	guarded := a.require(next, func(c echo.Context) error {
		return echo.NewHTTPError(http.StatusUnauthorized, "Sign in to segview to see this image.")
	})
	return func(c echo.Context) error {
		res := c.Response()
		res.Before(func() {
			if cc := res.Header().Get("Cache-Control"); strings.Contains(cc, "max-age") {
				res.Header().Set("Cache-Control", "private, no-cache")
			}
		})
		return guarded(c)
	}
}

// RequireWith guards a route like RequirePage, but answers a request
// without a valid session with deny. The embed uses it: a sign-in redirect
// inside a frame would land on the identity provider, which refuses to be
// framed.
func (a *Auth) RequireWith(deny echo.HandlerFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return a.require(next, deny)
	}
}

// signInRedirect sends a page request to sign in, with the page as the
// return-to address.
func (a *Auth) signInRedirect(c echo.Context) error {
	r := c.Request()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return echo.NewHTTPError(http.StatusUnauthorized, "Sign in to segview first.")
	}
	returnTo, _ := SafeReturnTo(r.URL.RequestURI())
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Redirect(http.StatusSeeOther, LoginPath+"?return_to="+url.QueryEscape(returnTo))
}

// require loads the session, refreshes a person's token that is due, puts
// the viewer (and with IdentityUser the person's token source) into the
// request context, and runs next. It answers with deny when there is no
// valid session, and also when next failed because CDF no longer accepts
// the person's token even after a refresh.
func (a *Auth) require(next echo.HandlerFunc, deny func(echo.Context) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		w, r := c.Response(), c.Request()
		s, ok := a.readSession(r)
		if !ok {
			if a.sessionJar.present(r) {
				a.sessionJar.clear(w, r) // forged, from an old key, or expired
			}
			return deny(c)
		}
		ctx := r.Context()
		var tokens *personTokens
		if a.identity == IdentityUser {
			st, refreshed, err := a.freshToken(ctx, s.Token)
			if err != nil {
				a.log.Info("session ended: refreshing the access token failed", "subject", s.Subject, "err", err)
				a.sessionJar.clear(w, r)
				return deny(c)
			}
			tokens = &personTokens{a: a, tok: st, changed: refreshed}
			ctx = cdf.WithTokenSource(ctx, tokens)
		}
		ctx = context.WithValue(ctx, viewerKey{}, Viewer{Name: s.Name, CSRFToken: s.CSRF})
		c.SetRequest(r.WithContext(ctx))

		ended := false
		if tokens != nil {
			w.Before(func() {
				st, changed := tokens.current()
				if !changed || ended {
					return
				}
				s.Token = st
				if err := a.store(w, r, a.sessionJar, purposeSession, s, s.Expires); err != nil {
					a.log.Warn("keeping the refreshed token failed", "err", err)
				}
			})
		}
		err := next(c)
		if err != nil && tokens != nil && rejectedByCDF(err) && !w.Committed &&
			a.now().Unix()-s.Created > int64(freshLogin.Seconds()) {
			a.log.Info("session ended: CDF refused the person's token", "subject", s.Subject, "err", err)
			ended = true
			a.sessionJar.clear(w, r)
			return deny(c)
		}
		return err
	}
}

// freshToken returns st, or a refreshed token when st is due. A failed
// refresh is an error only when st has expired: until then st still works.
func (a *Auth) freshToken(ctx context.Context, st *storedToken) (*storedToken, bool, error) {
	now := a.now()
	if !st.refreshDue(now) {
		return st, false, nil
	}
	if st.Refresh == "" {
		if st.expired(now) {
			return nil, false, errors.New("the access token expired and there is no refresh token")
		}
		return st, false, nil
	}
	fresh, err := a.refreshToken(ctx, st, "")
	if err != nil {
		if st.expired(now) {
			return nil, false, err
		}
		a.log.Warn("refreshing the access token failed; using it until it expires", "err", err)
		return st, false, nil
	}
	return fresh, true, nil
}

// rejectedByCDF reports whether err means that CDF does not accept the
// person's token: 401 after the one refresh and retry, or a failed refresh.
func rejectedByCDF(err error) bool {
	var (
		apiErr  *cdf.APIError
		authErr *cdf.AuthError
	)
	return errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized || errors.As(err, &authErr)
}
