package auth

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Purposes of sealed values: a value sealed for one is never accepted as
// the other.
const (
	purposeSession = "session/v1"
	purposeLogin   = "login/v1"
)

// session is what the session cookie holds.
type session struct {
	Subject string `json:"sub"`
	Name    string `json:"name,omitempty"`
	// CSRF is the token the sign-out form must send back.
	CSRF string `json:"csrf"`
	// Created is when the person signed in, Expires when the session ends
	// at the latest (Unix seconds).
	Created int64 `json:"iat"`
	Expires int64 `json:"exp"`
	// Token is the person's CDF token, kept only with IdentityUser.
	Token *storedToken `json:"tok,omitempty"`
}

// storedToken is an OAuth2 token in the session.
type storedToken struct {
	Access  string `json:"at"`
	Type    string `json:"tt,omitempty"`
	Refresh string `json:"rt,omitempty"`
	// Expiry is when the access token expires (Unix seconds, 0: unknown),
	// Obtained when it was issued to segview.
	Expiry   int64 `json:"ate,omitempty"`
	Obtained int64 `json:"got"`
}

func (st *storedToken) oauth2() *oauth2.Token {
	t := &oauth2.Token{AccessToken: st.Access, TokenType: st.Type, RefreshToken: st.Refresh}
	if st.Expiry > 0 {
		t.Expiry = time.Unix(st.Expiry, 0)
	}
	return t
}

func newStoredToken(t *oauth2.Token, now time.Time) *storedToken {
	st := &storedToken{Access: t.AccessToken, Type: t.TokenType, Refresh: t.RefreshToken, Obtained: now.Unix()}
	if exp := tokenExpiry(t); !exp.IsZero() {
		st.Expiry = exp.Unix()
	}
	return st
}

// refreshDue reports whether the access token should be refreshed before
// it is used at now: it has expired, or is in the last quarter of its
// lifetime (at most a minute before expiry), so that a page and the images
// it loads right after all get a token that is still valid at CDF.
func (st *storedToken) refreshDue(now time.Time) bool {
	if st.Expiry == 0 {
		return false // unknown: used until CDF answers 401
	}
	lead := min(time.Minute, time.Duration(st.Expiry-st.Obtained)*time.Second/4)
	return !now.Before(time.Unix(st.Expiry, 0).Add(-lead))
}

func (st *storedToken) expired(now time.Time) bool {
	return st.Expiry != 0 && !now.Before(time.Unix(st.Expiry, 0))
}

// tokenExpiry is when t's access token expires: the earlier of the
// token response's expires_in and, when the access token is a JWT, its exp
// claim. The claim is read unverified, only to decide when to refresh;
// some providers send no expires_in or a wrong one.
func tokenExpiry(t *oauth2.Token) time.Time {
	exp := t.Expiry
	if claim, ok := jwtExpiry(t.AccessToken); ok && (exp.IsZero() || claim.Before(exp)) {
		exp = claim
	}
	return exp
}

func jwtExpiry(tok string) (time.Time, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp json.Number `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return time.Time{}, false
	}
	sec, err := claims.Exp.Int64()
	if err != nil || sec <= 0 {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}

// loginState is what the short-lived login cookie holds between the
// redirect to the identity provider and the callback.
type loginState struct {
	State    string `json:"st"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	ReturnTo string `json:"r"`
	Expires  int64  `json:"exp"`
}

// randomToken returns 32 random bytes as base64url.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// store seals v for purpose into jar for the time until expires.
func (a *Auth) store(w http.ResponseWriter, r *http.Request, jar cookieJar, purpose string, v any, expires int64) error {
	plain, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sealed, err := a.codec.Seal(purpose, plain)
	if err != nil {
		return err
	}
	return jar.write(w, r, sealed, time.Unix(expires, 0).Sub(a.now()))
}

// load opens the cookie of jar into v; false when there is none or it is
// unreadable.
func (a *Auth) load(r *http.Request, jar cookieJar, purpose string, v any) bool {
	sealed, ok := jar.read(r)
	if !ok {
		return false
	}
	plain, err := a.codec.Open(purpose, sealed)
	if err != nil {
		return false
	}
	return json.Unmarshal(plain, v) == nil
}

// readSession returns the request's session if it is authentic and has
// not expired.
func (a *Auth) readSession(r *http.Request) (*session, bool) {
	var s session
	if !a.load(r, a.sessionJar, purposeSession, &s) {
		return nil, false
	}
	if s.Subject == "" || s.CSRF == "" || a.now().Unix() >= s.Expires {
		return nil, false
	}
	if a.identity == IdentityUser && (s.Token == nil || s.Token.Access == "") {
		return nil, false // from a deployment with IdentityService
	}
	return &s, true
}
