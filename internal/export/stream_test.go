package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/segment"
)

// skippedImages are testImages plus file 9, whose size could not be read.
var skippedImages = map[int64]Image{
	7: testImages[7],
	9: {Name: `huge "scan".png`, Skip: "its image header could not be read: imaging: reading png header: bad"},
}

// skippedJob is testJob with file 9 listed twice (and so named once).
func skippedJob() *cdf.SegmentJob {
	j := testJob()
	nine := cdf.SegmentItem{FileID: 9, Segments: []cdf.Segment{{Score: 0.8, Polygons: []cdf.Polygon{square(0, 0, 1, 1)}}}}
	j.Items = append([]cdf.SegmentItem{nine}, append(j.Items, nine)...)
	return j
}

// overflowJob has, besides a normal square, a polygon far outside 0..1
// whose pixel coordinates and area overflow to infinity.
func overflowJob() *cdf.SegmentJob {
	return &cdf.SegmentJob{JobID: 5, Status: cdf.StatusCompleted, Items: []cdf.SegmentItem{{FileID: 7, Segments: []cdf.Segment{
		{Score: 0.9, Polygons: []cdf.Polygon{square(0.1, 0.1, 0.2, 0.2)}},
		{Score: 0.8, Polygons: []cdf.Polygon{square(-1e307, -1e307, 1e307, 1e307)}},
	}}}}
}

// TestWriteIsMarshal checks that the streamed exports are byte for byte
// what json.Marshal makes of the whole documents, whatever the view, with
// skipped files, and with geometry that overflows when scaled.
func TestWriteIsMarshal(t *testing.T) {
	t.Parallel()
	hidden := segment.DefaultView()
	hidden.MinScore, hidden.Hide = 0.3, []int{1}
	tests := []struct {
		name   string
		job    *cdf.SegmentJob
		images map[int64]Image
		view   segment.View
	}{
		{"golden job", testJob(), testImages, segment.DefaultView()},
		{"view hides some", testJob(), testImages, hidden},
		{"no images", testJob(), map[int64]Image{}, segment.DefaultView()},
		{"empty job", &cdf.SegmentJob{JobID: 3}, testImages, segment.DefaultView()},
		{"skipped files", skippedJob(), skippedImages, segment.DefaultView()},
		{"overflow", overflowJob(), testImages, segment.DefaultView()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			check := func(kind string, write func(*bytes.Buffer) error, whole any) {
				t.Helper()
				var got bytes.Buffer
				if err := write(&got); err != nil {
					t.Fatalf("%s: %v", kind, err)
				}
				want, err := json.Marshal(whole)
				if err != nil {
					t.Fatalf("%s: marshal: %v", kind, err)
				}
				if !bytes.Equal(got.Bytes(), want) {
					t.Errorf("%s differs from json.Marshal (-want +got):\n%s", kind, cmp.Diff(string(want), got.String()))
				}
			}
			check("COCO", func(b *bytes.Buffer) error { return WriteCOCO(b, tt.job, tt.images, Options{View: tt.view}) }, ToCOCO(tt.job, tt.images, Options{View: tt.view}))
			check("GeoJSON", func(b *bytes.Buffer) error { return WriteGeoJSON(b, tt.job, tt.images, Options{View: tt.view}) }, ToGeoJSON(tt.job, tt.images, Options{View: tt.view}))
			for _, it := range tt.job.Items {
				var got, want bytes.Buffer
				if err := WriteHits(&got, segment.Rank(it.Segments)); err != nil {
					t.Fatal(err)
				}
				if err := json.NewEncoder(&want).Encode(struct {
					Segments []HitArea `json:"segments"`
				}{HitAreas(segment.Rank(it.Segments))}); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want.Bytes()) {
					t.Errorf("hits of file %d differ (-want +got):\n%s", it.FileID, cmp.Diff(want.String(), got.String()))
				}
			}
		})
	}
}

// TestOverflowLeftOut checks that a polygon whose pixels overflow is left
// out of the polygons as an unmeasurable one is, so the files stay valid
// JSON, and that COCO writes such a segment as its mask.
func TestOverflowLeftOut(t *testing.T) {
	t.Parallel()
	coco := ToCOCO(overflowJob(), testImages, Options{View: segment.DefaultView()})
	if len(coco.Annotations) != 2 || len(coco.Annotations[0].Segmentation.([][]float64)) != 1 {
		t.Fatalf("annotations = %+v, want the square and the overflowing segment", coco.Annotations)
	}
	// The overflowing square covers the whole image, as the overlay tints
	// it: written as its mask, with no polygon to give a bounding box.
	if a := coco.Annotations[1]; a.Area != 200*100 || a.BBox != [4]float64{} {
		t.Errorf("overflowing segment: area %v bbox %v, want the image's 20000 pixels and zeros", a.Area, a.BBox)
	}
	if _, ok := coco.Annotations[1].Segmentation.(RLE); !ok {
		t.Errorf("overflowing segment: segmentation %v, want an RLE", coco.Annotations[1].Segmentation)
	}
	geo := ToGeoJSON(overflowJob(), testImages, Options{View: segment.DefaultView()})
	if len(geo.Features) != 2 || geo.Features[0].Geometry == nil || geo.Features[1].Geometry != nil {
		t.Errorf("features = %+v, want the square and a null geometry", geo.Features)
	}
}

