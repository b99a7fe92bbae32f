package render

import (
	"context"
	"errors"
	"fmt"
	"image"
	"mime"
	"net/http"
	"slices"
	"time"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/flight"
	"github.com/segview/segview/internal/imaging"
	"github.com/segview/segview/internal/metrics"
)

// versionKey names one version of a file's image as segview draws on it:
// the project (file ids are per project), a file replaced in CDF gets a
// new lastUpdatedTime, and the EXIF setting decides which way up its
// pixels are.
type versionKey struct {
	Project    string
	FileID     int64
	Updated    cdf.Millis
	IgnoreEXIF bool
}

// fileKey names a file of a project.
type fileKey struct {
	Project string
	FileID  int64
}

// sourceKey names one decoded image in the cache: a version of a file at a
// width bucket, 0 meaning full size.
type sourceKey struct {
	versionKey
	Width int
}

func (k sourceKey) String() string {
	return fmt.Sprintf("source/%s/%d/%d/%t/%d", k.Project, k.FileID, k.Updated, k.IgnoreEXIF, k.Width)
}

// displayBuckets are the widths sources are decoded and cached at. An
// output width is served from the smallest bucket at least as wide, so that
// a few decodes per file serve every width: the job page's 1600 and the
// default (Limits.MaxWidth) each hit their own bucket exactly, other widths
// are scaled down from the next bucket at little cost.
var displayBuckets = []int{320, 640, 1024, 1600, 2048}

func widthBuckets(maxWidth int) []int {
	b := slices.Clone(displayBuckets)
	if maxWidth > 0 && !slices.Contains(b, maxWidth) {
		b = append(b, maxWidth)
		slices.Sort(b)
	}
	return b
}

// bucket is the decode width for an output at most target wide: the
// smallest bucket that is at least target, or 0 (full size) when target is
// 0 or wider than every bucket.
func (s *Service) bucket(target int) int {
	if target <= 0 {
		return 0
	}
	for _, b := range s.buckets {
		if b >= target {
			return b
		}
	}
	return 0
}

// sourceKey is the cache key of the image an output target wide is drawn
// on. When the file's size is known and it is no wider than the bucket, the
// key is that of the full-size image, so that all the buckets a small image
// falls into share one entry.
func (s *Service) sourceKey(v versionKey, target int) sourceKey {
	k := sourceKey{versionKey: v, Width: s.bucket(target)}
	if size, ok := s.sizes.Get(v); ok && k.Width > 0 && size.X <= k.Width {
		k.Width = 0
	}
	return k
}

// source returns the file's image, oriented and scaled to the bucket of
// target, from the cache or by downloading and decoding it. Concurrent
// calls for the same image share one download and decode, which waits for
// a turn of the limiter.
func (s *Service) source(ctx context.Context, v versionKey, target int) (*image.RGBA, error) {
	img, _, err := s.ownSource(ctx, v, target)
	return img, err
}

// ownSource is source, and also reports whether the image is the caller's
// alone: decoded for this call, kept in no cache (a full-size image wider
// than every bucket, see keep) and given to no other caller of the same
// flight. The caller may then draw on it in place instead of on a copy.
func (s *Service) ownSource(ctx context.Context, v versionKey, target int) (*image.RGBA, bool, error) {
	key := s.sourceKey(v, target)
	if img, ok := s.images.Get(key); ok {
		return img, false, nil
	}
	if b := s.bucket(target); s.sourceGroup != nil && b != 0 {
		// The display buckets are shared among the replicas, keyed by
		// the bucket whatever this replica knows of the size.
		img, err := s.sharedSource(ctx, v, b)
		return img, false, err
	}
	type decoded struct {
		img  *image.RGBA
		kept bool // in the cache, or may be
	}
	d, shared, err := flight.DoShared(ctx, s.flights, key.String(), func(ctx context.Context) (decoded, error) {
		if img, ok := s.images.Get(s.sourceKey(v, target)); ok {
			return decoded{img, true}, nil // decoded by a flight that just ended
		}
		img, size, err := s.decodeSource(ctx, v, key.Width)
		return decoded{img, s.keeps(key, size)}, err
	})
	return d.img, err == nil && !d.kept && !shared, err
}

