// Package segment is the vocabulary of a segmentation job's results, shared
// by the job page, the overlays, the exports and the verdicts: segments
// ranked by score and coloured (Rank), one file's results checked against
// the limits (Results), and what of them a drawing shows (View). It is pure:
// no I/O, no caches, no image decoding.
//
// Three things in segview are called a view; this package owns the first:
//   - segment.View: what of a file's segments is drawn and how (min_score,
//     opacity, layers, hide), for the overlays and the exports;
//   - handlers.View: the view state of a URL, a segment.View plus the page's
//     selected segment and the asked width;
//   - templates' *View types (FileView, PromptView, ...): page models.
package segment

import (
	"cmp"
	"fmt"
	"image/color"
	"net/http"
	"slices"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/geom"
	"github.com/segview/segview/internal/overlay"
)

// Ranked is a segment with its rank (1 = best score), colour and geometry.
type Ranked struct {
	Rank     int
	Score    float64
	Polygons []geom.Polygon
	Vertices int
	Area     float64 // fraction of the image, even-odd rule
	Color    color.NRGBA
}

// Rank orders segments by score, best first (ties keep CDF's order), and
// gives each its colour.
func Rank(segs []cdf.Segment) []Ranked {
	out := make([]Ranked, len(segs))
	for i, s := range segs {
		polys := make([]geom.Polygon, len(s.Polygons))
		n := 0
		for j, p := range s.Polygons {
			poly := make(geom.Polygon, len(p.Vertices))
			for k, v := range p.Vertices {
				poly[k] = geom.Point{X: v.X, Y: v.Y}
			}
			polys[j] = poly
			n += len(poly)
		}
		out[i] = Ranked{Score: s.Score, Polygons: polys, Vertices: n, Area: geom.Area(polys)}
	}
	slices.SortStableFunc(out, func(a, b Ranked) int { return cmp.Compare(b.Score, a.Score) })
	for i := range out {
		out[i].Rank = i + 1
		out[i].Color = overlay.Color(i + 1)
	}
	return out
}

// Vertices counts the vertices of ranked segments.
func Vertices(rs []Ranked) int {
	n := 0
	for _, r := range rs {
		n += r.Vertices
	}
	return n
}

// FindItem returns the job's results for one file: the first item of the
// file, as CDF lists them.
func FindItem(job *cdf.SegmentJob, fileID int64) (cdf.SegmentItem, bool) {
	for _, it := range job.Items {
		if it.FileID == fileID {
			return it, true
		}
	}
	return cdf.SegmentItem{}, false
}

// Limits bound the results of one file that Results accepts.
type Limits struct {
	// MaxVertices is the most vertices of one file's segments; 0 means
	// no limit.
	MaxVertices int
}

// FileResults are one file's results in a job, ranked once for everything
// a request does with them.
type FileResults struct {
	JobID  int64
	FileID int64
	// Status is the job's status: a terminal job's results never change.
	Status cdf.JobStatus
	// Prompt is the prompt the job ran with.
	Prompt cdf.Prompt
	// Ranked are the file's segments, best first.
	Ranked []Ranked
	// Vertices counts the vertices of all of Ranked.
	Vertices int
}

// Results returns the ranked results of the file in the job: a
// *FileNotInJobError when the job has none for it, a *TooManyVerticesError
// when its segments have more vertices than limits allow.
func Results(job *cdf.SegmentJob, fileID int64, limits Limits) (FileResults, error) {
	item, ok := FindItem(job, fileID)
	if !ok {
		return FileResults{}, &FileNotInJobError{JobID: job.JobID, FileID: fileID}
	}
	ranked := Rank(item.Segments)
	n := Vertices(ranked)
	if limits.MaxVertices > 0 && n > limits.MaxVertices {
		return FileResults{}, &TooManyVerticesError{FileID: fileID, Vertices: n, Limit: limits.MaxVertices}
	}
	return FileResults{JobID: job.JobID, FileID: fileID, Status: job.Status, Prompt: job.Prompt, Ranked: ranked, Vertices: n}, nil
}

// FileNotInJobError says that a job has no results for a file: the file
// was not in the job, or its batch failed.
type FileNotInJobError struct {
	JobID  int64
	FileID int64
}

func (e *FileNotInJobError) Error() string {
	return fmt.Sprintf("file %d has no results in job %d", e.FileID, e.JobID)
}

// TooManyVerticesError says that a file's geometry is above the vertex limit.
type TooManyVerticesError struct {
	FileID   int64
	Vertices int
	Limit    int
}

func (e *TooManyVerticesError) Error() string {
	return fmt.Sprintf("file %d has %d polygon vertices, above the limit of %d (SEGVIEW_MAX_VERTICES)", e.FileID, e.Vertices, e.Limit)
}

// HTTPStatus is 404: the file is not part of the job. HTTPStatus,
// PublicHeading, PublicMessage, PublicHint and ErrorKind are what
// segview's error page shows.
func (e *FileNotInJobError) HTTPStatus() int       { return http.StatusNotFound }
func (e *FileNotInJobError) PublicHeading() string { return "Not found" }
func (e *FileNotInJobError) PublicMessage() string {
	return fmt.Sprintf("File %d has no results in job %d.", e.FileID, e.JobID)
}
func (e *FileNotInJobError) PublicHint() string { return "" }
func (e *FileNotInJobError) ErrorKind() string  { return "not_found" }

// HTTPStatus is 422: the file's results are too large to draw or export.
func (e *TooManyVerticesError) HTTPStatus() int       { return http.StatusUnprocessableEntity }
func (e *TooManyVerticesError) PublicHeading() string { return "Too much geometry" }
func (e *TooManyVerticesError) PublicMessage() string {
	return fmt.Sprintf("File %d has %d polygon vertices, above the limit of %d (SEGVIEW_MAX_VERTICES).", e.FileID, e.Vertices, e.Limit)
}
func (e *TooManyVerticesError) PublicHint() string { return "" }
func (e *TooManyVerticesError) ErrorKind() string  { return "too_many_vertices" }
