package handlers

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/htmltest"
	"github.com/segview/segview/web/templates"
)

// TestParseViewFile: file= is a file id, kept by the view's query.
func TestParseViewFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query string
		want  int64
		bad   bool
	}{
		{"", 0, false},
		{"file=", 0, false},
		{"file=12", 12, false},
		{"file=12&file=13", 12, false}, // a number counts once
		{"file=7322174101553901", 7322174101553901, false},
		{"file=0", 0, true},
		{"file=-3", 0, true},
		{"file=abc", 0, true},
		{"file=1.5", 0, true},
		{"file=+4", 0, true},
		{"file=99999999999999999999", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			v, err := parseView(q)
			if tt.bad {
				var in *inputError
				if !errors.As(err, &in) || !strings.Contains(in.msg, "file id") {
					t.Fatalf("parseView(%q) = %v, want an input error naming the file id", tt.query, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.File != tt.want {
				t.Errorf("File = %d, want %d", v.File, tt.want)
			}
			again, err := parseView(v.Query())
			if err != nil || again.File != tt.want {
				t.Errorf("round trip through %q: %d, %v", v.Query().Encode(), again.File, err)
			}
		})
	}
}

// threeFiles is a completed job of three files, built as the job page.
func threeFiles(t *testing.T, view View) templates.JobPage {
	t.Helper()
	job := &cdf.SegmentJob{JobID: 7, Status: cdf.StatusCompleted}
	for i, id := range []int64{11, 12, 13} {
		var segs []cdf.Segment
		for range i + 1 {
			segs = append(segs, cdf.Segment{Score: 0.9, Polygons: []cdf.Polygon{square(0, 0, 0.5, 0.5)}})
		}
		job.Items = append(job.Items, cdf.SegmentItem{FileID: id, Segments: segs})
	}
	files := map[int64]cdf.File{11: {ID: 11, Name: "a.png"}, 12: {ID: 12, Name: "b.jpg"}}
	return buildJobPage(job, jobPageInput{View: view, Page: Page{Project: "demo"}, Files: files, Now: testNow, MaxItems: 10, MaxVertices: 1000, Review: true})
}

// TestPickFile: the job page shows the file of file=, or the first; its
// file list links every file with the view kept (the zoom too), and
// the queue when the page is in one; an unknown file is an input error
// naming it and the job's files.
func TestPickFile(t *testing.T) {
	t.Parallel()
	view := func(q string) View {
		v, err := parseView(mustQuery(t, q))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name      string
		query     string
		queue     []int64
		shown     int64
		position  int
		prev      string
		next      string
		link13    string
		segments  []int
		viewURL   string
		formInput string
	}{
		{name: "no file: the first", query: "min_score=0.5", shown: 11, position: 1,
			next: "/projects/demo/jobs/7?file=12&min_score=0.5", link13: "/projects/demo/jobs/7?file=13&min_score=0.5"},
		{name: "the second", query: "file=12&min_score=0.5&sel=2", shown: 12, position: 2,
			prev:      "/projects/demo/jobs/7?file=11&min_score=0.5&sel=2",
			next:      "/projects/demo/jobs/7?file=13&min_score=0.5&sel=2",
			link13:    "/projects/demo/jobs/7?file=13&min_score=0.5&sel=2",
			formInput: "12"},
		{name: "the last, zoomed: links keep the zoom", query: "file=13&zoom=2&at=0.25,0.5", shown: 13, position: 3,
			prev: "/projects/demo/jobs/7?at=0.25%2C0.5&file=12&zoom=2", link13: "/projects/demo/jobs/7?at=0.25%2C0.5&file=13&zoom=2", formInput: "13"},
		{name: "in a queue", query: "file=11", queue: []int64{6, 7}, shown: 11, position: 1,
			next: "/projects/demo/jobs/7?file=12&queue=6,7", link13: "/projects/demo/jobs/7?file=13&queue=6,7", formInput: "11"},
		{name: "a queue without the job", query: "", queue: []int64{5, 6}, shown: 11, position: 1,
			next: "/projects/demo/jobs/7?file=12", link13: "/projects/demo/jobs/7?file=13"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := view(tt.query)
			m := threeFiles(t, v)
			placeInQueue(&m, "demo", v, tt.queue)
			if err := pickFile(&m, "demo", v, tt.queue); err != nil {
				t.Fatal(err)
			}
			if len(m.Files) != 1 || m.Files[0].ID != tt.shown {
				t.Fatalf("files shown %+v, want only %d", m.Files, tt.shown)
			}
			n := m.FileNav
			if n == nil {
				t.Fatal("no file list on a job of three files")
			}
			if n.Position != tt.position || n.PrevURL != tt.prev || n.NextURL != tt.next {
				t.Errorf("position %d prev %q next %q, want %d %q %q", n.Position, n.PrevURL, n.NextURL, tt.position, tt.prev, tt.next)
			}
			var names []string
			var current []int64
			for _, f := range n.Files {
				names = append(names, f.Name)
				if f.Current {
					current = append(current, f.ID)
				}
			}
			if diff := cmp.Diff([]string{"a.png", "b.jpg", "File 13"}, names); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			if !cmp.Equal(current, []int64{tt.shown}) {
				t.Errorf("current %v, want [%d]", current, tt.shown)
			}
			if got := []int{n.Files[0].Segments, n.Files[1].Segments, n.Files[2].Segments}; !cmp.Equal(got, []int{1, 2, 3}) {
				t.Errorf("segment counts %v", got)
			}
			if n.Files[2].Href != tt.link13 {
				t.Errorf("link to file 13 %q, want %q", n.Files[2].Href, tt.link13)
			}
			if m.Controls.File != tt.formInput {
				t.Errorf("view form's file %q, want %q", m.Controls.File, tt.formInput)
			}
			// The images, exports and queue neighbours do not carry the file.
			f := m.Files[0]
			links := []string{f.OverlayURL, f.FullURL, f.ExportURL}
			for _, d := range m.Downloads {
				links = append(links, d.Href)
			}
			if m.Queue != nil {
				links = append(links, m.Queue.PrevURL, m.Queue.NextURL)
			}
			for _, l := range links {
				if strings.Contains(l, "file=") {
					t.Errorf("%q carries the file", l)
				}
			}
			// The selection links and the verdict forms keep it.
			if v.File != 0 {
				if sel := f.Segments[0].SelectURL; !strings.Contains(sel, "file="+strconv.FormatInt(f.ID, 10)) {
					t.Errorf("select link %q does not keep the file", sel)
				}
				if m.Review == nil || !strings.Contains(m.Review.View, "file="+strconv.FormatInt(f.ID, 10)) {
					t.Errorf("verdict forms' view %+v does not keep the file", m.Review)
				}
			}
		})
	}
}

