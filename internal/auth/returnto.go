package auth

import (
	"net/url"
	"path"
	"strings"
)

// maxReturnTo bounds the return-to address kept in the login cookie.
const maxReturnTo = 2048

// SafeReturnTo returns raw when it is an address inside the dashboard that
// is safe to redirect to after sign-in, and "/" with false otherwise. It
// accepts only an absolute path on this origin, such as
// "/projects/p/jobs/1?x=y", and refuses everything a browser could read as
// another origin: absolute and scheme-relative URLs ("//evil.example"),
// backslashes (which browsers treat as slashes), control characters and
// whitespace (which browsers drop), and percent-encoded forms of any of
// these. Addresses under /auth/ are refused too, so that signing in never
// lands on the sign-in or sign-out steps, also when dot segments lead
// there ("/x/../auth/login", "/%2e%2e/auth/login", "/./auth"): each form
// is checked with its dot segments resolved, as the browser resolves them.
func SafeReturnTo(raw string) (string, bool) {
	if !safePath(raw) {
		return "/", false
	}
	// Decode repeatedly: an address that is safe only while encoded is
	// not safe, whatever decodes it later.
	dec := raw
	for range 3 {
		d, err := url.PathUnescape(dec)
		if err != nil {
			return "/", false
		}
		if d == dec {
			break
		}
		dec = d
		if !safeDecoded(dec) || underAuth(pathOf(dec)) {
			return "/", false
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/", false
	}
	if underAuth(u.Path) || underAuth(pathOf(raw)) {
		return "/", false
	}
	return raw, true
}

// pathOf is the part of an address before its query or fragment.
func pathOf(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		return s[:i]
	}
	return s
}

// underAuth reports whether p, with its dot segments resolved, is /auth
// or under it, in any case.
func underAuth(p string) bool {
	c := strings.ToLower(path.Clean(p))
	return c == "/auth" || strings.HasPrefix(c, "/auth/")
}

// safePath checks the raw address: printable ASCII without backslashes,
// one leading slash.
func safePath(raw string) bool {
	if raw == "" || len(raw) > maxReturnTo || raw[0] != '/' || strings.HasPrefix(raw, "//") {
		return false
	}
	for i := 0; i < len(raw); i++ {
		if b := raw[i]; b <= ' ' || b >= 0x7f || b == '\\' {
			return false
		}
	}
	return true
}

// safeDecoded checks a decoded form: no second leading slash or
// backslash, no backslash anywhere, no control characters.
func safeDecoded(s string) bool {
	if s == "" || s[0] != '/' || len(s) > 1 && (s[1] == '/' || s[1] == '\\') {
		return false
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f || r == '\\' {
			return false
		}
	}
	return true
}
