// Package export converts a segmentation job into files for other tools:
// COCO (object detection datasets) and GeoJSON, both in image pixels with
// the origin at the top-left corner and y pointing down.
//
// The converters are pure: the caller supplies the job and, per file, its
// name and its size in pixels as displayed (the frame in which the job's
// normalized coordinates are scaled). Segments are numbered by render.Rank,
// so ranks agree with the job page and the overlay.
package export

import (
	"fmt"
	"math"
	"strings"

	"github.com/segview/segview/internal/geom"
)

// Image is what the converters need to know of one file of a job.
type Image struct {
	Name          string
	Width, Height int
}

// FileName is the download name of an export of a job of project: for
// example "segview-demo-job-1001-coco.json" for suffix "coco.json".
// Characters other than letters, digits, '.', '_' and '-' in the project
// become '-', so the name is safe in a Content-Disposition header and on
// every file system.
func FileName(project string, jobID int64, suffix string) string {
	safe := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '-'
	}, project)
	name := fmt.Sprintf("segview-%s-job-%d", safe, jobID)
	if strings.HasPrefix(suffix, ".") {
		return name + suffix
	}
	return name + "-" + suffix
}

// pixelRing is a measurable polygon scaled to pixels, without repeating its
// first vertex.
type pixelRing []geom.Point

// toPixels scales the measurable polygons of polys to an image of w×h
// pixels, rounding to a hundredth of a pixel; others are left out.
func toPixels(polys []geom.Polygon, w, h int) []pixelRing {
	var out []pixelRing
	for _, p := range polys {
		if !p.Measurable() {
			continue
		}
		r := make(pixelRing, len(p))
		for i, v := range p {
			r[i] = geom.Point{X: round2(v.X * float64(w)), Y: round2(v.Y * float64(h))}
		}
		out = append(out, r)
	}
	return out
}

// round2 rounds to two decimals: a hundredth of a pixel is finer than any
// mask, and shorter numbers keep the files small and stable.
func round2(v float64) float64 { return math.Round(v*100) / 100 }
