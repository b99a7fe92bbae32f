package app

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/export"
)

// completedDemoJob returns a finished demo job with segments, as CDF has it.
func completedDemoJob(t *testing.T, s *stack) *cdf.SegmentJob {
	t.Helper()
	client := s.cdfClient(t)
	for _, dj := range s.sim.DemoJobs() {
		j, err := client.SegmentJob(context.Background(), dj.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status == cdf.StatusCompleted && len(j.Items) > 0 && len(j.Items[0].Segments) > 0 {
			return j
		}
	}
	t.Fatal("no completed demo job with segments")
	return nil
}

func wantDownload(t *testing.T, r response, contentType, filename string) {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != contentType {
		t.Errorf("Content-Type = %q, want %q", ct, contentType)
	}
	kind, params, err := mime.ParseMediaType(r.header.Get("Content-Disposition"))
	if err != nil || kind != "attachment" || params["filename"] != filename {
		t.Errorf("Content-Disposition = %q, want an attachment named %q", r.header.Get("Content-Disposition"), filename)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}
}

func TestExports(t *testing.T) {
	s := newStack(t, nil)
	job := completedDemoJob(t, s)
	base := fmt.Sprintf("/projects/%s/jobs/%d", testProject, job.JobID)
	name := fmt.Sprintf("segview-%s-job-%d", testProject, job.JobID)

	t.Run("job JSON", func(t *testing.T) {
		r := s.get(t, base+".json")
		wantDownload(t, r, "application/json", name+".json")
		want, err := s.cdfClient(t).SegmentJobJSON(context.Background(), job.JobID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(r.body, want) {
			t.Errorf("body differs from CDF's:\n%.300s\nwant\n%.300s", r.body, want)
		}
	})

	// Image sizes as the overlay routes see them: the full-resolution layer
	// is made from the image header alone.
	sizes := map[int64][2]int{}
	for _, it := range job.Items {
		r := s.get(t, fmt.Sprintf("%s/files/%d/layer.png?export=1", base, it.FileID))
		wantStatus(t, r, http.StatusOK)
		cfg, err := png.DecodeConfig(bytes.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		sizes[it.FileID] = [2]int{cfg.Width, cfg.Height}
	}
	segments := 0
	for _, it := range job.Items {
		segments += len(it.Segments)
	}
	// A threshold between the job's lowest and highest scores, and the
	// number of segments it keeps, for the filtered exports.
	lo, hi := 2.0, -1.0
	for _, it := range job.Items {
		for _, sg := range it.Segments {
			lo, hi = min(lo, sg.Score), max(hi, sg.Score)
		}
	}
	if lo >= hi {
		t.Fatalf("the demo job's scores are all %v: no threshold filters some", lo)
	}
	minScore := (lo + hi) / 2
	filtered := 0
	for _, it := range job.Items {
		for _, sg := range it.Segments {
			if sg.Score >= minScore {
				filtered++
			}
		}
	}
	filterQuery := "?min_score=" + strconv.FormatFloat(minScore, 'g', -1, 64)

	t.Run("COCO", func(t *testing.T) {
		r := s.get(t, base+"/export/coco.json")
		wantDownload(t, r, "application/json", name+"-coco.json")
		var coco export.COCO
		if err := json.Unmarshal(r.body, &coco); err != nil {
			t.Fatal(err)
		}
		if len(coco.Images) != len(job.Items) {
			t.Fatalf("images = %d, want %d", len(coco.Images), len(job.Items))
		}
		imgs := map[int64]export.COCOImage{}
		for _, img := range coco.Images {
			if got := [2]int{img.Width, img.Height}; got != sizes[img.ID] {
				t.Errorf("image %d: size %v, want %v", img.ID, got, sizes[img.ID])
			}
			if img.FileName == "" {
				t.Errorf("image %d has no file name", img.ID)
			}
			imgs[img.ID] = img
		}
		if len(coco.Annotations) != segments {
			t.Fatalf("annotations = %d, want %d (one per segment)", len(coco.Annotations), segments)
		}
		for _, a := range coco.Annotations {
			img, ok := imgs[a.ImageID]
			if !ok {
				t.Fatalf("annotation %d: unknown image %d", a.ID, a.ImageID)
			}
			w, h := float64(img.Width), float64(img.Height)
			larger := false
			polys, _ := a.Segmentation.([]any) // polygons; a segment with holes is an RLE
			for _, p := range polys {
				var poly []float64
				for _, v := range p.([]any) {
					poly = append(poly, v.(float64))
				}
				for i := 0; i+1 < len(poly); i += 2 {
					x, y := poly[i], poly[i+1]
					if x < 0 || y < 0 || x > w || y > h {
						t.Fatalf("annotation %d: vertex (%v, %v) outside %v×%v", a.ID, x, y, w, h)
					}
					larger = larger || x > 1 || y > 1
				}
			}
			if !larger && polys != nil {
				t.Errorf("annotation %d: every vertex within 0..1, not in pixels", a.ID)
			}
			if a.Area <= 0 || a.Area > w*h || a.BBox[2] <= 0 || a.BBox[3] <= 0 || a.BBox[0]+a.BBox[2] > w || a.BBox[1]+a.BBox[3] > h {
				t.Errorf("annotation %d: area %v, bbox %v for %v×%v", a.ID, a.Area, a.BBox, w, h)
			}
		}
	})

	t.Run("COCO with min_score", func(t *testing.T) {
		r := s.get(t, base+"/export/coco.json"+filterQuery)
		wantDownload(t, r, "application/json", name+"-coco.json")
		var coco export.COCO
		if err := json.Unmarshal(r.body, &coco); err != nil {
			t.Fatal(err)
		}
		if len(coco.Images) != len(job.Items) {
			t.Errorf("images = %d, want %d", len(coco.Images), len(job.Items))
		}
		if len(coco.Annotations) != filtered || filtered >= segments {
			t.Fatalf("annotations = %d, want %d of %d (min_score %v)", len(coco.Annotations), filtered, segments, minScore)
		}
		for _, a := range coco.Annotations {
			if a.Score < minScore {
				t.Errorf("annotation %d: score %v below min_score %v", a.ID, a.Score, minScore)
			}
		}
	})

	var rankScores map[[2]int64]float64 // score by file and rank in the unfiltered GeoJSON
	t.Run("GeoJSON", func(t *testing.T) {
		r := s.get(t, base+"/export/geojson")
		wantDownload(t, r, "application/geo+json", name+".geojson")
		var fc struct {
			Type             string `json:"type"`
			CoordinateSystem string `json:"coordinateSystem"`
			Features         []struct {
				Type     string `json:"type"`
				Geometry struct {
					Type        string          `json:"type"`
					Coordinates json.RawMessage `json:"coordinates"`
				} `json:"geometry"`
				Properties struct {
					FileID int64   `json:"fileId"`
					Rank   int     `json:"rank"`
					Score  float64 `json:"score"`
				} `json:"properties"`
			} `json:"features"`
		}
		if err := json.Unmarshal(r.body, &fc); err != nil {
			t.Fatal(err)
		}
		if fc.Type != "FeatureCollection" || fc.CoordinateSystem != export.CoordinateSystem {
			t.Errorf("type %q, coordinateSystem %q", fc.Type, fc.CoordinateSystem)
		}
		if len(fc.Features) != segments {
			t.Fatalf("features = %d, want %d (one per segment)", len(fc.Features), segments)
		}
		scores := map[[2]int64]float64{}
		for _, f := range fc.Features {
			scores[[2]int64{f.Properties.FileID, int64(f.Properties.Rank)}] = f.Properties.Score
		}
		rankScores = scores
		for i, f := range fc.Features {
			if f.Type != "Feature" || f.Properties.Rank < 1 || f.Properties.Score <= 0 {
				t.Errorf("feature %d: %+v", i, f)
			}
			if _, ok := sizes[f.Properties.FileID]; !ok {
				t.Errorf("feature %d: file %d is not in the job", i, f.Properties.FileID)
			}
			var rings any
			switch f.Geometry.Type {
			case "Polygon":
				rings = new([][][2]float64)
			case "MultiPolygon":
				rings = new([][][][2]float64)
			default:
				t.Fatalf("feature %d: geometry %q", i, f.Geometry.Type)
			}
			if err := json.Unmarshal(f.Geometry.Coordinates, rings); err != nil {
				t.Errorf("feature %d: %s coordinates: %v", i, f.Geometry.Type, err)
			}
		}
	})
	t.Run("GeoJSON with min_score", func(t *testing.T) {
		r := s.get(t, base+"/export/geojson"+filterQuery)
		wantDownload(t, r, "application/geo+json", name+".geojson")
		var fc export.FeatureCollection
		if err := json.Unmarshal(r.body, &fc); err != nil {
			t.Fatal(err)
		}
		if len(fc.Features) != filtered || filtered >= segments {
			t.Fatalf("features = %d, want %d of %d (min_score %v)", len(fc.Features), filtered, segments, minScore)
		}
		for i, f := range fc.Features {
			if f.Properties.Score < minScore {
				t.Errorf("feature %d: score %v below min_score %v", i, f.Properties.Score, minScore)
			}
			// Ranks stay those of the page, not renumbered after the filter.
			key := [2]int64{f.Properties.FileID, int64(f.Properties.Rank)}
			if want, ok := rankScores[key]; rankScores != nil && (!ok || want != f.Properties.Score) {
				t.Errorf("feature %d: file %d rank %d has score %v; unfiltered it has %v", i, key[0], key[1], f.Properties.Score, want)
			}
		}
	})
}

func TestExportErrors(t *testing.T) {
	s := newStack(t, nil)
	tests := []struct {
		path   string
		status int
	}{
		{"/projects/acme/jobs/abc.json", 400},
		{"/projects/acme/jobs/0.json", 400},
		{"/projects/acme/jobs/.json", 400},
		{"/projects/acme/jobs/1001.json.json", 400},
		{"/projects/acme/jobs/x/export/coco.json", 400},
		{"/projects/acme/jobs/-1/export/coco.json", 400},
		{"/projects/acme/jobs/9223372036854775808/export/geojson", 400},
		{"/projects/acme/jobs/1001%2F..%2F1002/export/geojson", 400},
		{"/projects/acme/jobs/1001/export/coco.json?min_score=2", 400},
		{"/projects/acme/jobs/1001/export/coco.json?hide=0", 400},
		{"/projects/acme/jobs/1001/export/geojson?min_score=x", 400},
		{"/projects/acme/jobs/1001/export/geojson?layers=bogus", 400},
		{"/projects/other/jobs/1001.json", 404},
		{"/projects/other/jobs/1001/export/coco.json", 404},
		{"/projects/acme/jobs/1001/export/shapefile", 404},
	}
	before := s.sim.APIRequests("/api/v1/")
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := s.get(t, tt.path)
			wantStatus(t, r, tt.status)
			if r.header.Get("Content-Disposition") != "" {
				t.Errorf("an error is sent as a download")
			}
		})
	}
	if after := s.sim.APIRequests("/api/v1/"); after != before {
		t.Errorf("bad input caused %d CDF calls", after-before)
	}
	for _, path := range []string{"/projects/acme/jobs/987654.json", "/projects/acme/jobs/987654/export/coco.json", "/projects/acme/jobs/987654/export/geojson"} {
		t.Run("unknown "+path, func(t *testing.T) {
			wantStatus(t, s.get(t, path), http.StatusNotFound)
		})
	}
}

