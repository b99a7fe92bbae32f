package handlers

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// issued runs issue around a handler that records the page's token, for a
// request carrying cookies.
func issued(t *testing.T, k *cookieCSRF, cookies ...*http.Cookie) (token string, set []*http.Cookie) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/projects/p/jobs/1", nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h := k.issue(func(c echo.Context) error {
		token, _ = c.Get(ctxCSRFToken).(string)
		return c.NoContent(http.StatusOK)
	})
	if err := h(echo.New().NewContext(req, rec)); err != nil {
		t.Fatal(err)
	}
	return token, rec.Result().Cookies()
}

func TestCookieCSRFIssue(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		name := map[bool]string{false: "segview_csrf", true: "__Host-segview_csrf"}[secure]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			k := newCookieCSRF(secure, nil)
			token, set := issued(t, k)
			if len(set) != 1 {
				t.Fatalf("first visit set %d cookies, want 1", len(set))
			}
			ck := set[0]
			if ck.Name != name || len(ck.Value) != 43 || ck.Path != "/" || !ck.HttpOnly ||
				ck.SameSite != http.SameSiteStrictMode || ck.Secure != secure || ck.Domain != "" {
				t.Errorf("cookie = %+v; want %s, 43 characters, Path /, HttpOnly, SameSite=Strict, Secure=%v, no Domain", ck, name, secure)
			}
			if token == "" || token != k.token(ck.Value) {
				t.Errorf("page token = %q, want the cookie's HMAC %q", token, k.token(ck.Value))
			}
			if strings.Contains(token, ck.Value) {
				t.Errorf("the page token %q reveals the cookie", token)
			}

			// A returning browser keeps its cookie and token.
			again, set2 := issued(t, k, ck)
			if len(set2) != 0 {
				t.Errorf("a valid cookie was replaced: %+v", set2)
			}
			if again != token {
				t.Errorf("token = %q on return, want %q", again, token)
			}

			// Another browser gets another cookie.
			other, set3 := issued(t, k)
			if len(set3) != 1 || set3[0].Value == ck.Value || other == token {
				t.Errorf("a second browser got cookie %+v and token %q, sharing the first's", set3, other)
			}

			// A malformed cookie is replaced.
			fixed, set4 := issued(t, k, &http.Cookie{Name: name, Value: "short"})
			if len(set4) != 1 || len(set4[0].Value) != 43 || fixed != k.token(set4[0].Value) {
				t.Errorf("malformed cookie: set %+v, token %q", set4, fixed)
			}
		})
	}
	t.Run("the other name does not count", func(t *testing.T) {
		t.Parallel()
		k := newCookieCSRF(true, nil)
		plain := &http.Cookie{Name: "segview_csrf", Value: strings.Repeat("a", 43)}
		token, set := issued(t, k, plain)
		if len(set) != 1 || set[0].Name != "__Host-segview_csrf" || set[0].Value == plain.Value || token == k.token(plain.Value) {
			t.Errorf("over https a cookie without the __Host- prefix was accepted: set %+v", set)
		}
	})
}

func TestCookieCSRFCheck(t *testing.T) {
	t.Parallel()
	k := newCookieCSRF(false, nil)
	ks := newCookieCSRF(true, nil)
	stranger := newCookieCSRF(false, nil) // another process: another key
	key := []byte(strings.Repeat("k", 32))
	replicaA, replicaB := newCookieCSRF(false, key), newCookieCSRF(false, key) // replicas sharing a key
	value, otherValue := strings.Repeat("v", 43), strings.Repeat("w", 43)
	good := k.token(value)
	type req struct {
		cookieName  string // "" for no cookie
		cookieValue string
		header      string
		form        string // csrf_token form field
		query       string // csrf_token query parameter
	}
	tests := []struct {
		name    string
		k       *cookieCSRF
		req     req
		wantErr bool
	}{
		{"token in the form", k, req{cookieName: "segview_csrf", cookieValue: value, form: good}, false},
		{"token in the header", k, req{cookieName: "segview_csrf", cookieValue: value, header: good}, false},
		{"no cookie", k, req{form: good}, true},
		{"empty cookie", k, req{cookieName: "segview_csrf", form: k.token("")}, true},
		{"no token", k, req{cookieName: "segview_csrf", cookieValue: value}, true},
		{"wrong token", k, req{cookieName: "segview_csrf", cookieValue: value, form: "guess"}, true},
		{"token of another cookie", k, req{cookieName: "segview_csrf", cookieValue: value, form: k.token(otherValue)}, true},
		{"token of another process", k, req{cookieName: "segview_csrf", cookieValue: value, header: stranger.token(value)}, true},
		{"the cookie itself as token", k, req{cookieName: "segview_csrf", cookieValue: value, form: value}, true},
		{"token in the query only", k, req{cookieName: "segview_csrf", cookieValue: value, query: good}, true},
		{"wrong header, right form: the header counts", k, req{cookieName: "segview_csrf", cookieValue: value, header: "guess", form: good}, true},
		{"right header, wrong form", k, req{cookieName: "segview_csrf", cookieValue: value, header: good, form: "guess"}, false},
		{"truncated token", k, req{cookieName: "segview_csrf", cookieValue: value, form: good[:len(good)-1]}, true},
		{"secure: prefixed cookie", ks, req{cookieName: "__Host-segview_csrf", cookieValue: value, form: ks.token(value)}, false},
		{"secure: cookie without the prefix", ks, req{cookieName: "segview_csrf", cookieValue: value, form: ks.token(value)}, true},
		{"plain: prefixed cookie", k, req{cookieName: "__Host-segview_csrf", cookieValue: value, form: good}, true},
		{"a replica's token, same key", replicaB, req{cookieName: "segview_csrf", cookieValue: value, form: replicaA.token(value)}, false},
		{"a replica's token, other key", k, req{cookieName: "segview_csrf", cookieValue: value, form: replicaA.token(value)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			target := "/projects/p/jobs/1/files/2/verdicts"
			if tt.req.query != "" {
				target += "?" + url.Values{"csrf_token": {tt.req.query}}.Encode()
			}
			form := url.Values{"verdict": {"1:approved"}}
			if tt.req.form != "" {
				form.Set("csrf_token", tt.req.form)
			}
			r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.req.cookieName != "" {
				r.AddCookie(&http.Cookie{Name: tt.req.cookieName, Value: tt.req.cookieValue})
			}
			if tt.req.header != "" {
				r.Header.Set("X-CSRF-Token", tt.req.header)
			}
			err := tt.k.CheckCSRF(r)
			if tt.wantErr {
				if !errors.Is(err, errCSRFCookie) {
					t.Errorf("CheckCSRF = %v, want errCSRFCookie", err)
				}
				return
			}
			if err != nil {
				t.Errorf("CheckCSRF = %v, want nil", err)
			}
			// The handler still reads the form after the check.
			if got := r.FormValue("verdict"); got != "1:approved" {
				t.Errorf("form field verdict = %q after the check", got)
			}
		})
	}
}
