package config

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
)

// Sign-in modes (SEGVIEW_AUTH).
const (
	AuthNone = "none"
	AuthOIDC = "oidc"
)

// Identities CDF is called with (SEGVIEW_CDF_IDENTITY).
const (
	IdentityUser    = "user"
	IdentityService = "service"
)

// FlowUser is the LoginFlow with SEGVIEW_CDF_IDENTITY=user: segview has
// no CDF identity of its own and calls CDF with each person's token.
const FlowUser = "user"

// DefaultOIDCScopes returns, in a fresh slice, the scopes requested at
// sign-in unless SEGVIEW_OIDC_SCOPES says otherwise; with
// SEGVIEW_CDF_IDENTITY=user the CDF scopes (IDP_SCOPES) are added.
func DefaultOIDCScopes() []string {
	return []string{"openid", "profile", "email", "offline_access"}
}

// sessionKeySize is the size of a session key: AES-256.
const sessionKeySize = 32

// Auth says who may use the dashboard and whose identity CDF sees.
type Auth struct {
	Mode     string // SEGVIEW_AUTH: AuthNone or AuthOIDC
	Identity string // SEGVIEW_CDF_IDENTITY: IdentityUser or IdentityService ("" with AuthNone)

	Issuer       string   // SEGVIEW_OIDC_ISSUER
	ClientID     string   // SEGVIEW_OIDC_CLIENT_ID
	ClientSecret Secret   // SEGVIEW_OIDC_CLIENT_SECRET or the contents of SEGVIEW_OIDC_CLIENT_SECRET_FILE
	PublicURL    string   // SEGVIEW_PUBLIC_URL, without a trailing slash
	Scopes       []string // SEGVIEW_OIDC_SCOPES, or DefaultOIDCScopes() (+ IDP_SCOPES with IdentityUser)
	// Audience is IDP_AUDIENCE, sent with the authorization request when
	// set and IdentityUser.
	Audience string
	// SessionKeys are the decoded keys of SEGVIEW_SESSION_KEY (or _FILE):
	// the first seals cookies, all open them.
	SessionKeys []Secret
}

// parseAuth reads the sign-in settings. The CDF scopes of IdentityUser are
// added later by userIdentity, once CDF_URL is known.
func (p *parser) parseAuth(demo bool, readFile func(string) ([]byte, error)) Auth {
	a := Auth{Mode: p.str("SEGVIEW_AUTH", AuthNone)}
	identity := p.str("SEGVIEW_CDF_IDENTITY", "")
	switch a.Mode {
	case AuthNone:
		if identity == IdentityUser {
			p.fail("SEGVIEW_CDF_IDENTITY=user needs SEGVIEW_AUTH=oidc: without sign-in there is no person whose identity CDF could see")
		} else if identity != "" && identity != IdentityService {
			p.fail("SEGVIEW_CDF_IDENTITY %q is not supported: set user or service", identity)
		}
		// Optional without sign-in: it keys the verdict forms' CSRF
		// tokens, so that every replica accepts the others' forms.
		if p.str("SEGVIEW_SESSION_KEY", "") != "" || p.str("SEGVIEW_SESSION_KEY_FILE", "") != "" {
			a.SessionKeys = p.sessionKeys(readFile)
		}
		return a
	case AuthOIDC:
	default:
		p.fail("SEGVIEW_AUTH %q is not supported: set none (no sign-in) or oidc (OpenID Connect)", a.Mode)
		return a
	}
	a.Identity = identity
	switch identity {
	case "":
		a.Identity = IdentityUser
	case IdentityUser, IdentityService:
	default:
		p.fail("SEGVIEW_CDF_IDENTITY %q is not supported: set user (CDF sees each person) or service (CDF sees segview's service principal)", identity)
	}
	if demo && a.Identity == IdentityUser {
		p.fail("SEGVIEW_AUTH=oidc in demo mode needs SEGVIEW_CDF_IDENTITY=service: the built-in simulator does not trust your identity provider; or set CDF_PROJECT")
	}

	a.Issuer = p.str("SEGVIEW_OIDC_ISSUER", "")
	if a.Issuer == "" {
		p.fail("SEGVIEW_AUTH=oidc needs SEGVIEW_OIDC_ISSUER, the issuer URL of your identity provider (for Entra ID https://login.microsoftonline.com/{tenant}/v2.0)")
	} else if msg := checkIssuer(a.Issuer); msg != "" {
		p.fail("SEGVIEW_OIDC_ISSUER %s", msg)
	}
	a.ClientID = p.str("SEGVIEW_OIDC_CLIENT_ID", "")
	if a.ClientID == "" {
		p.fail("SEGVIEW_AUTH=oidc needs SEGVIEW_OIDC_CLIENT_ID, segview's application (client) id at the identity provider")
	}
	a.ClientSecret = p.secret("SEGVIEW_OIDC_CLIENT_SECRET", "SEGVIEW_OIDC_CLIENT_SECRET_FILE", readFile)
	a.PublicURL = strings.TrimRight(p.str("SEGVIEW_PUBLIC_URL", ""), "/")
	if a.PublicURL == "" {
		p.fail("SEGVIEW_AUTH=oidc needs SEGVIEW_PUBLIC_URL, the address people open segview at (for example https://segview.example.com); the redirect URL is it + /auth/callback")
	} else if msg := checkPublicURL(a.PublicURL); msg != "" {
		p.fail("SEGVIEW_PUBLIC_URL %s", msg)
	}
	a.Scopes = splitScopes(p.str("SEGVIEW_OIDC_SCOPES", ""))
	if len(a.Scopes) == 0 && a.Identity == IdentityService {
		a.Scopes = DefaultOIDCScopes()
	}
	a.SessionKeys = p.sessionKeys(readFile)
	return a
}

