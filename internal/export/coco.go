package export

import (
	"fmt"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/geom"
	"github.com/segview/segview/internal/render"
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
// Polygons with fewer than three vertices or a non-finite coordinate are
// left out of the segmentation, as the overlay skips them. Segments the
// view does not show (below its MinScore, or hidden) are left out too,
// and the others keep their ranks; render.DefaultView exports every one.
func ToCOCO(job *cdf.SegmentJob, images map[int64]Image, view render.View) COCO {
	out := COCO{
		Info:        COCOInfo{Description: fmt.Sprintf("CDF vision segmentation job %d (%s), exported by segview", job.JobID, job.Status)},
		Images:      []COCOImage{},
		Annotations: []COCOAnnotation{},
		Categories:  []COCOCategory{{ID: segmentCategory, Name: "segment", Supercategory: "segment"}},
	}
	if t := job.StatusTime.Time(); !t.IsZero() {
		out.Info.DateCreated = t.Format("2006-01-02T15:04:05.000Z07:00")
	}
	for _, item := range job.Items {
		img, ok := images[item.FileID]
		if !ok {
			continue
		}
		out.Images = append(out.Images, COCOImage{ID: item.FileID, FileName: img.Name, Width: img.Width, Height: img.Height})
		for _, r := range render.Rank(item.Segments) {
			if !view.Shows(r) {
				continue
			}
			rings := toPixels(r.Polygons, img.Width, img.Height)
			a := COCOAnnotation{
				ID:           len(out.Annotations) + 1,
				ImageID:      item.FileID,
				CategoryID:   segmentCategory,
				Segmentation: make([][]float64, 0, len(rings)),
				Area:         round2(r.Area * float64(img.Width) * float64(img.Height)),
				Score:        r.Score,
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
				a.BBox = [4]float64{lo.X, lo.Y, round2(hi.X - lo.X), round2(hi.Y - lo.Y)}
			}
			out.Annotations = append(out.Annotations, a)
		}
	}
	return out
}
