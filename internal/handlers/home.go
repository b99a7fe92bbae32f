package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/web/templates"
)

// Home serves the start page.
type Home struct {
	Page     Page
	DemoJobs []templates.JobLink
}

// Show handles GET /.
func (h *Home) Show(c echo.Context) error {
	m := templates.HomePage{Base: forRequest(c, h.Page.Base("Segmentation jobs")), DemoJobs: h.DemoJobs,
		ReviewAction: "/projects/" + url.PathEscape(h.Page.Project) + "/review"}
	for _, r := range recentJobs(c) {
		if r.Project != h.Page.Project {
			continue
		}
		m.Recent = append(m.Recent, templates.JobLink{Href: jobPath(r.Project, r.JobID), Label: "Job " + itoa(r.JobID), Description: r.Project})
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return writePage(c, http.StatusOK, templates.Home(m))
}
