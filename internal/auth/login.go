package auth

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"
)

// Error is a sign-in step that failed, as the person sees it. Err is the
// cause, for the log; it never carries a token or a secret.
type Error struct {
	Status  int
	Message string
	Hint    string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return "auth: " + e.Message + ": " + e.Err.Error()
	}
	return "auth: " + e.Message
}

// HTTPStatus is Status. HTTPStatus, PublicHeading, PublicMessage,
// PublicHint and ErrorKind are what segview's error page shows: Message
// and Hint, never Err, which may quote the identity provider.
func (e *Error) HTTPStatus() int       { return e.Status }
func (e *Error) PublicHeading() string { return "Sign-in failed" }
func (e *Error) PublicMessage() string { return e.Message }
func (e *Error) PublicHint() string    { return e.Hint }
func (e *Error) ErrorKind() string     { return "sign_in" }

func (e *Error) Unwrap() error { return e.Err }

var errProviderUnreachable = &Error{Status: http.StatusBadGateway,
	Message: "segview could not reach the identity provider to sign you in.",
	Hint:    "Try again in a moment; if it persists, check SEGVIEW_OIDC_ISSUER."}

// Login handles GET /auth/login?return_to=/path: it remembers the state,
// nonce, PKCE verifier and return-to address in a sealed cookie and sends
// the browser to the identity provider.
func (a *Auth) Login(c echo.Context) error {
	ctx := c.Request().Context()
	pc, err := a.client(ctx)
	if err != nil {
		return &Error{Status: errProviderUnreachable.Status, Message: errProviderUnreachable.Message, Hint: errProviderUnreachable.Hint, Err: err}
	}
	returnTo, _ := SafeReturnTo(c.QueryParam("return_to"))
	st := loginState{
		State:    randomToken(),
		Nonce:    randomToken(),
		Verifier: oauth2.GenerateVerifier(),
		ReturnTo: returnTo,
		Expires:  a.now().Add(loginTTL).Unix(),
	}
	w, r := c.Response(), c.Request()
	if err := a.store(w, r, a.loginJar, purposeLogin, st, st.Expires); err != nil {
		return err
	}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(st.Verifier), oidc.Nonce(st.Nonce)}
	if a.audience != "" {
		opts = append(opts, oauth2.SetAuthURLParam("audience", a.audience))
	}
	w.Header().Set("Cache-Control", "no-store")
	return c.Redirect(http.StatusFound, pc.oauth.AuthCodeURL(st.State, opts...))
}

// oauthErrorCode matches the error codes of RFC 6749 §4.1.2.1; anything
// else in the error parameter is not shown.
var oauthErrorCode = regexp.MustCompile(`^[a-z_]{1,64}$`)

