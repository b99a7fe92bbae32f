// Package jobs is segview's one door to CDF's metadata: every read of a
// segmentation job, of files' metadata and of image sizes that the pages,
// images and exports make goes through a Reader.
//
// The Reader owns the cache of finished jobs (whose results never change)
// and a short-lived one of their pages' files' metadata (PageFilesTTL),
// and shares concurrent identical reads. With per-person identity
// (SEGVIEW_CDF_IDENTITY=user) each request reads CDF with the signed-in
// person's token, in the request's context: the Reader then serves
// nothing from its caches and shares no call between requests, so CDF decides every
// read, per person, before anything cached (an image, a drawing) is used.
package jobs

import (
	"context"
	"fmt"
	"image"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/flight"
	"github.com/segview/segview/internal/lru"
	"github.com/segview/segview/internal/metrics"
	"github.com/segview/segview/internal/segment"
)

// CDF is what the Reader asks CDF; *cdf.Client is one.
type CDF interface {
	SegmentJob(ctx context.Context, jobID int64) (*cdf.SegmentJob, error)
	SegmentJobJSON(ctx context.Context, jobID int64) ([]byte, error)
	FilesByIDs(ctx context.Context, ids []cdf.FileIdentifier, ignoreUnknown bool) ([]cdf.File, error)
}

// Sizes reads the size of a version of a file's image from its header;
// *render.Service is one, which downloads the image and caches the sizes.
type Sizes interface {
	// ImageSize fails when the image is over the pixel limit, as drawing
	// on it would.
	ImageSize(ctx context.Context, fileID int64, updated cdf.Millis) (image.Point, error)
	// HeaderSize gives the size whatever the number of pixels.
	HeaderSize(ctx context.Context, fileID int64, updated cdf.Millis) (image.Point, error)
}

// Options configure a Reader.
type Options struct {
	// PerPerson says that every read is made with the signed-in person's
	// own token (SEGVIEW_CDF_IDENTITY=user): no job is served from the
	// cache and no call is shared between requests.
	PerPerson bool
	// JobCacheBytes bounds the finished jobs kept; 0 means
	// DefaultJobCacheBytes. A negative value disables the cache, and the
	// cache of the job pages' files (PageFiles) with it.
	JobCacheBytes int64
	// Now is the clock PageFiles' entries age by; nil means time.Now.
	Now func() time.Time
	// Metrics, when set, reports the caches.
	Metrics *metrics.Metrics
	// Project is the CDF project c reads; part of every key (ForProject
	// gives views for other projects).
	Project string
}

// DefaultJobCacheBytes bounds the cache of finished jobs: a finished job is
// kilobytes to a few megabytes.
const DefaultJobCacheBytes = 32 << 20

// PageFilesTTL is how long PageFiles reuses a finished job's files'
// metadata for its page. The page shows only their names, external ids
// and instance ids (its image URLs carry no file version: each image
// request reads the file's current version itself), so a renamed file
// shows its old name on the job page for at most this long.
const PageFilesTTL = 60 * time.Second

// pageFilesBytes bounds the cache of the job pages' files: a file's
// metadata is a few hundred bytes.
const pageFilesBytes = 4 << 20

// Reader reads jobs, files and image sizes from CDF. It is safe for
// concurrent use.
type Reader struct {
	cdf   CDF
	sizes Sizes
	// project is the project cdf reads, part of every key: ids are
	// per project.
	project   string
	perPerson bool
	jobs      *lru.Cache[idKey, *cdf.SegmentJob]
	// pageFiles holds finished jobs' files' metadata for their pages, by
	// job id, for PageFilesTTL.
	pageFiles *lru.Cache[idKey, pageFiles]
	now       func() time.Time
	flights   *singleflight.Group
}

// idKey names a job (or file) of a project.
type idKey struct {
	project string
	id      int64
}

// ForProject returns a view of r that reads project with c and asks
// sizes (the renderer's view of the same project) for image sizes; it
// shares r's caches and flights, whose keys name the project.
func (r *Reader) ForProject(project string, c CDF, sizes Sizes) *Reader {
	v := *r
	v.project, v.cdf, v.sizes = project, c, sizes
	return &v
}

