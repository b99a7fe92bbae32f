package render

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/imaging"
	"github.com/segview/segview/internal/overlay"
	"github.com/segview/segview/internal/segment"
)

// fakeCDF serves one job and its files from memory and counts the calls.
type fakeCDF struct {
	mu    sync.Mutex
	job   *cdf.SegmentJob
	files map[int64]*fakeFile
	// block, when set, makes Download wait until it is closed.
	block chan struct{}

	jobs, metas, links, downloads int
}

type fakeFile struct {
	data    []byte
	updated cdf.Millis
	noLink  bool
}

func (f *fakeCDF) SegmentJob(ctx context.Context, id int64) (*cdf.SegmentJob, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs++
	if id != f.job.JobID {
		return nil, &cdf.APIError{Status: 400, Message: "not found", Missing: []map[string]any{{"jobId": id}}}
	}
	j := *f.job // a fresh decode each time, as from the wire
	return &j, nil
}

func (f *fakeCDF) FilesByIDs(ctx context.Context, ids []cdf.FileIdentifier, ignoreUnknown bool) ([]cdf.File, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.metas++
	var out []cdf.File
	for _, id := range ids {
		ff, ok := f.files[id.ID]
		if !ok {
			return nil, &cdf.APIError{Status: 400, Message: "Files ids not found", Missing: []map[string]any{{"id": id.ID}}}
		}
		out = append(out, cdf.File{ID: id.ID, LastUpdatedTime: ff.updated})
	}
	return out, nil
}

func (f *fakeCDF) DownloadLinks(ctx context.Context, ids []cdf.FileIdentifier) ([]cdf.DownloadLink, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.links++
	if ff := f.files[ids[0].ID]; ff == nil || ff.noLink {
		return nil, nil
	}
	return []cdf.DownloadLink{{FileIdentifier: ids[0], URL: fmt.Sprintf("https://storage.example/%d", ids[0].ID)}}, nil
}

func (f *fakeCDF) Download(ctx context.Context, url string) ([]byte, string, error) {
	f.mu.Lock()
	f.downloads++
	block := f.block
	var data []byte
	var id int64
	if _, err := fmt.Sscanf(url, "https://storage.example/%d", &id); err == nil && f.files[id] != nil {
		data = f.files[id].data
	}
	f.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return nil, "", ctx.Err()
		}
	}
	return data, "image/png", nil
}

// jobSource is what renderRead reads the job and the file's version
// from: the fake, or the CDF client in front of the simulator.
type jobSource interface {
	SegmentJob(ctx context.Context, jobID int64) (*cdf.SegmentJob, error)
	FilesByIDs(ctx context.Context, ids []cdf.FileIdentifier, ignoreUnknown bool) ([]cdf.File, error)
}

// renderRead renders req as a route does after jobs.Reader has read the
// job and the file's version: from s's own CDF, which is a jobSource in
// these tests, without a cache. Results and FileUpdated given in req are
// used as they are.
func (s *Service) renderRead(ctx context.Context, req Request) (Result, error) {
	src := s.cdf.(jobSource)
	if req.Results == nil {
		job, err := src.SegmentJob(ctx, req.JobID)
		if err != nil {
			return Result{}, err
		}
		results, err := segment.Results(job, req.FileID, segment.Limits{})
		if err != nil {
			return Result{}, err
		}
		req.Results = &results
	}
	if req.FileUpdated == 0 {
		files, err := src.FilesByIDs(ctx, []cdf.FileIdentifier{cdf.ByID(req.FileID)}, false)
		if err != nil {
			return Result{}, err
		}
		req.FileUpdated = files[0].LastUpdatedTime
	}
	return s.Render(ctx, req)
}

// counts is what a scenario checks after its renders.
type counts struct {
	Metas, Downloads, Decodes int
}

func (f *fakeCDF) counts(decodes int) counts {
	f.mu.Lock()
	defer f.mu.Unlock()
	return counts{Metas: f.metas, Downloads: f.downloads, Decodes: decodes}
}

func (f *fakeCDF) touch(id int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[id].updated++
}

// countDecodes wraps s.decode and returns the number of decodes so far.
func countDecodes(s *Service) func() int {
	var mu sync.Mutex
	n := 0
	decode := s.decode
	s.decode = func(data []byte, opts decodeOptions) (*image.RGBA, error) {
		mu.Lock()
		n++
		mu.Unlock()
		return decode(data, opts)
	}
	return func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}
}

func solidPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func solidJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func poly(x0, y0, x1, y1 float64) cdf.Polygon {
	return cdf.Polygon{Vertices: []cdf.Vertex{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}}
}

// leftHalfJob has a segment over the left half of files 9 and 10.
func leftHalfJob(status cdf.JobStatus) *cdf.SegmentJob {
	seg := []cdf.Segment{{Score: 0.8, Polygons: []cdf.Polygon{poly(0, 0, 0.5, 1)}}}
	return &cdf.SegmentJob{JobID: 5, Status: status, Items: []cdf.SegmentItem{
		{FileID: 9, Segments: seg}, {FileID: 10, Segments: seg},
	}}
}

func newFake(t testing.TB, status cdf.JobStatus, w, h int) *fakeCDF {
	return &fakeCDF{job: leftHalfJob(status), files: map[int64]*fakeFile{
		9:  {data: solidPNG(t, w, h), updated: 1000},
		10: {data: solidPNG(t, w, h), updated: 1000},
	}}
}

func TestRender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		req     Request
		limits  Limits
		noLink  bool
		notJPEG bool
		wantW   int
		wantCT  string
		wantErr any
	}{
		{name: "default width is the image width", req: Request{JobID: 5, FileID: 9, Format: FormatPNG}, limits: Limits{MaxWidth: 2048}, wantW: 400, wantCT: "image/png"},
		{name: "capped by MaxWidth", req: Request{JobID: 5, FileID: 9, Format: FormatPNG}, limits: Limits{MaxWidth: 100}, wantW: 100, wantCT: "image/png"},
		{name: "asked width above MaxWidth is capped", req: Request{JobID: 5, FileID: 9, Format: FormatPNG, Width: 300}, limits: Limits{MaxWidth: 100}, wantW: 100, wantCT: "image/png"},
		{name: "export lifts MaxWidth", req: Request{JobID: 5, FileID: 9, Format: FormatPNG, Export: true}, limits: Limits{MaxWidth: 100}, wantW: 400, wantCT: "image/png"},
		{name: "export with a width", req: Request{JobID: 5, FileID: 9, Format: FormatPNG, Export: true, Width: 300}, limits: Limits{MaxWidth: 100}, wantW: 300, wantCT: "image/png"},
		{name: "requested width", req: Request{JobID: 5, FileID: 9, Format: FormatPNG, Width: 200}, limits: Limits{MaxWidth: 2048}, wantW: 200, wantCT: "image/png"},
		{name: "never upscales", req: Request{JobID: 5, FileID: 9, Format: FormatPNG, Width: 1000}, limits: Limits{MaxWidth: 2048}, wantW: 400, wantCT: "image/png"},
		{name: "JPEG", req: Request{JobID: 5, FileID: 9, Format: FormatJPEG, Width: 200}, limits: Limits{MaxWidth: 2048}, wantW: 200, wantCT: "image/jpeg"},
		{name: "layer", req: Request{JobID: 5, FileID: 9, Format: FormatLayer, Width: 200}, limits: Limits{MaxWidth: 2048}, wantW: 200, wantCT: "image/png"},
		{name: "vertex limit", req: Request{JobID: 5, FileID: 9, Format: FormatPNG}, limits: Limits{MaxVertices: 3}, wantErr: new(*segment.TooManyVerticesError)},
		{name: "no link", req: Request{JobID: 5, FileID: 9, Format: FormatPNG}, noLink: true, wantErr: &ErrNoDownloadLink},
		{name: "no link for a layer", req: Request{JobID: 5, FileID: 9, Format: FormatLayer}, noLink: true, wantErr: &ErrNoDownloadLink},
		{name: "too many pixels", req: Request{JobID: 5, FileID: 9, Format: FormatPNG}, limits: Limits{MaxPixels: 1000}, wantErr: new(*imaging.TooLargeError)},
		{name: "too many pixels for a layer", req: Request{JobID: 5, FileID: 9, Format: FormatLayer}, limits: Limits{MaxPixels: 1000}, wantErr: new(*imaging.TooLargeError)},
		{name: "not an image", req: Request{JobID: 5, FileID: 9, Format: FormatJPEG}, notJPEG: true, wantErr: &imaging.ErrUnsupported},
		{name: "not an image for a layer", req: Request{JobID: 5, FileID: 9, Format: FormatLayer}, notJPEG: true, wantErr: &imaging.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, cdf.StatusCompleted, 400, 300)
			f.files[9].noLink = tt.noLink
			if tt.notJPEG {
				f.files[9].data = []byte("<html>login</html>")
			}
			res, err := New(f, Options{Limits: tt.limits}).renderRead(context.Background(), tt.req)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("no error, want %T", tt.wantErr)
				}
				if e, ok := tt.wantErr.(*error); ok {
					if !errors.Is(err, *e) {
						t.Fatalf("err = %v, want %v", err, *e)
					}
				} else if !errors.As(err, tt.wantErr) {
					t.Fatalf("err = %T %v, want %T", err, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.ContentType != tt.wantCT || res.ETag == "" || res.NotModified {
				t.Errorf("result: content type %q, ETag %q, NotModified %v", res.ContentType, res.ETag, res.NotModified)
			}
			img, format, err := image.Decode(bytes.NewReader(res.Body))
			if err != nil {
				t.Fatal(err)
			}
			if want := map[string]string{"image/png": "png", "image/jpeg": "jpeg"}[tt.wantCT]; format != want {
				t.Errorf("body is %s, want %s", format, want)
			}
			if w := img.Bounds().Dx(); w != tt.wantW {
				t.Errorf("width = %d, want %d", w, tt.wantW)
			}
			left := color.NRGBAModel.Convert(img.At(img.Bounds().Dx()/4, img.Bounds().Dy()/2)).(color.NRGBA)
			right := color.NRGBAModel.Convert(img.At(img.Bounds().Dx()*3/4, img.Bounds().Dy()/2)).(color.NRGBA)
			switch tt.req.Format {
			case FormatLayer:
				// The fill is translucent on the left; nothing on the right.
				if right.A != 0 || left.A == 0 || left.A == 255 {
					t.Errorf("layer: left %v right %v, want a translucent fill on the left only", left, right)
				}
			case FormatPNG:
				if left == right || right != (color.NRGBA{255, 255, 255, 255}) {
					t.Errorf("left %v right %v: the segment is not drawn on the left half only", left, right)
				}
			}
		})
	}
}

