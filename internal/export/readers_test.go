package export

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image/png"
	"strings"
	"testing"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/geom"
	"github.com/segview/segview/internal/overlay"
	"github.com/segview/segview/internal/pycheck"
	"github.com/segview/segview/internal/segment"
)

// readerJob is rleJob without its self-touching polygon, which is not a
// valid simple polygon for shapely (the exports keep CDF's rings as they
// are; the even-odd rule fills them).
func readerJob() (*cdf.SegmentJob, map[int64]Image) {
	job, images := rleJob()
	segs := job.Items[0].Segments
	job.Items[0].Segments = append(segs[:2:2], segs[3:]...)
	return job, images
}

// TestGeoJSONShapely reads the GeoJSON export with shapely: every geometry
// is valid, a ring's hole is an interior, and the areas are those of the
// segments' polygons (even-odd, clipped to nothing: the shapes lie in the
// image but for one, compared on its polygons).
func TestGeoJSONShapely(t *testing.T) {
	t.Parallel()
	job, images := readerJob()
	var doc bytes.Buffer
	if err := WriteGeoJSON(&doc, job, images, Options{}); err != nil {
		t.Fatal(err)
	}
	const script = `
import json, sys
from shapely.geometry import shape
fc = json.load(sys.stdin)
for f in fc["features"]:
    g = shape(f["geometry"])
    polys = list(g.geoms) if g.geom_type == "MultiPolygon" else [g]
    print(f["properties"]["rank"], g.geom_type, g.is_valid, sum(len(p.interiors) for p in polys), repr(g.area), f["properties"]["status"])
`
	out := pycheck.Run(t, []string{"shapely"}, script, doc.Bytes())
	ranked := segment.Rank(job.Items[0].Segments)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(ranked) {
		t.Fatalf("shapely read %d features, want %d:\n%s", len(lines), len(ranked), out)
	}
	for _, line := range lines {
		var rank, holes int
		var gtype, valid, status string
		var area float64
		if _, err := fmt.Sscan(line, &rank, &gtype, &valid, &holes, &area, &status); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		r := ranked[rank-1]
		if valid != "True" {
			t.Errorf("rank %d: shapely finds the %s invalid", rank, gtype)
		}
		if wantHoles := map[int]int{1: 1}[rank]; holes != wantHoles {
			t.Errorf("rank %d: %d interiors, want %d", rank, holes, wantHoles)
		}
		want := r.Area * 331 * 217
		if rank == 5 { // reaches out of the image: shapely measures all of it
			continue
		}
		if d := area - want; d > 0.01*want || d < -0.01*want {
			t.Errorf("rank %d: shapely's area %v, the segment's %v px²", rank, area, want)
		}
		// Pixels along the edges are in or out whole: 2% and a few pixels
		// (the 4.3×4.3 px corner square is 16 pixels).
		if m := float64(overlay.NewMask(r.Polygons, 331, 217).Count()); area-m > 0.02*m+4 || m-area > 0.02*m+4 {
			t.Errorf("rank %d: shapely's area %v, the mask's %v pixels", rank, area, m)
		}
		if status != StatusUnreviewed {
			t.Errorf("rank %d: status %q", rank, status)
		}
	}
}

// TestYOLOReadBack reads the YOLO labels back in Python, rebuilding each
// segment with shapely by the written convention (an outer ring, positive
// shoelace area, followed by its holes, negative), and compares the areas
// with the segments' polygons clipped to the image.
func TestYOLOReadBack(t *testing.T) {
	t.Parallel()
	job, _ := readerJob()
	ranked := segment.Rank(job.Items[0].Segments)
	var doc bytes.Buffer
	if err := WriteYOLO(&doc, 7, ranked, Options{}); err != nil {
		t.Fatal(err)
	}
	const script = `
import sys
from shapely.geometry import Polygon, LinearRing
areas, outer = [], None
for line in sys.stdin:
    v = line.split()
    assert v[0] == "0", v[0]
    xy = [float(s) for s in v[1:]]
    assert len(xy) % 2 == 0 and len(xy) >= 6
    assert all(0 <= c <= 1 for c in xy), "not normalized"
    pts = list(zip(xy[0::2], xy[1::2]))
    if LinearRing(pts).is_ccw:
        areas.append(Polygon(pts).area)
    else:
        areas[-1] -= Polygon(pts).area
print(len(areas), " ".join(repr(a) for a in areas))
`
	out := pycheck.Run(t, []string{"shapely"}, script, doc.Bytes())
	var n int
	fields := strings.Fields(string(out))
	if _, err := fmt.Sscan(fields[0], &n); err != nil {
		t.Fatal(err)
	}
	// Outer rings: the ring, the 4000 vertices, two squares, the corner,
	// the one reaching out.
	if n != 6 {
		t.Fatalf("Python rebuilt %d outer rings, want 6:\n%s\n%s", n, out, doc.String())
	}
	var sum, want float64
	for _, f := range fields[1:] {
		var a float64
		fmt.Sscan(f, &a)
		sum += a
	}
	for _, r := range ranked {
		var clipped []geomPolygon
		for _, p := range r.Polygons {
			if c := overlay.ClipToImage(p); c != nil {
				clipped = append(clipped, c)
			}
		}
		want += areaOf(clipped)
	}
	if d := sum - want; d > 1e-4 || d < -1e-4 {
		t.Errorf("areas read back sum to %v, the segments' clipped polygons to %v", sum, want)
	}
	if first := strings.SplitN(doc.String(), "\n", 2)[0]; !strings.HasPrefix(first, "0 0.") {
		t.Errorf("first line %.40q, want class 0 and normalized coordinates", first)
	}
}