// pageFiles is the metadata of the files ids, read at read.
type pageFiles struct {
	ids   []int64
	files map[int64]cdf.File
	read  time.Time
}

// New returns a Reader that reads from c and asks sizes for image sizes.
func New(c CDF, sizes Sizes, opts Options) *Reader {
	cacheBytes, filesBytes := opts.JobCacheBytes, int64(pageFilesBytes)
	switch {
	case cacheBytes == 0:
		cacheBytes = DefaultJobCacheBytes
	case cacheBytes < 0:
		cacheBytes, filesBytes = 0, 0
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	r := &Reader{cdf: c, sizes: sizes, project: opts.Project, perPerson: opts.PerPerson, now: now,
		flights:   new(singleflight.Group),
		jobs:      lru.New[idKey, *cdf.SegmentJob](cacheBytes),
		pageFiles: lru.New[idKey, pageFiles](filesBytes)}
	opts.Metrics.Cache("finished_jobs", r.jobs)
	opts.Metrics.Cache("page_files", r.pageFiles)
	return r
}

// PerPerson reports whether every read is made with the person's token.
func (r *Reader) PerPerson() bool { return r.perPerson }

// SegmentJob returns the job. A finished job comes from the cache unless
// reads are per person; queued and running jobs are always read. The
// caller must not modify it: it is shared.
func (r *Reader) SegmentJob(ctx context.Context, id int64) (*cdf.SegmentJob, error) {
	if r.perPerson {
		return r.cdf.SegmentJob(ctx, id)
	}
	if j, ok := r.jobs.Get(idKey{r.project, id}); ok {
		return j, nil
	}
	return flight.Do(ctx, r.flights, fmt.Sprintf("job/%s/%d", r.project, id), func(ctx context.Context) (*cdf.SegmentJob, error) {
		j, err := r.cdf.SegmentJob(ctx, id)
		if err != nil {
			return nil, err
		}
		if j.Status.Terminal() {
			r.jobs.Add(idKey{r.project, id}, j, jobSize(j))
		}
		return j, nil
	})
}

// SegmentJobJSON returns the job as CDF sent it, byte for byte, always
// read from CDF.
func (r *Reader) SegmentJobJSON(ctx context.Context, id int64) ([]byte, error) {
	return r.cdf.SegmentJobJSON(ctx, id)
}

// Files reads the metadata of the files with ids, by id, with one
// files/byids call per 1000 ids (CDF's limit); unknown ids are left out.
// No ids make no call.
func (r *Reader) Files(ctx context.Context, ids []int64) (map[int64]cdf.File, error) {
	files := make(map[int64]cdf.File, len(ids))
	if len(ids) == 0 {
		return files, nil
	}
	refs := make([]cdf.FileIdentifier, len(ids))
	for i, id := range ids {
		refs[i] = cdf.ByID(id)
	}
	list, err := r.cdf.FilesByIDs(ctx, refs, true)
	if err != nil {
		return files, err
	}
	for _, f := range list {
		files[f.ID] = f
	}
	return files, nil
}

// PageFiles reads the metadata of the files with ids of job, for the job's
// page, as Files does; but for a finished job, unless reads are per
// person, it reuses what it read for the same ids within PageFilesTTL.
// Exports and images, which need the files' current versions, use Files
// and File. The caller must not modify the map: it may be shared.
func (r *Reader) PageFiles(ctx context.Context, job *cdf.SegmentJob, ids []int64) (map[int64]cdf.File, error) {
	if r.perPerson || !job.Status.Terminal() || len(ids) == 0 {
		return r.Files(ctx, ids)
	}
	now := r.now()
	if e, ok := r.pageFiles.Get(idKey{r.project, job.JobID}); ok && slices.Equal(e.ids, ids) && now.Sub(e.read) < PageFilesTTL && !now.Before(e.read) {
		return e.files, nil
	}
	files, err := r.Files(ctx, ids)
	if err != nil {
		return files, err
	}
	r.pageFiles.Add(idKey{r.project, job.JobID}, pageFiles{ids: slices.Clone(ids), files: files, read: now}, pageFilesSize(ids, files))
	return files, nil
}

// File reads the metadata of one file, whose lastUpdatedTime tells a
// changed file from the one cached before: it is read on every request.
// A file CDF does not have fails with *FileNotFoundError.
func (r *Reader) File(ctx context.Context, id int64) (cdf.File, error) {
	read := func(ctx context.Context) (cdf.File, error) {
		files, err := r.cdf.FilesByIDs(ctx, []cdf.FileIdentifier{cdf.ByID(id)}, false)
		if err != nil {
			return cdf.File{}, err
		}
		for _, f := range files {
			if f.ID == id {
				return f, nil
			}
		}
		return cdf.File{}, &FileNotFoundError{FileID: id}
	}
	if r.perPerson {
		return read(ctx)
	}
	return flight.Do(ctx, r.flights, fmt.Sprintf("file/%s/%d", r.project, id), read)
}

// FileResults reads the job and the file's metadata at once and returns
// the file's results within limits, and the file's version to draw on. A
// failure to read the job comes first, then the file's absence from the
// job's results, then a failure to read the file.
func (r *Reader) FileResults(ctx context.Context, jobID, fileID int64, limits segment.Limits) (segment.FileResults, cdf.File, error) {
	var (
		wg      sync.WaitGroup
		file    cdf.File
		fileErr error
	)
	wg.Go(func() { file, fileErr = r.File(ctx, fileID) })
	job, err := r.SegmentJob(ctx, jobID)
	wg.Wait()
	if err != nil {
		return segment.FileResults{}, cdf.File{}, err
	}
	results, err := segment.Results(job, fileID, limits)
	if err != nil {
		return segment.FileResults{}, cdf.File{}, err
	}
	if fileErr != nil {
		return segment.FileResults{}, cdf.File{}, fileErr
	}
	return results, file, nil
}

// ImageSize returns the size of the version of the file just read (with
// File or Files) as segview draws on it; an image over the pixel limit
// fails, as drawing on it would.
func (r *Reader) ImageSize(ctx context.Context, f cdf.File) (image.Point, error) {
	return r.sizes.ImageSize(ctx, f.ID, f.LastUpdatedTime)
}

// HeaderSize returns the size of the version of the file just read, from
// its image header alone, whatever its number of pixels (for exports).
func (r *Reader) HeaderSize(ctx context.Context, f cdf.File) (image.Point, error) {
	return r.sizes.HeaderSize(ctx, f.ID, f.LastUpdatedTime)
}

// FileNotFoundError says that a file the request named does not exist in
// CDF. A file without results in the job is a *segment.FileNotInJobError.
type FileNotFoundError struct{ FileID int64 }

func (e *FileNotFoundError) Error() string {
	return fmt.Sprintf("file %d does not exist in CDF", e.FileID)
}

// pageFilesSize estimates the memory an entry of the page files' cache
// holds.
func pageFilesSize(ids []int64, files map[int64]cdf.File) int64 {
	n := int64(128 + 8*len(ids))
	for _, f := range files {
		n += 200 + int64(len(f.Name)+len(f.ExternalID)+len(f.MimeType))
		if f.InstanceID != nil {
			n += 64 + int64(len(f.InstanceID.Space)+len(f.InstanceID.ExternalID))
		}
	}
	return n
}

// jobSize estimates the memory a decoded job holds, for the job cache.
func jobSize(j *cdf.SegmentJob) int64 {
	n := int64(1024)
	for _, it := range j.Items {
		n += 256
		for _, seg := range it.Segments {
			n += 64
			for _, p := range seg.Polygons {
				n += 64 + 40*int64(len(p.Vertices))
			}
		}
	}
	for _, b := range j.FailedItems {
		n += 128 + int64(len(b.ErrorMessage)) + 64*int64(len(b.Items))
	}
	return n
}
