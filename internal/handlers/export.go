package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/export"
)

// ExportSource is what the exports need beyond the job page's reads: the
// job's JSON as CDF sent it, and image sizes from the image headers.
type ExportSource interface {
	SegmentJobJSON(ctx context.Context, jobID int64) ([]byte, error)
	ImageSize(ctx context.Context, fileID int64) (image.Point, error)
}

// sizeConcurrency bounds the image headers read at once for one export.
const sizeConcurrency = 4

// Export serves a job's results as files: CDF's JSON, COCO and GeoJSON.
type Export struct {
	CDF     JobReader
	Source  ExportSource
	Project string
}

// JobJSON handles GET /projects/:project/jobs/:jobId.json: the job as CDF
// returned it, byte for byte.
func (h *Export) JobJSON(c echo.Context) error {
	jobID, err := h.parse(c, strings.TrimSuffix(c.Param("jobId"), ".json"))
	if err != nil {
		return err
	}
	body, err := h.Source.SegmentJobJSON(c.Request().Context(), jobID)
	if err != nil {
		return err
	}
	return h.send(c, "application/json", export.FileName(h.Project, jobID, ".json"), body)
}

// COCO handles GET /projects/:project/jobs/:jobId/export/coco.json. The
// view parameters of the job page apply: min_score and hide leave segments
// out, as on the page and in overlay.svg.
func (h *Export) COCO(c echo.Context) error {
	jobID, view, job, images, err := h.load(c)
	if err != nil {
		return err
	}
	return h.sendJSON(c, "application/json", export.FileName(h.Project, jobID, "coco.json"), export.ToCOCO(job, images, view.View))
}

// GeoJSON handles GET /projects/:project/jobs/:jobId/export/geojson, with
// the view's filters applied as for COCO.
func (h *Export) GeoJSON(c echo.Context) error {
	jobID, view, job, images, err := h.load(c)
	if err != nil {
		return err
	}
	return h.sendJSON(c, "application/geo+json", export.FileName(h.Project, jobID, ".geojson"), export.ToGeoJSON(job, images, view.View))
}

func (h *Export) parse(c echo.Context, rawID string) (int64, error) {
	if err := checkProject(c.Param("project"), h.Project); err != nil {
		return 0, err
	}
	return parseID(rawID, "job id")
}

// load parses the job id and the view parameters, then reads the job, the
// names of its files and the sizes of their images. Bad input is refused
// before any call to CDF. The job and the names are read first, with the
// caller's own access to CDF, before any image size, which may come from a
// cache.
func (h *Export) load(c echo.Context) (int64, View, *cdf.SegmentJob, map[int64]export.Image, error) {
	jobID, err := h.parse(c, c.Param("jobId"))
	if err != nil {
		return 0, View{}, nil, nil, err
	}
	view, err := parseView(c.QueryParams())
	if err != nil {
		return 0, View{}, nil, nil, err
	}
	job, images, err := h.fetch(c, jobID)
	if err != nil {
		return 0, View{}, nil, nil, err
	}
	return jobID, view, job, images, nil
}

func (h *Export) fetch(c echo.Context, jobID int64) (*cdf.SegmentJob, map[int64]export.Image, error) {
	ctx := c.Request().Context()
	job, err := h.CDF.SegmentJob(ctx, jobID)
	if err != nil {
		return nil, nil, err
	}
	images := make(map[int64]export.Image, len(job.Items))
	if len(job.Items) == 0 {
		return job, images, nil
	}
	files, err := filesByID(ctx, h.CDF, fileIDs(job, 0))
	if err != nil {
		return nil, nil, err
	}
	sizes := make([]image.Point, len(job.Items))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(sizeConcurrency)
	for i, it := range job.Items {
		g.Go(func() error {
			var err error
			sizes[i], err = h.Source.ImageSize(gctx, it.FileID)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	for i, it := range job.Items {
		name := files[it.FileID].Name
		if name == "" {
			name = fmt.Sprintf("file-%d", it.FileID)
		}
		images[it.FileID] = export.Image{Name: name, Width: sizes[i].X, Height: sizes[i].Y}
	}
	return job, images, nil
}

// sendJSON encodes v before writing anything, so a failure is an error
// response, not half a file.
func (h *Export) sendJSON(c echo.Context, contentType, filename string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", filename, err)
	}
	return h.send(c, contentType, filename, body)
}

func (h *Export) send(c echo.Context, contentType, filename string, body []byte) error {
	hdr := c.Response().Header()
	// A running job's results change, and they are a customer's data.
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, filename))
	return c.Blob(http.StatusOK, contentType, body)
}

// jobOrJSON serves /projects/:project/jobs/:jobId with the job page, and
// the same path ending in ".json" with the job's JSON: echo's router ends
// a parameter only at a slash, so both share one route.
func jobOrJSON(page, json echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if strings.HasSuffix(c.Param("jobId"), ".json") {
			c.Set(ctxPlainErrors, true)
			return json(c)
		}
		return page(c)
	}
}
