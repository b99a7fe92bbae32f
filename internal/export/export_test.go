package export

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/geom"
	"github.com/segview/segview/internal/segment"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func square(x0, y0, x1, y1 float64) cdf.Polygon {
	return cdf.Polygon{Vertices: []cdf.Vertex{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}}
}

// testJob has, on file 7 (200×100 pixels): a square with a hole and an
// island in the hole, two disjoint squares, and a segment whose only
// polygon is too short to measure. File 8 has no image and is left out.
func testJob() *cdf.SegmentJob {
	return &cdf.SegmentJob{JobID: 1001, Status: cdf.StatusCompleted, StatusTime: 1700000000000, Items: []cdf.SegmentItem{
		{FileID: 7, Segments: []cdf.Segment{
			{Score: 0.5, Polygons: []cdf.Polygon{square(0.1, 0.1, 0.2, 0.2), square(0.6, 0.6, 0.7, 0.7)}},
			{Score: 0.9, Polygons: []cdf.Polygon{square(0, 0, 0.5, 1), square(0.1, 0.2, 0.4, 0.8), square(0.2, 0.4, 0.3, 0.6)}},
			{Score: 0.25, Polygons: []cdf.Polygon{{Vertices: []cdf.Vertex{{X: 0.1, Y: 0.1}, {X: 0.2, Y: 0.2}}}}},
		}},
		{FileID: 8, Segments: []cdf.Segment{{Score: 1, Polygons: []cdf.Polygon{square(0, 0, 1, 1)}}}},
	}}
}

var testImages = map[int64]Image{7: {Name: "pump.jpg", Width: 200, Height: 100}}

func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (-want +got):\n%s", name, cmp.Diff(string(want), string(got)))
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	golden(t, "coco.json", ToCOCO(testJob(), testImages, Options{View: segment.DefaultView(), Project: "demo-b"}))
	golden(t, "geojson.json", ToGeoJSON(testJob(), testImages, Options{View: segment.DefaultView(), Project: "demo-b"}))
}

func TestToCOCO(t *testing.T) {
	t.Parallel()
	got := ToCOCO(testJob(), testImages, Options{View: segment.DefaultView()})
	if len(got.Images) != 1 || got.Images[0] != (COCOImage{ID: 7, FileName: "pump.jpg", Width: 200, Height: 100}) {
		t.Errorf("images = %+v", got.Images)
	}
	tests := []struct {
		rank     int
		score    float64
		rings    int // -1: an RLE
		area     float64
		bbox     [4]float64
		firstPos []float64
	}{
		// 100×100 minus 60×60 plus 20×20, in pixels: a hole, so its mask.
		{rank: 1, score: 0.9, rings: -1, area: 10000 - 3600 + 400, bbox: [4]float64{0, 0, 100, 100}},
		{rank: 2, score: 0.5, rings: 2, area: 2 * 20 * 10, bbox: [4]float64{20, 10, 120, 60}, firstPos: []float64{20, 10, 40, 10}},
		{rank: 3, score: 0.25, rings: 0, area: 0},
	}
	if len(got.Annotations) != len(tests) {
		t.Fatalf("annotations = %d, want %d", len(got.Annotations), len(tests))
	}
	for i, tt := range tests {
		a := got.Annotations[i]
		if a.ID != i+1 || a.ImageID != 7 || a.CategoryID != 1 || a.Rank != tt.rank || a.Score != tt.score || a.Status != StatusUnreviewed {
			t.Errorf("annotation %d = %+v", i, a)
		}
		if a.Area != tt.area || a.BBox != tt.bbox {
			t.Errorf("annotation %d: area %v bbox %v; want %v %v", i, a.Area, a.BBox, tt.area, tt.bbox)
		}
		if tt.rings < 0 {
			rle, ok := a.Segmentation.(RLE)
			if !ok || rle.Size != [2]int{100, 200} {
				t.Errorf("annotation %d: segmentation %v, want an RLE of size [100 200]", i, a.Segmentation)
			}
			continue
		}
		polys, ok := a.Segmentation.([][]float64)
		if !ok || len(polys) != tt.rings {
			t.Errorf("annotation %d: segmentation %v, want %d polygons", i, a.Segmentation, tt.rings)
			continue
		}
		if tt.rings > 0 && !cmp.Equal(polys[0][:4], tt.firstPos) {
			t.Errorf("annotation %d: starts %v, want %v", i, polys[0][:4], tt.firstPos)
		}
	}
	if len(got.Categories) != 1 || got.Categories[0].Name != "segment" {
		t.Errorf("categories = %+v", got.Categories)
	}
}

