package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"
	"golang.org/x/net/html"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/htmltest"
	"github.com/segview/segview/internal/segment"
	"github.com/segview/segview/internal/verdict"
	"github.com/segview/segview/web/templates"
)

func TestParseJobList(t *testing.T) {
	t.Parallel()
	many := func(n int) string {
		s := make([]string, n)
		for i := range s {
			s[i] = fmt.Sprint(i + 1)
		}
		return strings.Join(s, ",")
	}
	tests := []struct {
		name   string
		values []string
		want   []int64
		// wantErr lists what the 400's message must contain.
		wantErr []string
	}{
		{name: "none", values: nil, want: nil},
		{name: "commas", values: []string{"1001,1002,1003"}, want: []int64{1001, 1002, 1003}},
		{name: "spaces, tabs and newlines", values: []string{"1001 1002\n1003\r\n1004\t1005"}, want: []int64{1001, 1002, 1003, 1004, 1005}},
		{name: "mixed and doubled separators", values: []string{" 1001, ,1002 ,\n\n1003, "}, want: []int64{1001, 1002, 1003}},
		{name: "duplicates count once, first place kept", values: []string{"1003,1001,1003,1002,1001"}, want: []int64{1003, 1001, 1002}},
		{name: "several values join", values: []string{"1001", "1002,1001"}, want: []int64{1001, 1002}},
		{name: "500 ids", values: []string{many(500)}, want: nil},
		{name: "500 ids once duplicates go", values: []string{many(500) + "," + many(20)}, want: nil},
		{name: "501 ids", values: []string{many(501)}, wantErr: []string{"501 jobs", "at most 500"}},
		{name: "bad ids named", values: []string{"1001,abc,0,-4,1002,99999999999999999999"}, wantErr: []string{`"abc"`, `"0"`, `"-4"`, `"99999999999999999999"`}},
		{name: "a long bad id is clipped", values: []string{strings.Repeat("x", 300)}, wantErr: []string{strings.Repeat("x", 64) + "…"}},
		{name: "a decimal is not an id", values: []string{"1001.5"}, wantErr: []string{`"1001.5"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseJobList(tt.values, "jobs")
			if tt.wantErr != nil {
				var in *inputError
				if !errors.As(err, &in) {
					t.Fatalf("error = %v, want an inputError (400)", err)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(in.msg, w) {
						t.Errorf("message %q does not say %q", in.msg, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(tt.name, "500") {
				if len(got) != 500 || got[0] != 1 || got[499] != 500 {
					t.Errorf("got %d ids, want 1..500", len(got))
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlaceInQueue(t *testing.T) {
	t.Parallel()
	ids := []int64{1001, 1002, 1003}
	view := defaultView()
	view.MinScore, view.Sel = 0.5, 2
	const q = "queue=1001,1002,1003"
	tests := []struct {
		name  string
		job   int64
		ids   []int64
		want  *templates.QueueNav
		wantV string // the page's ViewURL
	}{
		{name: "first", job: 1001, ids: ids, want: &templates.QueueNav{Position: 1, Total: 3, QueueURL: "/projects/p/review?jobs=1001,1002,1003",
			NextURL: "/projects/p/jobs/1002?min_score=0.5&" + q, NextID: 1002},
			wantV: "/projects/p/jobs/1001?min_score=0.5&sel=2&" + q},
		{name: "middle", job: 1002, ids: ids, want: &templates.QueueNav{Position: 2, Total: 3, QueueURL: "/projects/p/review?jobs=1001,1002,1003",
			PrevURL: "/projects/p/jobs/1001?min_score=0.5&" + q, PrevID: 1001,
			NextURL: "/projects/p/jobs/1003?min_score=0.5&" + q, NextID: 1003},
			wantV: "/projects/p/jobs/1002?min_score=0.5&sel=2&" + q},
		{name: "last", job: 1003, ids: ids, want: &templates.QueueNav{Position: 3, Total: 3, QueueURL: "/projects/p/review?jobs=1001,1002,1003",
			PrevURL: "/projects/p/jobs/1002?min_score=0.5&" + q, PrevID: 1002},
			wantV: "/projects/p/jobs/1003?min_score=0.5&sel=2&" + q},
		{name: "not in the queue", job: 7, ids: ids, want: nil, wantV: "unchanged"},
		{name: "no queue", job: 1001, ids: nil, want: nil, wantV: "unchanged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := templates.JobPage{JobID: tt.job, ViewURL: "unchanged"}
			placeInQueue(&m, "p", view, tt.ids)
			if diff := cmp.Diff(tt.want, m.Queue); diff != "" {
				t.Errorf("nav (-want +got):\n%s", diff)
			}
			if m.ViewURL != tt.wantV {
				t.Errorf("ViewURL = %q, want %q", m.ViewURL, tt.wantV)
			}
			if wantForm := map[bool]string{true: "1001,1002,1003", false: ""}[tt.want != nil]; m.Controls.Queue != wantForm {
				t.Errorf("form's queue = %q, want %q", m.Controls.Queue, wantForm)
			}
		})
	}
}

// queueReader serves jobs from a map (others are CDF's 404) and, inside a
// synctest bubble, holds each read for a second of the bubble's clock,
// counting the reads in flight.
type queueReader struct {
	Reader // only SegmentJob is called
	jobs   map[int64]*cdf.SegmentJob
	hold   bool

	mu            sync.Mutex
	calls         int
	inFlight, max int
}

func (r *queueReader) SegmentJob(ctx context.Context, id int64) (*cdf.SegmentJob, error) {
	r.mu.Lock()
	r.calls++
	r.inFlight++
	r.max = max(r.max, r.inFlight)
	r.mu.Unlock()
	if r.hold {
		time.Sleep(time.Second)
	}
	r.mu.Lock()
	r.inFlight--
	r.mu.Unlock()
	if j, ok := r.jobs[id]; ok {
		return j, nil
	}
	return nil, &cdf.APIError{Status: http.StatusNotFound, Message: "job not found", RequestID: "req-7"}
}

// queueVerdicts serves verdicts from a map and records the jobs asked.
type queueVerdicts struct {
	verdicts map[verdict.Key]string
	err      error
	mu       sync.Mutex
	asked    []int64
}

func (v *queueVerdicts) Load(_ context.Context, jobID int64, _ []int64) (map[verdict.Key]string, error) {
	v.mu.Lock()
	v.asked = append(v.asked, jobID)
	v.mu.Unlock()
	return v.verdicts, v.err
}

func (v *queueVerdicts) Set(context.Context, segment.FileResults, map[int]string, string) (map[int]string, error) {
	return nil, errors.New("not used")
}

// refreshes counts the meta refreshes of body as a browser without
// JavaScript sees them (they sit in <noscript>).
func refreshes(t *testing.T, body []byte) int {
	t.Helper()
	noJS, err := html.ParseWithOptions(bytes.NewReader(body), html.ParseOptionEnableScripting(false))
	if err != nil {
		t.Fatal(err)
	}
	return len(htmltest.Find(noJS, func(n *html.Node) bool { return n.Data == "meta" && htmltest.Attr(n, "http-equiv") == "refresh" }))
}

func segs(n int) []cdf.Segment { return make([]cdf.Segment, n) }

func serveQueue(t *testing.T, h *Review, query string) (*httptest.ResponseRecorder, error) {
	t.Helper()
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/projects/demo/review?"+query, nil), rec)
	c.SetParamNames("project")
	c.SetParamValues("demo")
	return rec, h.Show(c)
}

func TestReviewPage(t *testing.T) {
	t.Parallel()
	reader := &queueReader{jobs: map[int64]*cdf.SegmentJob{
		1001: {JobID: 1001, Status: cdf.StatusCompleted, Items: []cdf.SegmentItem{{FileID: 11, Segments: segs(3)}, {FileID: 12, Segments: segs(2)}}},
		1002: {JobID: 1002, Status: cdf.StatusRunning},
		1003: {JobID: 1003, Status: cdf.StatusQueued},
	}}
	store := &queueVerdicts{verdicts: map[verdict.Key]string{
		{FileID: 11, Rank: 1}: verdict.Approved,
		{FileID: 11, Rank: 3}: verdict.Rejected,
		{FileID: 12, Rank: 2}: verdict.Suggested, // no verdict
		{FileID: 12, Rank: 9}: verdict.Approved,  // no such segment
	}}
	h := &Review{Reader: reader, Verdicts: store, Page: Page{Project: "demo"}}
	rec, err := serveQueue(t, h, "jobs=1001,1002%0A1404+1003,1001")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, Cache-Control %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
	if reader.calls != 4 {
		t.Errorf("%d job reads, want 4 (one per distinct job)", reader.calls)
	}
	if diff := cmp.Diff([]int64{1001}, store.asked); diff != "" {
		t.Errorf("verdicts read for jobs (-want +got), only completed ones:\n%s", diff)
	}
	doc := htmltest.Parse(t, rec.Body.Bytes())
	rows := doc.ByTestID("queue-row")
	if len(rows) != 4 {
		t.Fatalf("%d rows, want 4", len(rows))
	}
	const q = "?queue=1001,1002,1404,1003"
	type rowWant struct {
		id, href, status, pollURL, segments, reviewed, thumb, err string
	}
	want := []rowWant{
		{id: "1001", href: "/projects/demo/jobs/1001" + q, status: "Completed", segments: "5", reviewed: "2 of 5", thumb: "/projects/demo/jobs/1001/files/11/overlay.jpg?width=160"},
		{id: "1002", href: "/projects/demo/jobs/1002" + q, status: "Running", pollURL: "/projects/demo/jobs/1002/status", segments: "0", reviewed: "–"},
		{id: "1404", href: "/projects/demo/jobs/1404" + q, err: "Not found in CDF"},
		{id: "1003", href: "/projects/demo/jobs/1003" + q, status: "Queued", pollURL: "/projects/demo/jobs/1003/status", segments: "0", reviewed: "–"},
	}
	text := func(n []*html.Node) string {
		if len(n) == 0 {
			return ""
		}
		return strings.Join(strings.Fields(htmltest.Text(n[0])), " ")
	}
	for i, w := range want {
		r := rows[i]
		got := rowWant{id: htmltest.Attr(r, "data-job-id"), status: text(htmltest.ByTestID(r, "queue-status")),
			segments: text(htmltest.ByTestID(r, "queue-segments")), reviewed: text(htmltest.ByTestID(r, "queue-reviewed"))}
		if a := htmltest.ByTestID(r, "queue-job"); len(a) == 1 {
			got.href = htmltest.Attr(a[0], "href")
		}
		if s := htmltest.ByTestID(r, "queue-status"); len(s) == 1 {
			got.pollURL = htmltest.Attr(s[0], "data-queue-status-url")
		}
		if img := htmltest.ByTestID(r, "queue-thumb"); len(img) == 1 {
			got.thumb = htmltest.Attr(img[0], "src")
			if htmltest.Attr(img[0], "loading") != "lazy" || htmltest.Attr(img[0], "alt") == "" {
				t.Errorf("row %s: thumbnail without loading=lazy or alt", w.id)
			}
		}
		if e := text(htmltest.ByTestID(r, "queue-error")); e != "" {
			got.err = w.err
			if !strings.Contains(e, w.err) || !strings.Contains(e, "req-7") {
				t.Errorf("row %s: error %q does not say %q with CDF's request id", w.id, e, w.err)
			}
		}
		if diff := cmp.Diff(w, got, cmp.AllowUnexported(rowWant{})); diff != "" {
			t.Errorf("row %d (-want +got):\n%s", i, diff)
		}
	}
	if link := doc.One(t, "queue-link"); htmltest.Attr(link, "href") != "/projects/demo/review?jobs=1001,1002,1404,1003" {
		t.Errorf("queue link = %q", htmltest.Attr(link, "href"))
	}
	// Unfinished jobs: the page reloads itself without the script.
	if refreshes(t, rec.Body.Bytes()) != 1 {
		t.Errorf("no meta refresh while jobs are queued or running")
	}
}

func TestReviewPageVerdictsUnread(t *testing.T) {
	t.Parallel()
	reader := &queueReader{jobs: map[int64]*cdf.SegmentJob{
		1001: {JobID: 1001, Status: cdf.StatusCompleted, Items: []cdf.SegmentItem{{FileID: 11, Segments: segs(3)}}},
	}}
	h := &Review{Reader: reader, Verdicts: &queueVerdicts{err: errors.New("CDF down")}, Page: Page{Project: "demo"}}
	rec, err := serveQueue(t, h, "jobs=1001")
	if err != nil {
		t.Fatal(err)
	}
	doc := htmltest.Parse(t, rec.Body.Bytes())
	if got := htmltest.Text(doc.One(t, "queue-reviewed")); !strings.Contains(got, "not read") {
		t.Errorf("reviewed = %q, want it to say the verdicts were not read", got)
	}
	if got := htmltest.Text(doc.One(t, "queue-segments")); got != "3" {
		t.Errorf("segments = %q, want 3", got)
	}
	if refreshes(t, rec.Body.Bytes()) != 0 {
		t.Errorf("a queue of finished jobs refreshes itself")
	}
}

func TestReviewPageInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, query string
		wantErr     string // in the 400's message
	}{
		{name: "no jobs parameter", query: "", wantErr: "lists no job ids"},
		{name: "only separators", query: "jobs=,+,", wantErr: "lists no job ids"},
		{name: "bad ids", query: "jobs=1001,x1,1002,1.5", wantErr: `"x1", "1.5"`},
		{name: "too many", query: "jobs=" + url.QueryEscape(func() string {
			s := make([]string, 501)
			for i := range s {
				s[i] = fmt.Sprint(2000 + i)
			}
			return strings.Join(s, "\n")
		}()), wantErr: "501 jobs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reader := &queueReader{}
			_, err := serveQueue(t, &Review{Reader: reader, Page: Page{Project: "demo"}}, tt.query)
			var in *inputError
			if !errors.As(err, &in) || !strings.Contains(in.msg, tt.wantErr) {
				t.Fatalf("error = %v, want a 400 saying %q", err, tt.wantErr)
			}
			if reader.calls != 0 {
				t.Errorf("%d CDF reads before the 400, want none", reader.calls)
			}
		})
	}
}

// TestReviewPageBoundsReads shows that a long queue is read queueReads
// jobs at a time: every read is held for a second of the bubble's clock,
// so unbounded reads would all be in flight at once.
func TestReviewPageBoundsReads(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		reader := &queueReader{jobs: map[int64]*cdf.SegmentJob{}, hold: true}
		ids := make([]string, 40)
		for i := range ids {
			id := int64(5000 + i)
			reader.jobs[id] = &cdf.SegmentJob{JobID: id, Status: cdf.StatusFailed}
			ids[i] = fmt.Sprint(id)
		}
		rec, err := serveQueue(t, &Review{Reader: reader, Page: Page{Project: "demo"}}, "jobs="+strings.Join(ids, ","))
		if err != nil {
			t.Fatal(err)
		}
		if reader.calls != 40 || reader.max != queueReads {
			t.Errorf("%d reads, at most %d at once; want 40, at most %d", reader.calls, reader.max, queueReads)
		}
		if n := len(htmltest.Parse(t, rec.Body.Bytes()).ByTestID("queue-row")); n != 40 {
			t.Errorf("%d rows, want 40", n)
		}
	})
}