// TestRenderGivenResults checks that results the caller has read are drawn
// without reading the job again, and are held to the vertex limit.
func TestRenderGivenResults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      cdf.JobStatus
		maxVertices int
		wantErr     bool
		wantETag    bool
	}{
		{name: "completed", status: cdf.StatusCompleted, wantETag: true},
		{name: "running has no ETag", status: cdf.StatusRunning},
		{name: "within the limit", status: cdf.StatusCompleted, maxVertices: 4, wantETag: true},
		{name: "above the limit", status: cdf.StatusCompleted, maxVertices: 3, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, tt.status, 400, 300)
			results, err := segment.Results(f.job, 9, segment.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			s := New(f, Options{Limits: Limits{MaxVertices: tt.maxVertices}})
			res, err := s.renderRead(context.Background(), Request{JobID: 5, FileID: 9, Format: FormatPNG, Results: &results})
			var verts *segment.TooManyVerticesError
			if got := errors.As(err, &verts); got != tt.wantErr {
				t.Fatalf("err = %v, want a *segment.TooManyVerticesError: %v", err, tt.wantErr)
			}
			if err != nil && !tt.wantErr {
				t.Fatal(err)
			}
			if f.jobs != 0 {
				t.Errorf("the job was read %d times, want 0", f.jobs)
			}
			if tt.wantErr {
				return
			}
			if (res.ETag != "") != tt.wantETag {
				t.Errorf("ETag %q, want one: %v", res.ETag, tt.wantETag)
			}
			img, err := png.Decode(bytes.NewReader(res.Body))
			if err != nil {
				t.Fatal(err)
			}
			left := color.NRGBAModel.Convert(img.At(100, 150)).(color.NRGBA)
			if left == (color.NRGBA{255, 255, 255, 255}) {
				t.Errorf("left half %v: the segment is not drawn", left)
			}
		})
	}
}

// step is one render of a scenario, after an optional change to the fake.
type step struct {
	req    Request
	change func(f *fakeCDF)
}

