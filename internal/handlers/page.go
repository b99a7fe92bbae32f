// Package handlers holds segview's HTTP handlers: one file per page or
// action, each a method on a struct that holds exactly its dependencies.
// Handlers parse input at the edge, call pure functions for decisions and
// return errors; ErrorHandler turns every error into a page in one place.
package handlers

import (
	"bytes"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/segview/segview/web/templates"
)

// Page is what every rendered page shares.
type Page struct {
	Demo    bool
	Project string
	// Several says the dashboard serves more than one project (or any the
	// person reaches): titles then name the page's project, and the
	// header links it to its section of the home page.
	Several       bool
	CSS, JS, Icon string   // fingerprinted asset URLs
	Modules       []string // the script's other modules, preloaded
	Styles        []string // stylesheets after app.css (stage.css), sorted
}

// Base returns the frame model for a page titled title; when the
// dashboard serves several projects, the title names the page's project
// ("Job 1001 · demo-b"), so that two tabs of job 1001 tell apart.
func (p Page) Base(title string) templates.Base {
	b := templates.Base{Title: title, Demo: p.Demo, Project: p.Project, CSS: p.CSS, JS: p.JS, Icon: p.Icon, Modules: p.Modules, Styles: p.Styles}
	if p.Several && p.Project != "" {
		b.Title = title + " · " + p.Project
		b.ProjectHref = projectPath(p.Project)
	}
	return b
}

// render writes a component with status only after it rendered completely,
// so a failed render becomes an error page instead of half a page.
func writePage(c echo.Context, status int, comp templ.Component) error {
	var buf bytes.Buffer
	if err := comp.Render(c.Request().Context(), &buf); err != nil {
		return err
	}
	if c.Request().Method == http.MethodHead {
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		return c.NoContent(status)
	}
	return c.HTMLBlob(status, buf.Bytes())
}
