// Package render turns one file of a segmentation job into an overlay image:
// given the file's results (package segment) and the version of the file
// that package jobs has just read from CDF, it downloads the source image,
// decodes it and draws the segments and the job's prompt with package
// overlay. It reads no job and no file metadata itself.
//
// The Service decodes each source once: the decoded, oriented image is kept
// at a display width in a cache bounded by bytes, keyed by the file's
// lastUpdatedTime so that a changed file is never served stale, and
// concurrent identical requests share one download and decode. Cold decodes
// are limited to a few at a time; a request that cannot get a turn soon
// enough fails with a *BusyError instead of queueing without bound. Results
// of finished jobs never change, so they carry a strong ETag and their
// encoded outputs are cached.
package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang/groupcache"
	"golang.org/x/sync/singleflight"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/lru"
	"github.com/segview/segview/internal/metrics"
	"github.com/segview/segview/internal/overlay"
	"github.com/segview/segview/internal/segment"
)

// CDF is what rendering needs from the CDF client: the image's bytes.
type CDF interface {
	DownloadLinks(ctx context.Context, ids []cdf.FileIdentifier) ([]cdf.DownloadLink, error)
	Download(ctx context.Context, url string) ([]byte, string, error)
}

// Limits bound the work of one render.
type Limits struct {
	MaxPixels   int64 // largest source image, width × height
	MaxVertices int   // most vertices drawn for one file
	MaxWidth    int   // widest output unless exported; also the default width
}

// Defaults of Options.
const (
	DefaultImageCacheBytes  = 256 << 20
	DefaultOutputCacheBytes = 32 << 20
	DefaultWait             = 5 * time.Second
)

// sizeCacheLength bounds the image sizes kept, a few bytes each; it is not
// configurable.
const sizeCacheLength = 16384

// Options configure a Service. The zero value gives the defaults.
type Options struct {
	// Project is the CDF project c reads; part of every key (ForProject
	// gives views for other projects).
	Project string
	Limits  Limits
	// IgnoreEXIF draws on JPEG pixels as stored, for deployments whose model
	// saw raw pixels; by default the EXIF Orientation is applied, as a
	// browser does.
	IgnoreEXIF bool
	// ImageCacheBytes bounds the decoded images kept (RGBA, 4 bytes a
	// pixel); 0 means DefaultImageCacheBytes, a negative value disables the
	// cache.
	ImageCacheBytes int64
	// OutputCacheBytes bounds the encoded overlays of finished jobs kept by
	// ETag, so that the same image asked again (a shared link opened by
	// many, a browser without the image in its cache) is not drawn again;
	// 0 means DefaultOutputCacheBytes, a negative value disables the cache.
	// Exports, and outputs larger than an eighth of it, are not kept.
	OutputCacheBytes int64
	// MaskCacheBytes is the part of ImageCacheBytes that keeps the
	// segments' coverage masks (overlay.MaskCache: a byte or two a pixel
	// of each segment's bounds at the output's size), so that a new view
	// of an image drawn before (another threshold, opacity or layer) only
	// composites; the decoded images get the rest. 0 means an eighth of
	// ImageCacheBytes (32 MiB of the default 256), a negative value keeps
	// no masks. It is part of ImageCacheBytes so that MemoryLimit need not
	// change.
	MaskCacheBytes int64
	// Concurrency is the most cold decodes at a time; <= 0 means
	// runtime.NumCPU().
	Concurrency int
	// Wait is how long a cold render waits for a turn before failing with
	// a *BusyError; <= 0 means DefaultWait.
	Wait time.Duration
	// BuildVersion is the application's version; it is part of every ETag,
	// so that a new release never answers 304 for an old drawing.
	BuildVersion string
	// Metrics, when set, records the caches, the limiters' queues and
	// the stages' durations.
	Metrics *metrics.Metrics
	// Peers, when set, shares the decoded sources at display widths and
	// the finished jobs' outputs with the other replicas (shared.go): the
	// outputs are then kept by the group, in OutputCacheBytes.
	Peers *Peers
}

