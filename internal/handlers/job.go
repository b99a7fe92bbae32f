package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/web/templates"
)

// JobReader is what the job page needs from CDF.
type JobReader interface {
	SegmentJob(ctx context.Context, jobID int64) (*cdf.SegmentJob, error)
	FilesByIDs(ctx context.Context, ids []cdf.FileIdentifier, ignoreUnknown bool) ([]cdf.File, error)
}

// Job serves the job page.
type Job struct {
	CDF         JobReader
	Page        Page
	MaxItems    int
	MaxVertices int
	Now         func() time.Time
}

// Show handles GET /projects/:project/jobs/:jobId.
func (h *Job) Show(c echo.Context) error {
	if err := checkProject(c.Param("project"), h.Page.Project); err != nil {
		return err
	}
	jobID, err := parseID(c.Param("jobId"), "job id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	job, err := h.CDF.SegmentJob(ctx, jobID)
	if err != nil {
		return err
	}
	files := map[int64]cdf.File{}
	if ids := fileIDs(job, h.MaxItems); len(ids) > 0 {
		refs := make([]cdf.FileIdentifier, len(ids))
		for i, id := range ids {
			refs[i] = cdf.ByID(id)
		}
		list, err := h.CDF.FilesByIDs(ctx, refs, true)
		if err != nil {
			return err
		}
		for _, f := range list {
			files[f.ID] = f
		}
	}
	m := buildJobPage(job, jobView{Page: h.Page, Files: files, Now: h.Now(), MaxItems: h.MaxItems, MaxVertices: h.MaxVertices})
	m.Base = forRequest(c, m.Base)
	rememberJob(c, h.Page.Project, jobID)
	c.Response().Header().Set("Cache-Control", "no-store")
	return writePage(c, http.StatusOK, templates.Job(m))
}
