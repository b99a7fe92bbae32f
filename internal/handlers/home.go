package handlers

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/web/templates"
)

// Home serves the start page.
type Home struct {
	Page     Page
	DemoJobs []templates.JobLink
	// Projects are the projects served; the page lists them when there
	// are several (or any the person reaches).
	Projects *Projects
}

// Show handles GET /.
func (h *Home) Show(c echo.Context) error {
	m := templates.HomePage{Base: forRequest(c, h.Page.Base("Segmentation jobs")), DemoJobs: h.DemoJobs}
	ps := h.Projects
	if ps == nil {
		ps = &Projects{Default: h.Page.Project, Listed: []string{h.Page.Project}}
	}
	names := ps.Listed
	if ps.Any || len(names) > 1 {
		m.Several = true
		if ps.Any {
			var err error
			if names, err = ps.Reachable(c.Request().Context()); err != nil {
				// The page still opens: the person may know a project's
				// address.
				names = nil
				m.ProjectsNote = "segview could not ask CDF which projects you can reach (" + classify(err).Heading + "). Open a project's page by its address, /projects/{project}/jobs/{id}."
			} else if len(names) == 0 {
				m.ProjectsNote = "CDF lists no project your account can reach. Ask a CDF administrator for access."
			}
		}
		for i, name := range names {
			id := itoa(int64(i + 1))
			if i == 0 {
				id = "" // the first keeps the ids of a one-project page
			}
			m.Projects = append(m.Projects, templates.ProjectLink{Name: name, ReviewAction: reviewAction(name),
				JobInputID: suffixed("job-id", id), QueueInputID: suffixed("queue-jobs", id), Anchor: ProjectAnchor(name),
				OpenTestID: "open-form-" + name, QueueTestID: "queue-form-" + name})
		}
	} else {
		m.ReviewAction = reviewAction(ps.Default)
	}
	for _, r := range recentJobs(c) {
		if !ps.Any && !slices.Contains(ps.Listed, r.Project) {
			continue
		}
		m.Recent = append(m.Recent, templates.JobLink{Href: jobPath(r.Project, r.JobID), Label: "Job " + itoa(r.JobID), Description: r.Project})
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return writePage(c, http.StatusOK, templates.Home(m))
}

// reviewAction is the path of a project's review queue.
func reviewAction(project string) string {
	return "/projects/" + url.PathEscape(project) + "/review"
}

func suffixed(id, n string) string {
	if n == "" {
		return id
	}
	return id + "-" + n
}
