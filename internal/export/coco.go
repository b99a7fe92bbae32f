package export

import (
	"fmt"
	"io"
	"iter"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/geom"
	"github.com/segview/segview/internal/segment"
)

// COCO is a COCO object-detection dataset
// (https://cocodataset.org/#format-data) with segmentation polygons.
type COCO struct {
	Info        COCOInfo         `json:"info"`
	Images      []COCOImage      `json:"images"`
	Annotations []COCOAnnotation `json:"annotations"`
	Categories  []COCOCategory   `json:"categories"`
}

// COCOInfo describes the dataset.
type COCOInfo struct {
	Description string `json:"description"`
	// DateCreated is the job's status time (when it last changed state).
	DateCreated string `json:"date_created,omitempty"`
	// SkippedFiles are the job's files left out of the dataset, and why;
	// segview's addition, absent when none is.
	SkippedFiles []COCOSkippedFile `json:"skipped_files,omitempty"`
}

// COCOSkippedFile is a file of the job the dataset leaves out.
type COCOSkippedFile struct {
	FileID   int64  `json:"file_id"`
	FileName string `json:"file_name"`
	Reason   string `json:"reason"`
}

// COCOImage is one file of the job. ID is the CDF file id.
type COCOImage struct {
	ID       int64  `json:"id"`
	FileName string `json:"file_name"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
}

// COCOAnnotation is one segment. Segmentation lists every ring of the
// segment as [x1, y1, x2, y2, ...] in pixels, holes included; Area is in
// square pixels under the even-odd rule, so holes are subtracted. BBox is
// [x, y, width, height]. Score and Rank are segview's additions: the model's
// mask score and the segment's rank in its file (1 = best score).
type COCOAnnotation struct {
	ID           int         `json:"id"`
	ImageID      int64       `json:"image_id"`
	CategoryID   int         `json:"category_id"`
	Segmentation [][]float64 `json:"segmentation"`
	Area         float64     `json:"area"`
	BBox         [4]float64  `json:"bbox"`
	IsCrowd      int         `json:"iscrowd"`
	Score        float64     `json:"score"`
	Rank         int         `json:"rank"`
}

// COCOCategory is a category of annotations; there is one, "segment".
type COCOCategory struct {
	ID            int    `json:"id"`
	Name          string `json:"name"`
	Supercategory string `json:"supercategory"`
}

// segmentCategory is the id of the one category.
const segmentCategory = 1

// ToCOCO converts the job's results to COCO: an image per item that has an
// entry in images (items without one are left out) and an annotation per
// segment, numbered from 1 in file order and, within a file, by rank.
// Files whose entry has a Skip reason get no image and no annotations;
// Info.SkippedFiles names them. Polygons with fewer than three vertices or
// a non-finite coordinate are left out of the segmentation, as the overlay
// skips them. Segments the view does not show (below its MinScore, or
// hidden) are left out too, and the others keep their ranks;
// segment.DefaultView exports every one.
func ToCOCO(job *cdf.SegmentJob, images map[int64]Image, view segment.View) COCO {
	out := cocoHead(job, images)
	for a := range cocoAnnotations(job, images, view) {
		out.Annotations = append(out.Annotations, a)
	}
	return out
}

// WriteCOCO writes ToCOCO's dataset to w as JSON, the bytes json.Marshal
// gives it, one annotation at a time. It fails only when w does.
func WriteCOCO(w io.Writer, job *cdf.SegmentJob, images map[int64]Image, view segment.View) error {
	head := cocoHead(job, images)
	s := newJSONStream(w)
	s.raw(`{"info":`)
	s.value(head.Info)
	s.raw(`,"images":`)
	s.value(head.Images)
	s.raw(`,"annotations":`)
	array(s, cocoAnnotations(job, images, view))
	s.raw(`,"categories":`)
	s.value(head.Categories)
	s.raw("}")
	return s.close()
}

// cocoHead is the dataset without its annotations.
func cocoHead(job *cdf.SegmentJob, images map[int64]Image) COCO {
	out := COCO{
		Info:        COCOInfo{Description: fmt.Sprintf("CDF vision segmentation job %d (%s), exported by segview", job.JobID, job.Status)},
		Images:      []COCOImage{},
		Annotations: []COCOAnnotation{},
		Categories:  []COCOCategory{{ID: segmentCategory, Name: "segment", Supercategory: "segment"}},
	}
	if t := job.StatusTime.Time(); !t.IsZero() {
		out.Info.DateCreated = t.Format("2006-01-02T15:04:05.000Z07:00")
	}
	for _, f := range skippedFiles(job, images) {
		out.Info.SkippedFiles = append(out.Info.SkippedFiles, COCOSkippedFile{FileID: f.FileID, FileName: f.Name, Reason: f.Reason})
	}
	for _, item := range job.Items {
		if img, ok := images[item.FileID]; ok && img.Skip == "" {
			out.Images = append(out.Images, COCOImage{ID: item.FileID, FileName: img.Name, Width: img.Width, Height: img.Height})
		}
	}
	return out
}

// cocoAnnotations yields the dataset's annotations in order, converting
// one file's segments at a time.
func cocoAnnotations(job *cdf.SegmentJob, images map[int64]Image, view segment.View) iter.Seq[COCOAnnotation] {
	return func(yield func(COCOAnnotation) bool) {
		id := 0
		for _, item := range job.Items {
			img, ok := images[item.FileID]
			if !ok || img.Skip != "" {
				continue
			}
			for _, r := range segment.Rank(item.Segments) {
				if !view.Shows(r) {
					continue
				}
				id++
				if !yield(cocoAnnotation(id, item.FileID, r, img)) {
					return
				}
			}
		}
	}
}

func cocoAnnotation(id int, fileID int64, r segment.Ranked, img Image) COCOAnnotation {
	rings := toPixels(r.Polygons, img.Width, img.Height)
	a := COCOAnnotation{
		ID:           id,
		ImageID:      fileID,
		CategoryID:   segmentCategory,
		Segmentation: make([][]float64, 0, len(rings)),
		Area:         finiteOr0(round2(r.Area * float64(img.Width) * float64(img.Height))),
		Score:        finiteOr0(r.Score),
		Rank:         r.Rank,
	}
	polys := make([]geom.Polygon, len(rings))
	for i, ring := range rings {
		flat := make([]float64, 0, 2*len(ring))
		for _, v := range ring {
			flat = append(flat, v.X, v.Y)
		}
		a.Segmentation = append(a.Segmentation, flat)
		polys[i] = geom.Polygon(ring)
	}
	if lo, hi, ok := geom.Bounds(polys); ok {
		a.BBox = [4]float64{lo.X, lo.Y, finiteOr0(round2(hi.X - lo.X)), finiteOr0(round2(hi.Y - lo.Y))}
	}
	return a
}
