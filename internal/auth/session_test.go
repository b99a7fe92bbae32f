package auth

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func fakeJWT(exp int64) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(`{"sub":"a","exp":`+strconv.FormatInt(exp, 10)+`}`)) + ".sig"
}

func TestTokenExpiry(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1_800_000_000, 0)
	tests := []struct {
		name string
		tok  *oauth2.Token
		want time.Time
	}{
		{"expires_in only", &oauth2.Token{AccessToken: "opaque", Expiry: t0}, t0},
		{"JWT exp earlier than expires_in", &oauth2.Token{AccessToken: fakeJWT(t0.Unix()), Expiry: t0.Add(68 * 365 * 24 * time.Hour)}, t0},
		{"JWT exp later than expires_in", &oauth2.Token{AccessToken: fakeJWT(t0.Add(time.Hour).Unix()), Expiry: t0}, t0},
		{"JWT exp without expires_in", &oauth2.Token{AccessToken: fakeJWT(t0.Unix())}, t0},
		{"neither", &oauth2.Token{AccessToken: "opaque"}, time.Time{}},
		{"malformed JWT", &oauth2.Token{AccessToken: "a.b.c", Expiry: t0}, t0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tokenExpiry(tt.tok); !got.Equal(tt.want) {
				t.Errorf("tokenExpiry = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRefreshDue(t *testing.T) {
	t.Parallel()
	obtained := time.Unix(1_800_000_000, 0)
	hour := &storedToken{Obtained: obtained.Unix(), Expiry: obtained.Add(time.Hour).Unix()}
	short := &storedToken{Obtained: obtained.Unix(), Expiry: obtained.Add(8 * time.Second).Unix()}
	unknown := &storedToken{Obtained: obtained.Unix()}
	tests := []struct {
		name string
		tok  *storedToken
		at   time.Duration // after obtained
		want bool
	}{
		{"fresh hour token", hour, 10 * time.Minute, false},
		{"hour token, 61 s left", hour, 58*time.Minute + 59*time.Second, false},
		{"hour token, last minute", hour, 59 * time.Minute, true},
		{"hour token, expired", hour, 2 * time.Hour, true},
		{"8 s token, 5 s old", short, 5 * time.Second, false},
		{"8 s token, in the last quarter", short, 6 * time.Second, true},
		{"unknown expiry", unknown, 100 * time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.tok.refreshDue(obtained.Add(tt.at)); got != tt.want {
				t.Errorf("refreshDue = %t, want %t", got, tt.want)
			}
		})
	}
}

// Access and refresh tokens of several kilobytes make a session that spans
// several cookies; it reads back whole, and a session too large for the
// cookies is refused rather than cut.
func TestLargeSessionSpansCookies(t *testing.T) {
	t.Parallel()
	a, err := New(Options{Issuer: "https://idp.example.com", ClientID: "c", PublicURL: "https://segview.example.com", Keys: [][]byte{testKey(t)}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	big := strings.Repeat("x", 6000)
	s := session{Subject: "alice", CSRF: randomToken(), Created: now.Unix(), Expires: now.Add(time.Hour).Unix(),
		Token: &storedToken{Access: fakeJWT(now.Add(time.Hour).Unix()) + big, Refresh: big, Obtained: now.Unix()}}
	rec := httptest.NewRecorder()
	if err := a.store(rec, httptest.NewRequest(http.MethodGet, "/", nil), a.sessionJar, purposeSession, s, s.Expires); err != nil {
		t.Fatal(err)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) < 4 {
		t.Fatalf("%d cookies for a 12 KB session, want it split", len(cookies))
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range cookies {
		if !c.Secure || !strings.HasPrefix(c.Name, "__Host-segview_session") {
			t.Errorf("cookie %s: Secure=%t, want Secure and the __Host- prefix with an https public URL", c.Name, c.Secure)
		}
		req.AddCookie(c)
	}
	got, ok := a.readSession(req)
	if !ok || got.Token.Access != s.Token.Access || got.Token.Refresh != big {
		t.Fatalf("session did not read back whole (ok=%t)", ok)
	}

	s.Token.Refresh = strings.Repeat("y", maxChunks*chunkSize)
	if err := a.store(httptest.NewRecorder(), req, a.sessionJar, purposeSession, s, s.Expires); err == nil {
		t.Error("a session larger than its cookies was stored")
	}
}
