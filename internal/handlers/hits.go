package handlers

import (
	"io"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/export"
	"github.com/segview/segview/internal/segment"
)

// Hits serves a file's hit areas: the shapes the job page's script lays
// over the overlay image, so that pointing at a segment highlights its
// row and the reverse.
type Hits struct {
	Reader      Reader
	Project     string
	MaxVertices int
	// Gate bounds the answers built at once; nil does not.
	Gate *exportGate
	// Verdicts are read for a verdict parameter; nil means none are
	// stored.
	Verdicts VerdictStore
}

// Show handles GET .../files/:fileId/hits.json: every segment's shape,
// whatever the view (the page hides those of the rows it marks hidden),
// or with a verdict parameter only those of segments with such verdicts.
func (h *Hits) Show(c echo.Context) error {
	jobID, fileID, err := parseFileRoute(c, h.Project)
	if err != nil {
		return err
	}
	filter, err := parseVerdictOnly(c.QueryParams())
	if err != nil {
		return err
	}
	release, err := h.Gate.acquire(c.Request().Context())
	if err != nil {
		return err
	}
	defer release()
	job, err := h.Reader.SegmentJob(c.Request().Context(), jobID)
	if err != nil {
		return err
	}
	results, err := segment.Results(job, fileID, segment.Limits{MaxVertices: h.MaxVertices})
	if err != nil {
		return err
	}
	ranked := results.Ranked
	cache := "private, max-age=300"
	if filter != 0 {
		view, err := resolveView(c.Request().Context(), h.Verdicts, segment.View{Verdict: filter}, results)
		if err != nil {
			return err
		}
		ranked = nil
		for _, r := range results.Ranked {
			if view.Shows(r) {
				ranked = append(ranked, r)
			}
		}
		// Verdicts change: ask again each time.
		cache = cacheByVerdict
	}
	// Results are a customer's data: kept by this browser only, and asked
	// again after a while in case the job is read again with other rights.
	c.Response().Header().Set("Cache-Control", cache)
	// {"segments":[...]}, written one segment at a time.
	return streamBody(c, echo.MIMEApplicationJSON, func(w io.Writer) error { return export.WriteHits(w, ranked) })
}
