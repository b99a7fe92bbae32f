package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/export"
	"github.com/segview/segview/internal/render"
	"github.com/segview/segview/internal/segment"
)

// OverlayRenderer draws a job file's overlay.
type OverlayRenderer interface {
	Render(ctx context.Context, req render.Request) (render.Result, error)
}

// linkPrefetcher is an OverlayRenderer that can fetch the file's download
// link while the job and the file's version are read (*render.Service).
type linkPrefetcher interface {
	PrefetchLink(ctx context.Context, req render.Request) *render.Link
}

// cacheFinished is the Cache-Control of an overlay of a finished job.
//
// private: the image is a customer's photo; no shared cache or CDN may keep
// it. max-age of a day: the job's results never change and the file's
// lastUpdatedTime is part of the ETag, but not of the URL, so a browser
// should ask again now and then in case the file was replaced in CDF. That
// question is cheap: segview answers 304 from the job cache and one file
// metadata call, without drawing.
const cacheFinished = "private, max-age=86400"

// Overlay serves overlay images: the reader reads the job and the file's
// version, then the renderer draws on the image.
type Overlay struct {
	Reader      Reader
	Renderer    OverlayRenderer
	Project     string
	MaxVertices int
	// Verdicts are read for a view filtered by verdict; nil means none
	// are stored.
	Verdicts VerdictStore
}

// PNG handles GET .../files/:fileId/overlay.png.
func (h *Overlay) PNG(c echo.Context) error { return h.serve(c, render.FormatPNG) }

// JPEG handles GET .../files/:fileId/overlay.jpg.
func (h *Overlay) JPEG(c echo.Context) error { return h.serve(c, render.FormatJPEG) }

// Layer handles GET .../files/:fileId/layer.png.
func (h *Overlay) Layer(c echo.Context) error { return h.serve(c, render.FormatLayer) }

func (h *Overlay) serve(c echo.Context, format render.Format) error {
	req, err := parseOverlayRequest(c, h.Project, format)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	// The download link needs only the file id: it is fetched at the same
	// time as the job and the file's version, which the render needs first.
	if p, ok := h.Renderer.(linkPrefetcher); ok {
		req.Link = p.PrefetchLink(ctx, req)
	}
	results, file, err := h.Reader.FileResults(ctx, req.JobID, req.FileID, segment.Limits{MaxVertices: h.MaxVertices})
	if err != nil {
		return err
	}
	req.Results, req.FileUpdated = &results, file.LastUpdatedTime
	byVerdict := req.View.Verdict != 0
	resolved, err := resolveView(ctx, h.Verdicts, *req.View, results)
	if err != nil {
		return err
	}
	req.View = &resolved
	res, err := h.Renderer.Render(ctx, req)
	if err != nil {
		return err
	}
	hdr := c.Response().Header()
	switch {
	case res.ETag != "" && byVerdict:
		hdr.Set("ETag", res.ETag)
		hdr.Set("Cache-Control", cacheByVerdict)
	case res.ETag != "":
		hdr.Set("ETag", res.ETag)
		hdr.Set("Cache-Control", cacheFinished)
	default:
		hdr.Set("Cache-Control", "no-store")
	}
	if res.NotModified {
		return c.NoContent(http.StatusNotModified)
	}
	if req.Export {
		// Named as every other download (export.FileName).
		name := export.FileName(h.Project, req.JobID, fmt.Sprintf("file-%d-%s", req.FileID, format))
		hdr.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	}
	return c.Blob(http.StatusOK, res.ContentType, res.Body)
}

// parseOverlayRequest reads the path and the query of an overlay route.
func parseOverlayRequest(c echo.Context, project string, format render.Format) (render.Request, error) {
	jobID, fileID, err := parseFileRoute(c, project)
	if err != nil {
		return render.Request{}, err
	}
	// The renderer applies SEGVIEW_MAX_OVERLAY_WIDTH, which export lifts.
	view, err := parseView(c.QueryParams())
	if err != nil {
		return render.Request{}, err
	}
	if err := checkVerdictsSeen(c.QueryParams()); err != nil {
		return render.Request{}, err
	}
	export, err := parseExport(c.QueryParam("export"))
	if err != nil {
		return render.Request{}, err
	}
	crop, err := parseCrop(c.QueryParam("crop"))
	if err != nil {
		return render.Request{}, err
	}
	return render.Request{
		JobID:       jobID,
		FileID:      fileID,
		Format:      format,
		Width:       view.Width,
		Export:      export,
		View:        &view.View,
		Crop:        crop,
		IfNoneMatch: strings.Join(c.Request().Header.Values("If-None-Match"), ","),
	}, nil
}

// plainErrors marks a route whose errors are answered as plain text, so an
// image request never receives an HTML page.
func plainErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Set(ctxPlainErrors, true)
		return next(c)
	}
}