// TestSkippedFiles checks that a file whose size could not be read is left
// out of both exports and named once, with the reason, in each.
func TestSkippedFiles(t *testing.T) {
	t.Parallel()
	wantSkipped := []SkippedFile{{FileID: 9, Name: `huge "scan".png`, Reason: skippedImages[9].Skip}}
	if got := skippedFiles(skippedJob(), skippedImages); !cmp.Equal(got, wantSkipped) {
		t.Errorf("skippedFiles = %+v, want %+v", got, wantSkipped)
	}

	coco := ToCOCO(skippedJob(), skippedImages, Options{View: segment.DefaultView()})
	wantCOCO := []COCOSkippedFile{{FileID: 9, FileName: `huge "scan".png`, Reason: skippedImages[9].Skip}}
	if !cmp.Equal(coco.Info.SkippedFiles, wantCOCO) {
		t.Errorf("COCO skipped_files = %+v, want %+v", coco.Info.SkippedFiles, wantCOCO)
	}
	for _, img := range coco.Images {
		if img.ID == 9 {
			t.Errorf("COCO has an image for skipped file 9: %+v", img)
		}
	}
	for _, a := range coco.Annotations {
		if a.ImageID == 9 {
			t.Errorf("COCO has annotation %d of skipped file 9", a.ID)
		}
	}
	if len(coco.Images) != 1 || len(coco.Annotations) != 3 || coco.Annotations[0].ID != 1 {
		t.Errorf("COCO has %d images and %d annotations (first id %d), want 1, 3 and 1", len(coco.Images), len(coco.Annotations), coco.Annotations[0].ID)
	}

	geo := ToGeoJSON(skippedJob(), skippedImages, Options{View: segment.DefaultView()})
	wantGeo := []GeoJSONSkippedFile{{FileID: 9, FileName: `huge "scan".png`, Reason: skippedImages[9].Skip}}
	if !cmp.Equal(geo.SkippedFiles, wantGeo) {
		t.Errorf("GeoJSON skippedFiles = %+v, want %+v", geo.SkippedFiles, wantGeo)
	}
	if len(geo.Features) != 3 {
		t.Errorf("GeoJSON has %d features, want the 3 of file 7", len(geo.Features))
	}

	// Without skipped files neither member appears.
	for name, v := range map[string]any{"COCO": ToCOCO(testJob(), testImages, Options{View: segment.DefaultView()}), "GeoJSON": ToGeoJSON(testJob(), testImages, Options{View: segment.DefaultView()})} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("skipped")) {
			t.Errorf("%s names skipped files when there are none: %.200s", name, b)
		}
	}
}

// failingWriter fails every write after the first n bytes.
type failingWriter struct{ n, written, calls int }

var errWrite = errors.New("connection closed")

func (w *failingWriter) Write(p []byte) (int, error) {
	w.calls++
	if w.written+len(p) > w.n {
		return 0, errWrite
	}
	w.written += len(p)
	return len(p), nil
}

// TestWriteStopsWhenWriterFails checks that a writer's failure (the client
// went away) is returned and ends the conversion, instead of converting
// the rest of the job for nobody.
func TestWriteStopsWhenWriterFails(t *testing.T) {
	t.Parallel()
	// A job big enough to need several flushes of the stream's buffer.
	var segs []cdf.Segment
	for i := range 200 {
		var p cdf.Polygon
		for k := range 200 {
			p.Vertices = append(p.Vertices, cdf.Vertex{X: float64(k) / 200, Y: float64((k*7+i)%200) / 200})
		}
		segs = append(segs, cdf.Segment{Score: 1 - float64(i)/1000, Polygons: []cdf.Polygon{p}})
	}
	job := &cdf.SegmentJob{JobID: 1, Items: []cdf.SegmentItem{{FileID: 7, Segments: segs}}}
	writers := map[string]func(w *failingWriter) error{
		"COCO": func(w *failingWriter) error {
			return WriteCOCO(w, job, testImages, Options{View: segment.DefaultView()})
		},
		"GeoJSON": func(w *failingWriter) error {
			return WriteGeoJSON(w, job, testImages, Options{View: segment.DefaultView()})
		},
		"hits": func(w *failingWriter) error { return WriteHits(w, segment.Rank(segs)) },
	}
	for name, write := range writers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := &failingWriter{n: 2 * streamBuffer}
			if err := write(w); !errors.Is(err, errWrite) {
				t.Fatalf("error = %v, want the writer's", err)
			}
			if w.calls != 3 {
				t.Errorf("%d writes, want 3: two buffers, then the failing one and no more", w.calls)
			}
		})
	}
}

// TestStreamBuffered checks that the streamed exports reach the writer in
// buffer-sized writes, not one per value.
func TestStreamBuffered(t *testing.T) {
	t.Parallel()
	w := &countingWriter{}
	if err := WriteGeoJSON(w, testJob(), testImages, Options{View: segment.DefaultView()}); err != nil {
		t.Fatal(err)
	}
	if w.calls != 1 {
		t.Errorf("%d writes for a %d-byte file, want 1", w.calls, w.Len())
	}
	if !json.Valid(w.Bytes()) {
		t.Errorf("not valid JSON: %s", w.Bytes())
	}
}

type countingWriter struct {
	bytes.Buffer
	calls int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.calls++
	return c.Buffer.Write(p)
}