// The same finished output asked again is not drawn again; any other view,
// width, format or file version is, and so is a running job's.
func TestOutputCache(t *testing.T) {
	t.Parallel()
	jpg := func(minScore float64) Request {
		return Request{JobID: 5, FileID: 9, Format: FormatJPEG, Width: 800, View: &segment.View{MinScore: minScore, Opacity: 0.4, Layers: segment.AllLayers}}
	}
	tests := []struct {
		name      string
		status    cdf.JobStatus
		cacheSize int64
		steps     []step
		draws     int64
	}{
		{"same output twice", cdf.StatusCompleted, 0, []step{{req: jpg(0)}, {req: jpg(0)}, {req: jpg(0)}}, 1},
		{"another view", cdf.StatusCompleted, 0, []step{{req: jpg(0)}, {req: jpg(0.5)}, {req: jpg(0)}}, 2},
		{"another format", cdf.StatusCompleted, 0, []step{{req: jpg(0)}, {req: Request{JobID: 5, FileID: 9, Format: FormatPNG, Width: 800}}}, 2},
		{"a replaced file", cdf.StatusCompleted, 0, []step{{req: jpg(0)}, {req: jpg(0), change: func(f *fakeCDF) { f.touch(9) }}}, 2},
		{"a running job", cdf.StatusRunning, 0, []step{{req: jpg(0)}, {req: jpg(0)}}, 2},
		{"disabled", cdf.StatusCompleted, -1, []step{{req: jpg(0)}, {req: jpg(0)}}, 2},
		{"an export", cdf.StatusCompleted, 0, []step{{req: Request{JobID: 5, FileID: 9, Format: FormatJPEG, Export: true}}, {req: Request{JobID: 5, FileID: 9, Format: FormatJPEG, Export: true}}}, 2},
		{"an output over an eighth of the cache", cdf.StatusCompleted, 8 * 1024, []step{{req: jpg(0)}, {req: jpg(0)}}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, tt.status, 1200, 900)
			s := New(f, Options{Limits: Limits{MaxWidth: 2048}, OutputCacheBytes: tt.cacheSize})
			var first []byte
			for i, st := range tt.steps {
				if st.change != nil {
					st.change(f)
				}
				res, err := s.renderRead(context.Background(), st.req)
				if err != nil {
					t.Fatalf("render %d: %v", i+1, err)
				}
				if i == 0 {
					first = res.Body
				} else if st.req.View != nil && st.req.View.MinScore == 0 && st.change == nil && !bytes.Equal(res.Body, first) {
					t.Errorf("render %d: other bytes than the first", i+1)
				}
			}
			if got := s.draws.Load(); got != tt.draws {
				t.Errorf("draws = %d, want %d", got, tt.draws)
			}
		})
	}
}

