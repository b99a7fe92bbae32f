package handlers

import (
	"net/url"
	"strings"
	"testing"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/segment"
	"github.com/segview/segview/internal/verdict"
)

func TestExportNote(t *testing.T) {
	t.Parallel()
	job := &cdf.SegmentJob{JobID: 4, Items: []cdf.SegmentItem{
		{FileID: 7, Segments: []cdf.Segment{{Score: 0.9}, {Score: 0.8}, {Score: 0.4}}},
		{FileID: 8, Segments: []cdf.Segment{{Score: 0.95}, {Score: 0.2}}},
	}}
	verdicts := map[verdict.Key]string{{FileID: 7, Rank: 1}: verdict.Approved, {FileID: 8, Rank: 1}: verdict.Approved, {FileID: 7, Rank: 2}: verdict.Rejected}
	view := func(query string) segment.View {
		q, _ := url.ParseQuery(query)
		v, err := parseView(q)
		if err != nil {
			t.Fatal(err)
		}
		return v.View
	}
	file7, file8 := &job.Items[0], &job.Items[1]
	single := &cdf.SegmentJob{JobID: 5, Items: job.Items[:1]}
	tests := []struct {
		name  string
		job   *cdf.SegmentJob
		file  *cdf.SegmentItem
		query string
		want  string
	}{
		{"one file", single, file7, "", "Exports hold all 3 segments."},
		{"one file, filtered", single, file7, "verdict=approved", "Exports hold 1 of 3 segments, approved only."},
		{"one file, hidden", single, file7, "hide=1", "Exports hold 2 of 3 segments, 1 rank hidden."},
		// The reviewer's case: per-file links beside a job-wide count.
		{"two files: both counts", job, file8, "", "Exports hold all 5 segments of the job (COCO, GeoJSON) and all 2 of this file (YOLO, masks, SVG, PNG)."},
		{"two files, filtered", job, file7, "verdict=approved", "Exports hold 2 of 5 segments of the job (COCO, GeoJSON) and 1 of 3 of this file (YOLO, masks, SVG, PNG): approved only."},
		{"two files, two filters", job, file8, "verdict=unreviewed,rejected&min_score=0.3", "Exports hold 2 of 5 segments of the job (COCO, GeoJSON) and 0 of 2 of this file (YOLO, masks, SVG, PNG): unreviewed and rejected only, score ≥ 0.3."},
		{"no file shown", job, nil, "hide=1", "Exports hold 3 of 5 segments, 1 rank hidden."},
	}
	for _, tt := range tests {
		if got := exportNote(tt.job, tt.file, view(tt.query), verdicts); got != tt.want {
			t.Errorf("%s (%q):\n got %q\nwant %q", tt.name, tt.query, got, tt.want)
		}
	}
	if got := exportNote(&cdf.SegmentJob{}, nil, segment.DefaultView(), nil); got != "" {
		t.Errorf("no segments: %q", got)
	}
}

func TestDownloadList(t *testing.T) {
	t.Parallel()
	job := &cdf.SegmentJob{JobID: 4, Items: []cdf.SegmentItem{{FileID: 7, Segments: []cdf.Segment{{Score: 0.9}}}, {FileID: 8}}}
	q, _ := url.ParseQuery("verdict=approved&min_score=0.5&sel=1&zoom=2&at=0.5,0.5&file=8")
	v, err := parseView(q)
	if err != nil {
		t.Fatal(err)
	}
	links, note := downloadList("demo", job, v, nil)
	var labels []string
	for _, l := range links {
		labels = append(labels, l.Label)
		if l.Label == "Job JSON" {
			if l.Href != "/projects/demo/jobs/4.json" {
				t.Errorf("job JSON href %q: CDF's bytes, no view", l.Href)
			}
			continue
		}
		u, err := url.Parse(l.Href)
		if err != nil {
			t.Fatal(err)
		}
		got := u.Query()
		if got.Get("verdict") != "approved" || got.Get("min_score") != "0.5" || got.Has("sel") || got.Has("zoom") || got.Has("file") {
			t.Errorf("%s: %s, want the view without the place and the file", l.Label, l.Href)
		}
		if l.Label != "COCO" && l.Label != "GeoJSON" && !strings.Contains(u.Path, "/files/8/") {
			t.Errorf("%s: %s, want file 8 (the page's)", l.Label, l.Href)
		}
	}
	if strings.Join(labels, ",") != "COCO,GeoJSON,Job JSON,YOLO,Masks,SVG,PNG" {
		t.Errorf("labels %v", labels)
	}
	if note != "Exports hold 0 of 1 segments of the job (COCO, GeoJSON) and none of this file (YOLO, masks, SVG, PNG): approved only, score ≥ 0.5." {
		t.Errorf("note %q", note)
	}
}
