package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/auth"
	"github.com/segview/segview/web/templates"
)

// Embed serves the chromeless job view for other sites' frames: the job
// page's model without verdicts, read with the same readJobPage.
type Embed struct {
	Reader      Reader
	Page        Page
	MaxItems    int
	MaxVertices int
	Now         func() time.Time
	// Verdicts are read for a view filtered by verdict; nil means none
	// are stored.
	Verdicts VerdictStore
}

// Show handles GET /embed/projects/:project/jobs/:jobId: the job page's
// view parameters plus theme=light|dark.
func (h *Embed) Show(c echo.Context) error {
	if err := checkProject(c.Param("project"), h.Page.Project); err != nil {
		return err
	}
	jobID, err := parseID(c.Param("jobId"), "job id")
	if err != nil {
		return err
	}
	q := c.QueryParams()
	view, err := parseView(q)
	if err != nil {
		return err
	}
	theme, err := parseTheme(q.Get("theme"))
	if err != nil {
		return err
	}
	src := jobSource{Reader: h.Reader, FilterVerdicts: h.Verdicts, Page: h.Page, MaxItems: h.MaxItems, MaxVertices: h.MaxVertices, Now: h.Now}
	m, err := readJobPage(c.Request().Context(), src, jobID, view)
	if err != nil {
		return err
	}
	e := buildEmbed(m, theme, view)
	e.Base = forRequest(c, e.Base)
	c.Response().Header().Set("Cache-Control", "no-store")
	return writePage(c, http.StatusOK, templates.Embed(e))
}

// SignIn answers an embed request without a session: a page whose link
// opens the sign-in in a new window, returning to the full job page. A
// redirect would take the frame to the identity provider, which does not
// let itself be framed.
func (h *Embed) SignIn(c echo.Context) error {
	returnTo, _ := auth.SafeReturnTo(embedReturnTo(c.Request().URL))
	m := templates.EmbedSignInPage{
		Base:      forRequest(c, h.Page.Base("Sign in")),
		Theme:     "light",
		SignInURL: auth.LoginPath + "?return_to=" + url.QueryEscape(returnTo),
	}
	if t, err := parseTheme(c.QueryParam("theme")); err == nil {
		m.Theme = t
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return writePage(c, http.StatusUnauthorized, templates.EmbedSignIn(m))
}

// embedReturnTo is the full job page of an embed address, with its view
// parameters but without theme.
func embedReturnTo(u *url.URL) string {
	q := u.Query()
	q.Del("theme")
	return withQuery(strings.TrimPrefix(u.Path, "/embed"), q)
}

// parseTheme reads the embed's theme parameter: light (the default) or dark.
func parseTheme(raw string) (string, error) {
	switch raw {
	case "", "light":
		return "light", nil
	case "dark":
		return "dark", nil
	}
	return "", &inputError{msg: fmt.Sprintf("The theme value %q is not valid: use light or dark.", clip(raw))}
}

// buildEmbed turns the job page's model into the embed's: per file the
// overlay and a legend of the segments the view shows. It is pure.
func buildEmbed(m templates.JobPage, theme string, v View) templates.EmbedPage {
	e := templates.EmbedPage{
		Base:     m.Base,
		Theme:    theme,
		JobID:    m.JobID,
		Status:   m.Status,
		Terminal: m.Terminal,
		JobURL:   withQuery(m.SelfURL, v.Query()),
		// The status route answers the embed's script as the page's.
		StatusURL:    m.StatusURL,
		ErrorMessage: m.ErrorMessage,
		FailedGroups: m.FailedGroups,
	}
	for _, f := range m.Files {
		ef := templates.EmbedFile{Name: f.Name, OverlayAlt: f.OverlayAlt, NotRendered: f.NotRendered}
		if f.NotRendered == "" {
			ef.OverlayURL, ef.SrcSet = embedSources(f.FullURL)
			ef.Sizes = embedSizes
		}
		for _, s := range f.Segments {
			if !s.Hidden {
				ef.Legend = append(ef.Legend, templates.LegendEntry{Rank: s.Rank, Color: s.Color, Score: s.Score})
			}
		}
		e.Files = append(e.Files, ef)
	}
	return e
}

// embedWidths are the overlay widths the embed offers: small frames fetch
// a small image. The renderer caps them at SEGVIEW_MAX_OVERLAY_WIDTH.
var embedWidths = []int{320, 480, 640, 960, 1280, displayWidth}

// embedDefaultWidth is the src of browsers that ignore srcset.
const embedDefaultWidth = 640

// embedSizes is how wide the embed shows its overlay: the frame's width.
const embedSizes = "100vw"

// embedSources gives the default src and the srcset of an overlay whose
// URL (with the view, without width) is overlay.
func embedSources(overlay string) (src, srcset string) {
	u, err := url.Parse(overlay)
	if err != nil {
		return overlay, ""
	}
	at := func(w int) string {
		q := u.Query()
		q.Set("width", strconv.Itoa(w))
		return withQuery(u.EscapedPath(), q)
	}
	parts := make([]string, len(embedWidths))
	for i, w := range embedWidths {
		parts[i] = at(w) + " " + strconv.Itoa(w) + "w"
	}
	return at(embedDefaultWidth), strings.Join(parts, ", ")
}

// embedRoutePrefix starts the routes whose error pages are shown in frames.
const embedRoutePrefix = "/embed/"

// embedErrorPage is the error page m as an embed route shows it, when the
// request is one: without the site's header and links, in the theme the
// address asks for, linking the full page.
func embedErrorPage(c echo.Context, m templates.ErrorPage) (templates.EmbedErrorPage, bool) {
	if !strings.HasPrefix(c.Path(), embedRoutePrefix) {
		return templates.EmbedErrorPage{}, false
	}
	e := templates.EmbedErrorPage{ErrorPage: m, Theme: "light"}
	if t, err := parseTheme(c.QueryParam("theme")); err == nil {
		e.Theme = t
	}
	if full, ok := auth.SafeReturnTo(embedReturnTo(c.Request().URL)); ok {
		e.FullURL = full
	}
	return e, true
}
