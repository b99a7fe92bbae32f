package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
)

// Project is what serves one CDF project's routes: views of the one
// reader, renderer and verdict store for that project, which share the
// process's caches, limits and memory budget and key everything they
// keep by the project.
type Project struct {
	Name     string
	Reader   Reader
	Renderer OverlayRenderer
	// Verdicts is nil when verdicts are off.
	Verdicts VerdictStore
}

// Projects are the CDF projects a dashboard serves (SEGVIEW_PROJECTS).
type Projects struct {
	// Lookup returns what serves the project named, or false when the
	// dashboard does not serve it: the route then answers 404 before any
	// call to CDF.
	Lookup func(name string) (Project, bool)
	// Default is the project /jobs/{id} and /open?job= open without a
	// project; "" when there is none (SEGVIEW_PROJECTS=* without
	// CDF_PROJECT).
	Default string
	// Listed are the projects served, in order; nil with Any.
	Listed []string
	// Any says that any project the signed-in person reaches is served
	// (SEGVIEW_PROJECTS=*): CDF's answer to the person's token decides,
	// and a refusal reads as a page about the project.
	Any bool
	// Reachable lists the projects the request's person reaches, for the
	// home page with Any.
	Reachable func(ctx context.Context) ([]string, error)
	// Verdicts says whether the projects record verdicts.
	Verdicts bool
}

// oneProject serves p alone, as a dashboard of one project did.
func oneProject(p Project) *Projects {
	return &Projects{
		Lookup:   func(name string) (Project, bool) { return p, name == p.Name },
		Default:  p.Name,
		Listed:   []string{p.Name},
		Verdicts: p.Verdicts != nil,
	}
}

// resolve returns what serves the project the URL names: a project not
// served is a 404 with the message a dashboard of one project gave.
func (ps *Projects) resolve(name string) (Project, error) {
	if p, ok := ps.Lookup(name); ok {
		return p, nil
	}
	switch {
	case ps.Any:
		return Project{}, &notFoundError{msg: fmt.Sprintf("%q is not a CDF project name.", clip(name))}
	case len(ps.Listed) == 1:
		return Project{}, checkProject(name, ps.Listed[0])
	}
	return Project{}, &notFoundError{msg: fmt.Sprintf("Project %q is not served by this dashboard; it shows the projects listed on its home page.", clip(name))}
}

// perProject serves a /projects/{project}/ route with a copy of h made
// for the project the URL names (bind fills in its reader, renderer,
// verdicts and project), so that every handler sees one project only
// and nothing of another project can reach it.
func perProject[H any](ps *Projects, h *H, bind func(h *H, p Project), method func(*H) echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := ps.resolve(c.Param("project"))
		if err != nil {
			return err
		}
		c.Set(ctxProject, p.Name)
		v := *h
		bind(&v, p)
		err = method(&v)(c)
		if err != nil && ps.Any {
			err = refusedProject(p.Name, err)
		}
		return err
	}
}

// projectRefusedError is CDF refusing the signed-in person's token for a
// project they named in the URL (SEGVIEW_PROJECTS=*): they cannot reach
// the project, which is not segview's fault. It does not unwrap to CDF's
// answer on purpose: a 401 for one project must not read as a token CDF
// no longer accepts, which ends the session (auth).
type projectRefusedError struct {
	project string
	err     error
}

func (e *projectRefusedError) Error() string {
	return fmt.Sprintf("project %s refused: %v", e.project, e.err)
}

func (e *projectRefusedError) HTTPStatus() int { return http.StatusForbidden }
func (e *projectRefusedError) PublicHeading() string {
	return "No access to project " + clip(e.project)
}
func (e *projectRefusedError) PublicMessage() string {
	return fmt.Sprintf("CDF refused your access to project %q: your account reaches other projects, or none.", clip(e.project))
}
func (e *projectRefusedError) PublicHint() string {
	return "The home page lists the projects you can reach. Ask a CDF administrator for access to this one."
}
func (e *projectRefusedError) ErrorKind() string { return "project_refused" }
func (e *projectRefusedError) PublicDetail() string {
	if d, ok := e.err.(detailError); ok {
		return d.PublicDetail()
	}
	return ""
}
func (e *projectRefusedError) CDFRequestID() string {
	if r, ok := e.err.(requestIDError); ok {
		return r.CDFRequestID()
	}
	return ""
}

// refusedProject reads a 401 or 403 from CDF's API (not from its file
// storage) as the person not reaching the project. An error that frames
// its meaning itself (a verdict not saved) keeps it.
func refusedProject(project string, err error) error {
	var framing framingError
	if errors.As(err, &framing) {
		return err
	}
	var apiErr interface {
		error
		HTTPStatus() int
		ErrorKind() string
	}
	if !errors.As(err, &apiErr) {
		return err
	}
	switch apiErr.ErrorKind() {
	case "cdf_401", "cdf_403":
		return &projectRefusedError{project: project, err: apiErr}
	}
	return err
}
