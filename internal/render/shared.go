package render

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"math"
	"strconv"
	"strings"

	"github.com/golang/groupcache"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/flight"
	"github.com/segview/segview/internal/imaging"
	"github.com/segview/segview/internal/lru"
	"github.com/segview/segview/internal/overlay"
	"github.com/segview/segview/internal/peers"
	"github.com/segview/segview/internal/segment"
)

// Replicas share their work through three groupcache groups (package
// peers): "sources", the decoded images at a display bucket, "outputs",
// the encoded overlays of finished jobs, and "sizes", the images' sizes
// from their headers (for layers, SVGs and exports that need no pixels). A key names its value
// completely (project, file, version, EXIF setting, width, the drawing's
// Version; for outputs everything the ETag names too), so what any
// replica returns for it never depends on who asked, and its owner can
// compute it from the key alone. The access check is not a cache's: the
// caller of Render has read the job and the file with the requester's
// credentials first (jobs.Reader.FileResults).
//
// A Service shares only when Options.Peers is set, which package app does
// only when one identity reads CDF for everybody: a peer computes a value
// with its own CDF client.

// Shared group names, the same on every replica.
const (
	groupSources = "sources"
	groupOutputs = "outputs"
	groupSizes   = "sizes"
	// sizeGroupBytes bounds the shared image sizes: a few dozen bytes
	// each.
	sizeGroupBytes = 1 << 20
)

// Peers configures sharing among replicas.
type Peers struct {
	// Pool is this replica's pool of peers.
	Pool *peers.Pool
	// Clients gives the CDF client of a project this replica serves, for
	// a key a peer asks this replica, its owner, to compute; an error
	// for any other project. The project is part of every key.
	Clients func(project string) (CDF, error)
	// SourceBytes bounds the shared sources' cache (encoded bytes); the
	// outputs' is Options.OutputCacheBytes.
	SourceBytes int64
	// Results reads a finished job's file results and the file's
	// lastUpdatedTime with this replica's own identity, for a peer that
	// asks this replica, the owner, for an output it has not drawn.
	Results func(ctx context.Context, project string, jobID, fileID int64) (segment.FileResults, cdf.Millis, error)
}

// ForProject returns a view of s that reads project with c: it shares s's
// caches, flights, limiters, memory budgets and shared groups, and every
// key it makes names project, so that files and jobs with the same ids in
// two projects never meet.
func (s *Service) ForProject(project string, c CDF) *Service {
	v := *s
	v.project, v.cdf = project, c
	return &v
}

// view is the view of s for a project a peer's key names, with the
// client Peers.Clients gives.
func (s *Service) view(project string) (*Service, error) {
	if project == s.project {
		return s, nil
	}
	if s.clients == nil || !cdf.ValidProject(project) {
		return nil, fmt.Errorf("render: project %q is not served here", project)
	}
	c, err := s.clients(project)
	if err != nil {
		return nil, err
	}
	return s.ForProject(project, c), nil
}

// sharedSourceKey is the key of a decoded source in the group:
// src/{Version}/{project}/{file}/{lastUpdatedTime}/{exif ignored}/{bucket}.
func (s *Service) sharedSourceKey(v versionKey, width int) string {
	return fmt.Sprintf("src/%s/%s/%d/%d/%t/%d", Version, v.Project, v.FileID, v.Updated, v.IgnoreEXIF, width)
}

// parseSharedSourceKey reads a key of sharedSourceKey's form made by a
// replica like this one.
func (s *Service) parseSharedSourceKey(key string) (versionKey, int, error) {
	f := strings.Split(key, "/")
	if len(f) != 7 || f[0] != "src" {
		return versionKey{}, 0, fmt.Errorf("render: %q is not a source key", key)
	}
	if f[1] != Version || (f[2] != s.project && !cdf.ValidProject(f[2])) {
		return versionKey{}, 0, fmt.Errorf("render: source key %q is another release's", key)
	}
	id, err1 := strconv.ParseInt(f[3], 10, 64)
	updated, err2 := strconv.ParseInt(f[4], 10, 64)
	exif, err3 := strconv.ParseBool(f[5])
	width, err4 := strconv.Atoi(f[6])
	if err := errors.Join(err1, err2, err3, err4); err != nil || exif != s.ignoreEXIF || s.bucket(width) != width || width == 0 {
		return versionKey{}, 0, fmt.Errorf("render: bad source key %q", key)
	}
	return versionKey{Project: f[2], FileID: id, Updated: cdf.Millis(updated), IgnoreEXIF: exif}, width, nil
}

// Context keys of decodedHere and resultsHere.
type decodedKey struct{}
type resultsKey struct{}

// decodedHere carries a decode made by this replica's getter back to the
// caller, which then need not decode the bytes again.
type decodedHere struct {
	img  *image.RGBA
	size image.Point
}

