package config

import (
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/segview/segview/internal/hosts"
)

// DefaultFrameAncestors lets only segview's own pages frame segview.
const DefaultFrameAncestors = "'self'"

// Security configures the protections every response carries.
type Security struct {
	// FrameAncestors is the CSP frame-ancestors source list
	// (SEGVIEW_FRAME_ANCESTORS): who may show segview in a frame.
	FrameAncestors string
	// PublicURL is SEGVIEW_PUBLIC_URL, without a trailing slash, or "".
	PublicURL string
	// HSTS is true when PublicURL is https: responses then carry
	// Strict-Transport-Security.
	HSTS bool
	// Hosts are the host names segview serves (hosts.Policy): the
	// PublicURL's host and SEGVIEW_ALLOWED_HOSTS, canonical (hosts.Name),
	// sorted. nil serves localhost and IP addresses only.
	Hosts []string
}

// parseSecurity reads the response-header settings. SEGVIEW_PUBLIC_URL is
// read and checked by parseAuth with SEGVIEW_AUTH=oidc, where it is
// required; without sign-in it is optional and only decides HSTS.
func (p *parser) parseSecurity(a Auth) Security {
	s := Security{FrameAncestors: DefaultFrameAncestors}
	if v := p.str("SEGVIEW_FRAME_ANCESTORS", ""); v != "" {
		list, msg := checkFrameAncestors(v)
		if msg != "" {
			p.fail("SEGVIEW_FRAME_ANCESTORS %s", msg)
		} else {
			s.FrameAncestors = list
		}
	}
	if a.Mode == AuthOIDC {
		s.PublicURL = a.PublicURL
	} else if v := strings.TrimRight(p.str("SEGVIEW_PUBLIC_URL", ""), "/"); v != "" {
		if msg := checkPublicURL(v); msg != "" {
			p.fail("SEGVIEW_PUBLIC_URL %s", msg)
		} else {
			s.PublicURL = v
		}
	}
	s.HSTS = strings.HasPrefix(s.PublicURL, "https://")
	s.Hosts = p.allowedHosts(s.PublicURL)
	return s
}