// TestExportView checks that both exports leave out what the view hides,
// by score or by rank, and keep the ranks of the rest as on the page.
func TestExportView(t *testing.T) {
	t.Parallel()
	view := func(minScore float64, hide ...int) segment.View {
		v := segment.DefaultView()
		v.MinScore, v.Hide = minScore, hide
		return v
	}
	tests := []struct {
		name  string
		view  segment.View
		ranks []int
	}{
		{"default", segment.DefaultView(), []int{1, 2, 3}},
		{"no layers still exports", segment.View{Opacity: 0.5}, []int{1, 2, 3}},
		{"min_score between", view(0.5), []int{1, 2}},
		{"min_score equal keeps", view(0.25), []int{1, 2, 3}},
		{"min_score above all", view(0.95), nil},
		{"hide", view(0, 1), []int{2, 3}},
		{"hide unknown rank", view(0, 9), []int{1, 2, 3}},
		{"hide and min_score", view(0.3, 2), []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var cocoRanks, geoRanks []int
			coco := ToCOCO(testJob(), testImages, Options{View: tt.view})
			for i, a := range coco.Annotations {
				if a.ID != i+1 {
					t.Errorf("annotation %d has id %d: ids are not consecutive", i, a.ID)
				}
				cocoRanks = append(cocoRanks, a.Rank)
			}
			if len(coco.Images) != 1 {
				t.Errorf("images = %d, want 1 (an image stays when its segments are hidden)", len(coco.Images))
			}
			for _, f := range ToGeoJSON(testJob(), testImages, Options{View: tt.view}).Features {
				geoRanks = append(geoRanks, f.Properties.Rank)
			}
			if !cmp.Equal(cocoRanks, tt.ranks) || !cmp.Equal(geoRanks, tt.ranks) {
				t.Errorf("COCO ranks %v, GeoJSON ranks %v; want %v", cocoRanks, geoRanks, tt.ranks)
			}
		})
	}
}

func TestToGeoJSON(t *testing.T) {
	t.Parallel()
	got := ToGeoJSON(testJob(), testImages, Options{View: segment.DefaultView()})
	if got.Type != "FeatureCollection" || got.CoordinateSystem != CoordinateSystem || got.JobID != 1001 {
		t.Errorf("collection = %+v", got)
	}
	tests := []struct {
		rank  int
		gtype string
		shape []int // rings per polygon
	}{
		{rank: 1, gtype: "MultiPolygon", shape: []int{2, 1}}, // outer with hole; island in the hole
		{rank: 2, gtype: "MultiPolygon", shape: []int{1, 1}},
		{rank: 3}, // nothing measurable: null geometry
	}
	if len(got.Features) != len(tests) {
		t.Fatalf("features = %d, want %d", len(got.Features), len(tests))
	}
	for i, tt := range tests {
		f := got.Features[i]
		if f.Type != "Feature" || f.Properties.Rank != tt.rank || f.Properties.FileID != 7 || f.Properties.FileName != "pump.jpg" {
			t.Errorf("feature %d = %+v", i, f.Properties)
		}
		if tt.gtype == "" {
			if f.Geometry != nil {
				t.Errorf("feature %d: geometry %+v, want null", i, f.Geometry)
			}
			continue
		}
		if f.Geometry == nil || f.Geometry.Type != tt.gtype {
			t.Fatalf("feature %d: geometry %+v, want %s", i, f.Geometry, tt.gtype)
		}
		multi := f.Geometry.Coordinates.([][][][2]float64)
		var shape []int
		for _, p := range multi {
			shape = append(shape, len(p))
			for k, ring := range p {
				if ring[0] != ring[len(ring)-1] {
					t.Errorf("feature %d: ring not closed", i)
				}
				if a := closedArea(ring); (a > 0) != (k == 0) {
					t.Errorf("feature %d: ring %d has signed area %v", i, k, a)
				}
			}
		}
		if !cmp.Equal(shape, tt.shape) {
			t.Errorf("feature %d: shape %v, want %v", i, shape, tt.shape)
		}
	}
}

func closedArea(ring [][2]float64) float64 {
	var s float64
	for i := 1; i < len(ring); i++ {
		s += ring[i-1][0]*ring[i][1] - ring[i][0]*ring[i-1][1]
	}
	return s / 2
}