// Callback handles GET /auth/callback?code=...&state=...: it checks the
// state against the login cookie, exchanges the code with the PKCE
// verifier, verifies the ID token and its nonce, starts the session and
// sends the browser back where it came from.
func (a *Auth) Callback(c echo.Context) error {
	w, r := c.Response(), c.Request()
	w.Header().Set("Cache-Control", "no-store")
	var st loginState
	ok := a.load(r, a.loginJar, purposeLogin, &st)
	// The login cookie is good for one callback only.
	a.loginJar.clear(w, r)
	if !ok || a.now().Unix() >= st.Expires {
		return &Error{Status: http.StatusBadRequest,
			Message: "This sign-in has expired or was started in another browser or tab.",
			Hint:    "Open the dashboard again to sign in."}
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(st.State)) != 1 {
		return &Error{Status: http.StatusBadRequest,
			Message: "The answer of the identity provider does not belong to the sign-in this browser started.",
			Hint:    "Open the dashboard again to sign in."}
	}
	if code := q.Get("error"); code != "" {
		if !oauthErrorCode.MatchString(code) {
			code = "unknown_error"
		}
		return &Error{Status: http.StatusForbidden,
			Message: fmt.Sprintf("The identity provider did not sign you in (%s).", code),
			Hint:    "Ask your administrator for access to segview, or try again."}
	}
	ctx := r.Context()
	pc, err := a.client(ctx)
	if err != nil {
		return &Error{Status: errProviderUnreachable.Status, Message: errProviderUnreachable.Message, Hint: errProviderUnreachable.Hint, Err: err}
	}
	tok, err := pc.oauth.Exchange(a.oauthContext(ctx), q.Get("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return &Error{Status: http.StatusBadGateway, Message: "The identity provider did not complete the sign-in.",
			Hint: "Try again; if it persists, check SEGVIEW_OIDC_CLIENT_ID and SEGVIEW_OIDC_CLIENT_SECRET.", Err: sanitizeOAuthError(err)}
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return &Error{Status: http.StatusBadGateway, Message: "The identity provider sent no ID token.", Hint: "Check that SEGVIEW_OIDC_SCOPES contains openid."}
	}
	idTok, err := pc.verifier.Verify(ctx, rawID)
	if err != nil {
		return &Error{Status: http.StatusBadGateway, Message: "The identity provider's ID token is not valid.", Err: err}
	}
	if subtle.ConstantTimeCompare([]byte(idTok.Nonce), []byte(st.Nonce)) != 1 {
		return &Error{Status: http.StatusBadRequest, Message: "The ID token does not belong to the sign-in this browser started.",
			Hint: "Open the dashboard again to sign in."}
	}
	now := a.now()
	s := session{Subject: idTok.Subject, Name: displayName(idTok), CSRF: randomToken(),
		Created: now.Unix(), Expires: now.Add(a.sessionTTL).Unix()}
	if a.identity == IdentityUser {
		if tok.AccessToken == "" {
			return &Error{Status: http.StatusBadGateway, Message: "The identity provider sent no access token."}
		}
		s.Token = newStoredToken(tok, now)
	}
	if err := a.store(w, r, a.sessionJar, purposeSession, s, s.Expires); err != nil {
		if errors.Is(err, errTooLarge) {
			return &Error{Status: http.StatusBadGateway, Message: "The identity provider's tokens are too large to keep in the session cookies.",
				Hint: "Request fewer scopes or claims in SEGVIEW_OIDC_SCOPES.", Err: err}
		}
		return err
	}
	a.log.Info("signed in", "subject", s.Subject)
	returnTo, _ := SafeReturnTo(st.ReturnTo)
	return c.Redirect(http.StatusSeeOther, returnTo)
}

// displayName is the name shown in the page header.
func displayName(t *oidc.IDToken) string {
	var claims struct {
		PreferredUsername string `json:"preferred_username"`
		Name              string `json:"name"`
		Email             string `json:"email"`
	}
	_ = t.Claims(&claims)
	for _, n := range []string{claims.Name, claims.PreferredUsername, claims.Email} {
		if n != "" {
			if r := []rune(n); len(r) > 80 {
				n = string(r[:80])
			}
			return n
		}
	}
	return t.Subject
}

// Logout handles POST /auth/logout: with the session's CSRF token in the
// form it clears the session and shows the signed-out page. Without a
// valid session there is nothing to protect, and the cookies are cleared
// all the same.
func (a *Auth) Logout(c echo.Context) error {
	w, r := c.Response(), c.Request()
	w.Header().Set("Cache-Control", "no-store")
	if s, ok := a.readSession(r); ok {
		if checkCSRF(r, s) != nil {
			return &Error{Status: http.StatusForbidden, Message: "The sign-out form has expired.",
				Hint: "Reload the page and sign out again."}
		}
		a.log.Info("signed out", "subject", s.Subject)
	}
	a.sessionJar.clear(w, r)
	return c.Redirect(http.StatusSeeOther, SignedOutPath)
}

// sanitizeOAuthError keeps the status and the OAuth2 error code of a
// token-endpoint failure, never its body.
func sanitizeOAuthError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		msg := "token endpoint"
		if re.Response != nil {
			msg += " answered " + http.StatusText(re.Response.StatusCode)
		} else {
			msg += " failed"
		}
		if re.ErrorCode != "" {
			msg += ": " + re.ErrorCode
		}
		return errors.New(msg)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("token request failed: %w", ue.Err)
	}
	return errors.New("token request failed")
}