// TestInstanceMaskPillow reads the instance mask PNG with Pillow and numpy:
// 16-bit gray, the image's size, and each pixel the rank expected from the
// segments' own masks (overlay.NewMask), the smaller segment on top.
func TestInstanceMaskPillow(t *testing.T) {
	t.Parallel()
	job, images := rleJob()
	ranked := segment.Rank(job.Items[0].Segments)
	img := images[7]
	var buf bytes.Buffer
	if err := png.Encode(&buf, InstanceMask(7, ranked, img, Options{View: segment.View{Hide: []int{6}}})); err != nil {
		t.Fatal(err)
	}
	// The expected ranks, little-endian, row by row; the hidden rank 6 is
	// left out. Segments are drawn largest first.
	want := make([]uint16, img.Width*img.Height)
	type seg struct {
		rank int
		n    int
	}
	var order []seg
	for _, r := range ranked[:5] {
		order = append(order, seg{r.Rank, overlay.NewMask(r.Polygons, img.Width, img.Height).Count()})
	}
	for _, i := range overlay.DrawOrder([][]geomPolygon{ranked[0].Polygons, ranked[1].Polygons, ranked[2].Polygons, ranked[3].Polygons, ranked[4].Polygons}) {
		m := overlay.NewMask(ranked[i].Polygons, img.Width, img.Height)
		for y := range img.Height {
			for x := range img.Width {
				if m.In(x, y) {
					want[y*img.Width+x] = uint16(ranked[i].Rank)
				}
			}
		}
	}
	var raw bytes.Buffer
	binary.Write(&raw, binary.LittleEndian, want)
	const script = `
import sys, io, base64, json
import numpy as np
from PIL import Image
data = sys.stdin.buffer.read()
n = int(sys.argv[1])
im = Image.open(io.BytesIO(data[:n]))
a = np.array(im)
want = np.frombuffer(data[n:], dtype="<u2").reshape(a.shape)
print(json.dumps({"mode": im.mode, "shape": list(a.shape), "differ": int((a.astype(np.int64) != want).sum()),
    "counts": {str(int(v)): int((a == v).sum()) for v in np.unique(a)}}))
`
	in := append(append([]byte(nil), buf.Bytes()...), raw.Bytes()...)
	out := pycheck.Run(t, []string{"numpy", "PIL"}, script, in, fmt.Sprint(buf.Len()))
	var got struct {
		Mode   string         `json:"mode"`
		Shape  []int          `json:"shape"`
		Differ int            `json:"differ"`
		Counts map[string]int `json:"counts"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !strings.HasPrefix(got.Mode, "I") || len(got.Shape) != 2 || got.Shape[0] != img.Height || got.Shape[1] != img.Width {
		t.Errorf("Pillow reads mode %s, shape %v; want 16-bit gray (I;16) of %d×%d", got.Mode, got.Shape, img.Height, img.Width)
	}
	if got.Differ != 0 {
		t.Errorf("%d pixels differ from the segments' masks", got.Differ)
	}
	if got.Counts["6"] != 0 {
		t.Errorf("the hidden rank 6 has %d pixels", got.Counts["6"])
	}
	// Rank 5 (the corner square) overlaps nothing: all of its mask shows.
	if got.Counts["5"] != order[4].n || order[4].n == 0 {
		t.Errorf("rank 5 has %d pixels, its mask %d", got.Counts["5"], order[4].n)
	}
}

type geomPolygon = geom.Polygon

// areaOf is the even-odd area of polygons in normalized units.
func areaOf(p []geom.Polygon) float64 { return geom.Area(p) }
