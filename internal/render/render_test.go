package render

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/overlay"
)

// fakeCDF serves one job and one image from memory.
type fakeCDF struct {
	job       *cdf.SegmentJob
	image     []byte
	links     int
	downloads int
}

func (f *fakeCDF) SegmentJob(ctx context.Context, id int64) (*cdf.SegmentJob, error) {
	if id != f.job.JobID {
		return nil, &cdf.APIError{Status: 400, Message: "not found", Missing: []map[string]any{{"jobId": id}}}
	}
	return f.job, nil
}

func (f *fakeCDF) DownloadLinks(ctx context.Context, ids []cdf.FileIdentifier) ([]cdf.DownloadLink, error) {
	f.links++
	if f.image == nil {
		return nil, nil
	}
	return []cdf.DownloadLink{{FileIdentifier: ids[0], URL: "https://storage.example/x"}}, nil
}

func (f *fakeCDF) Download(ctx context.Context, url string) ([]byte, string, error) {
	f.downloads++
	return f.image, "image/png", nil
}

func solidPNG(t *testing.T, w, h int) []byte {
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

func poly(x0, y0, x1, y1 float64) cdf.Polygon {
	return cdf.Polygon{Vertices: []cdf.Vertex{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}}
}

func TestRank(t *testing.T) {
	t.Parallel()
	got := Rank([]cdf.Segment{
		{Score: 0.2, Polygons: []cdf.Polygon{poly(0, 0, 1, 1)}},
		{Score: 0.9, Polygons: []cdf.Polygon{poly(0, 0, 0.5, 0.5), poly(0.1, 0.1, 0.2, 0.2)}},
		{Score: 0.2, Polygons: []cdf.Polygon{poly(0, 0, 0.1, 0.1)}},
	})
	wantScores := []float64{0.9, 0.2, 0.2}
	wantAreas := []float64{0.25 - 0.01, 1, 0.01}
	for i, r := range got {
		if r.Rank != i+1 || r.Score != wantScores[i] || r.Color != overlay.Color(i+1) {
			t.Errorf("rank %d: %+v", i+1, r)
		}
		if d := r.Area - wantAreas[i]; d > 1e-9 || d < -1e-9 {
			t.Errorf("rank %d area = %v, want %v (ties keep CDF order)", i+1, r.Area, wantAreas[i])
		}
	}
	if n := Vertices(got); n != 16 {
		t.Errorf("Vertices = %d, want 16", n)
	}
}

func TestOverlayPNG(t *testing.T) {
	t.Parallel()
	job := &cdf.SegmentJob{JobID: 5, Status: cdf.StatusCompleted, Items: []cdf.SegmentItem{
		{FileID: 9, Segments: []cdf.Segment{{Score: 0.8, Polygons: []cdf.Polygon{poly(0, 0, 0.5, 1)}}}},
	}}
	tests := []struct {
		name      string
		req       Request
		limits    Limits
		noImage   bool
		wantW     int
		wantErr   any
		wantFetch bool
	}{
		{name: "default width is the image width", req: Request{JobID: 5, FileID: 9}, limits: Limits{MaxWidth: 2048}, wantW: 400, wantFetch: true},
		{name: "capped by MaxWidth", req: Request{JobID: 5, FileID: 9}, limits: Limits{MaxWidth: 100}, wantW: 100, wantFetch: true},
		{name: "requested width", req: Request{JobID: 5, FileID: 9, Width: 200}, limits: Limits{MaxWidth: 2048}, wantW: 200, wantFetch: true},
		{name: "never upscales", req: Request{JobID: 5, FileID: 9, Width: 1000}, limits: Limits{MaxWidth: 2048}, wantW: 400, wantFetch: true},
		{name: "file not in job", req: Request{JobID: 5, FileID: 8}, wantErr: new(*NotFoundError)},
		{name: "vertex limit", req: Request{JobID: 5, FileID: 9}, limits: Limits{MaxVertices: 3}, wantErr: new(*TooManyVerticesError)},
		{name: "job missing", req: Request{JobID: 6, FileID: 9}, wantErr: new(*cdf.APIError)},
		{name: "no link", req: Request{JobID: 5, FileID: 9}, noImage: true, wantErr: &ErrNoImage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeCDF{job: job, image: solidPNG(t, 400, 300)}
			if tt.noImage {
				f.image = nil
			}
			out, err := New(f, tt.limits).OverlayPNG(context.Background(), tt.req)
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
				if f.downloads != 0 {
					t.Errorf("downloaded the image although the request was refused")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if w := img.Bounds().Dx(); w != tt.wantW {
				t.Errorf("width = %d, want %d", w, tt.wantW)
			}
			// The left half is tinted with rank 1's colour, the right half is the white source.
			left := color.NRGBAModel.Convert(img.At(img.Bounds().Dx()/4, img.Bounds().Dy()/2)).(color.NRGBA)
			right := color.NRGBAModel.Convert(img.At(img.Bounds().Dx()*3/4, img.Bounds().Dy()/2)).(color.NRGBA)
			if left == right || right != (color.NRGBA{255, 255, 255, 255}) {
				t.Errorf("left %v right %v: the segment is not drawn on the left half only", left, right)
			}
		})
	}
}
