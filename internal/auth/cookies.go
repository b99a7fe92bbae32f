package auth

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Cookie sizes. Browsers keep at most about 4096 bytes per cookie, name and
// attributes included, so a sealed value is split into parts of chunkSize
// characters; maxChunks bounds the whole (about 19 KB), well under the
// server's header limit.
const (
	chunkSize = 3800
	maxChunks = 5
)

// errTooLarge says a value does not fit into maxChunks cookies.
var errTooLarge = errors.New("auth: session too large for its cookies")

// cookieJar writes and reads one logical cookie that may span several
// browser cookies: name holds "<n>.<part 1>", and name_2 … name_n the other
// parts. Every cookie is HttpOnly, SameSite=Lax and on Path=/; with secure
// set they are Secure and named with the __Host- prefix, which browsers
// accept only from https for the exact host.
type cookieJar struct {
	name   string
	secure bool
	chunks int // most parts; 1 for a cookie that is never split
}

func newCookieJar(name string, secure bool, chunks int) cookieJar {
	if secure {
		name = "__Host-" + name
	}
	return cookieJar{name: name, secure: secure, chunks: chunks}
}

func (j cookieJar) partName(i int) string {
	if i == 1 {
		return j.name
	}
	return j.name + "_" + strconv.Itoa(i)
}

func (j cookieJar) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: j.secure, SameSite: http.SameSiteLaxMode}
}

// write sets the cookie to value for maxAge seconds and expires parts that
// r carried beyond the new number of parts.
func (j cookieJar) write(w http.ResponseWriter, r *http.Request, value string, maxAge time.Duration) error {
	n := max(1, (len(value)+chunkSize-1)/chunkSize)
	if n > j.chunks {
		return errTooLarge
	}
	age := max(1, int(maxAge/time.Second))
	for i := 1; i <= n; i++ {
		part := value[(i-1)*chunkSize : min(len(value), i*chunkSize)]
		if i == 1 {
			part = strconv.Itoa(n) + "." + part
		}
		http.SetCookie(w, j.cookie(j.partName(i), part, age))
	}
	for i := n + 1; i <= j.chunks; i++ {
		if _, err := r.Cookie(j.partName(i)); err == nil {
			http.SetCookie(w, j.cookie(j.partName(i), "", -1))
		}
	}
	return nil
}

// read returns the joined value, or false when the cookie is absent or
// its parts do not add up.
func (j cookieJar) read(r *http.Request) (string, bool) {
	first, err := r.Cookie(j.name)
	if err != nil {
		return "", false
	}
	count, rest, ok := strings.Cut(first.Value, ".")
	n, err := strconv.Atoi(count)
	if !ok || err != nil || n < 1 || n > j.chunks {
		return "", false
	}
	var b strings.Builder
	b.WriteString(rest)
	for i := 2; i <= n; i++ {
		c, err := r.Cookie(j.partName(i))
		if err != nil {
			return "", false
		}
		b.WriteString(c.Value)
	}
	return b.String(), true
}

// present reports whether r carries any part of the cookie.
func (j cookieJar) present(r *http.Request) bool {
	for i := 1; i <= j.chunks; i++ {
		if _, err := r.Cookie(j.partName(i)); err == nil {
			return true
		}
	}
	return false
}

// clear expires every part of the cookie r carried, and the first part in
// any case.
func (j cookieJar) clear(w http.ResponseWriter, r *http.Request) {
	for i := 1; i <= j.chunks; i++ {
		if _, err := r.Cookie(j.partName(i)); err == nil || i == 1 {
			http.SetCookie(w, j.cookie(j.partName(i), "", -1))
		}
	}
}
