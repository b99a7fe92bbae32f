package handlers

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/export"
	"github.com/segview/segview/internal/segment"
)

// maxZipJobs bounds the jobs of one ZIP export: every job is read before
// the archive is written, so that a failure is an error page, not a cut
// archive.
const maxZipJobs = 100

// zipManifest is manifest.json in the ZIP: what it holds, job by job.
type zipManifest struct {
	Project string           `json:"project"`
	View    string           `json:"view"` // the view's query string, as on the page
	Jobs    []zipManifestJob `json:"jobs"`
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
// of a review queue (up to maxZipJobs, listed as for the queue) in one
// ZIP: for each job, job-<id>/coco.json (as the COCO route writes it) and
// job-<id>/masks/<fileId>.png (the instance mask of each file), and a
// manifest.json listing them, all with the view applied (min_score, hide,
// verdict). Every job, its files' sizes and its verdicts are read before
// the archive starts, so that a failed read answers with its error.
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
	if len(ids) > maxZipJobs {
		return &inputError{msg: fmt.Sprintf("The jobs parameter lists %d jobs: one ZIP export holds at most %d.", len(ids), maxZipJobs)}
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
	for _, id := range ids {
		job, images, err := h.fetch(ctx, id)
		if err != nil {
			return err
		}
		verdicts, err := h.verdicts(ctx, job, fileIDs(job, 0))
		if err != nil {
			return err
		}
		jobs = append(jobs, zipJob{job: job, images: images, opts: export.Options{
			View: view.View, Verdicts: verdicts, Masks: masks, MaxMaskPixels: h.MaxPixels}})
	}
	name := safeName(fmt.Sprintf("segview-%s-review-%d-jobs.zip", h.Project, len(ids)))
	return stream(c, "application/zip", name, func(w io.Writer) error {
		return writeZIP(w, h.Project, view, jobs)
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

// writeZIP writes the archive of jobs.
func writeZIP(w io.Writer, project string, view View, jobs []zipJob) error {
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
