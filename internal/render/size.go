package render

import (
	"context"
	"image"
)

// ImageSize returns the size in pixels of the file's image as segview draws
// on it (EXIF-oriented unless Options.IgnoreEXIF), the frame in which the
// job's normalized coordinates are scaled to pixels. It reads the file's
// lastUpdatedTime from CDF every time, then the size from the cache or from
// the image header of a download; it never decodes pixels.
func (s *Service) ImageSize(ctx context.Context, fileID int64) (image.Point, error) {
	v, err := s.fileVersion(ctx, fileID)
	if err != nil {
		return image.Point{}, err
	}
	return s.size(ctx, v)
}
