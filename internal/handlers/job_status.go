package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// JobStatus answers the job page's script, which polls it while the job
// is queued or running and reloads the page once the status changes.
type JobStatus struct {
	Reader  Reader
	Project string
}

// jobStatus is the body of GET .../jobs/:jobId/status.
type jobStatus struct {
	Status   string `json:"status"`
	Terminal bool   `json:"terminal"`
}

// Show handles GET /projects/:project/jobs/:jobId/status.
func (h *JobStatus) Show(c echo.Context) error {
	if err := checkProject(c.Param("project"), h.Project); err != nil {
		return err
	}
	jobID, err := parseID(c.Param("jobId"), "job id")
	if err != nil {
		return err
	}
	job, err := h.Reader.SegmentJob(c.Request().Context(), jobID)
	if err != nil {
		return err
	}
	// The answer changes while the job runs.
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, jobStatus{Status: string(job.Status), Terminal: job.Status.Terminal()})
}