// allowedHosts returns the host of publicURL and the names of
// SEGVIEW_ALLOWED_HOSTS, comma separated host names or IP addresses (IPv6
// in brackets), each with an optional port that is ignored. Wildcards are
// refused: each name is listed.
func (p *parser) allowedHosts(publicURL string) []string {
	var names []string
	if publicURL != "" && checkPublicURL(publicURL) == "" {
		u, _ := url.Parse(publicURL)
		if n, ok := hosts.Name(u.Host); ok {
			names = append(names, n)
		} else {
			p.fail("SEGVIEW_PUBLIC_URL %q has a host that requests cannot name: use a DNS name or an IP address", clipValue(publicURL))
		}
	}
	for entry := range strings.SplitSeq(p.str("SEGVIEW_ALLOWED_HOSTS", ""), ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		n, msg := checkAllowedHost(entry)
		if msg != "" {
			p.fail("SEGVIEW_ALLOWED_HOSTS entry %s %s", strconv.Quote(clipValue(entry)), msg)
			continue
		}
		names = append(names, n)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// checkAllowedHost checks one entry of SEGVIEW_ALLOWED_HOSTS and returns
// its canonical name.
func checkAllowedHost(entry string) (string, string) {
	switch {
	case strings.Contains(entry, "/"):
		return "", "is a URL or has a path: list host names, like segview.example.com,segview.internal:8080"
	case strings.Contains(entry, "*"):
		return "", "is a wildcard, which segview does not take: list every name people open segview by"
	}
	n, ok := hosts.Name(entry)
	if !ok {
		return "", "is not a host name or an IP address (IPv6 in brackets) with an optional port"
	}
	return n, ""
}

// checkFrameAncestors validates a CSP frame-ancestors source list and
// returns it with single spaces. Accepted sources are 'self', 'none' (on its
// own), and hosts with an optional scheme, "*." prefix and port, like
// https://portal.example.com or https://*.example.com:8443. Anything that
// could end the directive or start another (";", ",", quotes other than
// 'self' and 'none', control characters) is refused, and so is every source
// that lets any site frame the dashboard: "*", a scheme alone ("https:"),
// a wildcard host ("https://*") and a wildcard over a public suffix
// ("*.com", "*.co.uk", "*.github.io").
func checkFrameAncestors(raw string) (string, string) {
	sources := strings.Fields(raw)
	for _, s := range sources {
		switch {
		case s == "'none'" && len(sources) > 1:
			return "", "combines 'none' with other sources: use 'none' alone, or list the sites that may frame segview"
		case s == "'self'" || s == "'none'":
		case s == "self" || s == "none":
			return "", fmt.Sprintf("has %s without quotes, which CSP reads as a host name: write '%[1]s'", s)
		case s == "*":
			return "", `is "*", which lets every site frame segview: list the sites that may, like 'self' https://portal.example.com`
		default:
			if msg := checkHostSource(s); msg != "" {
				return "", fmt.Sprintf("source %s %s: use space-separated sources like 'self' https://portal.example.com", strconv.Quote(clipValue(s)), msg)
			}
		}
	}
	return strings.Join(sources, " "), ""
}

// checkHostSource checks one scheme-source or host-source of CSP.
func checkHostSource(s string) string {
	if strings.ContainsAny(s, ";,") {
		return "contains ';' or ',', which would end the directive"
	}
	for _, r := range s {
		switch {
		case r < 0x21 || r > 0x7e:
			return "contains a character outside printable ASCII"
		case r == '\'' || r == '"':
			return "is quoted: only 'self' and 'none' are quoted"
		}
	}
	if strings.HasSuffix(s, ":") && !strings.Contains(s, "/") {
		return "is a scheme alone, which lets every site served over it frame segview, as \"*\" does; name the sites instead"
	}
	host := s
	if scheme, rest, ok := strings.Cut(s, "://"); ok {
		if scheme != "https" && scheme != "http" {
			return "has a scheme other than https or http"
		}
		host = rest
	}
	if strings.ContainsAny(host, "/?#@\\") {
		return "is not only scheme, host and port"
	}
	if h, port, ok := strings.Cut(host, ":"); ok {
		if port != "*" {
			if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
				return "has an invalid port"
			}
		}
		host = h
	}
	if host == "*" {
		return "is a wildcard over every host, which lets every site frame segview, as \"*\" does"
	}
	domain, wildcard := strings.CutPrefix(host, "*.")
	if !validHostname(domain) {
		return "is not a host name"
	}
	if wildcard {
		if msg := checkWildcardDomain(strings.ToLower(domain)); msg != "" {
			return msg
		}
	}
	return ""
}

// checkWildcardDomain refuses the domain of a "*." source when anyone may
// register names under it: a bare top-level domain or any other public
// suffix (com, co.uk, github.io), which would let unrelated sites frame
// segview. IP addresses have no subdomains.
func checkWildcardDomain(domain string) string {
	last := domain[strings.LastIndexByte(domain, '.')+1:]
	if strings.Trim(last, "0123456789") == "" {
		return "is a wildcard over an IP address: name the host"
	}
	if suffix, _ := publicsuffix.PublicSuffix(domain); suffix == domain {
		return fmt.Sprintf("is a wildcard over the public suffix %s, which lets every site registered under it frame segview: name the portal's own domain, like https://*.example.com", domain)
	}
	return ""
}

// validHostname accepts DNS names (and IPv4 addresses): labels of letters,
// digits and dashes, not starting or ending with a dash.
func validHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// clipValue shortens a configuration value quoted in a message.
func clipValue(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// logAttrs is the summary of the response-header settings. The public URL
// is left out with sign-in, whose summary has it already.
func (s Security) logAttrs(a Auth) []slog.Attr {
	served, _ := hosts.NewPolicy(s.Hosts...)
	attrs := []slog.Attr{slog.String("frame_ancestors", s.FrameAncestors), slog.Bool("hsts", s.HSTS), slog.String("hosts", served.String())}
	if a.Mode != AuthOIDC {
		attrs = append(attrs, slog.String("public_url", s.PublicURL))
	}
	return attrs
}
