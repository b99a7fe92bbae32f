package cdf

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/net/idna"
)

// DownloadPolicy decides which signed download URLs the client fetches.
// CDF hands out links to its cloud storage; segview follows them only over
// https, or to the CDF host itself, and never to loopback, private or
// link-local addresses unless CDF itself is on loopback (the simulator,
// tests), in which case plain http to loopback is allowed too.
//
// An egress proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) is used as
// configured, also on a private address: the rule applies to the link's
// host, which segview then resolves itself, since the proxy connects to it.
type DownloadPolicy struct {
	// CDFHost is the host[:port] of CDF_URL; links to it may use its scheme.
	CDFHost string
	// AllowPrivate permits loopback and private addresses.
	AllowPrivate bool
	// Proxy chooses the proxy of a download, as http.Transport.Proxy does;
	// nil means http.ProxyFromEnvironment.
	Proxy func(*http.Request) (*url.URL, error)
	// Resolver looks up the host of a link fetched through a proxy; nil
	// means net.DefaultResolver.
	Resolver Resolver
}

// Resolver looks up a host's addresses, as *net.Resolver does.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// PolicyError says a download URL was refused by the DownloadPolicy, or
// could not be fetched safely (a failed TLS handshake). It never contains
// the URL's path or query, which is a signature.
type PolicyError struct {
	// Link is the refused link's scheme and host ("https://storage.example"),
	// as much of it as there is; "" for a relative or unreadable link.
	Link string
	// Reason says why, e.g. `scheme "gopher" is not allowed`.
	Reason string
}

func (e *PolicyError) Error() string {
	if e.Link == "" {
		return "cdf: download link refused: " + e.Reason
	}
	return fmt.Sprintf("cdf: download link %q refused: %s", e.Link, e.Reason)
}

// linkOf names u by its scheme and host only, clipped, for a PolicyError.
func linkOf(u *url.URL) string {
	var link string
	switch {
	case u.Scheme == "":
		return ""
	case u.Host == "":
		link = u.Scheme + ":"
	default:
		link = u.Scheme + "://" + u.Host
	}
	if r := []rune(link); len(r) > 100 {
		link = string(r[:100]) + "..."
	}
	return link
}

// policyFor derives the policy from CDF's base URL.
func policyFor(base *url.URL) DownloadPolicy {
	return DownloadPolicy{CDFHost: base.Host, AllowPrivate: isLoopbackHost(base.Hostname())}
}

// CheckLink parses a download link and checks it against the policy.
func (p DownloadPolicy) CheckLink(rawURL string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, &PolicyError{Reason: "it is not a valid URL"}
	}
	return u, p.Check(u)
}

// Check reports whether u may be fetched.
func (p DownloadPolicy) Check(u *url.URL) error {
	refuse := func(reason string) error { return &PolicyError{Link: linkOf(u), Reason: reason} }
	switch {
	case u.Scheme == "":
		return refuse("it is a relative URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return refuse(fmt.Sprintf("scheme %q is not allowed", clipRunes(u.Scheme, 20)))
	case u.Host == "":
		return refuse("it has no host")
	case u.User != nil:
		return refuse("it carries credentials")
	case u.Scheme == "https":
	case u.Host == p.CDFHost:
	case p.AllowPrivate && isLoopbackHost(u.Hostname()):
		// CDF itself runs on this machine (the simulator, tests): so may its storage.
	default:
		return refuse("it is not https and not on the CDF host")
	}
	if !p.AllowPrivate {
		if isLoopbackHost(u.Hostname()) {
			return refuse("it points at a loopback address")
		}
		if ip, err := netip.ParseAddr(u.Hostname()); err == nil && !publicAddr(ip) {
			return refuse("it points at a private address")
		}
	}
	return nil
}

func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "..."
	}
	return s
}

// NewDownloadClient returns an http.Client that fetches download links
// under p: redirects to another host or down to http are not followed, and
// the dialer refuses private addresses even when a public name resolves to
// one. Through a proxy, the proxy may be on a private address, and the
// link's host is resolved and checked before the proxy is asked to connect
// to it. It carries no credentials.
func NewDownloadClient(p DownloadPolicy) *http.Client {
	e := &egress{policy: p, proxy: p.Proxy, resolver: p.Resolver, proxies: map[string]bool{}}
	if e.proxy == nil {
		e.proxy = http.ProxyFromEnvironment
	}
	if e.resolver == nil {
		e.resolver = net.DefaultResolver
	}
	e.direct = &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	e.checked = &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !p.AllowPrivate {
		e.checked.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &PolicyError{Reason: "an address could not be checked"}
			}
			if !publicAddr(ap.Addr()) {
				return &PolicyError{Reason: "its host resolves to a private address"}
			}
			return nil
		}
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 e.proxyFor,
			DialContext:           e.dial,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          32,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: time.Minute,
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return &PolicyError{Reason: "too many redirects"}
			}
			if req.URL.Host != via[0].URL.Host {
				return &PolicyError{Reason: "it redirects to another host"}
			}
			if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
				return &PolicyError{Reason: "it redirects from https to http"}
			}
			return p.Check(req.URL)
		},
	}
}

