package handlers

import (
	"net/http"
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

// Job handles GET /jobs/:jobId: the job of the default project.
func (h *Redirects) Job(c echo.Context) error {
	id, err := parseID(c.Param("jobId"), "job id")
	if err != nil {
		return err
	}
	project, err := h.project("")
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, jobPath(project, id))
}

// Open handles GET /open?job=ID[&project=NAME], the start page's form:
// the job of the project named, or of the default project.
func (h *Redirects) Open(c echo.Context) error {
	id, err := parseID(strings.TrimSpace(c.QueryParam("job")), "job id")
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
