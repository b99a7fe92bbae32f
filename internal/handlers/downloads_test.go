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
	tests := []struct{ query, want string }{
		{"", "all 5 segments"},
		{"verdict=approved", "2 of 5 segments, approved only"},
		{"verdict=unreviewed,rejected&min_score=0.3", "2 of 5 segments, unreviewed and rejected only, score ≥ 0.3"},
		{"hide=1", "3 of 5 segments, 1 rank hidden"},
	}
	for _, tt := range tests {
		if got := exportNote(job, view(tt.query), verdicts); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.query, got, tt.want)
		}
	}
	if got := exportNote(&cdf.SegmentJob{}, segment.DefaultView(), nil); got != "" {
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
	if note != "0 of 1 segments, approved only, score ≥ 0.5" {
		t.Errorf("note %q", note)
	}
}
