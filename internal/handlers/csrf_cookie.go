package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/auth"
)

// cookieCSRF protects the state-changing forms when nobody signs in
// (SEGVIEW_AUTH=none), where there is no session to hold a CSRF token: a
// random value in an HttpOnly, SameSite=Strict cookie, and in the page's
// forms (or the script's X-CSRF-Token header) its HMAC under a key of this
// process. Another site can neither read the cookie nor compute the HMAC,
// and a cookie planted by a sibling subdomain matches no token segview
// handed out. The cross-origin check of csrfGuard runs first.
type cookieCSRF struct {
	key    []byte
	secure bool
}

// errCSRFCookie: the request carries no CSRF cookie, or a token that is
// not its cookie's.
var errCSRFCookie = errors.New("missing CSRF cookie or token")

// ctxCSRFToken carries the request's form token to the page templates.
const ctxCSRFToken = "segview.csrfToken"

// newCookieCSRF keys the tokens with key, or with a random key of this
// process when it is empty (forms then do not survive a restart, and
// replicas refuse each other's).
func newCookieCSRF(secure bool, key []byte) *cookieCSRF {
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key) // never fails (crypto/rand panics instead)
	}
	return &cookieCSRF{key: key, secure: secure}
}

// name is the cookie's name: with the __Host- prefix over https, so that
// it is bound to this host and path /.
func (k *cookieCSRF) name() string {
	if k.secure {
		return "__Host-segview_csrf"
	}
	return "segview_csrf"
}

func (k *cookieCSRF) token(value string) string {
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// issue is route middleware for pages with forms: it sets the cookie when
// the request has none and hands the form token to the page.
func (k *cookieCSRF) issue(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		value := ""
		if ck, err := c.Cookie(k.name()); err == nil && len(ck.Value) == 43 {
			value = ck.Value
		} else {
			b := make([]byte, 32)
			_, _ = rand.Read(b)
			value = base64.RawURLEncoding.EncodeToString(b)
			c.SetCookie(&http.Cookie{Name: k.name(), Value: value, Path: "/", HttpOnly: true,
				Secure: k.secure, SameSite: http.SameSiteStrictMode})
		}
		c.Set(ctxCSRFToken, k.token(value))
		return next(c)
	}
}

// CheckCSRF implements CSRFChecker.
func (k *cookieCSRF) CheckCSRF(r *http.Request) error {
	ck, err := r.Cookie(k.name())
	if err != nil || ck.Value == "" {
		return errCSRFCookie
	}
	token := r.Header.Get(auth.CSRFHeader)
	if token == "" {
		if err := r.ParseForm(); err != nil {
			return err
		}
		token = r.PostForm.Get(auth.CSRFField)
	}
	if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(k.token(ck.Value))) != 1 {
		return errCSRFCookie
	}
	return nil
}
