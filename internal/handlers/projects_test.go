package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/verdict"
)

// TestRefusedProject reads CDF's refusals of a project named in the URL
// (SEGVIEW_PROJECTS=*) as a page about that project; other failures keep
// their own page.
func TestRefusedProject(t *testing.T) {
	t.Parallel()
	api := func(status int, path string) error {
		return fmt.Errorf("loading job: %w", &cdf.APIError{Status: status, Message: "Resource not found.", Path: path, RequestID: "req-7"})
	}
	tests := []struct {
		name     string
		err      error
		refused  bool
		status   int
		mentions string
	}{
		{"cdf 403", api(403, "/context/vision/segment/1001"), true, 403, `CDF refused your access to project "acme-b"`},
		{"cdf 401", api(401, "/files/byids"), true, 403, `CDF refused your access to project "acme-b"`},
		{"cdf 404", api(404, "/context/vision/segment/1001"), false, 404, "no such job"},
		{"download refused", api(403, cdf.DownloadPath), false, 502, "HTTP 403"},
		{"verdict refused keeps its framing", &verdict.Error{Op: verdict.OpRead, Err: api(403, "/annotations/list")}, false, 403, "annotationsAcl:READ"},
		{"token failure", &cdf.AuthError{Err: errors.New("invalid_grant")}, false, 502, "access token"},
		{"input", &inputError{msg: "The job id is not valid"}, false, 400, "not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := refusedProject("acme-b", tt.err)
			var pr *projectRefusedError
			if errors.As(err, &pr) != tt.refused {
				t.Fatalf("refusedProject(%v) = %v, refused %v", tt.err, err, !tt.refused)
			}
			p := classify(err)
			if p.Status != tt.status || !strings.Contains(p.Message, tt.mentions) {
				t.Errorf("page %d %q, want %d mentioning %q", p.Status, p.Message, tt.status, tt.mentions)
			}
			if tt.refused {
				if p.Heading != "No access to project acme-b" || p.RequestID != "req-7" || p.Detail != "Resource not found." || p.Kind != "project_refused" {
					t.Errorf("refused page = %+v", p)
				}
				// The session must go on: nothing in the chain reads as
				// a token CDF no longer accepts (auth ends the session
				// on a 401).
				var apiErr *cdf.APIError
				if errors.As(err, &apiErr) {
					t.Errorf("the refusal unwraps to CDF's %d", apiErr.Status)
				}
			}
		})
	}
}

// TestResolveProject answers a project not served with a 404 that says
// so, in the shape of a dashboard of one project.
func TestResolveProject(t *testing.T) {
	t.Parallel()
	p := Project{Name: "acme"}
	several := &Projects{Lookup: func(n string) (Project, bool) { return Project{Name: n}, n == "acme" || n == "acme-b" },
		Default: "acme", Listed: []string{"acme", "acme-b"}}
	anyProject := &Projects{Lookup: func(n string) (Project, bool) { return Project{Name: n}, cdf.ValidProject(n) }, Any: true}
	tests := []struct {
		name     string
		ps       *Projects
		project  string
		served   bool
		mentions string
	}{
		{"one project", oneProject(p), "acme", true, ""},
		{"one project, another", oneProject(p), "other", false, `Project "other" is not served by this dashboard; it shows project "acme".`},
		{"several", several, "acme-b", true, ""},
		{"several, another", several, "acme-c", false, `Project "acme-c" is not served by this dashboard; it shows the projects listed on its home page.`},
		{"any", anyProject, "whatever-1", true, ""},
		{"any, not a name", anyProject, "a_b", false, `"a_b" is not a CDF project name.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.ps.resolve(tt.project)
			if tt.served {
				if err != nil || got.Name != tt.project {
					t.Errorf("resolve(%q) = %+v, %v", tt.project, got, err)
				}
				return
			}
			p := classify(err)
			if p.Status != http.StatusNotFound || p.Message != tt.mentions {
				t.Errorf("resolve(%q): %d %q, want 404 %q", tt.project, p.Status, p.Message, tt.mentions)
			}
		})
	}
}