func TestCaching(t *testing.T) {
	t.Parallel()
	png := func(width int) Request { return Request{JobID: 5, FileID: 9, Format: FormatPNG, Width: width} }
	layer := Request{JobID: 5, FileID: 9, Format: FormatLayer}
	tests := []struct {
		name   string
		status cdf.JobStatus
		w, h   int
		steps  []step
		want   counts
	}{
		{name: "a warm render decodes nothing", status: cdf.StatusCompleted, w: 2500, h: 20,
			steps: []step{{req: png(1600)}, {req: png(1600)}, {req: png(1600)}},
			want:  counts{Metas: 3, Downloads: 1, Decodes: 1}},
		{name: "a failed job is cached too", status: cdf.StatusFailed, w: 2500, h: 20,
			steps: []step{{req: png(1600)}, {req: png(1600)}},
			want:  counts{Metas: 2, Downloads: 1, Decodes: 1}},
		{name: "a running job's image is cached", status: cdf.StatusRunning, w: 2500, h: 20,
			steps: []step{{req: png(1600)}, {req: png(1600)}},
			want:  counts{Metas: 2, Downloads: 1, Decodes: 1}},
		{name: "a queued job's layer downloads once", status: cdf.StatusQueued, w: 2500, h: 20,
			steps: []step{{req: layer}, {req: layer}},
			want:  counts{Metas: 2, Downloads: 1}},
		{name: "a changed lastUpdatedTime decodes again", status: cdf.StatusCompleted, w: 2500, h: 20,
			steps: []step{{req: png(1600)}, {req: png(1600), change: func(f *fakeCDF) { f.touch(9) }}},
			want:  counts{Metas: 2, Downloads: 2, Decodes: 2}},
		{name: "widths in one bucket share a decode", status: cdf.StatusCompleted, w: 2500, h: 20,
			steps: []step{{req: png(1100)}, {req: png(1600)}, {req: png(1500)}},
			want:  counts{Metas: 3, Downloads: 1, Decodes: 1}},
		{name: "widths in other buckets decode again", status: cdf.StatusCompleted, w: 2500, h: 20,
			steps: []step{{req: png(1600)}, {req: png(2048)}, {req: png(300)}},
			want:  counts{Metas: 3, Downloads: 3, Decodes: 3}},
		{name: "a small image is decoded once for every width", status: cdf.StatusCompleted, w: 500, h: 100,
			steps: []step{{req: png(1600)}, {req: png(0)}, {req: png(2048)}, {req: Request{JobID: 5, FileID: 9, Format: FormatJPEG, Export: true}}},
			want:  counts{Metas: 4, Downloads: 1, Decodes: 1}},
		{name: "an export wider than every bucket is not cached", status: cdf.StatusCompleted, w: 2500, h: 20,
			steps: []step{{req: Request{JobID: 5, FileID: 9, Format: FormatJPEG, Export: true}}, {req: Request{JobID: 5, FileID: 9, Format: FormatJPEG, Export: true}}},
			want:  counts{Metas: 2, Downloads: 2, Decodes: 2}},
		{name: "a request that brings the file's version reads no metadata", status: cdf.StatusCompleted, w: 2500, h: 20,
			steps: []step{{req: Request{JobID: 5, FileID: 9, Format: FormatPNG, Width: 1600, FileUpdated: 1000}},
				{req: Request{JobID: 5, FileID: 9, Format: FormatPNG, Width: 1600, FileUpdated: 1000}},
				{req: Request{JobID: 5, FileID: 9, Format: FormatPNG, Width: 1600, FileUpdated: 1001}}},
			want: counts{Metas: 0, Downloads: 2, Decodes: 2}},
		{name: "a layer downloads once and decodes nothing", status: cdf.StatusCompleted, w: 2500, h: 20,
			steps: []step{{req: layer}, {req: layer}, {req: Request{JobID: 5, FileID: 9, Format: FormatLayer, Width: 300}}},
			want:  counts{Metas: 3, Downloads: 1}},
		{name: "a layer after a decode downloads nothing", status: cdf.StatusCompleted, w: 2500, h: 20,
			steps: []step{{req: png(1600)}, {req: layer}},
			want:  counts{Metas: 2, Downloads: 1, Decodes: 1}},
		{name: "a layer of a changed file reads its size again", status: cdf.StatusCompleted, w: 2500, h: 20,
			steps: []step{{req: layer}, {req: layer, change: func(f *fakeCDF) { f.touch(9) }}},
			want:  counts{Metas: 2, Downloads: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, tt.status, tt.w, tt.h)
			// The caches of sources, sizes and jobs; the output cache has
			// TestOutputCache.
			s := New(f, Options{Limits: Limits{MaxWidth: 2048}, OutputCacheBytes: -1})
			decodes := countDecodes(s)
			for i, st := range tt.steps {
				if st.change != nil {
					st.change(f)
				}
				res, err := s.renderRead(context.Background(), st.req)
				if err != nil {
					t.Fatalf("render %d: %v", i+1, err)
				}
				if terminal := tt.status.Terminal(); terminal != (res.ETag != "") {
					t.Errorf("render %d of a %s job: ETag %q", i+1, tt.status, res.ETag)
				}
			}
			if diff := cmp.Diff(tt.want, f.counts(decodes())); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNotModified(t *testing.T) {
	t.Parallel()
	f := newFake(t, cdf.StatusCompleted, 400, 300)
	first, err := New(f, Options{}).renderRead(context.Background(), Request{JobID: 5, FileID: 9, Format: FormatJPEG, Width: 200})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		req         Request
		change      func(f *fakeCDF)
		status      cdf.JobStatus
		wantNotMod  bool
		wantRenders bool
	}{
		{name: "same output", req: Request{JobID: 5, FileID: 9, Format: FormatJPEG, Width: 200, IfNoneMatch: first.ETag}, wantNotMod: true},
		{name: "in a list, weak", req: Request{JobID: 5, FileID: 9, Format: FormatJPEG, Width: 200, IfNoneMatch: `"x", W/` + first.ETag}, wantNotMod: true},
		{name: "another width", req: Request{JobID: 5, FileID: 9, Format: FormatJPEG, Width: 300, IfNoneMatch: first.ETag}},
		{name: "another format", req: Request{JobID: 5, FileID: 9, Format: FormatPNG, Width: 200, IfNoneMatch: first.ETag}},
		{name: "the file changed", req: Request{JobID: 5, FileID: 9, Format: FormatJPEG, Width: 200, IfNoneMatch: first.ETag},
			change: func(f *fakeCDF) { f.touch(9) }},
		{name: "a running job never matches", status: cdf.StatusRunning,
			req: Request{JobID: 5, FileID: 9, Format: FormatJPEG, Width: 200, IfNoneMatch: first.ETag}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, cmpOr(tt.status, cdf.StatusCompleted), 400, 300)
			if tt.change != nil {
				tt.change(f)
			}
			s := New(f, Options{})
			decodes := countDecodes(s)
			res, err := s.renderRead(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if res.NotModified != tt.wantNotMod {
				t.Fatalf("NotModified = %v, want %v", res.NotModified, tt.wantNotMod)
			}
			c := f.counts(decodes())
			if tt.wantNotMod {
				if res.Body != nil || res.ETag != first.ETag || c.Downloads != 0 || c.Decodes != 0 {
					t.Errorf("304: body %d bytes, ETag %q, %+v; want no body, the same ETag, no download or decode", len(res.Body), res.ETag, c)
				}
			} else if len(res.Body) == 0 || res.ETag == first.ETag {
				t.Errorf("body %d bytes, ETag %q (first %q)", len(res.Body), res.ETag, first.ETag)
			}
		})
	}
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// TestLayerMatchesComposite checks that layer.png has exactly the size of
// the composited outputs for the same width, including odd sizes that
// round, JPEGs that libjpeg-turbo (when present) decodes at a reduced scale
// and rounds its own way, and a sideways JPEG, so that the layer lies on
// the photo pixel for pixel.
func TestLayerMatchesComposite(t *testing.T) {
	t.Parallel()
	sideways, err := imaging.WithOrientation(solidJPEG(t, 1333, 999), 6)
	if err != nil {
		t.Fatal(err)
	}
	sources := []struct {
		name string
		data []byte
	}{
		{"PNG 2101×97", solidPNG(t, 2101, 97)},
		{"PNG 2049×3", solidPNG(t, 2049, 3)},
		{"PNG 1601×41", solidPNG(t, 1601, 41)},
		{"PNG 700×333", solidPNG(t, 700, 333)},
		{"JPEG 700×211", solidJPEG(t, 700, 211)},
		{"JPEG 1333×55", solidJPEG(t, 1333, 55)},
		{"JPEG 1333×999 orientation 6", sideways},
		{"PNG 301×97 eXIf orientation 6", pngWithEXIF(t, solidPNG(t, 301, 97), 6)},
	}
	widths := []int{0, 100, 320, 333, 640, 1024, 1599, 1600, 2047, 2500}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeCDF{job: leftHalfJob(cdf.StatusCompleted), files: map[int64]*fakeFile{9: {data: src.data, updated: 1}}}
			s := New(f, Options{Limits: Limits{MaxWidth: 2048}})
			for _, w := range widths {
				for _, export := range []bool{false, true} {
					var got [2]image.Point
					for i, format := range []Format{FormatPNG, FormatLayer} {
						res, err := s.renderRead(context.Background(), Request{JobID: 5, FileID: 9, Format: format, Width: w, Export: export})
						if err != nil {
							t.Fatal(err)
						}
						cfg, err := png.DecodeConfig(bytes.NewReader(res.Body))
						if err != nil {
							t.Fatal(err)
						}
						got[i] = image.Pt(cfg.Width, cfg.Height)
					}
					if got[0] != got[1] {
						t.Errorf("width %d, export %v: overlay %v, layer %v", w, export, got[0], got[1])
					}
				}
			}
		})
	}
}

