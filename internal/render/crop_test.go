package render

import (
	"bytes"
	"context"
	"image"
	"image/draw"
	"image/png"
	"testing"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/overlay"
	"github.com/segview/segview/internal/segment"
)

// stripesPNG is a w×h PNG of one-pixel black and white columns: any
// scaling of it shows as grey.
func stripesPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := uint8(0)
			if x%2 == 1 {
				v = 255
			}
			i := img.PixOffset(x, y)
			copy(img.Pix[i:], []byte{v, v, v, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decodePNG(t *testing.T, body []byte) *image.RGBA {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return toRGBA(img)
}

// TestCropSizes: a crop's output is width pixels wide when the source has
// that many pixels across the crop, else the crop's own width at full
// size (never scaled up); layer.png has the same size as the composite.
func TestCropSizes(t *testing.T) {
	t.Parallel()
	f := &fakeCDF{job: leftHalfJob(cdf.StatusCompleted), files: map[int64]*fakeFile{
		9:  {data: solidPNG(t, 2600, 1950), updated: 1},
		10: {data: solidJPEG(t, 700, 211), updated: 1},
	}}
	s := New(f, Options{Limits: Limits{MaxWidth: 2048}})
	tests := []struct {
		name  string
		file  int64
		crop  overlay.Crop
		width int
		want  image.Point
	}{
		// Past the display buckets: the full-size decode.
		{"centre quarter at 1600", 9, overlay.Crop{X0: 0.25, Y0: 0.25, X1: 0.75, Y1: 0.75}, 1600, image.Pt(1300, 975)},
		{"centre quarter, default width", 9, overlay.Crop{X0: 0.25, Y0: 0.25, X1: 0.75, Y1: 0.75}, 0, image.Pt(1300, 975)},
		{"a tenth at 1600", 9, overlay.Crop{X0: 0.1, Y0: 0.1, X1: 0.2, Y1: 0.2}, 1600, image.Pt(260, 195)},
		{"smallest crop", 9, overlay.Crop{X0: 0.5, Y0: 0.5, X1: 0.501, Y1: 0.501}, 1600, image.Pt(3, 2)},
		// Within them: the 2048 and 1024 decodes, cut and scaled down.
		{"centre quarter at 1000", 9, overlay.Crop{X0: 0.25, Y0: 0.25, X1: 0.75, Y1: 0.75}, 1000, image.Pt(1000, 750)},
		{"a tenth at 200", 9, overlay.Crop{X0: 0.1, Y0: 0.1, X1: 0.2, Y1: 0.2}, 200, image.Pt(200, 149)},
		{"wide strip", 9, overlay.Crop{X0: 0, Y0: 0.5, X1: 1, Y1: 0.6}, 1024, image.Pt(1024, 77)},
		{"small image", 10, overlay.Crop{X0: 0, Y0: 0, X1: 0.5, Y1: 0.5}, 1600, image.Pt(350, 106)},
		{"whole", 10, overlay.Crop{X0: 0, Y0: 0, X1: 1, Y1: 1}, 320, image.Pt(320, 96)},
	}
	for _, tt := range tests {
		for _, format := range []Format{FormatPNG, FormatLayer} {
			crop := tt.crop
			res, err := s.renderRead(context.Background(), Request{JobID: 5, FileID: tt.file, Format: format, Width: tt.width, Crop: &crop})
			if err != nil {
				t.Fatalf("%s %s: %v", tt.name, format, err)
			}
			cfg, err := png.DecodeConfig(bytes.NewReader(res.Body))
			if err != nil {
				t.Fatal(err)
			}
			if got := image.Pt(cfg.Width, cfg.Height); got != tt.want {
				t.Errorf("%s %s: %v, want %v", tt.name, format, got, tt.want)
			}
		}
	}
}

// TestCropTakesSourcePixels: past the display width, a crop's pixels are
// the source's own, from a full-size decode, not a display decode scaled
// up: one-pixel stripes stay black and white.
func TestCropTakesSourcePixels(t *testing.T) {
	t.Parallel()
	f := &fakeCDF{job: leftHalfJob(cdf.StatusCompleted), files: map[int64]*fakeFile{9: {data: stripesPNG(t, 2200, 1000), updated: 1}}}
	s := New(f, Options{Limits: Limits{MaxWidth: 2048}})
	none := segment.View{}
	crop := overlay.Crop{X0: 0.5, Y0: 0.5, X1: 0.6, Y1: 0.6} // 220×100 source pixels
	res, err := s.renderRead(context.Background(), Request{JobID: 5, FileID: 9, Format: FormatPNG, Width: 220, View: &none, Crop: &crop})
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, res.Body)
	if img.Rect.Dx() != 220 || img.Rect.Dy() != 100 {
		t.Fatalf("size %v, want 220×100", img.Rect.Size())
	}
	for _, y := range []int{0, 50, 99} {
		for x := range 220 {
			want := uint8(0) // column 1100+x of the source
			if x%2 == 1 {
				want = 255
			}
			if got := img.RGBAAt(x, y).R; got != want {
				t.Fatalf("pixel (%d,%d) is %d, want the source's %d", x, y, got, want)
			}
		}
	}
}

// TestCropMatchesWholeRender: through Render, a crop at width W shows the
// same pixels as that rectangle of the whole image rendered at the same
// zoom (width W / crop width): the photo, the fills, the outlines and
// their widths, PNG and layer alike.
func TestCropMatchesWholeRender(t *testing.T) {
	t.Parallel()
	job := &cdf.SegmentJob{JobID: 5, Status: cdf.StatusCompleted, Items: []cdf.SegmentItem{{FileID: 9, Segments: []cdf.Segment{
		{Score: 0.9, Polygons: []cdf.Polygon{poly(0, 0, 0.5, 1)}},
		{Score: 0.8, Polygons: []cdf.Polygon{poly(0.3, 0.35, 0.6, 0.7)}},
		{Score: 0.7, Polygons: []cdf.Polygon{poly(0.45, 0.2, 0.9, 0.3)}},
	}}}}
	f := &fakeCDF{job: job, files: map[int64]*fakeFile{9: {data: solidPNG(t, 800, 600), updated: 1}}}
	s := New(f, Options{Limits: Limits{MaxWidth: 2048}})
	const W = 200
	tests := []struct {
		crop overlay.Crop
		zoom int // whole-image width over W
	}{
		{overlay.Crop{X0: 0.25, Y0: 0.25, X1: 0.75, Y1: 0.75}, 2},
		{overlay.Crop{X0: 0, Y0: 0.5, X1: 0.5, Y1: 1}, 2},
		{overlay.Crop{X0: 0.25, Y0: 0, X1: 0.5, Y1: 0.5}, 4},
	}
	for _, tt := range tests {
		for _, format := range []Format{FormatPNG, FormatLayer} {
			whole, err := s.renderRead(context.Background(), Request{JobID: 5, FileID: 9, Format: format, Width: W * tt.zoom})
			if err != nil {
				t.Fatal(err)
			}
			crop := tt.crop
			part, err := s.renderRead(context.Background(), Request{JobID: 5, FileID: 9, Format: format, Width: W, Crop: &crop})
			if err != nil {
				t.Fatal(err)
			}
			full, got := decodePNG(t, whole.Body), decodePNG(t, part.Body)
			min := image.Pt(int(tt.crop.X0*float64(full.Rect.Dx())), int(tt.crop.Y0*float64(full.Rect.Dy())))
			if got.Rect.Dx() != W {
				t.Fatalf("%v %s: crop %d wide, want %d", tt.crop, format, got.Rect.Dx(), W)
			}
			off := 0
			for y := range got.Rect.Dy() {
				for x := range got.Rect.Dx() {
					a, b := got.RGBAAt(x, y), full.RGBAAt(min.X+x, min.Y+y)
					d := func(p, q uint8) bool { return int(p)-int(q) > 4 || int(q)-int(p) > 4 }
					if d(a.R, b.R) || d(a.G, b.G) || d(a.B, b.B) || d(a.A, b.A) {
						if off++; off <= 3 {
							t.Errorf("%v %s: pixel (%d,%d) %v, whole image's %v", tt.crop, format, x, y, a, b)
						}
					}
				}
			}
			if off > 0 {
				t.Errorf("%v %s: %d pixels differ", tt.crop, format, off)
			}
		}
	}
}

// TestBadCropFails: Render refuses a crop the handlers would not pass.
func TestBadCropFails(t *testing.T) {
	t.Parallel()
	s := New(newFake(t, cdf.StatusCompleted, 40, 30), Options{})
	for _, c := range []overlay.Crop{{X0: 0.5, Y0: 0, X1: 0.5, Y1: 1}, {X0: 0, Y0: 0, X1: 1.5, Y1: 1}, {X0: 0, Y0: 0, X1: 0.0005, Y1: 1}} {
		if _, err := s.renderRead(context.Background(), Request{JobID: 5, FileID: 9, Format: FormatPNG, Crop: &c}); err == nil {
			t.Errorf("crop %v: no error", c)
		}
	}
}

// toRGBA returns img as an *image.RGBA at the origin.
func toRGBA(img image.Image) *image.RGBA {
	if rgba, ok := img.(*image.RGBA); ok && rgba.Rect.Min == (image.Point{}) {
		return rgba
	}
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Rect, img, b.Min, draw.Src)
	return dst
}
