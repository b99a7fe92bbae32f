package handlers

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/htmltest"
	"github.com/segview/segview/internal/verdict"
	"github.com/segview/segview/web/templates"
)

var testNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func ms(t time.Time) cdf.Millis { return cdf.Millis(t.UnixMilli()) }

func square(x0, y0, x1, y1 float64) cdf.Polygon {
	return cdf.Polygon{Vertices: []cdf.Vertex{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}}
}

func TestBuildJobPage(t *testing.T) {
	t.Parallel()
	page := Page{Project: "demo"}
	completed := &cdf.SegmentJob{
		JobID: 7, Status: cdf.StatusCompleted,
		CreatedTime: ms(testNow.Add(-10 * time.Minute)), StartTime: ms(testNow.Add(-9 * time.Minute)),
		StatusTime: ms(testNow.Add(-8*time.Minute - 30*time.Second)),
		Items: []cdf.SegmentItem{{FileID: 11, Segments: []cdf.Segment{
			{Score: 0.5, Polygons: []cdf.Polygon{square(0, 0, 0.5, 0.5)}},
			{Score: 0.9, Polygons: []cdf.Polygon{square(0, 0, 1, 1), square(0.25, 0.25, 0.75, 0.75)}},
		}}},
		Prompt: cdf.Prompt{Points: []cdf.PromptPoint{{X: 0.5, Y: 0.25, Label: 1}, {X: 0.1, Y: 0.2, Label: 0}},
			BoundingBox: &cdf.BoundingBox{XMin: 0.1, YMin: 0.2, XMax: 0.5, YMax: 0.6}},
	}
	files := map[int64]cdf.File{11: {ID: 11, Name: "pump.jpg", ExternalID: "pump-1"}}

	t.Run("completed", func(t *testing.T) {
		m := buildJobPage(completed, jobPageInput{View: defaultView(), Page: page, Files: files, Now: testNow, MaxItems: 10, MaxVertices: 100})
		if !m.Terminal || m.RefreshSeconds != 0 || m.Status != "Completed" {
			t.Errorf("Terminal=%v Refresh=%d Status=%q", m.Terminal, m.RefreshSeconds, m.Status)
		}
		if m.Duration != "30 seconds" {
			t.Errorf("Duration = %q, want 30 seconds", m.Duration)
		}
		wantTimes := []templates.TimeRow{
			{Label: "Created", ISO: "2026-11-28T11:50:00Z", Relative: "10 minutes ago"},
			{Label: "Started", ISO: "2026-11-28T11:51:00Z", Relative: "9 minutes ago"},
			{Label: "Status since", ISO: "2026-11-28T11:51:30Z", Relative: "8 minutes ago"},
		}
		if diff := cmp.Diff(wantTimes, m.Times); diff != "" {
			t.Errorf("times (-want +got):\n%s", diff)
		}
		wantPrompt := templates.PromptView{
			Points: []templates.PointView{
				{Index: 1, X: "0.500", Y: "0.250", Label: "foreground", Class: "fg"},
				{Index: 2, X: "0.100", Y: "0.200", Label: "background", Class: "bg"},
			},
			Box: &templates.BoxView{XMin: "0.100", YMin: "0.200", XMax: "0.500", YMax: "0.600"},
		}
		if diff := cmp.Diff(wantPrompt, m.Prompt); diff != "" {
			t.Errorf("prompt (-want +got):\n%s", diff)
		}
		if len(m.Files) != 1 {
			t.Fatalf("files = %d", len(m.Files))
		}
		f := m.Files[0]
		if f.Name != "pump.jpg" || f.ExternalID != "pump-1" || f.ID != 11 {
			t.Errorf("file = %+v", f)
		}
		if f.OverlayURL != "/projects/demo/jobs/7/files/11/overlay.jpg?width=1600" || f.FullURL != "/projects/demo/jobs/7/files/11/overlay.jpg" ||
			f.ExportURL != "/projects/demo/jobs/7/files/11/overlay.png?export=1" {
			t.Errorf("overlay URLs = %q, %q, %q", f.OverlayURL, f.FullURL, f.ExportURL)
		}
		want := []templates.SegmentRow{
			{Rank: 1, Color: "#e69f00", Score: "0.90", ScoreValue: "0.9", Polygons: 2, Vertices: 8, Area: "75.0\u00a0%",
				SelectURL: "/projects/demo/jobs/7?sel=1#file-11"},
			{Rank: 2, Color: "#56b4e9", Score: "0.50", ScoreValue: "0.5", Polygons: 1, Vertices: 4, Area: "25.0\u00a0%",
				SelectURL: "/projects/demo/jobs/7?sel=2#file-11"},
		}
		if m.Review != nil || f.VerdictURL != "" || f.TriageURL != "" {
			t.Errorf("review offered without a verdict store: %+v %q %q", m.Review, f.VerdictURL, f.TriageURL)
		}
		if f.HitsURL != "/projects/demo/jobs/7/files/11/hits.json" {
			t.Errorf("HitsURL = %q", f.HitsURL)
		}
		if diff := cmp.Diff(want, f.Segments); diff != "" {
			t.Errorf("segments (-want +got):\n%s", diff)
		}
	})

	t.Run("view filters rows and carries the view into image URLs", func(t *testing.T) {
		v := defaultView()
		v.MinScore, v.Opacity, v.Hide, v.Sel = 0.6, 0.7, []int{5}, 2
		m := buildJobPage(completed, jobPageInput{View: v, Page: page, Files: files, Now: testNow, MaxItems: 10, MaxVertices: 100})
		f := m.Files[0]
		if f.ShownCount != "1 of 2 shown" {
			t.Errorf("ShownCount = %q, want 1 of 2 shown", f.ShownCount)
		}
		if f.Segments[0].HiddenByRank || f.Segments[1].HiddenByRank {
			t.Errorf("rows hidden by rank, want none (rank 5 is not a row)")
		}
		if got := f.Segments[0].SelectURL; got != "/projects/demo/jobs/7?hide=5&min_score=0.6&opacity=0.7&sel=1#file-11" {
			t.Errorf("SelectURL = %q: want the view with sel=1", got)
		}
		if f.Segments[0].Hidden || !f.Segments[1].Hidden || f.Segments[0].Selected || !f.Segments[1].Selected {
			t.Errorf("rows = %+v, want rank 2 hidden and selected", f.Segments)
		}
		// The selection is the page's: the images do not change with it.
		const q = "hide=5&min_score=0.6&opacity=0.7"
		if f.OverlayURL != "/projects/demo/jobs/7/files/11/overlay.jpg?"+q+"&width=1600" || f.FullURL != "/projects/demo/jobs/7/files/11/overlay.jpg?"+q ||
			f.ExportURL != "/projects/demo/jobs/7/files/11/overlay.png?export=1&"+q {
			t.Errorf("overlay URLs = %q, %q, %q", f.OverlayURL, f.FullURL, f.ExportURL)
		}
		if m.Controls.MinScore != "0.6" || m.Controls.Opacity != "0.7" || m.Controls.Hide != "5" || m.Controls.Sel != "2" || len(m.Controls.Layers) != 5 || m.Controls.Layers[4] != (templates.LayerOption{Name: "labels", Label: "Labels"}) {
			t.Errorf("controls = %+v", m.Controls)
		}
	})

	t.Run("review shows verdicts and the forms of a completed job", func(t *testing.T) {
		v := defaultView()
		v.MinScore, v.Sel = 0.6, 2
		m := buildJobPage(completed, jobPageInput{View: v, Page: page, Files: files, Now: testNow, MaxItems: 10, MaxVertices: 100,
			Review: true, Verdicts: map[verdict.Key]string{{FileID: 11, Rank: 2}: verdict.Rejected, {FileID: 99, Rank: 1}: verdict.Approved}})
		if m.Review == nil || m.Review.View != "min_score=0.6&sel=2" || m.Review.High != "0.75" || m.Review.Low != "0.25" {
			t.Fatalf("Review = %+v", m.Review)
		}
		f := m.Files[0]
		if f.VerdictURL != "/projects/demo/jobs/7/files/11/verdicts" || f.TriageURL != "/projects/demo/jobs/7/files/11/triage" {
			t.Errorf("form URLs = %q, %q", f.VerdictURL, f.TriageURL)
		}
		if f.Segments[0].Verdict != "" || f.Segments[1].Verdict != verdict.Rejected {
			t.Errorf("verdicts = %q, %q; want none and rejected", f.Segments[0].Verdict, f.Segments[1].Verdict)
		}
	})

	t.Run("hide checks the row's box", func(t *testing.T) {
		v := defaultView()
		v.Hide = []int{2}
		f := buildJobPage(completed, jobPageInput{View: v, Page: page, Files: files, Now: testNow, MaxItems: 10}).Files[0]
		if f.Segments[0].HiddenByRank || !f.Segments[1].HiddenByRank || !f.Segments[1].Hidden {
			t.Errorf("rows = %+v, want rank 2 hidden by rank", f.Segments)
		}
	})

	t.Run("no review of a running job", func(t *testing.T) {
		running := *completed
		running.Status = cdf.StatusRunning
		m := buildJobPage(&running, jobPageInput{View: defaultView(), Page: page, Files: files, Now: testNow, MaxItems: 10, Review: true})
		if m.Review != nil || len(m.Files) > 0 && m.Files[0].VerdictURL != "" {
			t.Errorf("review offered on a running job: %+v", m.Review)
		}
	})

	t.Run("no counter without filtering", func(t *testing.T) {
		m := buildJobPage(completed, jobPageInput{View: defaultView(), Page: page, Files: files, Now: testNow, MaxItems: 10, MaxVertices: 100})
		if c := m.Files[0].ShownCount; c != "" {
			t.Errorf("ShownCount = %q, want none", c)
		}
	})

	t.Run("running refreshes and shows duration so far", func(t *testing.T) {
		job := &cdf.SegmentJob{JobID: 8, Status: cdf.StatusRunning, CreatedTime: ms(testNow.Add(-time.Hour)),
			StartTime: ms(testNow.Add(-2 * time.Minute)), StatusTime: ms(testNow.Add(-2 * time.Minute))}
		m := buildJobPage(job, jobPageInput{View: defaultView(), Page: page, Now: testNow})
		if m.Terminal || m.RefreshSeconds != refreshSeconds || m.Duration != "2 minutes so far" {
			t.Errorf("Terminal=%v Refresh=%d Duration=%q", m.Terminal, m.RefreshSeconds, m.Duration)
		}
	})

	t.Run("queued has no duration and unset times", func(t *testing.T) {
		job := &cdf.SegmentJob{JobID: 9, Status: cdf.StatusQueued, CreatedTime: ms(testNow)}
		m := buildJobPage(job, jobPageInput{View: defaultView(), Page: page, Now: testNow})
		if m.Duration != "" || m.Times[1].ISO != "" || m.Times[0].Relative != "just now" {
			t.Errorf("Duration=%q Started=%+v Created=%+v", m.Duration, m.Times[1], m.Times[0])
		}
	})

	t.Run("failed items grouped by message", func(t *testing.T) {
		job := &cdf.SegmentJob{JobID: 10, Status: cdf.StatusFailed, ErrorMessage: "boom",
			FailedItems: []cdf.FailedBatch{
				{ErrorMessage: "Unsupported image", Items: []cdf.FileRef{{FileID: 11}, {FileID: 12, FileExternalID: "x"}}},
				{ErrorMessage: "Timeout", Items: []cdf.FileRef{{FileInstanceID: &cdf.InstanceID{Space: "s", ExternalID: "e"}}}},
				{ErrorMessage: "Unsupported image", Items: []cdf.FileRef{{FileID: 13}}},
				{Items: []cdf.FileRef{{}}},
			}}
		m := buildJobPage(job, jobPageInput{View: defaultView(), Page: page, Files: files, Now: testNow})
		want := []templates.FailedGroup{
			{Message: "Unsupported image", Files: []string{"pump.jpg · id 11", "id 12 · externalId x", "id 13"}},
			{Message: "Timeout", Files: []string{"instanceId s:e"}},
			{Message: "CDF gave no error message.", Files: []string{"an unnamed file"}},
		}
		if diff := cmp.Diff(want, m.FailedGroups); diff != "" {
			t.Errorf("groups (-want +got):\n%s", diff)
		}
		if m.ErrorMessage != "boom" {
			t.Errorf("ErrorMessage = %q", m.ErrorMessage)
		}
	})

	t.Run("item and vertex limits", func(t *testing.T) {
		job := &cdf.SegmentJob{JobID: 11, Status: cdf.StatusCompleted}
		for i := int64(1); i <= 5; i++ {
			job.Items = append(job.Items, cdf.SegmentItem{FileID: i, Segments: []cdf.Segment{{Score: 1, Polygons: []cdf.Polygon{square(0, 0, 1, 1)}}}})
		}
		m := buildJobPage(job, jobPageInput{View: defaultView(), Page: page, Now: testNow, MaxItems: 3, MaxVertices: 3})
		if len(m.Files) != 3 || m.HiddenFiles != 2 {
			t.Errorf("files=%d hidden=%d", len(m.Files), m.HiddenFiles)
		}
		if m.Files[0].OverlayURL != "" || !strings.Contains(m.Files[0].NotRendered, "SEGVIEW_MAX_VERTICES") {
			t.Errorf("vertex limit not applied: %+v", m.Files[0])
		}
		if m.Files[0].Name != "File 1" {
			t.Errorf("unknown file name = %q", m.Files[0].Name)
		}
		if got := fileIDs(job, 3); !cmp.Equal(got, []int64{1, 2, 3}) {
			t.Errorf("fileIDs = %v", got)
		}
	})

	t.Run("degenerate geometry is reported", func(t *testing.T) {
		job := &cdf.SegmentJob{JobID: 12, Status: cdf.StatusCompleted, Items: []cdf.SegmentItem{{FileID: 11, Segments: []cdf.Segment{
			{Score: 0.3, Polygons: []cdf.Polygon{{Vertices: []cdf.Vertex{{X: 0.1, Y: 0.1}, {X: 0.2, Y: 0.2}}}}},
			{Score: 0.2, Polygons: []cdf.Polygon{{Vertices: []cdf.Vertex{{X: math.NaN(), Y: 0.1}, {X: 0.2, Y: 0.2}, {X: 0.3, Y: 1.5}}}}},
		}}}}
		m := buildJobPage(job, jobPageInput{View: defaultView(), Page: page, Now: testNow})
		if got := len(m.Files[0].Problems); got < 2 {
			t.Errorf("problems = %q, want one per bad polygon", m.Files[0].Problems)
		}
	})
}