// userIdentity completes c for SEGVIEW_CDF_IDENTITY=user: segview calls CDF
// with each person's token, so no service principal is needed (the IDP_*
// client credentials and CDF_TOKEN are not read), and the sign-in asks for
// the CDF scopes (IDP_SCOPES, default {CDF_URL}/.default) and audience.
func (p *parser) userIdentity(c *Config) {
	c.LoginFlow = FlowUser
	c.Scopes = splitScopes(p.str("IDP_SCOPES", ""))
	if len(c.Scopes) == 0 && c.URL != "" {
		c.Scopes = []string{c.URL + "/.default"}
	}
	c.Audience = p.str("IDP_AUDIENCE", "")
	c.Auth.Audience = c.Audience
	if len(c.Auth.Scopes) == 0 {
		c.Auth.Scopes = append(DefaultOIDCScopes(), c.Scopes...)
	}
}

// sessionKeys decodes SEGVIEW_SESSION_KEY (or the file of
// SEGVIEW_SESSION_KEY_FILE): base64 keys of 32 bytes, separated by commas.
// Messages never show key material.
func (p *parser) sessionKeys(readFile func(string) ([]byte, error)) []Secret {
	raw := p.secret("SEGVIEW_SESSION_KEY", "SEGVIEW_SESSION_KEY_FILE", readFile)
	if !raw.IsSet() {
		p.fail("SEGVIEW_AUTH=oidc needs SEGVIEW_SESSION_KEY or SEGVIEW_SESSION_KEY_FILE: a base64 key of 32 bytes (make one with: openssl rand -base64 32), the same on every replica")
		return nil
	}
	var keys []Secret
	for i, s := range strings.Split(raw.Reveal(), ",") {
		k, ok := decodeKey(strings.TrimSpace(s))
		if !ok {
			p.fail("SEGVIEW_SESSION_KEY: key %d is not base64 of exactly %d bytes (make one with: openssl rand -base64 32)", i+1, sessionKeySize)
			continue
		}
		keys = append(keys, Secret(k))
	}
	return keys
}

func decodeKey(s string) (string, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == sessionKeySize {
			return string(b), true
		}
	}
	return "", false
}

func checkIssuer(raw string) string {
	if msg := checkTokenURL(raw); msg != "" {
		return msg
	}
	if u, _ := url.Parse(raw); u.RawQuery != "" || u.Fragment != "" {
		return "must not have a query or fragment"
	}
	return ""
}

func checkPublicURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Sprintf("%q is not an absolute URL: set it like https://segview.example.com", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Path != "" {
		return fmt.Sprintf("%q must be only scheme, host and port: segview serves its pages from the root", raw)
	}
	if u.Scheme == "http" && !IsLoopback(u.Hostname()) {
		return "uses http:// for a host that is not loopback: use https://, so that session cookies are Secure"
	}
	return ""
}

// logAttrs is the redacted summary of the sign-in settings.
func (a Auth) logAttrs() []slog.Attr {
	attrs := []slog.Attr{slog.String("auth", a.Mode)}
	if a.Mode != AuthOIDC {
		return attrs
	}
	return append(attrs,
		slog.String("cdf_identity", a.Identity),
		slog.String("oidc_issuer", a.Issuer),
		slog.String("oidc_client_id", a.ClientID),
		slog.Any("oidc_client_secret", a.ClientSecret),
		slog.String("public_url", a.PublicURL),
		slog.String("oidc_scopes", strings.Join(a.Scopes, " ")),
		slog.Int("session_keys", len(a.SessionKeys)),
	)
}
