package cdfsim

import (
	"net/http"
	"slices"
	"strings"
	"sync"
)

// allowed reports whether p holds capability and nobody revoked it.
func (s *Server) allowed(p principal, capability string) bool {
	s.mu.Lock()
	revoked := s.revoked[capability] > 0 || s.adminRevoked[capability]
	s.mu.Unlock()
	return !revoked && p.can(capability)
}

// RevokeCapability makes every principal, the client-credentials service
// principal included, lack capability (such as [CapAnnotationsWrite])
// until restore is called; routes that need it answer 403 naming it.
// Revocations nest: the capability returns when every restore of a
// RevokeCapability call has run and no /_sim/capabilities revocation is
// left. restore is safe to call more than once. RevokeCapability panics on
// an empty capability: it is written by tests, and a typo should fail
// loudly.
func (s *Server) RevokeCapability(capability string) (restore func()) {
	if strings.TrimSpace(capability) == "" {
		panic("cdfsim: RevokeCapability: empty capability")
	}
	s.mu.Lock()
	s.revoked[capability]++
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.revoked[capability]--; s.revoked[capability] <= 0 {
				delete(s.revoked, capability)
			}
		})
	}
}

// RevokedCapabilities returns the capabilities revoked now, sorted.
func (s *Server) RevokedCapabilities() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.revoked)+len(s.adminRevoked))
	for c := range s.revoked {
		out = append(out, c)
	}
	for c := range s.adminRevoked {
		if s.revoked[c] == 0 {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

// wireCapability is the body of /_sim/capabilities/revoke and /restore.
type wireCapability struct {
	Capability string `json:"capability"`
}

// wireRevoked is the answer of every /_sim/capabilities route.
type wireRevoked struct {
	Revoked []string `json:"revoked"`
}

// serveCapabilities serves the admin routes for capability revocation:
//
//	GET  /_sim/capabilities          -> {"revoked":[...]}
//	POST /_sim/capabilities/revoke   {"capability":"annotationsAcl:WRITE"}
//	POST /_sim/capabilities/restore  {"capability":"annotationsAcl:WRITE"}
//
// Revoking over HTTP is idempotent, and restoring undoes it; a revocation
// a test holds through RevokeCapability stays until the test restores it.
// Every route answers with the capabilities revoked afterwards.
func (s *Server) serveCapabilities(w http.ResponseWriter, r *http.Request, path string) error {
	switch path {
	case "/_sim/capabilities":
		if r.Method != http.MethodGet {
			return &apiError{status: http.StatusMethodNotAllowed, message: "Method " + r.Method + " not allowed", allow: http.MethodGet}
		}
	case "/_sim/capabilities/revoke", "/_sim/capabilities/restore":
		if r.Method != http.MethodPost {
			return &apiError{status: http.StatusMethodNotAllowed, message: "Method " + r.Method + " not allowed", allow: http.MethodPost}
		}
		var req wireCapability
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
		if c := req.Capability; strings.TrimSpace(c) == "" || !strings.Contains(c, ":") {
			return badRequest("capability must be an ACL and an action such as %q, got %q", CapAnnotationsWrite, c)
		}
		s.mu.Lock()
		if strings.HasSuffix(path, "/revoke") {
			s.adminRevoked[req.Capability] = true
		} else {
			delete(s.adminRevoked, req.Capability)
		}
		s.mu.Unlock()
	default:
		return &apiError{status: http.StatusNotFound, message: "Not Found: " + r.URL.Path}
	}
	writeJSON(w, http.StatusOK, wireRevoked{Revoked: s.RevokedCapabilities()})
	return nil
}
