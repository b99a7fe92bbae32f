package render

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math"
	"os"
	"sync"
	"testing"

	"github.com/segview/segview/bench/benchdata"
	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/imaging"
	"github.com/segview/segview/internal/segment"
)

var (
	photoOnce sync.Once
	photo     []byte
)

// photo12MP is a 4000×3000 JPEG (quality 90) with smooth gradients and
// fine texture, so that it compresses and decodes like a photo.
func photo12MP(b *testing.B) []byte {
	photoOnce.Do(func() {
		const w, h = 4000, 3000
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				n := uint8((x*7 + y*13 + x*y/97) % 23)
				img.SetRGBA(x, y, color.RGBA{uint8(x*255/w) ^ n, uint8(y*255/h) + n, uint8((x + y) * 255 / (w + h)), 255})
			}
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
			b.Fatal(err)
		}
		photo = buf.Bytes()
	})
	return photo
}

// benchJob has ten segments of 500 vertices each, circles of decreasing
// size, and a prompt point and box.
func benchJob() *cdf.SegmentJob {
	var segs []cdf.Segment
	for i := range 10 {
		r := 0.4 - 0.035*float64(i)
		var p cdf.Polygon
		for k := range 500 {
			a := 2 * math.Pi * float64(k) / 500
			p.Vertices = append(p.Vertices, cdf.Vertex{X: 0.5 + r*math.Cos(a)*0.75, Y: 0.5 + r*math.Sin(a)})
		}
		segs = append(segs, cdf.Segment{Score: 1 - 0.05*float64(i), Polygons: []cdf.Polygon{p}})
	}
	return &cdf.SegmentJob{JobID: 5, Status: cdf.StatusCompleted, Items: []cdf.SegmentItem{{FileID: 9, Segments: segs}},
		Prompt: cdf.Prompt{Points: []cdf.PromptPoint{{X: 0.5, Y: 0.5, Label: 1}}, BoundingBox: &cdf.BoundingBox{XMin: 0.1, YMin: 0.1, XMax: 0.9, YMax: 0.9}}}
}

