package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// Redirects sends short job addresses to the job page.
type Redirects struct {
	// Project is the default project ("" for none).
	Project string
	// Projects, when set, are the projects /open?project= may name.
	Projects *Projects
}

// Job handles GET /jobs/:jobId[?project=NAME]: the job of the project
// named, as /open takes it (a project not served is a 404), or of the
// default project.
func (h *Redirects) Job(c echo.Context) error {
	id, err := parseID(c.Param("jobId"), "job id")
	if err != nil {
		return err
	}
	project, err := h.project(strings.TrimSpace(c.QueryParam("project")))
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, jobPath(project, id))
}

// ProjectHome handles GET /projects/:project and /projects/:project/: the
// project's section of the home page (its forms), or the home page when
// the dashboard serves one project; a project not served is a 404.
func (h *Redirects) ProjectHome(c echo.Context) error {
	name := c.Param("project")
	if h.Projects == nil {
		if err := checkProject(name, h.Project); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/")
	}
	if _, err := h.Projects.resolve(name); err != nil {
		return err
	}
	if !h.Projects.Any && len(h.Projects.Listed) == 1 {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	return c.Redirect(http.StatusSeeOther, "/#"+ProjectAnchor(name))
}

// ProjectAnchor is the id of a project's section on the home page.
// Project names are letters, digits and hyphens (cdf.ValidProject), valid
// in an id and a fragment as they are.
func ProjectAnchor(project string) string { return "project-" + project }

// projectPath is a project's address, which leads to its section of the
// home page (Redirects.ProjectHome).
func projectPath(project string) string { return "/projects/" + url.PathEscape(project) }

// Open handles GET /open?job=ID[&project=NAME], the start page's form:
// the job of the project named, or of the default project.
func (h *Redirects) Open(c echo.Context) error {
	raw := strings.TrimSpace(c.QueryParam("job"))
	if raw == "" {
		return &inputError{msg: "No job id was given: enter the id of a segmentation job."}
	}
	id, err := parseID(raw, "job id")
	if err != nil {
		return err
	}
	project, err := h.project(strings.TrimSpace(c.QueryParam("project")))
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, jobPath(project, id))
}

// project is the project named, when served, or the default one.
func (h *Redirects) project(name string) (string, error) {
	if name == "" {
		if h.Project == "" {
			return "", &notFoundError{msg: "This dashboard serves several projects and none by default: open a job from the home page, or at /projects/{project}/jobs/{id}."}
		}
		return h.Project, nil
	}
	if h.Projects == nil {
		return name, checkProject(name, h.Project)
	}
	if _, err := h.Projects.resolve(name); err != nil {
		return "", err
	}
	return name, nil
}

// Health handles GET /healthz.
func Health(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.String(http.StatusOK, "ok\n")
}
