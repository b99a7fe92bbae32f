package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestCheckCSRF(t *testing.T) {
	t.Parallel()
	a, err := New(Options{Issuer: "https://idp.example.com", ClientID: "c", PublicURL: "https://segview.example.com",
		Keys: [][]byte{testKey(t)}, Identity: IdentityService})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	s := session{Subject: "alice", CSRF: randomToken(), Created: now.Unix(), Expires: now.Add(time.Hour).Unix()}
	rec := httptest.NewRecorder()
	if err := a.store(rec, httptest.NewRequest(http.MethodGet, "/", nil), a.sessionJar, purposeSession, s, s.Expires); err != nil {
		t.Fatal(err)
	}
	cookies := rec.Result().Cookies()

	form := func(v url.Values) func() *http.Request {
		return func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/auth/logout", strings.NewReader(v.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}
	}
	tests := []struct {
		name    string
		req     func() *http.Request
		session bool
		want    error
	}{
		{"form field", form(url.Values{CSRFField: {s.CSRF}}), true, nil},
		{"header", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/x", nil)
			r.Header.Set(CSRFHeader, s.CSRF)
			return r
		}, true, nil},
		{"wrong token", form(url.Values{CSRFField: {"forged"}}), true, ErrCSRFToken},
		{"no token", form(url.Values{}), true, ErrCSRFToken},
		{"token in the query string only", func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "/x?"+CSRFField+"="+url.QueryEscape(s.CSRF), nil)
		}, true, ErrCSRFToken},
		{"wrong header wins over a right form", func() *http.Request {
			r := form(url.Values{CSRFField: {s.CSRF}})()
			r.Header.Set(CSRFHeader, "forged")
			return r
		}, true, ErrCSRFToken},
		{"right token, no session", form(url.Values{CSRFField: {s.CSRF}}), false, ErrNoSession},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.req()
			if tt.session {
				for _, c := range cookies {
					r.AddCookie(c)
				}
			}
			if err := a.CheckCSRF(r); !errors.Is(err, tt.want) {
				t.Errorf("CheckCSRF = %v, want %v", err, tt.want)
			}
		})
	}
}