// sharedSource returns the source at a bucket width from the group: from
// this replica's caches, from the key's owner, or decoded here when this
// replica owns the key (or its owner failed).
func (s *Service) sharedSource(ctx context.Context, v versionKey, width int) (*image.RGBA, error) {
	key := s.sharedSourceKey(v, width)
	return flight.Do(ctx, s.flights, key, func(ctx context.Context) (*image.RGBA, error) {
		if img, ok := s.images.Get(s.sourceKey(v, width)); ok {
			return img, nil
		}
		here := &decodedHere{}
		var data []byte
		if err := s.sourceGroup.Get(context.WithValue(ctx, decodedKey{}, here), key, groupcache.AllocatingByteSliceSink(&data)); err != nil {
			return nil, err
		}
		if here.img != nil {
			return here.img, nil // kept by decodeSource
		}
		img, size, err := decodeLossless(data, s.limits.MaxPixels)
		if err != nil {
			return nil, err
		}
		if err := s.checkPixels(size); err != nil {
			return nil, err
		}
		s.keep(sourceKey{versionKey: v, Width: width}, img, size)
		return img, nil
	})
}

// loadSource is the sources group's getter: it downloads and decodes the
// image the key names, with this replica's CDF client.
func (s *Service) loadSource(ctx context.Context, key string, dest groupcache.Sink) error {
	v, width, err := s.parseSharedSourceKey(key)
	if err != nil {
		return err
	}
	in, err := s.view(v.Project)
	if err != nil {
		return err
	}
	img, size, err := in.decodeSource(ctx, v, width)
	if err != nil {
		return err
	}
	data, err := encodeLossless(img, size)
	if err != nil {
		return err
	}
	if here, ok := ctx.Value(decodedKey{}).(*decodedHere); ok {
		here.img, here.size = img, size
	}
	return dest.SetBytes(data)
}

// outputRecipe is everything an output's bytes follow from but the
// results, which a finished job never changes: the key of an output in
// the group is its JSON, so that the owner can draw it from the key.
type outputRecipe struct {
	Version string        `json:"r"`
	Build   string        `json:"b"`
	JPEG    string        `json:"c"`
	Project string        `json:"p"`
	Job     int64         `json:"j"`
	File    int64         `json:"f"`
	Updated cdf.Millis    `json:"u"`
	EXIF    bool          `json:"e"` // EXIF ignored
	Format  Format        `json:"o"`
	Target  int           `json:"w"`
	View    segment.View  `json:"v"`
	Crop    *overlay.Crop `json:"x,omitempty"`
}

func (r outputRecipe) key() string {
	b, _ := json.Marshal(r) // plain values: cannot fail
	return "out/" + base64.RawURLEncoding.EncodeToString(b)
}

// parseOutputKey reads an output key made by a replica like this one.
func (s *Service) parseOutputKey(key string) (outputRecipe, error) {
	var r outputRecipe
	raw, ok := strings.CutPrefix(key, "out/")
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if !ok || err != nil || json.Unmarshal(b, &r) != nil {
		return r, fmt.Errorf("render: bad output key")
	}
	if r.Version != Version || r.Build != s.buildVersion || r.JPEG != jpegCodec() || (r.Project != s.project && !cdf.ValidProject(r.Project)) || r.EXIF != s.ignoreEXIF {
		return r, errors.New("render: an output key of another release, codec, project or EXIF setting")
	}
	if r.Format < FormatPNG || r.Format > FormatLayer || r.Target < 0 || r.View.Verdict != 0 || (r.Crop != nil && checkCrop(*r.Crop) != nil) {
		return r, errors.New("render: an output key out of bounds")
	}
	return r, nil
}

// resultsHere carries the requester's results to the getter when it runs
// on the replica that took the request.
type resultsHere struct {
	key     string
	results segment.FileResults
}

// sharedOutput returns a finished job's output from the group.
func (s *Service) sharedOutput(ctx context.Context, r outputRecipe, results segment.FileResults) ([]byte, error) {
	key := r.key()
	return flight.Do(ctx, s.flights, key, func(ctx context.Context) ([]byte, error) {
		var body []byte
		ctx = context.WithValue(ctx, resultsKey{}, &resultsHere{key: key, results: results})
		err := s.outputGroup.Get(ctx, key, groupcache.AllocatingByteSliceSink(&body))
		return body, err
	})
}

