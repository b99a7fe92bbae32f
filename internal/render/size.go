package render

import (
	"context"
	"fmt"
	"image"
	"math"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/flight"
	"github.com/segview/segview/internal/imaging"
)

// ImageSize returns the size in pixels of the file's image as segview draws
// on it (EXIF-oriented unless Options.IgnoreEXIF), the frame in which the
// job's normalized coordinates are scaled to pixels, for the version of the
// file whose lastUpdatedTime the caller has just read from CDF. The size
// comes from the cache or from the image header of a download; it never
// decodes pixels. An image over the pixel limit fails with
// *imaging.TooLargeError, as drawing on it would.
func (s *Service) ImageSize(ctx context.Context, fileID int64, updated cdf.Millis) (image.Point, error) {
	return s.size(ctx, versionKey{Project: s.project, FileID: fileID, Updated: updated, IgnoreEXIF: s.ignoreEXIF})
}

// HeaderSize returns the size of the file's image as ImageSize does, for
// the version of the file whose lastUpdatedTime the caller has just read
// from CDF (with files/byids, for many files at once). It is for exports, which need the size and never the pixels: the
// pixel limit does not apply, since the header alone gives the size. Data
// that is not a readable JPEG or PNG header fails with *ImageHeaderError.
func (s *Service) HeaderSize(ctx context.Context, fileID int64, updated cdf.Millis) (image.Point, error) {
	v := versionKey{Project: s.project, FileID: fileID, Updated: updated, IgnoreEXIF: s.ignoreEXIF}
	if size, ok := s.sizes.Get(v); ok {
		return size, nil
	}
	key := fmt.Sprintf("header/%s/%d/%d/%t", v.Project, v.FileID, v.Updated, v.IgnoreEXIF)
	return flight.Do(ctx, s.flights, key, func(ctx context.Context) (image.Point, error) {
		if s.sizeGroup != nil {
			if size, ok := s.sharedSize(ctx, v); ok {
				s.sizes.Add(v, size, 1)
				return size, nil
			}
		}
		data, err := s.download(ctx, v.FileID)
		if err != nil {
			return image.Point{}, err
		}
		info, err := imaging.DecodeConfig(data, imaging.Options{Limits: imaging.Limits{MaxPixels: math.MaxInt64}, IgnoreEXIF: v.IgnoreEXIF})
		if err != nil {
			return image.Point{}, &ImageHeaderError{FileID: v.FileID, Err: err}
		}
		size := image.Pt(info.Width, info.Height)
		// Cached also above the pixel limit: size checks it on every read.
		s.sizes.Add(v, size, 1)
		return size, nil
	})
}

// ImageHeaderError says that a file's data has no JPEG or PNG header
// segview can read: another format, or a damaged file.
type ImageHeaderError struct {
	FileID int64
	Err    error
}

func (e *ImageHeaderError) Error() string {
	return fmt.Sprintf("file %d has no readable JPEG or PNG header: %v", e.FileID, e.Err)
}

func (e *ImageHeaderError) Unwrap() error { return e.Err }

// checkPixels fails with *imaging.TooLargeError when size is over the
// pixel limit, as imaging.DecodeConfig does.
func (s *Service) checkPixels(size image.Point) error {
	limit := s.limits.MaxPixels
	if limit <= 0 {
		limit = imaging.DefaultMaxPixels
	}
	if int64(size.X)*int64(size.Y) > limit {
		return &imaging.TooLargeError{Width: size.X, Height: size.Y, MaxPixels: limit}
	}
	return nil
}
