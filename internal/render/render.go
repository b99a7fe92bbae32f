// Package render turns one file of a segmentation job into an overlay image:
// it fetches the job and the source image from CDF, decodes the image and
// draws the job's segments and prompt with package overlay. It also owns the
// ranking of segments, so the page's table and the image agree on colours.
package render

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"slices"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/geom"
	"github.com/segview/segview/internal/imaging"
	"github.com/segview/segview/internal/overlay"
)

// CDF is what rendering needs from the CDF client.
type CDF interface {
	SegmentJob(ctx context.Context, jobID int64) (*cdf.SegmentJob, error)
	DownloadLinks(ctx context.Context, ids []cdf.FileIdentifier) ([]cdf.DownloadLink, error)
	Download(ctx context.Context, url string) ([]byte, string, error)
}

// Limits bound the work of one render.
type Limits struct {
	MaxPixels   int64 // largest source image, width × height
	MaxVertices int   // most vertices drawn for one file
	MaxWidth    int   // widest output; also the default width
}

// Service renders overlays.
type Service struct {
	cdf        CDF
	limits     Limits
	ignoreEXIF bool
}

// New returns a Service that reads from c within limits.
func New(c CDF, limits Limits) *Service {
	return &Service{cdf: c, limits: limits}
}

// Request names the overlay to draw.
type Request struct {
	JobID  int64
	FileID int64
	// Width is the largest output width in pixels; 0 means the image's own
	// width capped at Limits.MaxWidth. The image is never scaled up.
	Width int
}

// NotFoundError says that something the request named does not exist.
type NotFoundError struct{ What string }

func (e *NotFoundError) Error() string { return e.What }

// TooManyVerticesError says that a file's geometry is above the vertex limit.
type TooManyVerticesError struct {
	FileID   int64
	Vertices int
	Limit    int
}

func (e *TooManyVerticesError) Error() string {
	return fmt.Sprintf("file %d has %d polygon vertices, above the limit of %d (SEGVIEW_MAX_VERTICES)", e.FileID, e.Vertices, e.Limit)
}

// ErrNoImage means CDF returned no download link for the file.
var ErrNoImage = errors.New("CDF returned no download link for the file")

// OverlayPNG renders the overlay of one file of a job as PNG bytes.
func (s *Service) OverlayPNG(ctx context.Context, req Request) ([]byte, error) {
	job, err := s.cdf.SegmentJob(ctx, req.JobID)
	if err != nil {
		return nil, err
	}
	item, ok := FindItem(job, req.FileID)
	if !ok {
		return nil, &NotFoundError{What: fmt.Sprintf("file %d has no results in job %d", req.FileID, req.JobID)}
	}
	ranked := Rank(item.Segments)
	if n := Vertices(ranked); s.limits.MaxVertices > 0 && n > s.limits.MaxVertices {
		return nil, &TooManyVerticesError{FileID: req.FileID, Vertices: n, Limit: s.limits.MaxVertices}
	}

	links, err := s.cdf.DownloadLinks(ctx, []cdf.FileIdentifier{cdf.ByID(req.FileID)})
	if err != nil {
		return nil, err
	}
	if len(links) == 0 || links[0].URL == "" {
		return nil, ErrNoImage
	}
	data, _, err := s.cdf.Download(ctx, links[0].URL)
	if err != nil {
		return nil, err
	}
	img, _, err := imaging.Decode(data, imaging.Options{
		Limits:     imaging.Limits{MaxPixels: s.limits.MaxPixels},
		IgnoreEXIF: s.ignoreEXIF,
	})
	if err != nil {
		return nil, err
	}
	img = imaging.FitWidth(img, s.outputWidth(req.Width))

	out, err := overlay.Render(Spec(img, ranked, job.Prompt))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := overlay.EncodePNG(&buf, out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (s *Service) outputWidth(requested int) int {
	w := s.limits.MaxWidth
	if requested > 0 && (w <= 0 || requested < w) {
		w = requested
	}
	return w
}

// Spec builds the overlay drawing of ranked segments and a prompt on img.
func Spec(img image.Image, ranked []Ranked, p cdf.Prompt) overlay.Spec {
	spec := overlay.Spec{Image: img}
	for _, r := range ranked {
		spec.Segments = append(spec.Segments, overlay.Segment{Polygons: r.Polygons, Color: r.Color})
	}
	for _, pt := range p.Points {
		spec.Points = append(spec.Points, overlay.PromptPoint{X: pt.X, Y: pt.Y, Label: pt.Label})
	}
	if b := p.BoundingBox; b != nil {
		spec.Box = &overlay.Box{XMin: b.XMin, YMin: b.YMin, XMax: b.XMax, YMax: b.YMax}
	}
	return spec
}

// FindItem returns the job's results for one file.
func FindItem(job *cdf.SegmentJob, fileID int64) (cdf.SegmentItem, bool) {
	for _, it := range job.Items {
		if it.FileID == fileID {
			return it, true
		}
	}
	return cdf.SegmentItem{}, false
}

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
