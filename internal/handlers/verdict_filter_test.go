package handlers

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/segment"
	"github.com/segview/segview/internal/verdict"
	"github.com/segview/segview/web/templates"
)

// reviewJob is a completed job of two files, three segments and one.
func reviewJob() *cdf.SegmentJob {
	return &cdf.SegmentJob{JobID: 7, Status: cdf.StatusCompleted, Items: []cdf.SegmentItem{
		{FileID: 11, Segments: []cdf.Segment{
			{Score: 0.9, Polygons: []cdf.Polygon{square(0, 0, 0.5, 0.5)}},
			{Score: 0.6, Polygons: []cdf.Polygon{square(0.5, 0.5, 1, 1)}},
			{Score: 0.3, Polygons: []cdf.Polygon{square(0.2, 0.2, 0.4, 0.4)}},
		}},
		{FileID: 12, Segments: []cdf.Segment{{Score: 0.8, Polygons: []cdf.Polygon{square(0, 0, 1, 1)}}}},
	}}
}

func TestBuildJobPageVerdictFilter(t *testing.T) {
	t.Parallel()
	stored := map[verdict.Key]string{{FileID: 11, Rank: 1}: "approved", {FileID: 11, Rank: 3}: "rejected"}
	tests := []struct {
		name         string
		filter       segment.VerdictFilter
		wantFiltered []bool // file 11's rows
		wantShown    string
	}{
		{"every segment", 0, []bool{false, false, false}, ""},
		{"unreviewed", segment.VerdictUnreviewed, []bool{true, false, true}, "1 of 3 shown"},
		{"approved", segment.VerdictApproved, []bool{false, true, true}, "1 of 3 shown"},
		{"reviewed", segment.VerdictApproved | segment.VerdictRejected, []bool{false, true, false}, "2 of 3 shown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			view := defaultView()
			view.Verdict = tt.filter
			m := buildJobPage(reviewJob(), jobPageInput{View: view, Page: Page{Project: "demo"}, Now: testNow, Review: true, Verdicts: stored})
			f := m.Files[0]
			var filtered []bool
			for _, r := range f.Segments {
				filtered = append(filtered, r.Filtered)
				if r.Filtered && !r.Hidden {
					t.Errorf("rank %d is left out by the filter but not marked hidden", r.Rank)
				}
			}
			if diff := cmp.Diff(tt.wantFiltered, filtered); diff != "" {
				t.Errorf("rows left out (-want +got):\n%s", diff)
			}
			if f.ShownCount != tt.wantShown {
				t.Errorf("ShownCount = %q, want %q", f.ShownCount, tt.wantShown)
			}
			img, err := url.Parse(f.OverlayURL)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := img.Query().Get("verdict"), tt.filter.String(); got != want {
				t.Errorf("overlay verdict = %q, want %q", got, want)
			}
			if (img.Query().Get(verdictsSeenParam) != "") != (tt.filter != 0) {
				t.Errorf("overlay %q: rv only with a filter", f.OverlayURL)
			}
			for _, d := range m.Downloads {
				if tt.filter != 0 && !strings.Contains(d.Href, "verdict=") && !strings.HasSuffix(d.Href, ".json") {
					t.Errorf("download %q drops the filter", d.Href)
				}
			}
			// The counts ignore the filter.
			if diff := cmp.Diff(&templates.ReviewProgress{JobReviewed: 2, JobTotal: 4}, m.Progress); diff != "" {
				t.Errorf("progress (-want +got):\n%s", diff)
			}
			if f.Reviewed != 2 || m.Files[1].Reviewed != 0 {
				t.Errorf("files reviewed %d and %d, want 2 and 0", f.Reviewed, m.Files[1].Reviewed)
			}
		})
	}
	t.Run("no review without it", func(t *testing.T) {
		m := buildJobPage(reviewJob(), jobPageInput{View: defaultView(), Page: Page{Project: "demo"}, Now: testNow})
		if m.Progress != nil {
			t.Errorf("progress %+v without review", m.Progress)
		}
	})
}

func TestReviewProgressCounts(t *testing.T) {
	t.Parallel()
	rows := func(n int) []templates.SegmentRow { return make([]templates.SegmentRow, n) }
	tests := []struct {
		name  string
		files []templates.FileView
		want  templates.ReviewProgress
		done  bool
	}{
		{"none", nil, templates.ReviewProgress{}, false},
		{"some", []templates.FileView{{ID: 1, Segments: rows(3), Reviewed: 1}, {ID: 2, Segments: rows(2), Reviewed: 2}}, templates.ReviewProgress{JobReviewed: 3, JobTotal: 5}, false},
		{"all", []templates.FileView{{ID: 1, Segments: rows(3), Reviewed: 3}}, templates.ReviewProgress{JobReviewed: 3, JobTotal: 3}, true},
		{"a file listed twice counts once", []templates.FileView{{ID: 1, Segments: rows(2), Reviewed: 2}, {ID: 1, Segments: rows(2), Reviewed: 2}, {ID: 2, Segments: rows(1)}},
			templates.ReviewProgress{JobReviewed: 2, JobTotal: 3}, false},
		{"no segments is not finished", []templates.FileView{{ID: 1}}, templates.ReviewProgress{}, false},
	}
	for _, tt := range tests {
		got := reviewProgress(tt.files)
		if diff := cmp.Diff(tt.want, *got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
		if got.Finished() != tt.done {
			t.Errorf("%s: Finished = %v, want %v", tt.name, got.Finished(), tt.done)
		}
	}
}

func TestVerdictsSeen(t *testing.T) {
	t.Parallel()
	ranked := segment.Rank(reviewJob().Items[0].Segments)
	fp := func(m map[verdict.Key]string) string { return verdictsSeen(ranked, m, 11) }
	none := fp(nil)
	one := fp(map[verdict.Key]string{{FileID: 11, Rank: 1}: "approved"})
	other := fp(map[verdict.Key]string{{FileID: 11, Rank: 1}: "rejected"})
	if none == one || one == other || none == other {
		t.Errorf("fingerprints %q, %q, %q: want three", none, one, other)
	}
	if got := fp(map[verdict.Key]string{{FileID: 12, Rank: 1}: "approved"}); got != none {
		t.Errorf("another file's verdict changed the fingerprint: %q vs %q", got, none)
	}
	for _, s := range []string{none, one, other} {
		if err := checkVerdictsSeen(url.Values{verdictsSeenParam: {s}}); err != nil {
			t.Errorf("the page's own rv %q refused: %v", s, err)
		}
	}
	for _, bad := range []string{"<x>", "ABC", "12345678901234", "a b"} {
		var in *inputError
		if err := checkVerdictsSeen(url.Values{verdictsSeenParam: {bad}}); !errors.As(err, &in) || !strings.Contains(in.msg, "rv") {
			t.Errorf("rv %q: error %v, want a 400 naming rv", bad, err)
		}
	}
}
