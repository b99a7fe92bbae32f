package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/export"
)

// sizeConcurrency bounds the image headers read at once for one export.
const sizeConcurrency = 4

// Export serves a job's results as files: CDF's JSON, COCO and GeoJSON.
type Export struct {
	Reader  Reader
	Project string
	// Gate bounds the exports built at once; nil does not.
	Gate *exportGate
	// MaxPixels bounds the images whose masks are rasterized (width ×
	// height); 0 means no bound.
	MaxPixels int64
	// MaxVertices bounds one file's geometry for the exports of one file
	// (YOLO, instance mask); 0 means no bound.
	MaxVertices int
	// Verdicts, when set, gives each exported segment its status and lets
	// the view's verdict filter apply; nil exports every segment as
	// unreviewed.
	Verdicts VerdictStore
	// MaxZipJobs bounds the jobs of one review-queue ZIP; 0 means
	// defaultZipJobs.
	MaxZipJobs int
}

// JobJSON handles GET /projects/:project/jobs/:jobId.json: the job as CDF
// returned it, byte for byte.
func (h *Export) JobJSON(c echo.Context) error {
	jobID, err := h.parse(c, strings.TrimSuffix(c.Param("jobId"), ".json"))
	if err != nil {
		return err
	}
	release, err := h.Gate.acquire(c.Request().Context())
	if err != nil {
		return err
	}
	defer release()
	body, err := h.Reader.SegmentJobJSON(c.Request().Context(), jobID)
	if err != nil {
		return err
	}
	setDownload(c, export.FileName(h.Project, jobID, ".json"))
	return c.Blob(http.StatusOK, "application/json", body)
}

// COCO handles GET /projects/:project/jobs/:jobId/export/coco.json. The
// view parameters of the job page apply: min_score and hide leave segments
// out, as on the page and in overlay.svg. masks=rle writes every segment's
// mask as an RLE; by default only segments with holes are.
func (h *Export) COCO(c echo.Context) error {
	masks, err := parseMasks(c.QueryParams())
	if err != nil {
		return err
	}
	return h.export(c, "application/json", "coco.json", func(w io.Writer, job *cdf.SegmentJob, images map[int64]export.Image, opts export.Options) error {
		opts.Masks = masks
		return export.WriteCOCO(w, job, images, opts)
	})
}

// parseMasks reads the masks parameter: rle, or auto (the default).
func parseMasks(q url.Values) (export.MaskMode, error) {
	switch raw := q.Get("masks"); raw {
	case "", "auto":
		return export.MasksAuto, nil
	case "rle":
		return export.MasksRLE, nil
	default:
		return 0, &inputError{msg: fmt.Sprintf("The masks value %q is not valid: use rle (every segment as a COCO RLE mask) or auto (polygons, and RLE for segments with holes).", clip(raw))}
	}
}

// GeoJSON handles GET /projects/:project/jobs/:jobId/export/geojson, with
// the view's filters applied as for COCO.
func (h *Export) GeoJSON(c echo.Context) error {
	return h.export(c, "application/geo+json", ".geojson", export.WriteGeoJSON)
}

// export parses the job id and the view parameters, refusing bad input
// before any call to CDF, waits for a turn of the gate, reads the job, its
// files' metadata and image sizes, and streams the file write makes.
func (h *Export) export(c echo.Context, contentType, suffix string,
	write func(io.Writer, *cdf.SegmentJob, map[int64]export.Image, export.Options) error) error {
	jobID, err := h.parse(c, c.Param("jobId"))
	if err != nil {
		return err
	}
	view, err := parseView(c.QueryParams())
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	release, err := h.Gate.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	job, images, err := h.fetch(ctx, jobID)
	if err != nil {
		return err
	}
	verdicts, err := h.verdicts(ctx, job, fileIDs(job, 0))
	if err != nil {
		return err
	}
	return stream(c, contentType, export.FileName(h.Project, jobID, suffix), func(w io.Writer) error {
		return write(w, job, images, export.Options{Project: h.Project, View: view.View, Verdicts: verdicts, MaxMaskPixels: h.MaxPixels})
	})
}

