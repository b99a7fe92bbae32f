package export

import (
	"math"
	"testing"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/cocotest"
	"github.com/segview/segview/internal/geom"
	"github.com/segview/segview/internal/overlay"
	"github.com/segview/segview/internal/segment"
)

func circle(cx, cy, r float64, n int) cdf.Polygon {
	p := cdf.Polygon{Vertices: make([]cdf.Vertex, n)}
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		// A wobble, so that edges cross pixels at every angle.
		rr := r * (1 + 0.05*math.Sin(9*a))
		p.Vertices[i] = cdf.Vertex{X: cx + rr*math.Cos(a), Y: cy + rr*math.Sin(a)}
	}
	return p
}

// rleJob has, on file 7 of 331×217 pixels: a ring, a segment of 4000
// vertices, a polygon touching itself at a vertex, two disjoint squares,
// a square in the top-left corner, and a segment reaching out of the
// image.
func rleJob() (*cdf.SegmentJob, map[int64]Image) {
	poly := func(xy ...float64) cdf.Polygon {
		var p cdf.Polygon
		for i := 0; i < len(xy); i += 2 {
			p.Vertices = append(p.Vertices, cdf.Vertex{X: xy[i], Y: xy[i+1]})
		}
		return p
	}
	job := &cdf.SegmentJob{JobID: 1, Status: cdf.StatusCompleted, Items: []cdf.SegmentItem{{FileID: 7, Segments: []cdf.Segment{
		{Score: 0.9, Polygons: []cdf.Polygon{circle(0.5, 0.5, 0.4, 120), circle(0.5, 0.5, 0.2, 80)}},
		{Score: 0.8, Polygons: []cdf.Polygon{circle(0.4, 0.6, 0.3, 4000)}},
		{Score: 0.7, Polygons: []cdf.Polygon{poly(0.1, 0.1, 0.5, 0.5, 0.9, 0.1, 0.9, 0.9, 0.5, 0.5, 0.1, 0.9)}},
		{Score: 0.6, Polygons: []cdf.Polygon{square(0.05, 0.05, 0.2, 0.3), square(0.7, 0.6, 0.95, 0.9)}},
		{Score: 0.5, Polygons: []cdf.Polygon{square(0, 0, 0.013, 0.02)}},
		{Score: 0.4, Polygons: []cdf.Polygon{square(-0.2, 0.5, 0.3, 1.3)}},
	}}}}
	return job, map[int64]Image{7: {Name: "a.png", Width: 331, Height: 217}}
}

// TestCOCORLERoundTrip decodes every annotation's RLE with cocotest (a
// decoder written from the format's definition) and compares it with
// segview's own mask of the segment (overlay.NewMask, what the overlay
// fills): equal within 0.5% of the segment's pixels, and area its count.
func TestCOCORLERoundTrip(t *testing.T) {
	t.Parallel()
	job, images := rleJob()
	coco := ToCOCO(job, images, Options{Masks: MasksRLE})
	ranked := segment.Rank(job.Items[0].Segments)
	if len(coco.Annotations) != len(ranked) {
		t.Fatalf("annotations = %d, want %d", len(coco.Annotations), len(ranked))
	}
	for _, a := range coco.Annotations {
		rle, ok := a.Segmentation.(RLE)
		if !ok {
			t.Fatalf("rank %d: segmentation %T, want an RLE", a.Rank, a.Segmentation)
		}
		if rle.Size != [2]int{217, 331} {
			t.Errorf("rank %d: size %v, want [height, width] = [217, 331]", a.Rank, rle.Size)
		}
		got, err := cocotest.Decode(rle.Size, rle.Counts)
		if err != nil {
			t.Fatalf("rank %d: %v", a.Rank, err)
		}
		want := overlay.NewMask(ranked[a.Rank-1].Polygons, 331, 217)
		diff := 0
		for y := range 217 {
			for x := range 331 {
				if got.In[y*331+x] != want.In(x, y) {
					diff++
				}
			}
		}
		if float64(diff) > 0.005*float64(want.Count()) || want.Count() == 0 {
			t.Errorf("rank %d: %d of %d pixels differ", a.Rank, diff, want.Count())
		}
		if a.Area != float64(got.Count()) || a.Area != float64(want.Count()) {
			t.Errorf("rank %d: area %v, decoded mask %d pixels, segview's %d", a.Rank, a.Area, got.Count(), want.Count())
		}
	}
}

