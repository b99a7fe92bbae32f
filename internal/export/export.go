// Package export converts a segmentation job into files for other tools:
// COCO (object detection datasets) and GeoJSON, both in image pixels with
// the origin at the top-left corner and y pointing down.
//
// The converters are pure: the caller supplies the job and, per file, its
// name and its size in pixels as displayed (the frame in which the job's
// normalized coordinates are scaled), or why the file is left out.
// Segments are numbered by segment.Rank, so ranks agree with the job page
// and the overlay. Each converter comes in two forms: one returns the
// whole document as a value, the other (Write...) encodes the same bytes
// to a writer one segment at a time, so that an export holds one file's
// geometry in memory, not the whole document.
package export

import (
	"fmt"
	"math"
	"strings"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/geom"
	"github.com/segview/segview/internal/segment"
)

// Image is what the converters need to know of one file of a job.
type Image struct {
	Name          string
	Width, Height int
	// Skip, when set, says why the file is left out of the export: its
	// image size could not be read. The exports name such files and the
	// reason, and carry none of their segments.
	Skip string
}

// SkippedFile is a file of the job that an export leaves out, and why.
type SkippedFile struct {
	FileID int64
	Name   string
	Reason string
}

// skippedFiles lists the files of the job's items that images marks as
// skipped, once each, in item order.
func skippedFiles(job *cdf.SegmentJob, images map[int64]Image) []SkippedFile {
	var out []SkippedFile
	seen := map[int64]bool{}
	for _, it := range job.Items {
		img, ok := images[it.FileID]
		if !ok || img.Skip == "" || seen[it.FileID] {
			continue
		}
		seen[it.FileID] = true
		out = append(out, SkippedFile{FileID: it.FileID, Name: img.Name, Reason: img.Skip})
	}
	return out
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
// pixels, rounding to a hundredth of a pixel; others are left out, and so
// are polygons whose coordinates overflow when scaled (far outside 0..1).
func toPixels(polys []geom.Polygon, w, h int) []pixelRing {
	var out []pixelRing
	for _, p := range polys {
		if !p.Measurable() {
			continue
		}
		r := make(pixelRing, len(p))
		finite := true
		for i, v := range p {
			r[i] = geom.Point{X: round2(v.X * float64(w)), Y: round2(v.Y * float64(h))}
			finite = finite && !math.IsInf(r[i].X, 0) && !math.IsInf(r[i].Y, 0)
		}
		if finite {
			out = append(out, r)
		}
	}
	return out
}

// round2 rounds to two decimals: a hundredth of a pixel is finer than any
// mask, and shorter numbers keep the files small and stable.
func round2(v float64) float64 { return math.Round(v*100) / 100 }

// Statuses of a segment in the exports: a reviewer's verdict, or none.
const (
	StatusApproved   = "approved"
	StatusRejected   = "rejected"
	StatusUnreviewed = "unreviewed"
)

// MaskMode says how COCO writes a segment's segmentation.
type MaskMode int

const (
	// MasksAuto writes polygons, and the mask as an RLE for a segment
	// whose rings overlap (holes), which polygons cannot carry to COCO
	// tools.
	MasksAuto MaskMode = iota
	// MasksRLE writes every segment's mask as an RLE.
	MasksRLE
)

// Options are what an export holds of a job's segments beyond the job
// itself. The zero value exports every segment, as unreviewed.
type Options struct {
	// Project is the CDF project of the job: COCO's info.project and
	// GeoJSON's project member name it; both are absent when it is "".
	Project string
	// View leaves out the segments it does not show: below its MinScore,
	// hidden, or with a status its verdict filter leaves out
	// (segment.View.ShowsStatus).
	View segment.View
	// Verdicts are the stored verdicts by file and rank, as
	// verdict.Store.Load reads them (CDF's annotation statuses); a
	// segment without one is unreviewed.
	Verdicts map[int64]map[int]string
	// Masks says how COCO writes segmentations.
	Masks MaskMode
	// MaxMaskPixels bounds the images whose segments are rasterized
	// (width × height); 0 means no bound. COCO writes the segments of
	// larger images as polygons, with their polygons' area.
	MaxMaskPixels int64
}

// stored is the stored verdict of the segment of rank in the file, "" for
// none.
func (o Options) stored(fileID int64, rank int) string { return o.Verdicts[fileID][rank] }

// status is the export status of a segment whose stored verdict is
// stored: StatusApproved, StatusRejected or StatusUnreviewed.
func status(stored string) string { return segment.StatusName(stored) }

// shows reports whether the export holds the segment r, whose stored
// verdict is stored.
func (o Options) shows(r segment.Ranked, stored string) bool { return o.View.ShowsStatus(r, stored) }

// masks reports whether the segments of img are rasterized.
func (o Options) masks(img Image) bool {
	return o.MaxMaskPixels <= 0 || int64(img.Width)*int64(img.Height) <= o.MaxMaskPixels
}
