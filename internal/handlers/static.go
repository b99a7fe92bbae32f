package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/web"
)

// Static serves the embedded assets under their fingerprinted URLs.
type Static struct {
	Assets map[string]web.Asset
}

// Serve handles GET /static/:name.
func (h *Static) Serve(c echo.Context) error {
	a, ok := h.Assets[c.Request().URL.Path]
	if !ok {
		return echo.ErrNotFound
	}
	// The URL changes whenever the content does.
	c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	return c.Blob(http.StatusOK, a.ContentType, a.Body)
}

// assetURLs finds the fingerprinted URLs of the stylesheet, the script and
// the icon.
func assetURLs(assets map[string]web.Asset) (css, js, icon string) {
	for url, a := range assets {
		switch a.Name {
		case "app.css":
			css = url
		case "app.js":
			js = url
		case "favicon.svg":
			icon = url
		}
	}
	return css, js, icon
}