// TestCOCOMasksAuto checks which segments the default writes as RLE: those
// with overlapping rings (a hole); the others stay polygons.
func TestCOCOMasksAuto(t *testing.T) {
	t.Parallel()
	job, images := rleJob()
	for _, a := range ToCOCO(job, images, Options{}).Annotations {
		_, isRLE := a.Segmentation.(RLE)
		if want := a.Rank == 1; isRLE != want {
			t.Errorf("rank %d: RLE %v, want %v", a.Rank, isRLE, want)
		}
		if rle, ok := a.Segmentation.(RLE); ok {
			m, err := cocotest.Decode(rle.Size, rle.Counts)
			if err != nil || float64(m.Count()) != a.Area {
				t.Errorf("rank %d: decoded %d pixels (%v), area %v", a.Rank, m.Count(), err, a.Area)
			}
		}
	}
}

// TestCompressCounts pins the encoder on the hand-worked strings of
// cocotest's tests, and on runs of every size round trip.
func TestCompressCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		counts []int
		want   string
	}{
		{[]int{0, 5}, "05"},
		{[]int{3, 4, 3}, "343"},
		{[]int{100}, "T3"},
		{[]int{16}, "`0"},
		{[]int{0, 10, 5, 4}, "0:5J"},
		{[]int{0, 10, 5, 1000}, "0:5nn0"},
	}
	for _, tt := range tests {
		if got := compressCounts(tt.counts); got != tt.want {
			t.Errorf("compressCounts(%v) = %q, want %q", tt.counts, got, tt.want)
		}
	}
	var counts []int
	for v := 0; v < 1<<22; v = v*3 + 1 {
		counts = append(counts, v, 1<<22-v, 7)
	}
	got, err := cocotest.DecodeCounts(compressCounts(counts))
	if err != nil || len(got) != len(counts) {
		t.Fatalf("round trip: %v, %d counts of %d", err, len(got), len(counts))
	}
	for i := range got {
		if got[i] != counts[i] {
			t.Fatalf("count %d: %d, want %d", i, got[i], counts[i])
		}
	}
}

// TestRLEEmptyMask: a segment with nothing inside is one run of 0s.
func TestRLEEmptyMask(t *testing.T) {
	t.Parallel()
	rle := EncodeRLE(overlay.NewMask([]geom.Polygon{{{X: 0.1, Y: 0.1}, {X: 0.2, Y: 0.2}}}, 4, 3))
	m, err := cocotest.Decode(rle.Size, rle.Counts)
	if err != nil || m.Count() != 0 || rle.Size != [2]int{3, 4} {
		t.Errorf("empty mask: %+v decodes to %d pixels (%v)", rle, m.Count(), err)
	}
}

// TestCOCOMaxMaskPixels checks that an image above the bound is not
// rasterized: its segments are polygons with their polygons' area, and
// the dataset names the file.
func TestCOCOMaxMaskPixels(t *testing.T) {
	t.Parallel()
	job, images := rleJob()
	coco := ToCOCO(job, images, Options{Masks: MasksRLE, MaxMaskPixels: 331*217 - 1})
	if len(coco.Info.FilesWithoutMasks) != 1 || coco.Info.FilesWithoutMasks[0].FileID != 7 {
		t.Fatalf("files_without_masks = %+v, want file 7", coco.Info.FilesWithoutMasks)
	}
	ranked := segment.Rank(job.Items[0].Segments)
	for _, a := range coco.Annotations {
		if _, ok := a.Segmentation.([][]float64); !ok {
			t.Errorf("rank %d: segmentation %T, want polygons", a.Rank, a.Segmentation)
		}
		if want := round2(ranked[a.Rank-1].Area * 331 * 217); a.Area != want {
			t.Errorf("rank %d: area %v, want the polygons' %v", a.Rank, a.Area, want)
		}
	}
	if got := ToCOCO(job, images, Options{MaxMaskPixels: 331 * 217}); len(got.Info.FilesWithoutMasks) != 0 {
		t.Errorf("an image of exactly the bound is left without masks")
	}
}
