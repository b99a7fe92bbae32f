package cdfsim

import (
	"net/http"
	"slices"
	"strings"
)

// tokenInspectPath is CDF's token inspection endpoint. It is not under a
// project: it tells which projects a token reaches.
const tokenInspectPath = "/api/v1/token/inspect"

// Capabilities that token inspection needs, as CDF documents it
// (cdf-api.md §5.3).
const (
	CapProjectsList = "projectsAcl:LIST"
	CapGroupsList   = "groupsAcl:LIST"
)

// wireTokenInspect is the answer of GET /token/inspect, in the shape CDF's
// SDKs read: the token's subject, the projects it reaches with the ids of
// its groups there, and its capabilities, each with the projects it
// applies to.
type wireTokenInspect struct {
	Subject      string               `json:"subject"`
	Projects     []wireInspectProject `json:"projects"`
	Capabilities []map[string]any     `json:"capabilities"`
}

type wireInspectProject struct {
	ProjectURLName string  `json:"projectUrlName"`
	Groups         []int64 `json:"groups"`
}

// wireACL is one capability of an inspected token: the actions of one ACL
// over a resource scope.
type wireACL struct {
	Actions []string       `json:"actions"`
	Scope   map[string]any `json:"scope"`
}

// serviceCapabilities are the capabilities token inspection shows for the
// client-credentials service principal: every one the simulator checks.
var serviceCapabilities = []string{
	CapFilesRead, CapAnnotationsRead, CapAnnotationsWrite, CapAnnotationsSuggest, CapProjectsList, CapGroupsList,
}

// revokedNow reports whether capability is revoked for everyone.
func (s *Server) revokedNow(capability string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.revoked[capability] > 0 || s.adminRevoked[capability]
}

// tokenInspect serves GET /api/v1/token/inspect (cdf-api.md §5.3): who the
// token belongs to, the served projects its holder reaches and its
// capabilities there. serveAPI has already answered 401 for a missing,
// unknown, expired or invalid token.
//
// CDF documents that inspection needs the IDENTITY scope and the
// projectsAcl:LIST and groupsAcl:LIST capabilities. The simulator's tokens
// carry no scopes, so IDENTITY is not modelled; the two capabilities are
// held by every principal (the service principal holds every capability,
// and a person needs only their UserCapabilities, such as filesAcl:READ,
// to be answered) unless revoked with [Server.RevokeCapability] or
// /_sim/capabilities/revoke, which makes inspection answer 403 naming them.
// The simulator has no groups: each project lists none.
func (s *Server) tokenInspect(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet {
		return &apiError{status: http.StatusMethodNotAllowed, message: "Method " + r.Method + " not allowed", allow: http.MethodGet}
	}
	for _, c := range []string{CapProjectsList, CapGroupsList} {
		if s.revokedNow(c) {
			return &apiError{status: http.StatusForbidden, message: "Insufficient access rights: token inspection needs " + CapProjectsList + " and " + CapGroupsList + "."}
		}
	}
	pr := principalFrom(r.Context())
	out := wireTokenInspect{Subject: pr.subject, Projects: []wireInspectProject{}, Capabilities: []map[string]any{}}
	caps := serviceCapabilities
	if pr.service {
		out.Subject = s.clientID
	} else {
		caps = []string{CapProjectsList, CapGroupsList}
		for c := range pr.caps {
			caps = append(caps, c)
		}
	}
	projects := s.reachable(pr)
	for _, name := range projects {
		out.Projects = append(out.Projects, wireInspectProject{ProjectURLName: name, Groups: []int64{}})
	}
	if len(projects) > 0 {
		out.Capabilities = s.inspectCapabilities(caps, projects)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// inspectCapabilities groups caps ("acl:ACTION") by ACL, leaving out
// revoked ones, each over all resources of projects, sorted by ACL.
func (s *Server) inspectCapabilities(caps, projects []string) []map[string]any {
	actions := map[string][]string{}
	for _, c := range caps {
		acl, action, ok := strings.Cut(c, ":")
		if !ok || s.revokedNow(c) || slices.Contains(actions[acl], action) {
			continue
		}
		actions[acl] = append(actions[acl], action)
	}
	acls := make([]string, 0, len(actions))
	for acl := range actions {
		acls = append(acls, acl)
	}
	slices.Sort(acls)
	out := make([]map[string]any, 0, len(acls))
	for _, acl := range acls {
		slices.Sort(actions[acl])
		out = append(out, map[string]any{
			acl:            wireACL{Actions: actions[acl], Scope: map[string]any{"all": struct{}{}}},
			"projectScope": map[string][]string{"projects": projects},
		})
	}
	return out
}