// pngOf encodes a small w×h PNG.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngHeader is the start of a PNG that declares w×h pixels: the signature
// and the IHDR chunk, no pixel data. Its header is all a size read needs.
func pngHeader(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32([]byte("IHDR"), w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 0, 0, 0, 0) // 8-bit grayscale, no interlace
	b := []byte("\x89PNG\r\n\x1a\n")
	b = binary.BigEndian.AppendUint32(b, uint32(len(ihdr)-4))
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
}

// oneSegment is a triangle over the whole image.
var oneSegment = []cdfsim.Segment{{Score: 0.9, Polygons: [][]cdfsim.Vertex{{{X: 0, Y: 0}, {X: 1, Y: 0}, {X: 1, Y: 1}}}}}

// TestExportSkipsUnreadableFiles checks the exports of a job with a photo,
// an image whose header declares more pixels than SEGVIEW_MAX_IMAGE_PIXELS,
// a file that is not an image and a file CDF does not have: the photo and
// the oversized image are exported with their header sizes, the two
// others are left out and named with the reason, and the files' metadata
// is read with one files/byids call, not one per file.
func TestExportSkipsUnreadableFiles(t *testing.T) {
	s := newStack(t, map[string]string{"SEGVIEW_MAX_IMAGE_PIXELS": "1000000"})
	s.sim.AddFile(cdfsim.File{ID: 501, Name: "photo.png", Data: pngOf(t, 40, 30)})
	s.sim.AddFile(cdfsim.File{ID: 502, Name: "huge.png", Data: pngHeader(20000, 15000)})
	s.sim.AddFile(cdfsim.File{ID: 503, Name: "notes.txt", Data: []byte("not a picture")})
	items := []cdfsim.JobItem{{FileID: 501, Segments: oneSegment}, {FileID: 502, Segments: oneSegment},
		{FileID: 503, Segments: oneSegment}, {FileID: 504, Segments: oneSegment}}
	s.sim.AddJob(cdfsim.Job{ID: 7001, Status: cdfsim.StatusCompleted, Items: items})
	base := fmt.Sprintf("/projects/%s/jobs/7001", testProject)
	// The job first, so that the count below is the export's alone.
	wantStatus(t, s.get(t, base+"/status"), http.StatusOK)

	byIDs := s.sim.APIRequests("/files/byids")
	links := s.sim.APIRequests("/files/downloadlink")
	r := s.get(t, base+"/export/coco.json")
	wantDownload(t, r, "application/json", fmt.Sprintf("segview-%s-job-7001-coco.json", testProject))
	if got := s.sim.APIRequests("/files/byids") - byIDs; got != 1 {
		t.Errorf("the export made %d files/byids calls for 4 files, want 1", got)
	}
	if got := s.sim.APIRequests("/files/downloadlink") - links; got != 3 {
		t.Errorf("the export asked %d download links, want 3 (one header per file CDF has)", got)
	}
	var coco export.COCO
	if err := json.Unmarshal(r.body, &coco); err != nil {
		t.Fatal(err)
	}
	wantImages := []export.COCOImage{{ID: 501, FileName: "photo.png", Width: 40, Height: 30}, {ID: 502, FileName: "huge.png", Width: 20000, Height: 15000}}
	if diff := cmp.Diff(wantImages, coco.Images); diff != "" {
		t.Errorf("images (-want +got):\n%s", diff)
	}
	if len(coco.Annotations) != 2 || coco.Annotations[1].ImageID != 502 || coco.Annotations[1].BBox != [4]float64{0, 0, 20000, 15000} {
		t.Errorf("annotations = %+v, want one each on 501 and 502, the latter in its header's pixels", coco.Annotations)
	}
	wantSkipped := map[int64]string{503: "not a JPEG or PNG image", 504: "CDF has no file with this id"}
	if len(coco.Info.SkippedFiles) != 2 {
		t.Fatalf("skipped_files = %+v, want files 503 and 504", coco.Info.SkippedFiles)
	}
	for _, f := range coco.Info.SkippedFiles {
		if !strings.Contains(f.Reason, wantSkipped[f.FileID]) || wantSkipped[f.FileID] == "" {
			t.Errorf("skipped file %d (%s): reason %q, want one saying %q", f.FileID, f.FileName, f.Reason, wantSkipped[f.FileID])
		}
	}
	if coco.Info.SkippedFiles[0].FileName != "notes.txt" || coco.Info.SkippedFiles[1].FileName != "file-504" {
		t.Errorf("skipped files named %q and %q, want notes.txt and file-504", coco.Info.SkippedFiles[0].FileName, coco.Info.SkippedFiles[1].FileName)
	}

	r = s.get(t, base+"/export/geojson")
	wantStatus(t, r, http.StatusOK)
	var fc export.FeatureCollection
	if err := json.Unmarshal(r.body, &fc); err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != 2 || len(fc.SkippedFiles) != 2 || fc.SkippedFiles[0].FileID != 503 || fc.SkippedFiles[1].FileID != 504 {
		t.Errorf("GeoJSON: %d features, skippedFiles %+v; want 2 features and files 503 and 504 named", len(fc.Features), fc.SkippedFiles)
	}
	if p := fc.Features[1].Properties; p.FileID != 502 || p.ImageWidth != 20000 || p.ImageHeight != 15000 {
		t.Errorf("GeoJSON feature of the oversized image: %+v", p)
	}

	// Drawing on the oversized image is still refused, also from the
	// size the export cached.
	for _, route := range []string{"layer.png?export=1", "overlay.jpg"} {
		wantStatus(t, s.get(t, fmt.Sprintf("%s/files/502/%s", base, route)), http.StatusUnprocessableEntity)
	}
}