func TestNest(t *testing.T) {
	t.Parallel()
	sq := func(x0, y0, x1, y1 float64) pixelRing {
		return pixelRing{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
	}
	tests := []struct {
		name  string
		rings []pixelRing
		want  []int // holes per polygon
	}{
		{"none", nil, nil},
		{"one", []pixelRing{sq(0, 0, 1, 1)}, []int{0}},
		{"hole listed first", []pixelRing{sq(2, 2, 3, 3), sq(0, 0, 10, 10)}, []int{1}},
		{"two holes", []pixelRing{sq(0, 0, 10, 10), sq(1, 1, 2, 2), sq(5, 5, 6, 6)}, []int{2}},
		{"disjoint", []pixelRing{sq(0, 0, 1, 1), sq(5, 5, 6, 6)}, []int{0, 0}},
		{"island in a hole in a hole", []pixelRing{sq(0, 0, 10, 10), sq(1, 1, 9, 9), sq(2, 2, 8, 8), sq(3, 3, 7, 7)}, []int{1, 1}},
		{"equal rings cancel", []pixelRing{sq(0, 0, 1, 1), sq(0, 0, 1, 1)}, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int
			for _, p := range nest(tt.rings) {
				got = append(got, len(p.holes))
			}
			if !cmp.Equal(got, tt.want) {
				t.Errorf("holes per polygon = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFileName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		project string
		suffix  string
		want    string
	}{
		{"demo", "coco.json", "segview-demo-job-1001-coco.json"},
		{"demo", ".json", "segview-demo-job-1001.json"},
		{"demo", ".geojson", "segview-demo-job-1001.geojson"},
		{`a"b;c/d\e f`, ".json", "segview-a-b-c-d-e-f-job-1001.json"},
		{"prod_eu-1.x", ".json", "segview-prod_eu-1.x-job-1001.json"},
		{"å", ".json", "segview---job-1001.json"},
	}
	for _, tt := range tests {
		if got := FileName(tt.project, 1001, tt.suffix); got != tt.want {
			t.Errorf("FileName(%q, %q) = %q, want %q", tt.project, tt.suffix, got, tt.want)
		}
	}
}

// The pixel rings keep geom's conventions: rounding to hundredths, and
// unmeasurable polygons dropped.
func TestToPixels(t *testing.T) {
	t.Parallel()
	got := toPixels([]geom.Polygon{{{X: 0.123456, Y: 1}, {X: 1, Y: 0}, {X: 0, Y: 0}}, {{X: 0, Y: 0}}}, 1000, 3)
	want := []pixelRing{{{X: 123.46, Y: 3}, {X: 1000, Y: 0}, {X: 0, Y: 0}}}
	if !cmp.Equal(got, want) {
		t.Errorf("toPixels = %v, want %v", got, want)
	}
}

// TestExportStatus checks that each COCO annotation and GeoJSON feature
// carries its segment's status, and that the view's verdict filter leaves
// out the others, so that "approved only" is a filter like any other.
func TestExportStatus(t *testing.T) {
	t.Parallel()
	verdicts := map[int64]map[int]string{7: {1: cdf.AnnotationApproved, 2: cdf.AnnotationRejected, 3: cdf.AnnotationSuggested}}
	only := func(names ...string) segment.View {
		v := segment.DefaultView()
		for _, n := range names {
			f, ok := segment.ParseVerdict(n)
			if !ok {
				t.Fatalf("no verdict %q", n)
			}
			v.Verdict |= f
		}
		return v
	}
	tests := []struct {
		name     string
		view     segment.View
		statuses []string // by rank, of the segments exported
	}{
		{"all", segment.DefaultView(), []string{StatusApproved, StatusRejected, StatusUnreviewed}},
		{"approved only", only("approved"), []string{StatusApproved}},
		{"unreviewed and rejected", only("unreviewed", "rejected"), []string{StatusRejected, StatusUnreviewed}},
		{"approved above min_score", func() segment.View { v := only("approved", "rejected"); v.MinScore = 0.6; return v }(), []string{StatusApproved}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := Options{View: tt.view, Verdicts: verdicts}
			var coco, geo []string
			for _, a := range ToCOCO(testJob(), testImages, opts).Annotations {
				coco = append(coco, a.Status)
			}
			for _, f := range ToGeoJSON(testJob(), testImages, opts).Features {
				geo = append(geo, f.Properties.Status)
			}
			if !cmp.Equal(coco, tt.statuses) || !cmp.Equal(geo, tt.statuses) {
				t.Errorf("COCO statuses %v, GeoJSON %v; want %v", coco, geo, tt.statuses)
			}
		})
	}
}
