package handlers

import (
	"context"
	"image"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/jobs"
)

// jobSourceFake is what the tests' fakes of CDF answer: jobs, and files by
// id when they implement filesSourceFake.
type jobSourceFake interface {
	SegmentJob(ctx context.Context, jobID int64) (*cdf.SegmentJob, error)
}

type filesSourceFake interface {
	FilesByIDs(ctx context.Context, ids []cdf.FileIdentifier, ignoreUnknown bool) ([]cdf.File, error)
}

// fakeCDF turns a test's fake into what jobs.Reader reads: files it does
// not serve are all "photo.jpg" at lastUpdatedTime 1, and the job's JSON
// is "{}".
type fakeCDF struct{ jobSourceFake }

func (f fakeCDF) FilesByIDs(ctx context.Context, ids []cdf.FileIdentifier, ignoreUnknown bool) ([]cdf.File, error) {
	if fs, ok := f.jobSourceFake.(filesSourceFake); ok {
		return fs.FilesByIDs(ctx, ids, ignoreUnknown)
	}
	out := make([]cdf.File, len(ids))
	for i, id := range ids {
		out[i] = cdf.File{ID: id.ID, Name: "photo.jpg", LastUpdatedTime: 1}
	}
	return out, nil
}

func (fakeCDF) SegmentJobJSON(context.Context, int64) ([]byte, error) { return []byte("{}"), nil }

// fixedSizes answers every image size as 40×30.
type fixedSizes struct{}

func (fixedSizes) ImageSize(context.Context, int64, cdf.Millis) (image.Point, error) {
	return image.Pt(40, 30), nil
}

func (fixedSizes) HeaderSize(context.Context, int64, cdf.Millis) (image.Point, error) {
	return image.Pt(40, 30), nil
}

// readerOf is the reader the routes get in production, reading from a
// test's fake without a cache, so that every read reaches the fake.
func readerOf(src jobSourceFake) Reader {
	return jobs.New(fakeCDF{src}, fixedSizes{}, jobs.Options{JobCacheBytes: -1})
}