// verdicts reads the stored verdicts of a completed job's segments in the
// files, with the person's access, by file and rank; other jobs have none.
func (h *Export) verdicts(ctx context.Context, job *cdf.SegmentJob, files []int64) (map[int64]map[int]string, error) {
	out := map[int64]map[int]string{}
	if job.Status != cdf.StatusCompleted {
		return out, nil
	}
	statuses, err := readStatuses(ctx, h.Verdicts, job.JobID, files)
	if err != nil {
		return nil, err
	}
	for k, s := range statuses {
		if out[k.FileID] == nil {
			out[k.FileID] = map[int]string{}
		}
		out[k.FileID][k.Rank] = s
	}
	return out, nil
}

func (h *Export) parse(c echo.Context, rawID string) (int64, error) {
	if err := checkProject(c.Param("project"), h.Project); err != nil {
		return 0, err
	}
	return parseID(rawID, "job id")
}

// fetch reads the job, the metadata of its files (one files/byids call per
// 1000 files) and the sizes of their images. The job and the metadata are
// read first, with the caller's own access to CDF, before any image size,
// which may come from a cache; the sizes are read for the versions of the
// files that metadata names, so CDF is not asked for it again. A file
// whose size cannot be read (see skipReason) is named in the export as
// skipped instead of failing it.
func (h *Export) fetch(ctx context.Context, jobID int64) (*cdf.SegmentJob, map[int64]export.Image, error) {
	job, err := h.Reader.SegmentJob(ctx, jobID)
	if err != nil {
		return nil, nil, err
	}
	images := make(map[int64]export.Image, len(job.Items))
	if len(job.Items) == 0 {
		return job, images, nil
	}
	files, err := h.Reader.Files(ctx, fileIDs(job, 0))
	if err != nil {
		return nil, nil, err
	}
	var ids []int64 // each file once: a job may list a file twice
	for _, it := range job.Items {
		if _, ok := images[it.FileID]; !ok {
			images[it.FileID] = export.Image{}
			ids = append(ids, it.FileID)
		}
	}
	got := make([]export.Image, len(ids))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(sizeConcurrency)
	for i, id := range ids {
		f, ok := files[id]
		got[i].Name = f.Name
		if got[i].Name == "" {
			got[i].Name = fmt.Sprintf("file-%d", id)
		}
		if !ok {
			got[i].Skip = "CDF has no file with this id"
			continue
		}
		g.Go(func() error {
			size, err := h.Reader.HeaderSize(gctx, f)
			if reason, skip := skipReason(err); skip {
				got[i].Skip = reason
				return nil
			}
			if err != nil {
				return err
			}
			got[i].Width, got[i].Height = size.X, size.Y
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	for i, id := range ids {
		images[id] = got[i]
	}
	return job, images, nil
}

// skipReason says why an export leaves a file out when reading its image
// size failed for a reason of that file's own (its data), so that one bad
// file does not fail the export of the whole job; other failures (CDF
// unreachable, access refused, the request's time) fail the export. The
// error says which it is (render's and cdf's errors implement SkipFile).
func skipReason(err error) (string, bool) {
	var s skipFileError
	if err == nil || !errors.As(err, &s) {
		return "", false
	}
	return s.SkipFile()
}

// skipFileError is an error that may be one file's own problem: SkipFile
// says whether it is, and why.
type skipFileError interface {
	SkipFile() (reason string, ok bool)
}

// setDownload marks the response as a file to save, never to be cached:
// a running job's results change, and they are a customer's data.
func setDownload(c echo.Context, filename string) {
	hdr := c.Response().Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, filename))
}

// stream answers 200 with a download written by write straight to the
// response, through a small buffer, instead of building it in memory. It
// is for content whose every input has been read, so that only a failing
// connection can stop it half-way. HEAD gets the headers alone.
func stream(c echo.Context, contentType, filename string, write func(io.Writer) error) error {
	setDownload(c, filename)
	return streamBody(c, contentType, write)
}

// streamBody answers 200 with the body write makes, as stream does.
func streamBody(c echo.Context, contentType string, write func(io.Writer) error) error {
	c.Response().Header().Set(echo.HeaderContentType, contentType)
	c.Response().WriteHeader(http.StatusOK)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	return write(c.Response())
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
