package handlers

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/web"
)

// Static serves the embedded assets under their fingerprinted URLs.
type Static struct {
	Assets map[string]web.Asset
}

// Serve handles GET /static/*.
func (h *Static) Serve(c echo.Context) error {
	a, ok := h.Assets[c.Request().URL.Path]
	if !ok {
		return echo.ErrNotFound
	}
	// The URL changes whenever the content does.
	c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	return c.Blob(http.StatusOK, a.ContentType, a.Body)
}

// entryModule is the page script's entry point; it imports the others.
const entryModule = "js/main.js"

// assetURLs finds the fingerprinted URLs of the stylesheet, the script's
// entry module and the icon, and those of the script's other modules.
func assetURLs(assets map[string]web.Asset) (p Page) {
	for url, a := range assets {
		switch {
		case a.Name == "app.css":
			p.CSS = url
		case a.Name == entryModule:
			p.JS = url
		case a.Name == "favicon.svg":
			p.Icon = url
		case strings.HasSuffix(a.Name, ".css"):
			p.Styles = append(p.Styles, url)
		case strings.HasPrefix(a.Name, "js/") && strings.HasSuffix(a.Name, ".js"):
			p.Modules = append(p.Modules, url)
		}
	}
	slices.Sort(p.Modules)
	slices.Sort(p.Styles)
	return p
}