// decodeSource downloads the file and decodes it for the bucket width
// (0: full size), under a turn of the limiter, and keeps the image in the
// cache. It also returns the file's full size as displayed.
func (s *Service) decodeSource(ctx context.Context, v versionKey, width int) (*image.RGBA, image.Point, error) {
	key := sourceKey{versionKey: v, Width: width}
	// The turn covers the download too: it bounds the compressed bytes
	// in memory as well as the pixels.
	release, err := s.limiter.acquire(ctx)
	if err != nil {
		return nil, image.Point{}, err
	}
	defer release()
	start := time.Now()
	data, err := s.download(ctx, v.FileID)
	if err != nil {
		return nil, image.Point{}, err
	}
	s.metrics.Stage(metrics.StageDownload, time.Since(start))
	size, err := s.probe(data)
	if err != nil {
		return nil, image.Point{}, err
	}
	w, h := fitSize(size.X, size.Y, key.Width)
	if key.Width == 0 && !s.keeps(key, size) {
		startMaskPrep(ctx, size) // while it decodes
	}
	opts := imaging.Options{
		Limits:     imaging.Limits{MaxPixels: s.limits.MaxPixels},
		IgnoreEXIF: v.IgnoreEXIF,
		MinWidth:   key.Width,
	}
	// The decode's memory, known from the header, must fit the budget
	// with the other decodes': a progressive JPEG holds its coefficients
	// (two bytes a kept coefficient with jpegscale at its scale, four a
	// sample when image/jpeg decodes it).
	releaseBytes, err := s.decodeBytes.acquire(ctx, imaging.DecodeMemory(data, opts))
	if err != nil {
		return nil, image.Point{}, err
	}
	defer releaseBytes()
	start = time.Now()
	img, err := s.decode(data, decodeOptions{Options: opts, Size: image.Pt(w, h)})
	if err != nil {
		return nil, image.Point{}, err
	}
	s.metrics.Stage(metrics.StageDecode, time.Since(start))
	s.keep(key, img, size)
	return img, size, nil
}

// keep adds a decode for key of a file whose full displayed size is size
// to the caches.
func (s *Service) keep(key sourceKey, img *image.RGBA, size image.Point) {
	stored := key
	if key.Width == 0 || size.X <= key.Width {
		stored.Width = 0
	}
	if s.keeps(key, size) {
		s.images.Add(stored, img, int64(len(img.Pix)))
	}
	// After the image, so that a request keyed by the size finds it.
	s.sizes.Add(key.versionKey, size, 1)
}

// keeps reports whether keep adds a decode for key of a file of full size
// size to the image cache: all but a full-size image wider than every
// bucket, which is an export, a one-off that would push many display
// images out of the cache.
func (s *Service) keeps(key sourceKey, size image.Point) bool {
	return key.Width != 0 && size.X > key.Width || size.X <= s.buckets[len(s.buckets)-1]
}

// size returns the file's size as displayed, from the cache or from the
// image header of a download. It never decodes pixels, and takes no turn
// of the limiter. A size over the pixel limit (cached by HeaderSize) fails
// as the probe of the header does.
func (s *Service) size(ctx context.Context, v versionKey) (image.Point, error) {
	if size, ok := s.sizes.Get(v); ok {
		if err := s.checkPixels(size); err != nil {
			return image.Point{}, err
		}
		return size, nil
	}
	key := fmt.Sprintf("size/%s/%d/%d/%t", v.Project, v.FileID, v.Updated, v.IgnoreEXIF)
	return flight.Do(ctx, s.flights, key, func(ctx context.Context) (image.Point, error) {
		if s.sizeGroup != nil {
			if size, ok := s.sharedSize(ctx, v); ok {
				s.sizes.Add(v, size, 1)
				return size, s.checkPixels(size)
			}
		}
		data, err := s.download(ctx, v.FileID)
		if err != nil {
			return image.Point{}, err
		}
		size, err := s.probe(data)
		if err != nil {
			return image.Point{}, err
		}
		s.sizes.Add(v, size, 1)
		return size, nil
	})
}

// outputSize is the size of the output target wide for a source of size
// full: the arithmetic of imaging.FitWidth applied twice, to the bucket and
// then to target, as the composited outputs are made, so that a layer lies
// exactly on the photo.
func (s *Service) outputSize(full image.Point, target int) (int, int) {
	w, h := fitSize(full.X, full.Y, s.bucket(target))
	return fitSize(w, h, target)
}

