package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/cocotest"
	"github.com/segview/segview/internal/export"
	"github.com/segview/segview/internal/geom"
	"github.com/segview/segview/internal/overlay"
	"github.com/segview/segview/internal/pycheck"
	"github.com/segview/segview/internal/segment"
)

// cocoRLE is the COCO export as read here: segmentations kept raw, to
// tell polygons from RLE.
type cocoRLE struct {
	Images []export.COCOImage `json:"images"`
	Annots []struct {
		ImageID      int64           `json:"image_id"`
		Rank         int             `json:"rank"`
		Area         float64         `json:"area"`
		Status       string          `json:"status"`
		Segmentation json.RawMessage `json:"segmentation"`
	} `json:"annotations"`
}

// TestCOCORLEDemoJobs exports every completed demo job's COCO with
// masks=rle, decodes each annotation's RLE with cocotest (written from
// the format's definition) and compares it with segview's own mask of the
// segment (overlay.NewMask, what the overlay fills) at the image's size:
// within 0.5% of the segment's pixels, and area is the decoded count.
func TestCOCORLEDemoJobs(t *testing.T) {
	s := newStack(t, nil)
	client := s.cdfClient(t)
	checked := 0
	for _, dj := range s.sim.DemoJobs() {
		job, err := client.SegmentJob(context.Background(), dj.ID)
		if err != nil {
			t.Fatal(err)
		}
		if job.Status != cdf.StatusCompleted {
			continue
		}
		r := s.get(t, fmt.Sprintf("/projects/%s/jobs/%d/export/coco.json?masks=rle", testProject, dj.ID))
		wantStatus(t, r, http.StatusOK)
		var coco cocoRLE
		if err := json.Unmarshal(r.body, &coco); err != nil {
			t.Fatal(err)
		}
		sizes := map[int64][2]int{}
		for _, img := range coco.Images {
			sizes[img.ID] = [2]int{img.Width, img.Height}
		}
		for _, a := range coco.Annots {
			var rle export.RLE
			if err := json.Unmarshal(a.Segmentation, &rle); err != nil || rle.Counts == "" {
				t.Fatalf("job %d rank %d: segmentation %.80s is not an RLE", dj.ID, a.Rank, a.Segmentation)
			}
			w, h := sizes[a.ImageID][0], sizes[a.ImageID][1]
			if rle.Size != [2]int{h, w} {
				t.Errorf("job %d rank %d: size %v, want [%d, %d]", dj.ID, a.Rank, rle.Size, h, w)
			}
			got, err := cocotest.Decode(rle.Size, rle.Counts)
			if err != nil {
				t.Fatalf("job %d rank %d: %v", dj.ID, a.Rank, err)
			}
			item, _ := segment.FindItem(job, a.ImageID)
			want := overlay.NewMask(segment.Rank(item.Segments)[a.Rank-1].Polygons, w, h)
			// Pixel by pixel within segview's mask's bounds; outside them
			// segview's mask is empty, so every decoded pixel there
			// differs.
			diff, inside := 0, 0
			r := want.Rect
			for y := r.Min.Y; y < r.Max.Y; y++ {
				for x := r.Min.X; x < r.Max.X; x++ {
					g := got.In[y*w+x]
					if g {
						inside++
					}
					if g != (want.Pix[(y-r.Min.Y)*r.Dx()+x-r.Min.X] != 0) {
						diff++
					}
				}
			}
			diff += got.Ones - inside
			if float64(diff) > 0.005*float64(want.Count()) {
				t.Errorf("job %d file %d rank %d: %d of %d pixels differ", dj.ID, a.ImageID, a.Rank, diff, want.Count())
			}
			if a.Area != float64(got.Ones) || got.Ones != want.Count() {
				t.Errorf("job %d rank %d: area %v, decoded %d pixels, segview's mask %d", dj.ID, a.Rank, a.Area, got.Ones, want.Count())
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no annotation checked")
	}
	t.Logf("%d demo annotations decoded and compared", checked)
}

// TestExportStatusAndVerdictFilter gives verdicts through the page's form
// route, then reads COCO and GeoJSON: each segment carries its status,
// and verdict=approved exports the approved ones only.
func TestExportStatusAndVerdictFilter(t *testing.T) {
	s := newStack(t, nil)
	b := &reviewer{s: s}
	job, file := cdfsim.DemoJobPumpSkid, cdfsim.DemoFilePumpSkid
	_, doc := b.page(t, jobURL(job))
	token := formOf(t, doc, "verdict-form", file).token
	asScript := map[string]string{"Accept": "application/json", "X-CSRF-Token": token}
	for _, v := range []string{"1:approved", "2:rejected", "3:approved"} {
		wantStatus(t, b.post(t, verdictsURL(job, file), url.Values{"verdict": {v}}, asScript), http.StatusOK)
	}
	want := map[int]string{1: "approved", 2: "rejected", 3: "approved"}
	var all cocoRLE
	if err := json.Unmarshal(s.get(t, jobURL(job)+"/export/coco.json").body, &all); err != nil {
		t.Fatal(err)
	}
	for _, a := range all.Annots {
		if w := want[a.Rank]; a.ImageID == file && a.Status != w && !(w == "" && a.Status == "unreviewed") {
			t.Errorf("COCO rank %d: status %q, want %q", a.Rank, a.Status, w)
		}
	}
	var approved cocoRLE
	if err := json.Unmarshal(s.get(t, jobURL(job)+"/export/coco.json?verdict=approved").body, &approved); err != nil {
		t.Fatal(err)
	}
	var ranks []int
	for _, a := range approved.Annots {
		ranks = append(ranks, a.Rank)
		if a.Status != "approved" {
			t.Errorf("verdict=approved exported rank %d, %s", a.Rank, a.Status)
		}
	}
	if len(ranks) != 2 {
		t.Errorf("verdict=approved exported ranks %v, want 1 and 3", ranks)
	}
	var fc struct {
		Features []struct {
			Properties struct {
				Rank   int    `json:"rank"`
				Status string `json:"status"`
			} `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(s.get(t, jobURL(job)+"/export/geojson?verdict=rejected").body, &fc); err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != 1 || fc.Features[0].Properties.Rank != 2 || fc.Features[0].Properties.Status != "rejected" {
		t.Errorf("GeoJSON verdict=rejected = %+v, want rank 2 alone", fc.Features)
	}
	wantStatus(t, s.get(t, jobURL(job)+"/export/coco.json?verdict=maybe"), http.StatusBadRequest)
	wantStatus(t, s.get(t, jobURL(job)+"/export/coco.json?masks=png"), http.StatusBadRequest)
}

// TestFormatRoutesReadBack reads the per-file routes and the queue's ZIP
// back with third-party readers: the demo job's GeoJSON with shapely, its
// mask PNG with Pillow and numpy, the ZIP with Python's zipfile and json.
func TestFormatRoutesReadBack(t *testing.T) {
	s := newStack(t, nil)
	job, file := cdfsim.DemoJobPumpSkid, cdfsim.DemoFilePumpSkid
	cj, err := s.cdfClient(t).SegmentJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	item, _ := segment.FindItem(cj, file)
	ranked := segment.Rank(item.Segments)

	t.Run("GeoJSON with shapely", func(t *testing.T) {
		r := s.get(t, jobURL(job)+"/export/geojson")
		wantStatus(t, r, http.StatusOK)
		out := pycheck.Run(t, []string{"shapely"}, `
import json, sys
from shapely.geometry import shape
for f in json.load(sys.stdin)["features"]:
    g = shape(f["geometry"])
    print(f["properties"]["fileId"], f["properties"]["rank"], g.is_valid, repr(g.area), f["properties"]["imageWidth"], f["properties"]["imageHeight"])
`, r.body)
		n := 0
		for line := range strings.Lines(string(out)) {
			var fileID int64
			var rank, w, h int
			var valid string
			var area float64
			if _, err := fmt.Sscan(line, &fileID, &rank, &valid, &area, &w, &h); err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			it, _ := segment.FindItem(cj, fileID)
			want := geom.Area(segment.Rank(it.Segments)[rank-1].Polygons) * float64(w*h)
			if valid != "True" || area < want*0.999-1 || area > want*1.001+1 {
				t.Errorf("file %d rank %d: valid %s, area %v, want %v", fileID, rank, valid, area, want)
			}
			n++
		}
		if n == 0 {
			t.Error("no feature read")
		}
	})

	t.Run("mask PNG with Pillow", func(t *testing.T) {
		r := s.get(t, fmt.Sprintf("%s/files/%d/mask.png?hide=2", jobURL(job), file))
		wantStatus(t, r, http.StatusOK)
		if ct := r.header.Get("Content-Type"); ct != "image/png" {
			t.Errorf("Content-Type %q", ct)
		}
		out := pycheck.Run(t, []string{"numpy", "PIL"}, `
import sys, io, json
import numpy as np
from PIL import Image
im = Image.open(io.BytesIO(sys.stdin.buffer.read()))
a = np.array(im)
print(json.dumps({"mode": im.mode, "h": a.shape[0], "w": a.shape[1], "counts": {str(int(v)): int((a == v).sum()) for v in np.unique(a)}}))
`, r.body)
		var got struct {
			Mode   string         `json:"mode"`
			H      int            `json:"h"`
			W      int            `json:"w"`
			Counts map[string]int `json:"counts"`
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if got.Counts["2"] != 0 {
			t.Errorf("hidden rank 2 has %d pixels", got.Counts["2"])
		}
		total := 0
		for k, n := range got.Counts {
			if k != "0" {
				total += n
			}
		}
		// Every shown segment's pixels, less overlaps: at most the sum.
		sum := 0
		for _, r := range ranked {
			if r.Rank != 2 {
				m := overlay.NewMask(r.Polygons, got.W, got.H)
				sum += m.Count()
				if n := got.Counts[fmt.Sprint(r.Rank)]; n == 0 || n > m.Count() {
					t.Errorf("rank %d: %d pixels, its mask %d", r.Rank, n, m.Count())
				}
			}
		}
		if !strings.HasPrefix(got.Mode, "I") || total == 0 || total > sum {
			t.Errorf("mode %s, %d segment pixels (masks sum to %d)", got.Mode, total, sum)
		}
	})

	t.Run("YOLO", func(t *testing.T) {
		r := s.get(t, fmt.Sprintf("%s/files/%d/yolo.txt?min_score=0.5", jobURL(job), file))
		wantStatus(t, r, http.StatusOK)
		lines := strings.Split(strings.TrimSpace(string(r.body)), "\n")
		above := 0
		for _, rk := range ranked {
			if rk.Score >= 0.5 {
				above += len(rk.Polygons)
			}
		}
		if len(lines) != above || !strings.HasPrefix(lines[0], "0 ") {
			t.Errorf("%d lines, want %d rings of segments scoring ≥ 0.5; first %.40q", len(lines), above, lines[0])
		}
	})

	t.Run("ZIP with zipfile", func(t *testing.T) {
		ids := fmt.Sprintf("%d,%d", cdfsim.DemoJobPumpSkid, cdfsim.DemoJobEXIF)
		r := s.get(t, fmt.Sprintf("/projects/%s/review/export.zip?jobs=%s&min_score=0.3", testProject, ids))
		wantStatus(t, r, http.StatusOK)
		out := pycheck.Run(t, nil, `
import sys, io, json, zipfile
z = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))
assert z.testzip() is None
m = json.loads(z.read("manifest.json"))
res = {"view": m["view"], "jobs": []}
for j in m["jobs"]:
    coco = json.loads(z.read(j["coco"]))
    res["jobs"].append({"id": j["jobId"], "annotations": len(coco["annotations"]),
        "minScore": min([a["score"] for a in coco["annotations"]] or [1]),
        "masks": [len(z.read(n)) > 0 and z.read(n)[:8] == b"\x89PNG\r\n\x1a\n" for n in j["masks"]]})
print(json.dumps(res))
`, r.body)
		var got struct {
			View string `json:"view"`
			Jobs []struct {
				ID          int64   `json:"id"`
				Annotations int     `json:"annotations"`
				MinScore    float64 `json:"minScore"`
				Masks       []bool  `json:"masks"`
			} `json:"jobs"`
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if len(got.Jobs) != 2 || !strings.Contains(got.View, "min_score=0.3") {
			t.Fatalf("manifest %+v", got)
		}
		for _, j := range got.Jobs {
			if j.Annotations == 0 || j.MinScore < 0.3 || len(j.Masks) == 0 {
				t.Errorf("job %d: %+v", j.ID, j)
			}
			for i, ok := range j.Masks {
				if !ok {
					t.Errorf("job %d: mask %d is not a PNG", j.ID, i)
				}
			}
		}
		wantStatus(t, s.get(t, fmt.Sprintf("/projects/%s/review/export.zip?jobs=x1", testProject)), http.StatusBadRequest)
		wantStatus(t, s.get(t, fmt.Sprintf("/projects/%s/review/export.zip", testProject)), http.StatusBadRequest)
	})
}

func decodeInto(b []byte, v any) error { return json.Unmarshal(b, v) }
