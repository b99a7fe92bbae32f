package cdfsim

import (
	"crypto/subtle"
	"net/http"
	"net/url"
)

// serveToken is an OAuth2 client-credentials token endpoint (RFC 6749 §4.4),
// standing in for the IdP (Entra ID, auth.cognite.com). Clients may
// authenticate with HTTP Basic (id and secret form-urlencoded first, as
// golang.org/x/oauth2 does) or with client_id/client_secret form parameters,
// but not both. Errors use the OAuth2 shape, not the CDF one.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, wireOAuthError{Error: "invalid_request", Description: "the token endpoint only accepts POST"})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, wireOAuthError{Error: "invalid_request", Description: "malformed form body"})
		return
	}
	form := r.PostForm
	params := url.Values{}
	for k, v := range form {
		if k != "client_secret" {
			params[k] = append([]string(nil), v...)
		}
	}
	s.mu.Lock()
	s.lastTokenParams = params
	s.mu.Unlock()

	id, secret, basic := r.BasicAuth()
	if basic && form.Has("client_secret") {
		writeJSON(w, http.StatusBadRequest, wireOAuthError{Error: "invalid_request", Description: "client authenticated with more than one method"})
		return
	}
	if !basic {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if grant := form.Get("grant_type"); grant != "client_credentials" {
		if grant == "" {
			writeJSON(w, http.StatusBadRequest, wireOAuthError{Error: "invalid_request", Description: "missing grant_type"})
			return
		}
		writeJSON(w, http.StatusBadRequest, wireOAuthError{Error: "unsupported_grant_type", Description: "only client_credentials is supported"})
		return
	}
	// RFC 6749 §2.3.1 form-encodes Basic credentials; some clients skip
	// that, so the raw values are accepted too.
	ok := s.credentialsMatch(id, secret)
	if basic && !ok {
		ok = s.credentialsMatch(formUnescape(id), formUnescape(secret))
	}
	if !ok {
		if basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="cdfsim"`)
		}
		writeJSON(w, http.StatusUnauthorized, wireOAuthError{Error: "invalid_client", Description: "client authentication failed: unknown client or wrong secret"})
		return
	}

	token := randomToken(32)
	now := s.now()
	s.mu.Lock()
	for t, exp := range s.tokens {
		if !now.Before(exp) {
			delete(s.tokens, t)
		}
	}
	s.tokens[token] = now.Add(s.tokenTTL)
	s.issued = append(s.issued, token)
	s.tokenGrants++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, wireToken{AccessToken: token, TokenType: "Bearer", ExpiresIn: int64(s.tokenTTL.Seconds())})
}

func (s *Server) credentialsMatch(id, secret string) bool {
	idOK := subtle.ConstantTimeCompare([]byte(id), []byte(s.clientID)) == 1
	secretOK := subtle.ConstantTimeCompare([]byte(secret), []byte(s.secret)) == 1
	return idOK && secretOK
}

// formUnescape undoes form-urlencoding, keeping invalid input as is.
func formUnescape(v string) string {
	if u, err := url.QueryUnescape(v); err == nil {
		return u
	}
	return v
}

// TokenRequests returns how many tokens the server has granted.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenGrants
}

// ForgetTokens drops every access token the token endpoint has granted, as
// a restarted CDF (or a rotated signing key) would: requests that carry
// one of them get 401 until the client fetches a new token. People's JWTs
// are not affected. TokenRequests and IssuedTokens still count them.
func (s *Server) ForgetTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// IssuedTokens returns every access token the token endpoint has granted,
// expired ones included, so that tests can check that none of them leaks.
func (s *Server) IssuedTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

// LastTokenParams returns the form parameters of the last token request
// (grant_type, scope, audience, client_id...), without client_secret.
func (s *Server) LastTokenParams() url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := url.Values{}
	for k, v := range s.lastTokenParams {
		out[k] = append([]string(nil), v...)
	}
	return out
}
