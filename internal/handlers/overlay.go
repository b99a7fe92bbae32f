package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/render"
)

// OverlayRenderer draws a job file's overlay.
type OverlayRenderer interface {
	OverlayPNG(ctx context.Context, req render.Request) ([]byte, error)
}

// Overlay serves overlay images.
type Overlay struct {
	Renderer OverlayRenderer
	Project  string
	MaxWidth int
}

// PNG handles GET /projects/:project/jobs/:jobId/files/:fileId/overlay.png.
func (h *Overlay) PNG(c echo.Context) error {
	if err := checkProject(c.Param("project"), h.Project); err != nil {
		return err
	}
	jobID, err := parseID(c.Param("jobId"), "job id")
	if err != nil {
		return err
	}
	fileID, err := parseID(c.Param("fileId"), "file id")
	if err != nil {
		return err
	}
	width, err := parseWidth(c.QueryParam("width"), h.MaxWidth)
	if err != nil {
		return err
	}
	png, err := h.Renderer.OverlayPNG(c.Request().Context(), render.Request{JobID: jobID, FileID: fileID, Width: width})
	if err != nil {
		return err
	}
	// A job's results can still change while it runs; caching comes with
	// the render cache.
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "image/png", png)
}

// plainErrors marks a route whose errors are answered as plain text, so an
// image request never receives an HTML page.
func plainErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Set(ctxPlainErrors, true)
		return next(c)
	}
}
