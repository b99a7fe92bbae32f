// Package hosts decides which host names segview answers to. Every request's
// Host header is checked against a Policy, so that a page on some other
// name that resolves to segview's address (DNS rebinding) is not served as
// if it were segview's own origin.
package hosts

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Name returns the canonical host name of a Host header value or of a
// configured entry, "host" or "host:port": lower case, without the port
// and without a trailing dot; an IP address in its canonical text, IPv6
// without brackets. ok is false when hostport is not a DNS name or an IP
// address with an optional numeric port.
func Name(hostport string) (name string, ok bool) {
	host, port := hostport, ""
	if rest, found := strings.CutPrefix(hostport, "["); found {
		// An IPv6 literal, always in brackets in a Host header.
		inner, after, closed := strings.Cut(rest, "]")
		if !closed || after != "" && after[0] != ':' {
			return "", false
		}
		addr, err := netip.ParseAddr(inner)
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return "", false
		}
		if after != "" && !validPort(after[1:]) {
			return "", false
		}
		return addr.String(), true
	}
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
		host, port = hostport[:i], hostport[i+1:]
		if !validPort(port) {
			return "", false
		}
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if addr, err := netip.ParseAddr(host); err == nil {
		if !addr.Is4() {
			return "", false // IPv6 must be in brackets
		}
		return addr.String(), true
	}
	if !validDNSName(host) {
		return "", false
	}
	return host, true
}

// validPort accepts "" (RFC 3986 allows "host:") and 1 to 5 digits.
func validPort(p string) bool {
	if len(p) > 5 {
		return false
	}
	for _, r := range p {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// validDNSName accepts names of labels of letters, digits, dashes and
// underscores (found in some internal names), not starting or ending with
// a dash.
func validDNSName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// Policy is the set of host names segview serves. Its zero value is the
// default of a server configured with no name: it serves "localhost" and
// IP addresses (IPv4, or IPv6 in brackets), whatever the port. Neither can
// be rebound: browsers resolve localhost to this machine themselves, and a
// request whose Host is an IP address comes from a page whose origin is
// that address. A Policy with names serves exactly those names.
type Policy struct {
	names []string // canonical, sorted, without duplicates; nil: the default
}

// NewPolicy returns the policy serving exactly names, each a host name or
// IP address with an optional port (ignored), as Name accepts them, or an
// IPv6 address without brackets as Name returns it. No names gives the
// default policy.
func NewPolicy(names ...string) (Policy, error) {
	var p Policy
	for _, n := range names {
		c, ok := Name(n)
		if addr, err := netip.ParseAddr(n); err == nil && addr.Is6() && addr.Zone() == "" {
			c, ok = addr.String(), true
		}
		if !ok {
			return Policy{}, fmt.Errorf("hosts: %q is not a host name or IP address", n)
		}
		p.names = append(p.names, c)
	}
	slices.Sort(p.names)
	p.names = slices.Compact(p.names)
	return p, nil
}

// Allows reports whether a request with this Host header is served. An
// empty or malformed Host is never served.
func (p Policy) Allows(hostHeader string) bool {
	name, ok := Name(hostHeader)
	if !ok {
		return false
	}
	if p.names == nil {
		if name == "localhost" {
			return true
		}
		_, err := netip.ParseAddr(name)
		return err == nil
	}
	_, found := slices.BinarySearch(p.names, name)
	return found
}

// IsDefault reports whether p is the default policy (localhost and IP
// addresses).
func (p Policy) IsDefault() bool { return p.names == nil }

// Names are the names p serves, nil for the default policy.
func (p Policy) Names() []string { return slices.Clone(p.names) }

// String describes p for the start-up log.
func (p Policy) String() string {
	if p.names == nil {
		return "localhost and IP addresses"
	}
	return strings.Join(p.names, ",")
}
