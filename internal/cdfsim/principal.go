package cdfsim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Capabilities the simulator checks.
const (
	// CapFilesRead is the capability every project route needs, as in CDF:
	// reading segmentation jobs and the files they refer to, and the files
	// that annotations annotate.
	CapFilesRead = "filesAcl:READ"
	// CapAnnotationsRead is needed to list and retrieve annotations.
	CapAnnotationsRead = "annotationsAcl:READ"
	// CapAnnotationsWrite is needed to create, update and delete
	// annotations.
	CapAnnotationsWrite = "annotationsAcl:WRITE"
	// CapAnnotationsSuggest is needed to suggest annotations
	// (POST /annotations/suggest).
	CapAnnotationsSuggest = "annotationsAcl:SUGGEST"
)

// principal is who a request authenticated as.
type principal struct {
	// service is the client-credentials principal: it holds every
	// capability in the project.
	service bool
	// subject is the sub claim of a person's token.
	subject string
	caps    map[string]bool
	// projects are the projects a person reaches; nil means every served
	// project (a person not listed in Options.UserProjects).
	projects map[string]bool
}

func (p principal) can(capability string) bool { return p.service || p.caps[capability] }

type principalKey struct{}

func withPrincipal(ctx context.Context, p principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

func principalFrom(ctx context.Context) principal {
	p, _ := ctx.Value(principalKey{}).(principal)
	return p
}

// jwtVerifier checks the bearer JWTs of an OpenID Connect provider the way
// CDF checks tokens of the identity provider a project trusts: the
// signature against the provider's published keys (JWKS, found through
// discovery), the issuer, the audience and the expiry.
type jwtVerifier struct {
	issuer, audience string
	now              func() time.Time
	hc               *http.Client

	mu sync.Mutex
	v  *oidc.IDTokenVerifier // nil until discovery succeeded
}

func newJWTVerifier(issuer, audience string, now func() time.Time) (*jwtVerifier, error) {
	u, err := url.Parse(issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("cdfsim: OIDCIssuer %q is not an absolute http(s) URL", issuer)
	}
	if audience == "" {
		return nil, errors.New("cdfsim: OIDCAudience is required with OIDCIssuer")
	}
	return &jwtVerifier{issuer: issuer, audience: audience, now: now, hc: &http.Client{Timeout: 10 * time.Second}}, nil
}

// verifier discovers the provider on first use, so that the simulator can
// start before the provider; a failed discovery is tried again next time.
func (j *jwtVerifier) verifier(ctx context.Context) (*oidc.IDTokenVerifier, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.v != nil {
		return j.v, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, j.hc), j.issuer)
	if err != nil {
		return nil, fmt.Errorf("discovering %s: %w", j.issuer, err)
	}
	// go-oidc's ID token verifier checks exactly what a resource server
	// checks of a JWT access token: signature, iss, aud and exp.
	j.v = p.Verifier(&oidc.Config{ClientID: j.audience, Now: j.now})
	return j.v, nil
}

// verify returns the subject and email of a valid token.
func (j *jwtVerifier) verify(ctx context.Context, raw string) (subject, email string, err error) {
	v, err := j.verifier(ctx)
	if err != nil {
		return "", "", err
	}
	tok, err := v.Verify(ctx, raw)
	if err != nil {
		return "", "", err
	}
	var claims struct {
		Email string `json:"email"`
	}
	if err := tok.Claims(&claims); err != nil {
		return "", "", err
	}
	if tok.Subject == "" {
		return "", "", errors.New("token has no subject")
	}
	return tok.Subject, claims.Email, nil
}

// looksLikeJWT tells a compact JWS (three base64url parts) from the
// simulator's own opaque hex tokens.
func looksLikeJWT(token string) bool {
	return strings.Count(token, ".") == 2
}

// authenticate returns the principal of r's bearer token: the service
// principal for a token from the client-credentials endpoint, a person for
// a valid JWT of the configured OpenID Connect provider.
func (s *Server) authenticate(r *http.Request) (principal, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return principal{}, false
	}
	s.mu.Lock()
	exp, issued := s.tokens[token]
	s.mu.Unlock()
	if issued {
		return principal{service: true}, s.now().Before(exp)
	}
	if s.jwt == nil || !looksLikeJWT(token) {
		return principal{}, false
	}
	subject, email, err := s.jwt.verify(r.Context(), token)
	if err != nil {
		s.log.Debug("bearer JWT refused", "err", err)
		return principal{}, false
	}
	p := principal{subject: subject, caps: map[string]bool{}}
	for _, who := range []string{subject, email} {
		if who == "" {
			continue
		}
		for _, c := range s.userCaps[who] {
			p.caps[c] = true
		}
		if names, listed := s.userProjects[who]; listed {
			if p.projects == nil {
				p.projects = map[string]bool{}
			}
			for _, name := range names {
				p.projects[name] = true
			}
		}
	}
	return p, true
}

// recordPerson counts an authenticated API request of a person.
func (s *Server) recordPerson(subject, path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	paths := s.personRequests[subject]
	if paths == nil {
		paths = map[string]int{}
		s.personRequests[subject] = paths
	}
	paths[path]++
}

// PersonRequests counts the API requests that authenticated with a JWT of
// the person with this subject and whose URL path contains match, whether
// or not they were allowed.
func (s *Server) PersonRequests(subject, match string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for path, c := range s.personRequests[subject] {
		if strings.Contains(path, match) {
			n += c
		}
	}
	return n
}