func TestPickFileRefusesOthers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files int
		id    int64
		want  []string
	}{
		{"not a file of the job", 3, 99, []string{"99", "job 7", "11, 12, 13"}},
		{"a failed job", 0, 11, []string{"11", "job 7", "no segmented files"}},
		{"beyond the item limit", 3, 13, []string{"13", "11, 12", "SEGVIEW_MAX_ITEMS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := defaultView()
			v.File = tt.id
			m := threeFiles(t, v)
			m.Files = m.Files[:tt.files]
			if tt.name == "beyond the item limit" {
				m.Files, m.HiddenFiles, m.ItemLimit = m.Files[:2], 1, 2
			}
			err := pickFile(&m, "demo", v, nil)
			var in *inputError
			if !errors.As(err, &in) {
				t.Fatalf("pickFile = %v, want an input error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(in.msg, w) {
					t.Errorf("message %q does not say %q", in.msg, w)
				}
			}
		})
	}
	t.Run("many files are counted, not all listed", func(t *testing.T) {
		t.Parallel()
		m := templates.JobPage{JobID: 7}
		for id := int64(1); id <= 40; id++ {
			m.Files = append(m.Files, templates.FileView{ID: id})
		}
		v := defaultView()
		v.File = 99
		err := pickFile(&m, "demo", v, nil)
		var in *inputError
		if !errors.As(err, &in) || !strings.Contains(in.msg, "1, 2, 3, 4, 5 and 35 more") {
			t.Errorf("message %v, want the first five ids and a count", err)
		}
	})
	t.Run("one file: no list", func(t *testing.T) {
		t.Parallel()
		m := threeFiles(t, defaultView())
		m.Files = m.Files[:1]
		if err := pickFile(&m, "demo", defaultView(), nil); err != nil || m.FileNav != nil || len(m.Files) != 1 {
			t.Errorf("pickFile = %v, nav %+v, files %d", err, m.FileNav, len(m.Files))
		}
	})
}

func mustQuery(t *testing.T, s string) url.Values {
	t.Helper()
	q, err := url.ParseQuery(s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// TestJobTemplateWorkspace renders the job page of a file of three and
// checks the workspace's hooks: one file, its stage area and side panel,
// the file list with the shown file marked, the previous and next links
// with their keys, and the view form carrying the file.
func TestJobTemplateWorkspace(t *testing.T) {
	t.Parallel()
	v, err := parseView(mustQuery(t, "file=12&min_score=0.5"))
	if err != nil {
		t.Fatal(err)
	}
	m := threeFiles(t, v)
	if err := pickFile(&m, "demo", v, nil); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := templates.Job(m).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	doc := htmltest.Parse(t, buf.Bytes())
	files := doc.ByTestID("file")
	if len(files) != 1 || htmltest.Attr(files[0], "data-file-id") != "12" {
		t.Fatalf("%d files shown, want file 12 alone", len(files))
	}
	stage := doc.One(t, "stage-area")
	if len(htmltest.ByTestID(stage, "overlay")) != 1 {
		t.Errorf("the stage area holds no overlay image")
	}
	panel := doc.One(t, "side-panel")
	for _, id := range []string{"segments-panel", "downloads", "prompt"} {
		if len(htmltest.ByTestID(panel, id)) != 1 {
			t.Errorf("the side panel holds no %s", id)
		}
	}
	doc.One(t, "toolbar")
	doc.One(t, "prompt-summary")
	var current []string
	for _, a := range htmltest.ByTestID(doc.One(t, "file-nav"), "file-link") {
		if htmltest.Attr(a, "aria-current") == "page" {
			current = append(current, htmltest.Attr(a, "data-file-id"))
		}
	}
	if !cmp.Equal(current, []string{"12"}) {
		t.Errorf("current file links %v, want [12]", current)
	}
	if got := htmltest.Text(doc.One(t, "file-position")); got != "File 2 of 3" {
		t.Errorf("position %q", got)
	}
	for id, key := range map[string]string{"file-prev": ",", "file-next": "."} {
		a := doc.One(t, id)
		if htmltest.Attr(a, "aria-keyshortcuts") != key || !strings.Contains(htmltest.Attr(a, "href"), "min_score=0.5") {
			t.Errorf("%s: href %q, keys %q", id, htmltest.Attr(a, "href"), htmltest.Attr(a, "aria-keyshortcuts"))
		}
	}
	var file []string
	for _, in := range htmltest.ByTag(doc.One(t, "view-form"), "input") {
		if htmltest.Attr(in, "name") == "file" {
			file = append(file, htmltest.Attr(in, "value"))
		}
	}
	if !cmp.Equal(file, []string{"12"}) {
		t.Errorf("the view form's file inputs %v, want [12]", file)
	}
}