func TestProbe(t *testing.T) {
	t.Parallel()
	sideways, err := imaging.WithOrientation(solidJPEG(t, 40, 30), 6)
	if err != nil {
		t.Fatal(err)
	}
	mirrored, err := imaging.WithOrientation(solidJPEG(t, 40, 30), 2)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		data       []byte
		ignoreEXIF bool
		maxPixels  int64
		want       image.Point
		wantErr    any
	}{
		{name: "PNG", data: solidPNG(t, 40, 30), want: image.Pt(40, 30)},
		{name: "JPEG", data: solidJPEG(t, 40, 30), want: image.Pt(40, 30)},
		{name: "rotated JPEG as displayed", data: sideways, want: image.Pt(30, 40)},
		{name: "rotated JPEG as stored", data: sideways, ignoreEXIF: true, want: image.Pt(40, 30)},
		{name: "mirrored JPEG keeps its size", data: mirrored, want: image.Pt(40, 30)},
		{name: "rotated PNG (eXIf) as displayed", data: pngWithEXIF(t, solidPNG(t, 40, 30), 6), want: image.Pt(30, 40)},
		{name: "rotated PNG (eXIf) as stored", data: pngWithEXIF(t, solidPNG(t, 40, 30), 6), ignoreEXIF: true, want: image.Pt(40, 30)},
		{name: "pixel limit", data: solidPNG(t, 40, 30), maxPixels: 1000, wantErr: new(*imaging.TooLargeError)},
		{name: "HTML", data: []byte("<!doctype html><p>sign in"), wantErr: &imaging.ErrUnsupported},
		{name: "empty", data: nil, wantErr: &imaging.ErrUnsupported},
		{name: "truncated PNG header", data: solidPNG(t, 40, 30)[:12], wantErr: new(error)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := New(nil, Options{Limits: Limits{MaxPixels: tt.maxPixels}, IgnoreEXIF: tt.ignoreEXIF})
			got, err := s.probe(tt.data)
			switch e := tt.wantErr.(type) {
			case nil:
				if err != nil || got != tt.want {
					t.Errorf("probe = %v, %v; want %v", got, err, tt.want)
				}
			case *error:
				if err == nil || *e != nil && !errors.Is(err, *e) {
					t.Errorf("err = %v, want %v", err, *e)
				}
			default:
				if !errors.As(err, tt.wantErr) {
					t.Errorf("err = %T %v, want %T", err, err, tt.wantErr)
				}
			}
		})
	}
}

