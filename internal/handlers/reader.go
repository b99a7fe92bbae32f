package handlers

import (
	"context"
	"image"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/segment"
)

// Reader is every read of CDF's metadata the routes make, and the sizes of
// the files' images: *jobs.Reader. It serves finished jobs from its cache
// and shares concurrent identical reads; with SEGVIEW_CDF_IDENTITY=user it
// makes every read with the signed-in person's token instead, neither
// cached nor shared, so that CDF checks each request before anything
// cached (an image, a drawing) is used. The images' bytes are the
// renderer's to download.
type Reader interface {
	// SegmentJob returns the job; the caller must not modify it.
	SegmentJob(ctx context.Context, jobID int64) (*cdf.SegmentJob, error)
	// SegmentJobJSON returns the job as CDF sent it, byte for byte.
	SegmentJobJSON(ctx context.Context, jobID int64) ([]byte, error)
	// Files reads the metadata of the files with ids, unknown ids left
	// out, with one files/byids call per 1000 ids.
	Files(ctx context.Context, ids []int64) (map[int64]cdf.File, error)
	// PageFiles reads the metadata of job's files with ids for its page,
	// as Files does, but reuses a finished job's for a short while
	// (jobs.PageFilesTTL), except per person. The map must not be
	// modified.
	PageFiles(ctx context.Context, job *cdf.SegmentJob, ids []int64) (map[int64]cdf.File, error)
	// FileResults reads the job and the file's metadata at once: the
	// file's results within limits, and its version to draw on.
	FileResults(ctx context.Context, jobID, fileID int64, limits segment.Limits) (segment.FileResults, cdf.File, error)
	// ImageSize is the size of the version of the file read, as drawn on;
	// an image over the pixel limit fails, as drawing on it would.
	ImageSize(ctx context.Context, f cdf.File) (image.Point, error)
	// HeaderSize is the size of the version of the file read, from the
	// image header alone, whatever its number of pixels.
	HeaderSize(ctx context.Context, f cdf.File) (image.Point, error)
}
