package handlers

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/segment"
	"github.com/segview/segview/internal/verdict"
	"github.com/segview/segview/web/templates"
)

// downloadList is the page's list of exports, each with the page's view:
// the job's COCO, GeoJSON and JSON, then for the file the page shows (the
// view's file, or the job's first) its YOLO labels, instance mask, SVG
// (self-contained) and PNG (full resolution); and a note of what the view
// does to them, from the job's segments and their stored verdicts.
func downloadList(project string, job *cdf.SegmentJob, view View, verdicts map[verdict.Key]string) ([]templates.JobLink, string) {
	base := jobPath(project, job.JobID)
	q := dropPlace(view.Query()) // the selection and zoom change nothing in an export
	q.Del("file")                // a job's export holds every file
	links := []templates.JobLink{
		{Label: "COCO", Href: withQuery(base+"/export/coco.json", q), Description: "annotations in image pixels, masks as RLE where a segment has holes"},
		{Label: "GeoJSON", Href: withQuery(base+"/export/geojson", q), Description: "features in image pixels"},
		{Label: "Job JSON", Href: base + ".json", Description: "as CDF returned it: the view does not apply"},
	}
	fileID := view.File
	if fileID == 0 && len(job.Items) > 0 {
		fileID = job.Items[0].FileID
	}
	item, hasFile := segment.FindItem(job, fileID)
	if hasFile {
		file := base + "/files/" + strconv.FormatInt(fileID, 10)
		withExport := cloneValues(q)
		withExport.Set("export", "1")
		of := fmt.Sprintf(" of file %d", fileID)
		links = append(links,
			templates.JobLink{Label: "YOLO", Href: withQuery(file+"/yolo.txt", q), Description: "segmentation labels" + of + ", a line per ring, class 0"},
			templates.JobLink{Label: "Masks", Href: withQuery(file+"/mask.png", q), Description: "instance mask" + of + ": 16-bit PNG, 0 background, else the segment's rank"},
			templates.JobLink{Label: "SVG", Href: withQuery(file+"/overlay.svg", q), Description: "vector overlay" + of + " with the photo embedded"},
			templates.JobLink{Label: "PNG", Href: withQuery(file+"/overlay.png", withExport), Description: "the overlay" + of + " at full resolution"},
		)
	}
	var file *cdf.SegmentItem
	if hasFile {
		file = &item
	}
	return links, exportNote(job, file, view.View, verdicts)
}

func cloneValues(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// exportNote says what view does to the exports, as a sentence: how many
// segments they hold, and which filters leave the others out, as "Exports
// hold 3 of 5 segments, approved only, score ≥ 0.5." The job's exports
// (COCO, GeoJSON) hold the job's segments and the file's (YOLO, masks,
// SVG, PNG) those of file, the one the page shows: when the job has
// segments in other files, the note counts both.
func exportNote(job *cdf.SegmentJob, file *cdf.SegmentItem, view segment.View, verdicts map[verdict.Key]string) string {
	count := func(items []cdf.SegmentItem) (total, shown int) {
		for _, it := range items {
			for _, r := range segment.Rank(it.Segments) {
				total++
				if view.ShowsStatus(r, verdicts[verdict.Key{FileID: it.FileID, Rank: r.Rank}]) {
					shown++
				}
			}
		}
		return total, shown
	}
	held := func(total, shown int) string {
		if total == 0 {
			return "none"
		}
		if shown == total {
			return fmt.Sprintf("all %d", total)
		}
		return fmt.Sprintf("%d of %d", shown, total)
	}
	total, shown := count(job.Items)
	if total == 0 {
		return ""
	}
	var filters []string
	if view.Verdict != 0 {
		names := strings.Split(view.Verdict.String(), ",")
		filters = append(filters, strings.Join(names, " and ")+" only")
	}
	if view.MinScore > 0 {
		filters = append(filters, "score ≥ "+strconv.FormatFloat(view.MinScore, 'g', -1, 64))
	}
	if n := len(view.Hide); n > 0 {
		filters = append(filters, fmt.Sprintf("%d %s hidden", n, map[bool]string{true: "rank", false: "ranks"}[n == 1]))
	}
	note := "Exports hold " + held(total, shown) + " segments"
	if file != nil {
		if ft, fs := count([]cdf.SegmentItem{*file}); ft != total {
			note = fmt.Sprintf("Exports hold %s segments of the job (COCO, GeoJSON) and %s of this file (YOLO, masks, SVG, PNG)", held(total, shown), held(ft, fs))
			if len(filters) > 0 {
				return note + ": " + strings.Join(filters, ", ") + "."
			}
			return note + "."
		}
	}
	for _, f := range filters {
		note += ", " + f
	}
	return note + "."
}