// egress applies a DownloadPolicy to the connections of the download
// client. A direct connection is checked by the dialer, on the address it
// actually dials. A proxied one dials the proxy, which may be private, and
// the link's host is checked by resolving it before the proxy is asked.
type egress struct {
	policy   DownloadPolicy
	proxy    func(*http.Request) (*url.URL, error)
	resolver Resolver
	direct   *net.Dialer // to proxies
	checked  *net.Dialer // to everything else

	mu      sync.Mutex
	proxies map[string]bool // dial addresses of the proxies proxyFor chose
}

// proxyFor is the transport's Proxy: the configured proxy of req, after the
// link's host has passed the private-address rule.
func (e *egress) proxyFor(req *http.Request) (*url.URL, error) {
	proxy, err := e.proxy(req)
	if err != nil || e.policy.AllowPrivate {
		return proxy, err
	}
	if proxy == nil {
		// Direct: the dialer checks, unless the link's host is also a
		// proxy's address, which it dials unchecked.
		if e.isProxy(dialAddr(req.URL)) {
			return nil, e.checkHost(req.Context(), req.URL.Hostname())
		}
		return nil, nil
	}
	if err := e.checkHost(req.Context(), req.URL.Hostname()); err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.proxies[dialAddr(proxy)] = true
	e.mu.Unlock()
	return proxy, nil
}

func (e *egress) isProxy(addr string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.proxies[addr]
}

// checkHost refuses a host that is, or resolves to, an address that is not
// public. A host that does not resolve is refused too: its address cannot
// be checked.
func (e *egress) checkHost(ctx context.Context, host string) error {
	if ip, err := netip.ParseAddr(host); err == nil {
		if !publicAddr(ip) {
			return &PolicyError{Reason: "it points at a private address"}
		}
		return nil
	}
	addrs, err := e.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &PolicyError{Reason: "its host could not be resolved to check its address"}
	}
	if len(addrs) == 0 {
		return &PolicyError{Reason: "its host could not be resolved to check its address"}
	}
	for _, a := range addrs {
		if !publicAddr(a) {
			return &PolicyError{Reason: "its host resolves to a private address"}
		}
	}
	return nil
}

// dial connects to a proxy as configured, and to anything else only on a
// public address (unless the policy allows private ones).
func (e *egress) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if e.isProxy(addr) {
		return e.direct.DialContext(ctx, network, addr)
	}
	return e.checked.DialContext(ctx, network, addr)
}

// dialAddr is the host:port net/http dials for u: the default port of its
// scheme when it has none, and an internationalized name in ASCII.
func dialAddr(u *url.URL) string {
	host := u.Hostname()
	if a, err := idna.Lookup.ToASCII(host); err == nil {
		host = a
	}
	port := u.Port()
	if port == "" {
		switch u.Scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		case "socks5", "socks5h":
			port = "1080"
		}
	}
	return net.JoinHostPort(host, port)
}

// tlsFailure reports whether err is a failed TLS handshake with the
// storage host: an untrusted or mismatched certificate, a server that does
// not speak TLS, or a TLS alert.
func tlsFailure(err error) bool {
	var (
		verify  *tls.CertificateVerificationError
		record  tls.RecordHeaderError
		alert   tls.AlertError
		unknown x509.UnknownAuthorityError
		name    x509.HostnameError
		invalid x509.CertificateInvalidError
	)
	return errors.Is(err, http.ErrSchemeMismatch) || errors.As(err, &verify) || errors.As(err, &record) || errors.As(err, &alert) ||
		errors.As(err, &unknown) || errors.As(err, &name) || errors.As(err, &invalid) ||
		strings.Contains(err.Error(), "tls: ")
}

func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsValid() && !ip.IsLoopback() && !ip.IsPrivate() && !ip.IsLinkLocalUnicast() &&
		!ip.IsLinkLocalMulticast() && !ip.IsUnspecified() && !ip.IsMulticast() && !ip.IsInterfaceLocalMulticast() &&
		!cgnat.Contains(ip)
}

// cgnat is the shared address space of RFC 6598, private in practice.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// asPolicyError finds a *PolicyError inside a transport error.
func asPolicyError(err error) (*PolicyError, bool) {
	var pe *PolicyError
	if errors.As(err, &pe) {
		return pe, true
	}
	return nil, false
}

// WithDownloadPolicy replaces the policy derived from the base URL (and the
// download client built for it, unless WithDownloadClient follows).
func WithDownloadPolicy(p DownloadPolicy) Option {
	return func(c *Client) error {
		c.dlPolicy = p
		c.dl = NewDownloadClient(p)
		return nil
	}
}
