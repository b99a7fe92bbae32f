package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"mime"
	"net/http"
	"strconv"
	"testing"

	"github.com/segview/segview/internal/cdf"
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
			for _, poly := range a.Segmentation {
				for i := 0; i+1 < len(poly); i += 2 {
					x, y := poly[i], poly[i+1]
					if x < 0 || y < 0 || x > w || y > h {
						t.Fatalf("annotation %d: vertex (%v, %v) outside %v×%v", a.ID, x, y, w, h)
					}
					larger = larger || x > 1 || y > 1
				}
			}
			if !larger {
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
