package export

import (
	"fmt"
	"io"
	"iter"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/geom"
	"github.com/segview/segview/internal/overlay"
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
	// Project is the job's CDF project (Options.Project); segview's
	// addition, absent when unknown.
	Project string `json:"project,omitempty"`
	// DateCreated is the job's status time (when it last changed state).
	DateCreated string `json:"date_created,omitempty"`
	// SkippedFiles are the job's files left out of the dataset, and why;
	// segview's addition, absent when none is.
	SkippedFiles []COCOSkippedFile `json:"skipped_files,omitempty"`
	// FilesWithoutMasks are the files too large to rasterize (above
	// Options.MaxMaskPixels): their annotations are polygons, holes
	// included, with the area of the polygons by the even-odd rule;
	// segview's addition, absent when none is.
	FilesWithoutMasks []COCOSkippedFile `json:"files_without_masks,omitempty"`
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

// COCOAnnotation is one segment. Segmentation is either polygons, every
// ring of the segment as [x1, y1, x2, y2, ...] in pixels, or the segment's
// mask as an RLE: COCO tools combine polygons by union, so a segment whose
// rings overlap (a hole in it, or rings crossing) is written as its mask,
// and so is one with a polygon too far outside the image to write in
// pixels, and every segment with MasksRLE. Area is the mask's pixel count:
// the pixels the overlay fills (overlay.Mask). BBox is [x, y, width, height]
// of the polygons. Score, Rank and Status are segview's additions: the
// model's mask score, the segment's rank in its file (1 = best score), and
// the reviewers' verdict (StatusApproved, StatusRejected or
// StatusUnreviewed).
type COCOAnnotation struct {
	ID           int        `json:"id"`
	ImageID      int64      `json:"image_id"`
	CategoryID   int        `json:"category_id"`
	Segmentation any        `json:"segmentation"` // [][]float64 or RLE
	Area         float64    `json:"area"`
	BBox         [4]float64 `json:"bbox"`
	IsCrowd      int        `json:"iscrowd"`
	Score        float64    `json:"score"`
	Rank         int        `json:"rank"`
	Status       string     `json:"status"`
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
// skips them. Segments opts does not show (see Options) are left out too,
// and the others keep their ranks; the zero Options export every one.
func ToCOCO(job *cdf.SegmentJob, images map[int64]Image, opts Options) COCO {
	out := cocoHead(job, images, opts)
	for a := range cocoAnnotations(job, images, opts) {
		out.Annotations = append(out.Annotations, a)
	}
	return out
}

// WriteCOCO writes ToCOCO's dataset to w as JSON, the bytes json.Marshal
// gives it, one annotation at a time. It fails only when w does.
func WriteCOCO(w io.Writer, job *cdf.SegmentJob, images map[int64]Image, opts Options) error {
	head := cocoHead(job, images, opts)
	s := newJSONStream(w)
	s.raw(`{"info":`)
	s.value(head.Info)
	s.raw(`,"images":`)
	s.value(head.Images)
	s.raw(`,"annotations":`)
	array(s, cocoAnnotations(job, images, opts))
	s.raw(`,"categories":`)
	s.value(head.Categories)
	s.raw("}")
	return s.close()
}

// cocoHead is the dataset without its annotations.
func cocoHead(job *cdf.SegmentJob, images map[int64]Image, opts Options) COCO {
	out := COCO{
		Info:        COCOInfo{Description: fmt.Sprintf("CDF vision segmentation job %d (%s), exported by segview", job.JobID, job.Status), Project: opts.Project},
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
			if !opts.masks(img) {
				out.Info.FilesWithoutMasks = append(out.Info.FilesWithoutMasks, COCOSkippedFile{FileID: item.FileID, FileName: img.Name,
					Reason: fmt.Sprintf("%d×%d pixels, above the %d segview rasterizes (SEGVIEW_MAX_IMAGE_PIXELS)", img.Width, img.Height, opts.MaxMaskPixels)})
			}
		}
	}
	return out
}

// cocoAnnotations yields the dataset's annotations in order, converting
// one file's segments at a time.
func cocoAnnotations(job *cdf.SegmentJob, images map[int64]Image, opts Options) iter.Seq[COCOAnnotation] {
	return func(yield func(COCOAnnotation) bool) {
		id := 0
		for _, item := range job.Items {
			img, ok := images[item.FileID]
			if !ok || img.Skip != "" {
				continue
			}
			var masker *overlay.Masker
			if opts.masks(img) {
				masker = overlay.NewMasker(img.Width, img.Height)
			}
			for _, r := range segment.Rank(item.Segments) {
				stored := opts.stored(item.FileID, r.Rank)
				if !opts.shows(r, stored) {
					continue
				}
				id++
				if !yield(cocoAnnotation(id, item.FileID, r, img, masker, status(stored), opts.Masks)) {
					return
				}
			}
		}
	}
}

func cocoAnnotation(id int, fileID int64, r segment.Ranked, img Image, masker *overlay.Masker, status string, masks MaskMode) COCOAnnotation {
	rings := toPixels(r.Polygons, img.Width, img.Height)
	a := COCOAnnotation{
		ID:         id,
		ImageID:    fileID,
		CategoryID: segmentCategory,
		Score:      finiteOr0(r.Score),
		Rank:       r.Rank,
		Status:     status,
	}
	polys := make([]geom.Polygon, len(rings))
	for i, ring := range rings {
		polys[i] = geom.Polygon(ring)
	}
	if lo, hi, ok := geom.Bounds(polys); ok {
		a.BBox = [4]float64{lo.X, lo.Y, finiteOr0(round2(hi.X - lo.X)), finiteOr0(round2(hi.Y - lo.Y))}
	}
	measurable := 0
	for _, p := range r.Polygons {
		if p.Measurable() {
			measurable++
		}
	}
	// Polygons that overflow when scaled (far outside the image) are left
	// out of rings, not of the mask, which is then the one to write.
	if masker == nil {
		// Too large to rasterize: the polygons' own area.
		a.Area = finiteOr0(round2(r.Area * float64(img.Width) * float64(img.Height)))
	} else {
		mask := masker.Mask(r.Polygons)
		a.Area = float64(mask.Count())
		if masks == MasksRLE || len(rings) < measurable || overlapping(rings) {
			a.Segmentation = EncodeRLE(mask)
			return a
		}
	}
	flat := make([][]float64, 0, len(rings))
	for _, ring := range rings {
		xy := make([]float64, 0, 2*len(ring))
		for _, v := range ring {
			xy = append(xy, v.X, v.Y)
		}
		flat = append(flat, xy)
	}
	a.Segmentation = flat
	return a
}

// overlapping reports whether any two rings' bounding boxes overlap (by
// more than an edge): a hole in a ring, or rings that might cross. COCO
// tools fill the union of a segment's polygons, which is its even-odd
// coverage only when no two rings overlap.
func overlapping(rings []pixelRing) bool {
	type box struct{ lo, hi geom.Point }
	boxes := make([]box, len(rings))
	for i, r := range rings {
		lo, hi, _ := geom.Bounds([]geom.Polygon{geom.Polygon(r)})
		boxes[i] = box{lo, hi}
	}
	for i, a := range boxes {
		for _, b := range boxes[:i] {
			if a.lo.X < b.hi.X && b.lo.X < a.hi.X && a.lo.Y < b.hi.Y && b.lo.Y < a.hi.Y {
				return true
			}
		}
	}
	return false
}
