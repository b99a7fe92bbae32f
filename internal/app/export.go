package app

import (
	"context"
	"image"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/render"
)

// exportSource gives the export routes the job's JSON straight from CDF
// and image sizes through the render service's cache of sizes.
type exportSource struct {
	client *cdf.Client
	sizes  *render.Service
}

func (e exportSource) SegmentJobJSON(ctx context.Context, jobID int64) ([]byte, error) {
	return e.client.SegmentJobJSON(ctx, jobID)
}

func (e exportSource) ImageSize(ctx context.Context, fileID int64) (image.Point, error) {
	return e.sizes.ImageSize(ctx, fileID)
}

func (e exportSource) HeaderSize(ctx context.Context, fileID int64, updated cdf.Millis) (image.Point, error) {
	return e.sizes.HeaderSize(ctx, fileID, updated)
}
