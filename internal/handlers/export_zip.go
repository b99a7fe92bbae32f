package handlers

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/export"
	"github.com/segview/segview/internal/segment"
)

// defaultZipJobs bounds the jobs of one ZIP export unless
// SEGVIEW_MAX_ZIP_JOBS says otherwise: every job is read before the
// archive is written, so that a failure is an error page, not a cut
// archive.
const defaultZipJobs = 100

// zipJobs is the most jobs one ZIP holds with the setting max (0: the
// default), never more than a queue lists.
func zipJobs(max int) int {
	if max <= 0 {
		return defaultZipJobs
	}
	return min(max, maxQueue)
}

// zipManifest is manifest.json in the ZIP: what it holds, job by job.
type zipManifest struct {
	Project string           `json:"project"`
	View    string           `json:"view"` // the view's query string, as on the page
	Jobs    []zipManifestJob `json:"jobs"`
	// Errors names errors.json when some jobs could not be read.
	Errors string `json:"errors,omitempty"`
}

// zipJobError is an entry of errors.json: a job of the queue that could
// not be read, and why, as the queue page's row says it.
type zipJobError struct {
	JobID   int64  `json:"jobId"`
	Message string `json:"message"`
}

type zipManifestJob struct {
	JobID  int64  `json:"jobId"`
	Status string `json:"status"`
	COCO   string `json:"coco"`
	// Masks are the instance mask PNGs, one per file (export.InstanceMask).
	Masks []string `json:"masks"`
	// FilesWithoutMasks are the files without a mask PNG: too large, or
	// their size could not be read, and why.
	FilesWithoutMasks []zipSkipped `json:"filesWithoutMasks,omitempty"`
}

type zipSkipped struct {
	FileID int64  `json:"fileId"`
	Reason string `json:"reason"`
}

// zipJob is one job of a ZIP export, read.
type zipJob struct {
	job    *cdf.SegmentJob
	images map[int64]export.Image
	opts   export.Options
}

// ZIP handles GET /projects/:project/review/export.zip?jobs=...: the jobs
// of a review queue (up to MaxZipJobs, listed as for the queue) in one
// ZIP: for each job, job-<id>/coco.json (as the COCO route writes it) and
// job-<id>/masks/<fileId>.png (the instance mask of each file), and a
// manifest.json listing them, all with the view applied (min_score, hide,
// verdict). Every job, its files' sizes and its verdicts are read before
// the archive starts. A job that cannot be read (unknown, refused) is
// left out and listed with its error in errors.json, as the queue page
// shows it in its row; only the request ending fails the whole ZIP.
func (h *Export) ZIP(c echo.Context) error {
	if err := checkProject(c.Param("project"), h.Project); err != nil {
		return err
	}
	q := c.QueryParams()
	ids, err := parseJobList(q["jobs"], "jobs")
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return &inputError{msg: "The jobs parameter lists no job: give the queue's job ids, as in jobs=1001,1002."}
	}
	if limit := zipJobs(h.MaxZipJobs); len(ids) > limit {
		return &inputError{msg: fmt.Sprintf("The jobs parameter lists %d jobs: one ZIP export holds at most %d (SEGVIEW_MAX_ZIP_JOBS).", len(ids), limit)}
	}
	view, err := parseView(q)
	if err != nil {
		return err
	}
	masks, err := parseMasks(q)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	release, err := h.Gate.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	jobs := make([]zipJob, 0, len(ids))
	var failed []zipJobError
	for _, id := range ids {
		job, images, err := h.fetch(ctx, id)
		var verdicts map[int64]map[int]string
		if err == nil {
			verdicts, err = h.verdicts(ctx, job, fileIDs(job, 0))
		}
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			failed = append(failed, zipJobError{JobID: id, Message: rowError(err)})
			continue
		}
		jobs = append(jobs, zipJob{job: job, images: images, opts: export.Options{
			Project: h.Project, View: view.View, Verdicts: verdicts, Masks: masks, MaxMaskPixels: h.MaxPixels}})
	}
	name := safeName(fmt.Sprintf("segview-%s-review-%d-jobs.zip", h.Project, len(ids)))
	return stream(c, "application/zip", name, func(w io.Writer) error {
		return writeZIP(w, h.Project, view, jobs, failed)
	})
}

// safeName keeps a download name to letters, digits, '.', '_' and '-'.
func safeName(s string) string {
	b := []byte(s)
	for i, r := range b {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			b[i] = '-'
		}
	}
	return string(b)
}

// writeZIP writes the archive of jobs, with errors.json listing the jobs
// that failed when some did.
func writeZIP(w io.Writer, project string, view View, jobs []zipJob, failed []zipJobError) error {
	zw := zip.NewWriter(w)
	manifest := zipManifest{Project: project, View: view.Query().Encode(), Jobs: []zipManifestJob{}}
	now := time.Now()
	create := func(name string, method uint16) (io.Writer, error) {
		return zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: now})
	}
	for _, j := range jobs {
		dir := fmt.Sprintf("job-%d/", j.job.JobID)
		mj := zipManifestJob{JobID: j.job.JobID, Status: string(j.job.Status), COCO: dir + "coco.json", Masks: []string{}}
		f, err := create(mj.COCO, zip.Deflate)
		if err != nil {
			return err
		}
		if err := export.WriteCOCO(f, j.job, j.images, j.opts); err != nil {
			return err
		}
		seen := map[int64]bool{}
		for _, it := range j.job.Items {
			if seen[it.FileID] {
				continue
			}
			seen[it.FileID] = true
			img := j.images[it.FileID]
			switch {
			case img.Skip != "":
				mj.FilesWithoutMasks = append(mj.FilesWithoutMasks, zipSkipped{it.FileID, img.Skip})
				continue
			case j.opts.MaxMaskPixels > 0 && int64(img.Width)*int64(img.Height) > j.opts.MaxMaskPixels:
				mj.FilesWithoutMasks = append(mj.FilesWithoutMasks, zipSkipped{it.FileID,
					fmt.Sprintf("%d×%d pixels, above the %d segview rasterizes (SEGVIEW_MAX_IMAGE_PIXELS)", img.Width, img.Height, j.opts.MaxMaskPixels)})
				continue
			}
			name := fmt.Sprintf("%smasks/%d.png", dir, it.FileID)
			// PNG is compressed already.
			f, err := create(name, zip.Store)
			if err != nil {
				return err
			}
			ef := exportFile{results: segment.FileResults{JobID: j.job.JobID, FileID: it.FileID, Ranked: segment.Rank(it.Segments)}, image: img, opts: j.opts}
			if err := writeMaskPNG(f, ef); err != nil {
				return err
			}
			mj.Masks = append(mj.Masks, name)
		}
		manifest.Jobs = append(manifest.Jobs, mj)
	}
	if len(failed) > 0 {
		manifest.Errors = "errors.json"
		f, err := create(manifest.Errors, zip.Deflate)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(f)
		enc.SetIndent("", "  ")
		if err := enc.Encode(failed); err != nil {
			return err
		}
	}
	f, err := create("manifest.json", zip.Deflate)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(manifest); err != nil {
		return err
	}
	return zw.Close()
}