// loadOutput is the outputs group's getter: it draws the output the key
// names, with the results of the request that asked when it runs on the
// replica that took it, else with results read by Peers.Results.
func (s *Service) loadOutput(ctx context.Context, key string, dest groupcache.Sink) error {
	r, err := s.parseOutputKey(key)
	if err != nil {
		return err
	}
	in, err := s.view(r.Project)
	if err != nil {
		return err
	}
	var results segment.FileResults
	if here, ok := ctx.Value(resultsKey{}).(*resultsHere); ok && here.key == key {
		results = here.results
	} else {
		if s.results == nil {
			return errors.New("render: cannot read results for a peer")
		}
		var updated cdf.Millis
		results, updated, err = s.results(ctx, r.Project, r.Job, r.File)
		if err != nil {
			return err
		}
		if updated != r.Updated || !results.Status.Terminal() || results.JobID != r.Job || results.FileID != r.File {
			return errors.New("render: the file or job changed since the peer read it")
		}
		if limit := s.limits.MaxVertices; limit > 0 && results.Vertices > limit {
			return &segment.TooManyVerticesError{FileID: results.FileID, Vertices: results.Vertices, Limit: limit}
		}
	}
	file := versionKey{Project: r.Project, FileID: r.File, Updated: r.Updated, IgnoreEXIF: r.EXIF}
	body, err := in.draw(ctx, file, r.Format, r.Target, r.View, r.Crop, results)
	if err != nil {
		return err
	}
	return dest.SetBytes(body)
}

// groupCache reports a shared group's counts as a cache's, for /metrics:
// hits are the lookups this replica's copies answered, misses the others
// (answered by the owner or computed), bytes and evictions those of the
// values it owns and of its copies of hot ones.
type groupCache struct {
	pool *peers.Pool
	name string
}

func (g groupCache) Stats() lru.Stats {
	st, _ := g.pool.GroupStats(g.name)
	return lru.Stats{
		Hits:      uint64(st.CacheHits),
		Misses:    uint64(max(st.Gets-st.CacheHits, 0)),
		Evictions: uint64(st.Evictions),
		Bytes:     st.Bytes,
		Entries:   int(st.Items),
	}
}

// sharedSizeKey is the key of an image's size in the sizes group:
// size/{Version}/{project}/{file}/{lastUpdatedTime}/{exif ignored}.
func sharedSizeKey(v versionKey) string {
	return fmt.Sprintf("size/%s/%s/%d/%d/%t", Version, v.Project, v.FileID, v.Updated, v.IgnoreEXIF)
}

// parseSharedSizeKey reads a key of sharedSizeKey's form made by a
// replica like this one.
func (s *Service) parseSharedSizeKey(key string) (versionKey, error) {
	f := strings.Split(key, "/")
	if len(f) != 6 || f[0] != "size" || f[1] != Version || (f[2] != s.project && !cdf.ValidProject(f[2])) {
		return versionKey{}, fmt.Errorf("render: %q is not a size key of this release", key)
	}
	id, err1 := strconv.ParseInt(f[3], 10, 64)
	updated, err2 := strconv.ParseInt(f[4], 10, 64)
	exif, err3 := strconv.ParseBool(f[5])
	if err := errors.Join(err1, err2, err3); err != nil || exif != s.ignoreEXIF {
		return versionKey{}, fmt.Errorf("render: bad size key %q", key)
	}
	return versionKey{Project: f[2], FileID: id, Updated: cdf.Millis(updated), IgnoreEXIF: exif}, nil
}

// sharedSize asks the sizes group for the size of an image from its
// header, whatever its number of pixels (the caller checks the limit):
// the key's owner downloads the image once for the cluster. ok is false
// when the group failed; the caller then reads the size here, which keeps
// its errors' types (a file that is not an image, one too large).
func (s *Service) sharedSize(ctx context.Context, v versionKey) (size image.Point, ok bool) {
	var text string
	if err := s.sizeGroup.Get(ctx, sharedSizeKey(v), groupcache.StringSink(&text)); err != nil {
		return image.Point{}, false
	}
	if _, err := fmt.Sscanf(text, "%d %d", &size.X, &size.Y); err != nil || size.X <= 0 || size.Y <= 0 {
		return image.Point{}, false
	}
	return size, true
}

// loadSize is the sizes group's getter: it downloads the image the key
// names with this replica's CDF client and reads its header.
func (s *Service) loadSize(ctx context.Context, key string, dest groupcache.Sink) error {
	v, err := s.parseSharedSizeKey(key)
	if err != nil {
		return err
	}
	in, err := s.view(v.Project)
	if err != nil {
		return err
	}
	data, err := in.download(ctx, v.FileID)
	if err != nil {
		return err
	}
	info, err := imaging.DecodeConfig(data, imaging.Options{Limits: imaging.Limits{MaxPixels: math.MaxInt64}, IgnoreEXIF: v.IgnoreEXIF})
	if err != nil {
		return err
	}
	return dest.SetString(fmt.Sprintf("%d %d", info.Width, info.Height))
}
