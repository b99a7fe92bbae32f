package auth

import (
	"crypto/subtle"
	"errors"
	"net/http"
)

// CSRFHeader may carry the CSRF token instead of the CSRFField form field,
// for requests that send no form.
const CSRFHeader = "X-CSRF-Token"

// Errors of CheckCSRF.
var (
	// ErrNoSession: the request has no valid session, so there is no token
	// it could match.
	ErrNoSession = errors.New("auth: no session to check the CSRF token against")
	// ErrCSRFToken: the request's CSRF token is missing or not the
	// session's.
	ErrCSRFToken = errors.New("auth: missing or wrong CSRF token")
)

// CheckCSRF checks that a state-changing request carries the CSRF token of
// its session, in the CSRFHeader header or the CSRFField field of a
// url-encoded form body (never the query string, which ends up in logs).
// It reads the form, so call it after the body limit.
func (a *Auth) CheckCSRF(r *http.Request) error {
	s, ok := a.readSession(r)
	if !ok {
		return ErrNoSession
	}
	return checkCSRF(r, s)
}

// checkCSRF compares the request's token with the session's in constant
// time. A body that cannot be read (too large, cut off) is that error.
func checkCSRF(r *http.Request, s *session) error {
	token := r.Header.Get(CSRFHeader)
	if token == "" {
		if err := r.ParseForm(); err != nil {
			return err
		}
		token = r.PostForm.Get(CSRFField)
	}
	if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(s.CSRF)) != 1 {
		return ErrCSRFToken
	}
	return nil
}
