// Package httptestclient gives tests HTTP clients with a transport of their
// own.
//
// Tests must not send requests through http.DefaultTransport: every
// httptest.Server.Close calls CloseIdleConnections on it, and a parallel
// test whose request is just taking an idle connection then fails with
// "http: CloseIdleConnections called". How often depends on the machine's
// speed, which no test may depend on.
package httptestclient

import (
	"net/http"
	"testing"
)

// Transport returns a transport for t alone, without a proxy (tests talk to
// loopback servers), whose idle connections are closed when t ends.
func Transport(t testing.TB) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// Client returns a client on a [Transport] of t's own. With noRedirect it
// returns redirects instead of following them.
func Client(t testing.TB, jar http.CookieJar, noRedirect bool) *http.Client {
	c := &http.Client{Transport: Transport(t), Jar: jar}
	if noRedirect {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return c
}
