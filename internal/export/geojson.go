package export

import (
	"encoding/json"
	"io"
	"iter"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/geom"
	"github.com/segview/segview/internal/segment"
)

// CoordinateSystem is the GeoJSON export's statement of its coordinates,
// which are not longitude and latitude.
const CoordinateSystem = "image pixels, origin top-left, y down"

// FeatureCollection is a GeoJSON FeatureCollection (RFC 7946) whose
// coordinates are image pixels, as CoordinateSystem says.
type FeatureCollection struct {
	Type             string `json:"type"`
	CoordinateSystem string `json:"coordinateSystem"`
	JobID            int64  `json:"jobId"`
	// Project is the job's CDF project (Options.Project); a foreign
	// member, absent when unknown.
	Project string `json:"project,omitempty"`
	// SkippedFiles are the job's files left out, and why; a foreign
	// member (RFC 7946 §6.1), absent when no file is left out.
	SkippedFiles []GeoJSONSkippedFile `json:"skippedFiles,omitempty"`
	Features     []Feature            `json:"features"`
}

// GeoJSONSkippedFile is a file of the job the collection leaves out.
type GeoJSONSkippedFile struct {
	FileID   int64  `json:"fileId"`
	FileName string `json:"fileName"`
	Reason   string `json:"reason"`
}

// featureCollectionHead is FeatureCollection without its features, which
// WriteGeoJSON writes one at a time; the fields must stay those of
// FeatureCollection, in the same order.
type featureCollectionHead struct {
	Type             string               `json:"type"`
	CoordinateSystem string               `json:"coordinateSystem"`
	JobID            int64                `json:"jobId"`
	Project          string               `json:"project,omitempty"`
	SkippedFiles     []GeoJSONSkippedFile `json:"skippedFiles,omitempty"`
}

// Feature is one segment.
type Feature struct {
	Type       string     `json:"type"`
	Geometry   *Geometry  `json:"geometry"` // null when no polygon of the segment is measurable
	Properties Properties `json:"properties"`
}

// Geometry is a Polygon (one outer ring and its holes) or a MultiPolygon
// (several outer rings). Rings are closed (the first position repeated at
// the end); outer rings have a positive signed area as the numbers read
// (counterclockwise with y up), holes a negative one, as RFC 7946 asks.
type Geometry struct {
	Type        string `json:"type"`
	Coordinates any    `json:"coordinates"`
}

// Properties are a segment's data.
type Properties struct {
	FileID   int64   `json:"fileId"`
	FileName string  `json:"fileName"`
	Rank     int     `json:"rank"`
	Score    float64 `json:"score"`
	// Status is the reviewers' verdict: StatusApproved, StatusRejected or
	// StatusUnreviewed.
	Status      string `json:"status"`
	ImageWidth  int    `json:"imageWidth"`
	ImageHeight int    `json:"imageHeight"`
}

// ToGeoJSON converts the job's results to a FeatureCollection with one
// feature per segment of every item that has an entry in images, in file
// order and, within a file, by rank. Files whose entry has a Skip reason
// get no features; SkippedFiles names them. Rings are nested by the
// even-odd rule, as the overlay fills them: a ring inside an odd number of
// others is a hole of the smallest ring around it, one inside an even
// number is an outer ring of its own. Segments opts does not show (see
// Options) are left out, and the others keep their ranks; the zero Options
// export every one.
func ToGeoJSON(job *cdf.SegmentJob, images map[int64]Image, opts Options) FeatureCollection {
	h := geoJSONHead(job, images, opts.Project)
	out := FeatureCollection{Type: h.Type, CoordinateSystem: h.CoordinateSystem, JobID: h.JobID, Project: h.Project, SkippedFiles: h.SkippedFiles, Features: []Feature{}}
	for f := range features(job, images, opts) {
		out.Features = append(out.Features, f)
	}
	return out
}

// WriteGeoJSON writes ToGeoJSON's collection to w as JSON, the bytes
// json.Marshal gives it, one feature at a time. It fails only when w does.
func WriteGeoJSON(w io.Writer, job *cdf.SegmentJob, images map[int64]Image, opts Options) error {
	head, err := json.Marshal(geoJSONHead(job, images, opts.Project))
	if err != nil {
		return err
	}
	s := newJSONStream(w)
	// The head's object, left open for the features.
	s.raw(string(head[:len(head)-1]))
	s.raw(`,"features":`)
	array(s, features(job, images, opts))
	s.raw("}")
	return s.close()
}

