package auth

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func testKey(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func testCodec(t *testing.T, keys ...[]byte) *Codec {
	t.Helper()
	c, err := NewCodec(keys)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCodecRoundTripAndRotation(t *testing.T) {
	t.Parallel()
	oldKey, newKey, foreign := testKey(t), testKey(t), testKey(t)
	plain := []byte(`{"sub":"alice"}`)
	sealedOld, err := testCodec(t, oldKey).Seal("session", plain)
	if err != nil {
		t.Fatal(err)
	}
	rotated := testCodec(t, newKey, oldKey)
	sealedNew, err := rotated.Seal("session", plain)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		codec   *Codec
		purpose string
		value   string
		ok      bool
	}{
		{"same key", testCodec(t, oldKey), "session", sealedOld, true},
		{"old key after rotation", rotated, "session", sealedOld, true},
		{"new key after rotation", rotated, "session", sealedNew, true},
		{"new key unknown to a replica not yet rotated", testCodec(t, oldKey), "session", sealedNew, false},
		{"foreign key", testCodec(t, foreign), "session", sealedOld, false},
		{"other purpose", testCodec(t, oldKey), "login", sealedOld, false},
		{"empty", rotated, "session", "", false},
		{"not base64", rotated, "session", "!!!", false},
		{"truncated", rotated, "session", sealedNew[:20], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.codec.Open(tt.purpose, tt.value)
			if tt.ok {
				if err != nil || !bytes.Equal(got, plain) {
					t.Fatalf("Open = %q, %v; want %q", got, err, plain)
				}
				return
			}
			if err == nil {
				t.Fatalf("Open succeeded with %q, want an error", got)
			}
		})
	}
}

// Flipping any bit of a sealed value makes it unreadable.
func TestCodecRejectsEveryTamperedBit(t *testing.T) {
	t.Parallel()
	c := testCodec(t, testKey(t))
	sealed, err := c.Seal("session", []byte("payload of some length"))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(sealed)
	for i := range raw {
		for bit := range 8 {
			b := bytes.Clone(raw)
			b[i] ^= 1 << bit
			if _, err := c.Open("session", base64.RawURLEncoding.EncodeToString(b)); err == nil {
				t.Fatalf("byte %d bit %d flipped: still opens", i, bit)
			}
		}
	}
}

func TestCodecSealsDifferentlyEachTime(t *testing.T) {
	t.Parallel()
	c := testCodec(t, testKey(t))
	a, _ := c.Seal("session", []byte("x"))
	b, _ := c.Seal("session", []byte("x"))
	if a == b {
		t.Error("two seals of the same plaintext are equal: the nonce is not random")
	}
}

func TestNewCodecValidatesKeys(t *testing.T) {
	t.Parallel()
	for _, keys := range [][][]byte{nil, {make([]byte, 16)}, {make([]byte, 32), make([]byte, 31)}} {
		if _, err := NewCodec(keys); err == nil {
			t.Errorf("NewCodec(%d keys) succeeded, want an error", len(keys))
		}
	}
}

func TestCookieJarChunks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		size      int
		secure    bool
		wantParts int
		wantErr   bool
	}{
		{name: "small", size: 100, wantParts: 1},
		{name: "exactly one part", size: chunkSize, wantParts: 1},
		{name: "two parts", size: chunkSize + 1, wantParts: 2},
		{name: "largest", size: chunkSize * maxChunks, wantParts: maxChunks, secure: true},
		{name: "too large", size: chunkSize*maxChunks + 1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			jar := newCookieJar("segview_session", tt.secure, maxChunks)
			value := strings.Repeat("a", tt.size-1) + "z"
			rec := httptest.NewRecorder()
			err := jar.write(rec, httptest.NewRequest(http.MethodGet, "/", nil), value, time.Hour)
			if tt.wantErr {
				if err == nil {
					t.Fatal("write succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cookies := rec.Result().Cookies()
			if len(cookies) != tt.wantParts {
				t.Fatalf("%d cookies, want %d", len(cookies), tt.wantParts)
			}
			for _, c := range cookies {
				if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure != tt.secure {
					t.Errorf("cookie %s attributes: HttpOnly=%t SameSite=%v Path=%q Secure=%t", c.Name, c.HttpOnly, c.SameSite, c.Path, c.Secure)
				}
				if tt.secure != strings.HasPrefix(c.Name, "__Host-") {
					t.Errorf("cookie %s: __Host- prefix should match Secure=%t", c.Name, tt.secure)
				}
				if len(c.String()) > 4000 {
					t.Errorf("cookie %s is %d bytes with its attributes, above what browsers keep", c.Name, len(c.String()))
				}
			}
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, c := range cookies {
				req.AddCookie(c)
			}
			got, ok := jar.read(req)
			if !ok || got != value {
				t.Fatalf("read back %d bytes (ok=%t), want %d", len(got), ok, len(value))
			}
		})
	}
}

// A smaller value expires the parts a larger one left behind, and a
// missing part makes the whole unreadable.
func TestCookieJarStaleAndMissingParts(t *testing.T) {
	t.Parallel()
	jar := newCookieJar("s", false, maxChunks)
	big := httptest.NewRecorder()
	if err := jar.write(big, httptest.NewRequest(http.MethodGet, "/", nil), strings.Repeat("b", 3*chunkSize), time.Hour); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range big.Result().Cookies() {
		req.AddCookie(c)
	}
	small := httptest.NewRecorder()
	if err := jar.write(small, req, "small", time.Hour); err != nil {
		t.Fatal(err)
	}
	expired := map[string]bool{}
	for _, c := range small.Result().Cookies() {
		if c.MaxAge < 0 {
			expired[c.Name] = true
		}
	}
	if !expired["s_2"] || !expired["s_3"] || len(expired) != 2 {
		t.Errorf("expired cookies = %v, want s_2 and s_3", expired)
	}

	partial := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range big.Result().Cookies() {
		if c.Name != "s_2" {
			partial.AddCookie(c)
		}
	}
	if _, ok := jar.read(partial); ok {
		t.Error("read succeeded with a part missing")
	}
}
