package cdf

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// DownloadPolicy decides which signed download URLs the client fetches.
// CDF hands out links to its cloud storage; segview follows them only over
// https, or to the CDF host itself, and never to loopback, private or
// link-local addresses unless CDF itself is on loopback (the simulator,
// tests), in which case plain http to loopback is allowed too.
type DownloadPolicy struct {
	// CDFHost is the host[:port] of CDF_URL; links to it may use its scheme.
	CDFHost string
	// AllowPrivate permits loopback and private addresses.
	AllowPrivate bool
}

// PolicyError says a download URL was refused by the DownloadPolicy. It
// never contains the URL, whose query is a signature.
type PolicyError struct{ Reason string }

func (e *PolicyError) Error() string { return "cdf: download link refused: " + e.Reason }

// policyFor derives the policy from CDF's base URL.
func policyFor(base *url.URL) DownloadPolicy {
	return DownloadPolicy{CDFHost: base.Host, AllowPrivate: isLoopbackHost(base.Hostname())}
}

// Check reports whether u may be fetched.
func (p DownloadPolicy) Check(u *url.URL) error {
	switch {
	case u.Host == "":
		return &PolicyError{Reason: "it has no host"}
	case u.User != nil:
		return &PolicyError{Reason: "it carries credentials"}
	case u.Scheme == "https":
	case u.Scheme == "http" && u.Host == p.CDFHost:
	case u.Scheme == "http" && p.AllowPrivate && isLoopbackHost(u.Hostname()):
		// CDF itself runs on this machine (the simulator, tests): so may its storage.
	default:
		return &PolicyError{Reason: "it is not https and not on the CDF host"}
	}
	if !p.AllowPrivate {
		if isLoopbackHost(u.Hostname()) {
			return &PolicyError{Reason: "it points at a loopback address"}
		}
		if ip, err := netip.ParseAddr(u.Hostname()); err == nil && !publicAddr(ip) {
			return &PolicyError{Reason: "it points at a private address"}
		}
	}
	return nil
}

// NewDownloadClient returns an http.Client that fetches download links
// under p: redirects to another host or down to http are not followed, and
// the dialer refuses private addresses even when a public name resolves to
// one. It carries no credentials.
func NewDownloadClient(p DownloadPolicy) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !p.AllowPrivate {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
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
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           dialer.DialContext,
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