func TestWidths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		maxWidth   int
		req        Request
		wantTarget int
		wantBucket int
	}{
		{name: "default is MaxWidth", maxWidth: 2048, req: Request{}, wantTarget: 2048, wantBucket: 2048},
		{name: "page width is its own bucket", maxWidth: 2048, req: Request{Width: 1600}, wantTarget: 1600, wantBucket: 1600},
		{name: "between buckets", maxWidth: 2048, req: Request{Width: 700}, wantTarget: 700, wantBucket: 1024},
		{name: "tiny", maxWidth: 2048, req: Request{Width: 1}, wantTarget: 1, wantBucket: 320},
		{name: "capped", maxWidth: 2048, req: Request{Width: 5000}, wantTarget: 2048, wantBucket: 2048},
		{name: "odd MaxWidth is a bucket", maxWidth: 1800, req: Request{}, wantTarget: 1800, wantBucket: 1800},
		{name: "small MaxWidth", maxWidth: 300, req: Request{Width: 1000}, wantTarget: 300, wantBucket: 300},
		{name: "export is full size", maxWidth: 2048, req: Request{Export: true}, wantTarget: 0, wantBucket: 0},
		{name: "export with a large width", maxWidth: 2048, req: Request{Export: true, Width: 3000}, wantTarget: 3000, wantBucket: 0},
		{name: "export with a display width", maxWidth: 2048, req: Request{Export: true, Width: 1600}, wantTarget: 1600, wantBucket: 1600},
		{name: "no MaxWidth", maxWidth: 0, req: Request{}, wantTarget: 0, wantBucket: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := New(nil, Options{Limits: Limits{MaxWidth: tt.maxWidth}})
			target := s.targetWidth(tt.req)
			if target != tt.wantTarget || s.bucket(target) != tt.wantBucket {
				t.Errorf("target, bucket = %d, %d; want %d, %d", target, s.bucket(target), tt.wantTarget, tt.wantBucket)
			}
		})
	}
}