// TestExportFilesByIDsBatches checks that an export of a job of 1001
// files reads their metadata with two files/byids calls, CDF's limit being
// 1000 ids a call.
func TestExportFilesByIDsBatches(t *testing.T) {
	s := newStack(t, nil)
	data := pngOf(t, 4, 3)
	var items []cdfsim.JobItem
	for id := int64(10_001); id <= 11_001; id++ {
		s.sim.AddFile(cdfsim.File{ID: id, Data: data})
		items = append(items, cdfsim.JobItem{FileID: id, Segments: oneSegment})
	}
	s.sim.AddJob(cdfsim.Job{ID: 7002, Status: cdfsim.StatusCompleted, Items: items})
	base := fmt.Sprintf("/projects/%s/jobs/7002", testProject)
	wantStatus(t, s.get(t, base+"/status"), http.StatusOK)

	for _, round := range []string{"cold", "sizes cached"} {
		byIDs := s.sim.APIRequests("/files/byids")
		r := s.get(t, base+"/export/geojson")
		wantStatus(t, r, http.StatusOK)
		if got := s.sim.APIRequests("/files/byids") - byIDs; got != 2 {
			t.Errorf("%s: the export made %d files/byids calls for 1001 files, want 2", round, got)
		}
		var fc export.FeatureCollection
		if err := json.Unmarshal(r.body, &fc); err != nil {
			t.Fatal(err)
		}
		if len(fc.Features) != len(items) || len(fc.SkippedFiles) != 0 {
			t.Errorf("%s: %d features and %d skipped files, want %d and none", round, len(fc.Features), len(fc.SkippedFiles), len(items))
		}
	}
}