// Version is the version of the drawing and encoding. It is part of every
// ETag: bump it when a change to render, overlay or imaging changes the
// pixels or bytes of an output, so browsers fetch the new image.
const Version = "5"

// Service renders overlays. It is safe for concurrent use.
type Service struct {
	cdf          CDF
	limits       Limits
	ignoreEXIF   bool
	buildVersion string
	buckets      []int

	images *lru.Cache[sourceKey, *image.RGBA]
	sizes  *lru.Cache[versionKey, image.Point]
	// latest is the lastUpdatedTime of each file last rendered, for
	// PrefetchLink to tell whether its image is cached.
	latest  *lru.Cache[fileKey, cdf.Millis]
	outputs *lru.Cache[string, []byte] // encoded outputs by ETag
	// masks keeps the segments' coverage masks between views.
	masks *overlay.MaskCache
	// flights shares concurrent identical work: every key names the
	// project.
	flights *singleflight.Group
	limiter *limiter
	// decodeBytes bounds the memory of the decodes running at once.
	decodeBytes *byteBudget
	// drawing bounds concurrent draws and encodes (warm renders included).
	drawing *limiter

	// decode turns downloaded bytes into the image to cache; a
	// field so that tests can count and block decodes.
	decode func(data []byte, opts decodeOptions) (*image.RGBA, error)
	// draws counts drawings, for tests of the output cache.
	draws *atomic.Int64
	// metrics records the stages' durations.
	metrics *metrics.Metrics

	// project is the CDF project this Service (or view, ForProject) reads
	// with cdf; it is part of every key of every cache, flight and shared
	// group, and of every ETag.
	project string

	// With peers: the groups shared among the replicas, and how an owner
	// reads a project's images and results for a peer.
	sourceGroup, outputGroup, sizeGroup interface {
		Get(ctx context.Context, key string, dest groupcache.Sink) error
	}
	clients func(project string) (CDF, error)
	results func(ctx context.Context, project string, jobID, fileID int64) (segment.FileResults, cdf.Millis, error)
}

// New returns a Service that reads Options.Project from c. ForProject
// gives views of it for other projects that share its caches and limits.
func New(c CDF, opts Options) *Service {
	cacheBytes := opts.ImageCacheBytes
	switch {
	case cacheBytes == 0:
		cacheBytes = DefaultImageCacheBytes
	case cacheBytes < 0:
		cacheBytes = 0
	}
	outputBytes := opts.OutputCacheBytes
	switch {
	case outputBytes == 0:
		outputBytes = DefaultOutputCacheBytes
	case outputBytes < 0:
		outputBytes = 0
	}
	maskBytes := opts.MaskCacheBytes
	switch {
	case maskBytes == 0:
		maskBytes = cacheBytes / 8
	case maskBytes < 0:
		maskBytes = 0
	}
	maskBytes = min(maskBytes, cacheBytes)
	cacheBytes -= maskBytes
	concurrency := opts.Concurrency
	if concurrency <= 0 {
		concurrency = runtime.NumCPU()
	}
	wait := opts.Wait
	if wait <= 0 {
		wait = DefaultWait
	}
	s := &Service{
		cdf:          c,
		project:      opts.Project,
		flights:      new(singleflight.Group),
		draws:        new(atomic.Int64),
		limits:       opts.Limits,
		ignoreEXIF:   opts.IgnoreEXIF,
		buildVersion: opts.BuildVersion,
		buckets:      widthBuckets(opts.Limits.MaxWidth),
		images:       lru.New[sourceKey, *image.RGBA](cacheBytes),
		sizes:        lru.New[versionKey, image.Point](sizeCacheLength),
		latest:       lru.New[fileKey, cdf.Millis](sizeCacheLength),
		outputs:      lru.New[string, []byte](outputBytes),
		masks:        overlay.NewMaskCache(maskBytes),
		limiter:      newLimiter(concurrency, wait),
		decodeBytes:  newByteBudget(decodeBudget(concurrency), concurrency, wait),
		drawing:      newDrawingLimiter(concurrency, wait),
		decode:       decodeDisplay,
		metrics:      opts.Metrics,
	}
	s.limiter.metrics, s.drawing.metrics = opts.Metrics, opts.Metrics
	if p := opts.Peers; p != nil && p.Pool != nil {
		s.clients, s.results = p.Clients, p.Results
		sourceBytes := p.SourceBytes
		if sourceBytes <= 0 {
			sourceBytes = DefaultImageCacheBytes / 2
		}
		s.sourceGroup = p.Pool.NewGroup(groupSources, sourceBytes, groupcache.GetterFunc(s.loadSource))
		s.outputGroup = p.Pool.NewGroup(groupOutputs, outputBytes, groupcache.GetterFunc(s.loadOutput))
		s.sizeGroup = p.Pool.NewGroup(groupSizes, sizeGroupBytes, groupcache.GetterFunc(s.loadSize))
		opts.Metrics.Cache("shared_sources", groupCache{p.Pool, groupSources})
		opts.Metrics.Cache("shared_outputs", groupCache{p.Pool, groupOutputs})
		for _, g := range []string{groupSources, groupOutputs, groupSizes} {
			opts.Metrics.PeerGroup(g, func() metrics.PeerLoads {
				st, _ := p.Pool.GroupStats(g)
				return metrics.PeerLoads{FromPeers: st.PeerLoads, Computed: st.LocalLoads, PeerErrors: st.PeerErrors}
			})
		}
	}
	opts.Metrics.Cache("decoded_images", s.images)
	opts.Metrics.Cache("image_sizes", s.sizes)
	opts.Metrics.Cache("encoded_outputs", s.outputs)
	opts.Metrics.Cache("segment_masks", s.masks)
	return s
}