func TestETag(t *testing.T) {
	t.Parallel()
	s := New(nil, Options{BuildVersion: "v1"})
	v := versionKey{FileID: 9, Updated: 1000}
	dv := segment.DefaultView()
	withView := func(f func(*segment.View)) segment.View { w := segment.DefaultView(); f(&w); return w }
	base := s.etag(5, v, FormatJPEG, 1600, dv, nil)
	if len(base) < 20 || base[0] != '"' || base[len(base)-1] != '"' {
		t.Fatalf("ETag %s is not a quoted strong tag", base)
	}
	if again := s.etag(5, v, FormatJPEG, 1600, dv, nil); again != base {
		t.Errorf("ETag is not stable: %s then %s", base, again)
	}
	others := map[string]string{
		"job":           s.etag(6, v, FormatJPEG, 1600, dv, nil),
		"file":          s.etag(5, versionKey{FileID: 10, Updated: 1000}, FormatJPEG, 1600, dv, nil),
		"updated":       s.etag(5, versionKey{FileID: 9, Updated: 1001}, FormatJPEG, 1600, dv, nil),
		"EXIF":          s.etag(5, versionKey{FileID: 9, Updated: 1000, IgnoreEXIF: true}, FormatJPEG, 1600, dv, nil),
		"format":        s.etag(5, v, FormatPNG, 1600, dv, nil),
		"layer":         s.etag(5, v, FormatLayer, 1600, dv, nil),
		"width":         s.etag(5, v, FormatJPEG, 1599, dv, nil),
		"full size":     s.etag(5, v, FormatJPEG, 0, dv, nil),
		"min score":     s.etag(5, v, FormatJPEG, 1600, withView(func(w *segment.View) { w.MinScore = 0.5 }), nil),
		"opacity":       s.etag(5, v, FormatJPEG, 1600, withView(func(w *segment.View) { w.Opacity = 0.7 }), nil),
		"layers":        s.etag(5, v, FormatJPEG, 1600, withView(func(w *segment.View) { w.Layers = segment.LayerPoints }), nil),
		"hide":          s.etag(5, v, FormatJPEG, 1600, withView(func(w *segment.View) { w.Hide = []int{2} }), nil),
		"crop":          s.etag(5, v, FormatJPEG, 1600, dv, &overlay.Crop{X0: 0.25, Y0: 0.25, X1: 0.75, Y1: 0.75}),
		"another crop":  s.etag(5, v, FormatJPEG, 1600, dv, &overlay.Crop{X0: 0.25, Y0: 0.25, X1: 0.75, Y1: 0.751}),
		"build version": New(nil, Options{BuildVersion: "v2"}).etag(5, v, FormatJPEG, 1600, dv, nil),
	}
	crop := &overlay.Crop{X0: 0.25, Y0: 0.25, X1: 0.75, Y1: 0.75}
	if a, b := s.etag(5, v, FormatJPEG, 1600, dv, crop), s.etag(5, v, FormatJPEG, 1600, dv, &overlay.Crop{X0: 0.25, Y0: 0.25, X1: 0.75, Y1: 0.75}); a != b {
		t.Errorf("the same crop gives ETags %s and %s", a, b)
	}
	for what, tag := range others {
		if tag == base {
			t.Errorf("another %s gives the same ETag", what)
		}
	}
}

func TestETagMatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header, etag string
		want         bool
	}{
		{`"abc"`, `"abc"`, true},
		{`W/"abc"`, `"abc"`, true},
		{`"x", "abc"`, `"abc"`, true},
		{`"x",W/"abc" `, `"abc"`, true},
		{`*`, `"abc"`, true},
		{`"abcd"`, `"abc"`, false},
		{`abc`, `"abc"`, false},
		{``, `"abc"`, false},
		{`*`, ``, false},
	}
	for _, tt := range tests {
		if got := etagMatches(tt.header, tt.etag); got != tt.want {
			t.Errorf("etagMatches(%q, %q) = %v, want %v", tt.header, tt.etag, got, tt.want)
		}
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	want := map[Format][2]string{
		FormatPNG:   {"overlay.png", "image/png"},
		FormatJPEG:  {"overlay.jpg", "image/jpeg"},
		FormatLayer: {"layer.png", "image/png"},
	}
	for f, w := range want {
		if f.String() != w[0] || f.ContentType() != w[1] {
			t.Errorf("%d: %s %s, want %s %s", int(f), f, f.ContentType(), w[0], w[1])
		}
	}
	if _, err := New(nil, Options{}).Render(context.Background(), Request{JobID: 1, FileID: 1, Results: &segment.FileResults{}}); err == nil {
		t.Errorf("Render without a format succeeded")
	}
	if _, err := New(nil, Options{}).Render(context.Background(), Request{JobID: 1, FileID: 1, Format: FormatPNG}); err == nil {
		t.Errorf("Render without results succeeded")
	}
}

// pngWithEXIF inserts an eXIf chunk with the given orientation right after
// the IHDR chunk, where browsers honour it.
func pngWithEXIF(t testing.TB, data []byte, orientation uint16) []byte {
	t.Helper()
	const afterIHDR = 8 + 4 + 4 + 13 + 4
	if len(data) < afterIHDR || string(data[12:16]) != "IHDR" {
		t.Fatal("not a PNG with IHDR first")
	}
	tiff := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, byte(orientation >> 8), byte(orientation), 0, 0, 0, 0, 0, 0}
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(tiff)))
	chunk = append(chunk, "eXIf"...)
	chunk = append(chunk, tiff...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	out := append([]byte{}, data[:afterIHDR]...)
	out = append(out, chunk...)
	return append(out, data[afterIHDR:]...)
}
