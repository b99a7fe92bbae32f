package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// Redirects sends short job addresses to the job page.
type Redirects struct {
	Project string
}

// Job handles GET /jobs/:jobId.
func (h *Redirects) Job(c echo.Context) error {
	id, err := parseID(c.Param("jobId"), "job id")
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, jobPath(h.Project, id))
}

// Open handles GET /open?job=ID, the start page's form.
func (h *Redirects) Open(c echo.Context) error {
	id, err := parseID(strings.TrimSpace(c.QueryParam("job")), "job id")
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, jobPath(h.Project, id))
}

// Health handles GET /healthz.
func Health(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.String(http.StatusOK, "ok\n")
}