// BenchmarkWarmRender renders a 12 MP JPEG's overlay at the job page's
// width through a fake CDF that answers instantly: "cold" with empty caches
// (download, decode, scale, draw, encode), the others after one render of
// the same file, as when a user re-renders or another output is asked for.
func BenchmarkWarmRender(b *testing.B) {
	data := photo12MP(b)
	newService := func() (*Service, *fakeCDF) {
		f := &fakeCDF{job: benchJob(), files: map[int64]*fakeFile{9: {data: data, updated: 1000}}}
		// Without the output cache: "warm" is a re-render on the cached
		// decode, not the same bytes sent again.
		return New(f, Options{Limits: Limits{MaxWidth: 2048}, OutputCacheBytes: -1}), f
	}
	ctx := context.Background()
	jpg := Request{JobID: 5, FileID: 9, Format: FormatJPEG, Width: 1600}

	b.Run("cold/jpeg-1600", func(b *testing.B) {
		for b.Loop() {
			s, _ := newService()
			if _, err := s.renderRead(ctx, jpg); err != nil {
				b.Fatal(err)
			}
		}
	})
	warm := []struct {
		name string
		req  Request
	}{
		{"warm/jpeg-1600", jpg},
		{"warm/png-1600", Request{JobID: 5, FileID: 9, Format: FormatPNG, Width: 1600}},
		{"warm/layer-1600", Request{JobID: 5, FileID: 9, Format: FormatLayer, Width: 1600}},
		{"warm/jpeg-1000", Request{JobID: 5, FileID: 9, Format: FormatJPEG, Width: 1000}},
	}
	for _, bm := range warm {
		b.Run(bm.name, func(b *testing.B) {
			s, _ := newService()
			if _, err := s.renderRead(ctx, bm.req); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := s.renderRead(ctx, bm.req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("warm/not-modified", func(b *testing.B) {
		s, _ := newService()
		first, err := s.renderRead(ctx, jpg)
		if err != nil {
			b.Fatal(err)
		}
		req := jpg
		req.IfNoneMatch = first.ETag
		for b.Loop() {
			if res, err := s.renderRead(ctx, req); err != nil || !res.NotModified {
				b.Fatal(err, res.NotModified)
			}
		}
	})
}

// BenchmarkNewView is P2 in process: each render asks for a view never
// asked before (another threshold) on the cached decode, so it recomposites
// the cached masks onto the cached image and encodes.
func BenchmarkNewView(b *testing.B) {
	benchNewViews(b, &fakeCDF{job: benchJob(), files: map[int64]*fakeFile{9: {data: photo12MP(b), updated: 1000}}})
}

// benchNewViews renders, on f's cached decode, one view after another
// never asked before (another threshold each time).
func benchNewViews(b *testing.B, f *fakeCDF) {
	s := New(f, Options{Limits: Limits{MaxWidth: 2048}, OutputCacheBytes: -1})
	ctx := context.Background()
	req := func(n int) Request {
		return Request{JobID: 5, FileID: 9, Format: FormatJPEG, Width: 1600,
			View: &segment.View{MinScore: float64(n) * 1e-9, Opacity: 0.4, Layers: segment.AllLayers}}
	}
	if _, err := s.renderRead(ctx, req(0)); err != nil {
		b.Fatal(err)
	}
	n := 0
	for b.Loop() {
		n++
		if _, err := s.renderRead(ctx, req(n)); err != nil {
			b.Fatal(err)
		}
	}
}

// photoJob is overlaybench's job on the photo SEGVIEW_BENCH_PHOTO names
// (e.g. bench/run.sh's baseline photo): benchdata.Blobs(20, 500, 1), two
// points and a box. It skips b without the variable.
func photoJob(b *testing.B) *fakeCDF { return photoJobT(b) }

func photoJobT(b testing.TB) *fakeCDF {
	path := os.Getenv("SEGVIEW_BENCH_PHOTO")
	if path == "" {
		b.Skip("SEGVIEW_BENCH_PHOTO not set")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var segs []cdf.Segment
	for _, s := range benchdata.Blobs(20, 500, 1) {
		var p cdf.Polygon
		for _, v := range s.Polygons[0] {
			p.Vertices = append(p.Vertices, cdf.Vertex{X: v.X, Y: v.Y})
		}
		segs = append(segs, cdf.Segment{Score: s.Score, Polygons: []cdf.Polygon{p}})
	}
	job := &cdf.SegmentJob{JobID: 5, Status: cdf.StatusCompleted, Items: []cdf.SegmentItem{{FileID: 9, Segments: segs}},
		Prompt: cdf.Prompt{Points: []cdf.PromptPoint{{X: 0.3, Y: 0.4, Label: 1}, {X: 0.7, Y: 0.6, Label: 0}},
			BoundingBox: &cdf.BoundingBox{XMin: 0.1, YMin: 0.1, XMax: 0.9, YMax: 0.9}}}
	return &fakeCDF{job: job, files: map[int64]*fakeFile{9: {data: data, updated: 1000}}}
}

// BenchmarkNewViewPhoto is BenchmarkNewView on a real photo with
// overlaybench's geometry (photoJob): P2 in process, without HTTP.
func BenchmarkNewViewPhoto(b *testing.B) {
	benchNewViews(b, photoJob(b))
}

// BenchmarkExportPhoto is P3 in process, without HTTP: a full-resolution
// JPEG export of photoJob's photo, cold (download, full decode, draw,
// encode), and its codec floor (decode and encode the same photo).
func BenchmarkExportPhoto(b *testing.B) {
	f := photoJob(b)
	ctx := context.Background()
	b.Run("export", func(b *testing.B) {
		for b.Loop() {
			s := New(f, Options{Limits: Limits{MaxWidth: 2048}, OutputCacheBytes: -1})
			if _, err := s.renderRead(ctx, Request{JobID: 5, FileID: 9, Format: FormatJPEG, Export: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor", func(b *testing.B) {
		for b.Loop() {
			img, _, err := imaging.Decode(f.files[9].data, imaging.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if err := imaging.EncodeJPEG(io.Discard, img, jpegQuality); err != nil {
				b.Fatal(err)
			}
		}
	})
}