// Format is an output image of Render.
type Format int

// The outputs.
const (
	// FormatPNG is the overlay drawn on the image, as PNG.
	FormatPNG Format = iota + 1
	// FormatJPEG is the overlay drawn on the image, as JPEG (quality 85).
	FormatJPEG
	// FormatLayer is the overlay alone on a transparent canvas of the
	// output size, as PNG, for stacking over the photo. It needs no decode
	// of the photo, only its size.
	FormatLayer
)

// ContentType is the media type of the format.
func (f Format) ContentType() string {
	if f == FormatJPEG {
		return "image/jpeg"
	}
	return "image/png"
}

// String names the format by its file name.
func (f Format) String() string {
	switch f {
	case FormatPNG:
		return "overlay.png"
	case FormatJPEG:
		return "overlay.jpg"
	case FormatLayer:
		return "layer.png"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Request names the overlay to draw.
type Request struct {
	JobID  int64
	FileID int64
	Format Format
	// Width is the largest output width in pixels; 0 means the image's own
	// width capped at Limits.MaxWidth. The image is never scaled up.
	Width int
	// Export lifts the Limits.MaxWidth cap: without Width the output has
	// the source's full resolution.
	Export bool
	// View is what to draw and how; nil means segment.DefaultView().
	View *segment.View
	// Crop, when set, asks for that rectangle of the image only (normalized,
	// each side at least MinCrop), drawn as the whole image would be at the
	// same zoom; Width is then the crop's output width. Its pixels come
	// from a decode of the image wide enough for the crop to have Width
	// pixels across, up to the full size; at full size a narrower crop
	// keeps its own width.
	Crop *overlay.Crop
	// Results are the file's results, which the caller has just read
	// (jobs.Reader.FileResults), within the vertex limit; required. They
	// must be those of JobID and FileID.
	Results *segment.FileResults
	// IfNoneMatch is the request's If-None-Match header. When it matches
	// the result's ETag, Render answers NotModified without drawing.
	IfNoneMatch string
	// FileUpdated is the file's lastUpdatedTime, which the caller has just
	// read from CDF: it names the version of the image the caches may
	// serve.
	FileUpdated cdf.Millis
	// Link, from PrefetchLink, is the file's download link already on its
	// way; nil fetches it when needed.
	Link *Link
}

// Result is a rendered overlay.
type Result struct {
	// Body may be shared with the output cache: callers must not modify it.
	Body        []byte
	ContentType string
	// ETag is the strong entity tag of an output that never changes: the
	// job has finished, and the tag changes with the file's lastUpdatedTime,
	// the output's format, width and View and the drawing's Version. It is ""
	// while the job is queued or running: such results must not be stored.
	ETag string
	// NotModified says that Request.IfNoneMatch matched ETag; Body is nil.
	NotModified bool
}

// ErrNoDownloadLink means CDF returned no download link for the file.
var ErrNoDownloadLink error = &noDownloadLinkError{}

// Render draws the overlay of one file of a job in the requested format,
// from the results and the file's version the caller has read. For a
// finished job the ETag follows from those alone, so a matching
// req.IfNoneMatch is answered without downloading or drawing.
func (s *Service) Render(ctx context.Context, req Request) (Result, error) {
	if req.Format < FormatPNG || req.Format > FormatLayer {
		return Result{}, fmt.Errorf("render: unknown format %d", req.Format)
	}
	if req.Results == nil {
		return Result{}, errors.New("render: no results given")
	}
	results := *req.Results
	if limit := s.limits.MaxVertices; limit > 0 && results.Vertices > limit {
		return Result{}, &segment.TooManyVerticesError{FileID: results.FileID, Vertices: results.Vertices, Limit: limit}
	}
	file := versionKey{Project: s.project, FileID: req.FileID, Updated: req.FileUpdated, IgnoreEXIF: s.ignoreEXIF}
	s.latest.Add(fileKey{s.project, req.FileID}, req.FileUpdated, 1)
	ctx = withLink(ctx, req.Link)

	view := segment.DefaultView()
	if req.View != nil {
		view = *req.View
	}
	if view.Verdict != 0 {
		// The drawing and its ETag must name the segments shown, which
		// the caller resolves from the verdicts it reads.
		return Result{}, errors.New("render: the view's verdict filter is not resolved (segment.View.Resolve)")
	}
	if req.Crop != nil {
		if err := checkCrop(*req.Crop); err != nil {
			return Result{}, err
		}
	}
	target := s.targetWidth(req)
	res := Result{ContentType: req.Format.ContentType()}
	if results.Status.Terminal() {
		res.ETag = s.etag(results.JobID, file, req.Format, target, view, req.Crop)
		if etagMatches(req.IfNoneMatch, res.ETag) {
			res.NotModified = true
			return res, nil
		}
		// The ETag names the job, the file's version, the format, the
		// width, the view and the drawing's version: the same bytes.
		if body, ok := s.outputs.Get(res.ETag); ok {
			res.Body = body
			return res, nil
		}
		if s.outputGroup != nil && !req.Export {
			r := outputRecipe{Version: Version, Build: s.buildVersion, JPEG: jpegCodec(), Project: s.project,
				Job: results.JobID, File: req.FileID, Updated: req.FileUpdated, EXIF: s.ignoreEXIF,
				Format: req.Format, Target: target, View: view, Crop: req.Crop}
			body, err := s.sharedOutput(ctx, r, results)
			if err != nil {
				return Result{}, err
			}
			// A copy kept here answers the next request for it without
			// asking its owner again (groupcache copies only a tenth of
			// the hot keys it fetches).
			res.Body = body
			s.keepOutput(res)
			return res, nil
		}
	}

	body, err := s.draw(ctx, file, req.Format, target, view, req.Crop, results)
	if err != nil {
		return Result{}, err
	}
	res.Body = body
	// Exports are downloads: large, and seldom asked for twice.
	if !req.Export {
		s.keepOutput(res)
	}
	return res, nil
}

// keepOutput keeps a finished job's output (one with an ETag) in the
// encoded-outputs cache, unless it would take more than an eighth of it.
func (s *Service) keepOutput(res Result) {
	if n := int64(len(res.Body)); res.ETag != "" && n <= s.outputs.Capacity()/8 {
		s.outputs.Add(res.ETag, res.Body, n)
	}
}

// draw draws and encodes the output of results on the file's image.
func (s *Service) draw(ctx context.Context, file versionKey, format Format, target int, view segment.View, reqCrop *overlay.Crop, results segment.FileResults) ([]byte, error) {
	// The source comes first, without a drawing turn: waiting for a
	// decode (here, under the decode limiter, or on a peer) must not keep
	// the turns from renders whose images are ready.
	var src *image.RGBA
	var own bool
	var prep *maskPrep
	if reqCrop == nil && format != FormatLayer {
		if s.bucket(target) == 0 {
			// A full-size decode: its masks are rasterized while it
			// decodes, should it be one that is not kept (maskPrep).
			prep = &maskPrep{view: view, results: results, target: target, done: make(chan struct{})}
			ctx = withMaskPrep(ctx, prep)
		}
		var err error
		if src, own, err = s.ownSource(ctx, file, target); err != nil {
			return nil, err
		}
	}
	// Drawing and encoding hold a few copies of the output's pixels; a
	// bounded number run at once so that a burst of warm renders cannot
	// grow memory with the number of connections.
	release, err := s.drawing.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()

	var canvas image.Image
	var crop *overlay.Crop
	if reqCrop != nil {
		canvas, crop, err = s.cropCanvas(ctx, file, format, target, *reqCrop)
		if err != nil {
			return nil, err
		}
	} else if format == FormatLayer {
		size, err := s.size(ctx, file)
		if err != nil {
			return nil, err
		}
		w, h := s.outputSize(size, target)
		canvas = image.NewRGBA(image.Rect(0, 0, w, h))
	} else {
		canvas = fitWidth(src, target)
	}
	s.draws.Add(1)
	spec := view.Spec(canvas, results.Ranked, results.Prompt)
	spec.Crop = crop
	spec.Masks = s.masks
	if masks := prep.wait(canvas.Bounds().Size()); masks != nil {
		spec.Masks = masks
	}
	if own && canvas == image.Image(src) {
		// A decode of this request's alone, at the output's size (an
		// export): drawn on in place, without a copy, and its masks are
		// not kept, since the image is not.
		spec.Into, spec.Once = src, true
	} else {
		spec.Into = takeCanvas(canvas.Bounds())
	}
	start := time.Now()
	out, err := overlay.Render(spec)
	if err != nil {
		return nil, err
	}
	s.metrics.Stage(metrics.StageDraw, time.Since(start))
	start = time.Now()
	var buf bytes.Buffer
	err = encode(&buf, out, format)
	// The encoder has copied the pixels: the buffer serves the next draw.
	// An export drawn in place is left to the garbage collector instead:
	// pooled, it would keep the next export's decode from reusing its
	// memory, and a fresh 50 MB costs page faults.
	if out != src {
		outputs.Put(out)
	}
	if err != nil {
		return nil, err
	}
	s.metrics.Stage(metrics.StageEncode, time.Since(start))
	return buf.Bytes(), nil
}

// targetWidth is the widest output req may get: the asked width capped at
// Limits.MaxWidth unless exported; 0 means the source's full width.
func (s *Service) targetWidth(req Request) int {
	w, limit := req.Width, s.limits.MaxWidth
	if !req.Export && limit > 0 && (w <= 0 || w > limit) {
		w = limit
	}
	return max(w, 0)
}

// outputs keeps drawn images (*image.RGBA) once encoded, so that the next
// draw of the same size reuses one instead of allocating and clearing
// megabytes that Render overwrites anyway.
var outputs sync.Pool

// takeCanvas is a pooled image of r's size, or nil (Render allocates).
func takeCanvas(r image.Rectangle) *image.RGBA {
	img, _ := outputs.Get().(*image.RGBA)
	if img == nil || img.Rect != image.Rect(0, 0, r.Dx(), r.Dy()) {
		return nil // another size: dropped, the pool stays small
	}
	return img
}