func geoJSONHead(job *cdf.SegmentJob, images map[int64]Image, project string) featureCollectionHead {
	h := featureCollectionHead{Type: "FeatureCollection", CoordinateSystem: CoordinateSystem, JobID: job.JobID, Project: project}
	for _, f := range skippedFiles(job, images) {
		h.SkippedFiles = append(h.SkippedFiles, GeoJSONSkippedFile{FileID: f.FileID, FileName: f.Name, Reason: f.Reason})
	}
	return h
}

// features yields the collection's features in order, converting one
// file's segments at a time.
func features(job *cdf.SegmentJob, images map[int64]Image, opts Options) iter.Seq[Feature] {
	return func(yield func(Feature) bool) {
		for _, item := range job.Items {
			img, ok := images[item.FileID]
			if !ok || img.Skip != "" {
				continue
			}
			for _, r := range segment.Rank(item.Segments) {
				stored := opts.stored(item.FileID, r.Rank)
				if !opts.shows(r, stored) {
					continue
				}
				f := Feature{
					Type:     "Feature",
					Geometry: geometry(nest(toPixels(r.Polygons, img.Width, img.Height))),
					Properties: Properties{FileID: item.FileID, FileName: img.Name, Rank: r.Rank, Score: finiteOr0(r.Score),
						Status: status(stored), ImageWidth: img.Width, ImageHeight: img.Height},
				}
				if !yield(f) {
					return
				}
			}
		}
	}
}

// polygon is an outer ring and its holes.
type polygon struct {
	outer pixelRing
	holes []pixelRing
}

// nest groups rings into polygons by the even-odd rule.
func nest(rings []pixelRing) []polygon {
	n := len(rings)
	// parents[i] lists the rings that contain ring i.
	parents := make([][]int, n)
	for i := range rings {
		for j := range rings {
			if i != j && contains(rings[j], rings[i], i > j) {
				parents[i] = append(parents[i], j)
			}
		}
	}
	var polys []polygon
	index := make([]int, n) // ring → its polygon, for outer rings
	for i, ps := range parents {
		if len(ps)%2 == 0 {
			index[i] = len(polys)
			polys = append(polys, polygon{outer: rings[i]})
		}
	}
	for i, ps := range parents {
		if len(ps)%2 == 0 {
			continue
		}
		// The hole belongs to the innermost ring around it: the one that
		// itself has the most rings around it.
		best := ps[0]
		for _, p := range ps[1:] {
			if len(parents[p]) > len(parents[best]) {
				best = p
			}
		}
		polys[index[best]].holes = append(polys[index[best]].holes, rings[i])
	}
	return polys
}

// geometry is the GeoJSON geometry of polys: nil for none, a Polygon for
// one, a MultiPolygon for more.
func geometry(polys []polygon) *Geometry {
	switch len(polys) {
	case 0:
		return nil
	case 1:
		return &Geometry{Type: "Polygon", Coordinates: positions(polys[0])}
	}
	multi := make([][][][2]float64, len(polys))
	for i, p := range polys {
		multi[i] = positions(p)
	}
	return &Geometry{Type: "MultiPolygon", Coordinates: multi}
}

// positions is the coordinates of a Polygon: closed rings, the outer one
// first and counterclockwise as the numbers read, holes clockwise.
func positions(p polygon) [][][2]float64 {
	out := [][][2]float64{closed(p.outer, true)}
	for _, h := range p.holes {
		out = append(out, closed(h, false))
	}
	return out
}

// closed returns r with its first position repeated at the end, turned so
// that its signed area (x right, y up) is positive when ccw is true.
func closed(r pixelRing, ccw bool) [][2]float64 {
	out := make([][2]float64, 0, len(r)+1)
	for _, v := range r {
		out = append(out, [2]float64{v.X, v.Y})
	}
	if (signedArea(r) > 0) != ccw {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return append(out, out[0])
}

// signedArea is the shoelace area of r, positive when counterclockwise
// with x right and y up.
func signedArea(r pixelRing) float64 {
	var s float64
	prev := r[len(r)-1]
	for _, v := range r {
		s += prev.X*v.Y - v.X*prev.Y
		prev = v
	}
	return s / 2
}

// contains reports whether inner lies within outer, decided by the first
// vertex of inner that is not on outer's boundary; when all are (the rings
// coincide) tie decides, so that of two equal rings exactly one is inside
// the other, as geom.Area counts them.
func contains(outer, inner pixelRing, tie bool) bool {
	for _, v := range inner {
		switch geom.PointInRing(v, geom.Polygon(outer)) {
		case 1:
			return true
		case -1:
			return false
		}
	}
	return tie
}