// TestJobTemplate renders the job page model and checks the hooks the
// browser tests and people rely on.
func TestJobTemplate(t *testing.T) {
	t.Parallel()
	job := &cdf.SegmentJob{JobID: 7, Status: cdf.StatusRunning, StartTime: ms(testNow)}
	m := buildJobPage(job, jobPageInput{View: defaultView(), Page: Page{Project: "demo", Demo: true}, Now: testNow})
	var buf bytes.Buffer
	if err := templates.Job(m).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	doc := htmltest.Parse(t, buf.Bytes())
	if got := htmltest.Text(doc.One(t, "job-status")); got != "Running" {
		t.Errorf("status = %q", got)
	}
	doc.One(t, "demo-badge")
	doc.One(t, "refreshing")
	// Parsed as a browser without JavaScript does, the meta refresh
	// applies; it sits in <noscript>, so with JavaScript it does not.
	noJS, err := html.ParseWithOptions(bytes.NewReader(buf.Bytes()), html.ParseOptionEnableScripting(false))
	if err != nil {
		t.Fatal(err)
	}
	var refreshes []*html.Node
	for _, meta := range htmltest.ByTag(noJS, "meta") {
		if htmltest.Attr(meta, "http-equiv") == "refresh" {
			refreshes = append(refreshes, meta)
		}
	}
	if len(refreshes) != 1 || htmltest.Attr(refreshes[0], "content") != "5" {
		t.Fatalf("running job page: %d meta refreshes, want one of 5 s", len(refreshes))
	}
	if p := refreshes[0].Parent; p == nil || p.Data != "noscript" || p.Parent == nil || p.Parent.Data != "head" {
		t.Errorf("the meta refresh is not in <noscript> in <head>")
	}
	if got := htmltest.Attr(doc.One(t, "job-status"), "data-status-url"); got != "/projects/demo/jobs/7/status" {
		t.Errorf("data-status-url = %q", got)
	}
	if got := htmltest.Attr(doc.One(t, "job-status"), "data-status"); got != "Running" {
		t.Errorf("data-status = %q", got)
	}
	box := doc.One(t, "copy-link-box")
	if !hasAttr(box, "hidden") {
		t.Errorf("the Copy link button shows without JavaScript")
	}
	if got := htmltest.Text(doc.One(t, "copy-link")); got != "Copy link" {
		t.Errorf("copy link button = %q", got)
	}

	t.Run("a finished job neither refreshes nor polls", func(t *testing.T) {
		done := &cdf.SegmentJob{JobID: 7, Status: cdf.StatusCompleted, StartTime: ms(testNow)}
		var buf bytes.Buffer
		if err := templates.Job(buildJobPage(done, jobPageInput{View: defaultView(), Page: Page{Project: "demo"}, Now: testNow})).Render(context.Background(), &buf); err != nil {
			t.Fatal(err)
		}
		doc := htmltest.Parse(t, buf.Bytes())
		if len(doc.ByTag("noscript")) != 0 || hasAttr(doc.One(t, "job-status"), "data-status-url") {
			t.Errorf("a completed job's page refreshes or polls")
		}
		doc.One(t, "copy-link")
	})
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}