// fitSize is the size imaging.FitWidth gives a w×h image for maxWidth.
func fitSize(w, h, maxWidth int) (int, int) {
	if maxWidth <= 0 || w <= maxWidth || h <= 0 {
		return w, h
	}
	return maxWidth, max(1, int((int64(h)*int64(maxWidth)+int64(w)/2)/int64(w)))
}

// download fetches the file's bytes through a fresh download link. Links
// live about 30 seconds, and one can expire between CDF signing it and
// storage checking it (a slow request, clocks apart): when storage answers
// 403, which is how it says "expired", a new link is fetched once and tried
// once.
func (s *Service) download(ctx context.Context, fileID int64) ([]byte, error) {
	data, err := s.downloadOnce(ctx, fileID)
	var apiErr *cdf.APIError
	if errors.As(err, &apiErr) && apiErr.Path == cdf.DownloadPath && apiErr.Status == http.StatusForbidden {
		data, err = s.downloadOnce(ctx, fileID)
	}
	return data, err
}

func (s *Service) downloadOnce(ctx context.Context, fileID int64) ([]byte, error) {
	url, ok := linkFrom(ctx).take(ctx, fileID)
	if !ok {
		links, err := s.cdf.DownloadLinks(ctx, []cdf.FileIdentifier{cdf.ByID(fileID)})
		if err != nil {
			return nil, err
		}
		if len(links) == 0 || links[0].URL == "" {
			return nil, ErrNoDownloadLink
		}
		url = links[0].URL
	}
	data, contentType, err := s.cdf.Download(ctx, url)
	if err != nil {
		return nil, err
	}
	if isWebPage(contentType) {
		return nil, &NotAnImageError{ContentType: contentType}
	}
	return data, nil
}

// NotAnImageError says that the download of a file answered with a web
// page instead of the image: a proxy, a login or an error page of the
// storage service.
type NotAnImageError struct{ ContentType string }

func (e *NotAnImageError) Error() string {
	return fmt.Sprintf("the download answered with a web page (%s) instead of the image", e.ContentType)
}

// isWebPage reports whether a download's Content-Type is HTML. Images
// are recognized by their bytes, whatever their declared type, but an HTML
// answer is never the image.
func isWebPage(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "text/html" || mt == "application/xhtml+xml")
}

// probe reads an image's size as displayed from its header alone:
// oriented by EXIF (JPEG APP1 or PNG eXIf) unless ignored, and checked
// against the pixel limit.
func (s *Service) probe(data []byte) (image.Point, error) {
	info, err := imaging.DecodeConfig(data, imaging.Options{Limits: imaging.Limits{MaxPixels: s.limits.MaxPixels}, IgnoreEXIF: s.ignoreEXIF})
	if err != nil {
		return image.Point{}, err
	}
	return image.Pt(info.Width, info.Height), nil
}

// decodeOptions asks decodeDisplay for an image of exactly Size: the
// source's size scaled by fitSize to the bucket's width. Options.MinWidth is
// the bucket's width (0: full size), which lets libjpeg-turbo decode a JPEG
// at a fraction of its size.
type decodeOptions struct {
	imaging.Options
	Size image.Point
}

// decodeDisplay decodes data and scales it to exactly opts.Size. The
// result is always an *image.RGBA at the origin, the type overlay.Render
// copies fastest, since every warm render copies it.
//
// The decode is scaled to the smallest M/8 still at least the bucket wide
// (libjpeg-turbo: M = 1..5 or 8; pure Go, jpegscale: 1, 2, 4 or 8), and
// imaging.DecodeSize resamples it once, straight to opts.Size, from the
// decoder's own layout (YCbCr or gray planes): every output, and layer.png computed from the size
// alone, has the same size whichever decoder ran.
func decodeDisplay(data []byte, opts decodeOptions) (*image.RGBA, error) {
	img, _, err := imaging.DecodeSize(data, opts.Options, opts.Size)
	return img, err
}

// fitWidth scales a cached image down to target, never up.
func fitWidth(img *image.RGBA, target int) image.Image {
	return imaging.FitWidth(img, target)
}
