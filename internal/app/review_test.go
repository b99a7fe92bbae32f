package app

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/htmltest"
)

func reviewURL(jobs string) string {
	return fmt.Sprintf("/projects/%s/review?jobs=%s", testProject, url.QueryEscape(jobs))
}

// TestReviewQueue opens a queue of demo jobs against the simulator: one
// row per distinct job, its status, segments and reviewed count from the
// annotations a verdict wrote, its thumbnail an overlay that loads, a job
// CDF does not know shown in its row; and the CDF calls it takes.
func TestReviewQueue(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	b := &reviewer{s: s}
	job, file := cdfsim.DemoJobPumpSkid, cdfsim.DemoFilePumpSkid
	_, doc := b.page(t, jobURL(job))
	token := formOf(t, doc, "verdict-form", file).token
	for _, v := range []string{"1:approved", "2:rejected"} {
		wantStatus(t, b.post(t, verdictsURL(job, file), url.Values{"verdict": {v}},
			map[string]string{"Accept": "application/json", "X-CSRF-Token": token}), http.StatusOK)
	}
	segments := len(htmltest.Parse(t, b.s.get(t, jobURL(job)).body).ByTestID("segment-row"))

	before := cdfCalls(s.sim)
	// Newlines, spaces and a duplicate, as pasted.
	ids := fmt.Sprintf("%d\n%d %d,%d,%d,99999", cdfsim.DemoJobPumpSkid, cdfsim.DemoJobRunning, cdfsim.DemoJobQueued, cdfsim.DemoJobFailed, cdfsim.DemoJobPumpSkid)
	r := s.get(t, reviewURL(ids))
	wantStatus(t, r, http.StatusOK)
	after := cdfCalls(s.sim)
	calls := func(kind string) int { return after[kind] - before[kind] }
	t.Logf("CDF calls for a queue of 5 jobs: %v", map[string]int{"jobs": calls("/context/vision/segment/"), "annotations": calls("/annotations"), "files/byids": calls("/files/byids"), "all": calls("")})
	// The completed job is cached; the others, and the unknown one, are read.
	if n := calls("/context/vision/segment/"); n > 5 {
		t.Errorf("%d job reads for 5 distinct jobs", n)
	}
	if n := calls("/annotations"); n != 1 {
		t.Errorf("%d annotations calls, want 1 (the one completed job)", n)
	}
	if n := calls("/files/byids") + calls("/files/downloadlink") + calls("/download/"); n != 0 {
		t.Errorf("%d file calls: the queue page reads no file, its thumbnails do", n)
	}

	doc = htmltest.Parse(t, r.body)
	rows := doc.ByTestID("queue-row")
	if len(rows) != 5 {
		t.Fatalf("%d rows, want 5", len(rows))
	}
	want := []struct{ id, status, reviewed string }{
		{fmt.Sprint(cdfsim.DemoJobPumpSkid), "Completed", fmt.Sprintf("2 of %d", segments)},
		{fmt.Sprint(cdfsim.DemoJobRunning), "Running", "–"},
		{fmt.Sprint(cdfsim.DemoJobQueued), "Queued", "–"},
		{fmt.Sprint(cdfsim.DemoJobFailed), "Failed", "–"},
		{"99999", "", ""},
	}
	for i, w := range want {
		row := rows[i]
		if got := htmltest.Attr(row, "data-job-id"); got != w.id {
			t.Errorf("row %d is job %s, want %s", i, got, w.id)
		}
		if w.status == "" {
			if len(htmltest.ByTestID(row, "queue-error")) != 1 {
				t.Errorf("row %s shows no error", w.id)
			}
			continue
		}
		if got := htmltest.Text(htmltest.ByTestID(row, "queue-status")[0]); got != w.status {
			t.Errorf("row %s: status %q, want %q", w.id, got, w.status)
		}
		if got := strings.Join(strings.Fields(htmltest.Text(htmltest.ByTestID(row, "queue-reviewed")[0])), " "); got != w.reviewed {
			t.Errorf("row %s: reviewed %q, want %q", w.id, got, w.reviewed)
		}
	}
	thumbs := doc.ByTestID("queue-thumb")
	if len(thumbs) != 4 {
		t.Fatalf("%d thumbnails, want 4", len(thumbs))
	}
	checkImage(t, s, htmltest.Attr(thumbs[0], "src"), 160)

	// The first job opens with the queue, and links the next keeping the view.
	href := htmltest.Attr(htmltest.ByTestID(rows[0], "queue-job")[0], "href")
	page := htmltest.Parse(t, s.get(t, href+"&min_score=0.5").body)
	next := htmltest.Attr(page.One(t, "queue-next"), "href")
	wantNext := fmt.Sprintf("/projects/%s/jobs/%d?min_score=0.5&queue=%d,%d,%d,%d,99999", testProject, cdfsim.DemoJobRunning,
		cdfsim.DemoJobPumpSkid, cdfsim.DemoJobRunning, cdfsim.DemoJobQueued, cdfsim.DemoJobFailed)
	if next != wantNext || htmltest.Attr(page.One(t, "queue-next"), "rel") != "next" {
		t.Errorf("next = %q, want %q with rel=next", next, wantNext)
	}
	if len(page.ByTestID("queue-prev")) != 0 {
		t.Errorf("the queue's first job links a previous one")
	}

	// HEAD answers as GET, without a body.
	head := s.do(t, http.MethodHead, reviewURL(ids), nil, nil)
	wantStatus(t, head, http.StatusOK)
	if len(head.body) != 0 || !strings.HasPrefix(head.header.Get("Content-Type"), "text/html") {
		t.Errorf("HEAD: %d bytes of body, Content-Type %q", len(head.body), head.header.Get("Content-Type"))
	}
}

// TestReviewQueueBadInput answers 400 naming the bad ids, before any
// call to CDF.
func TestReviewQueueBadInput(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	many := make([]string, 501)
	for i := range many {
		many[i] = fmt.Sprint(1 + i)
	}
	tests := []struct{ name, path, want string }{
		{"bad ids", reviewURL("1001,12ab,1002,-3"), `&#34;12ab&#34;, &#34;-3&#34;`},
		{"too many", reviewURL(strings.Join(many, " ")), "501 jobs"},
		{"none", reviewURL(" , "), "no job ids"},
		{"bad queue on a job page", jobURL(cdfsim.DemoJobPumpSkid) + "?queue=1001,x", `&#34;x&#34;`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := cdfCalls(s.sim)[""]
			r := s.get(t, tt.path)
			wantStatus(t, r, http.StatusBadRequest)
			if !strings.Contains(string(r.body), tt.want) {
				t.Errorf("the 400 does not say %s:\n%.600s", tt.want, r.body)
			}
			if n := cdfCalls(s.sim)[""] - before; n != 0 {
				t.Errorf("%d CDF calls before the 400", n)
			}
		})
	}
}

// TestReviewQueuePerPerson reads each job of the queue once, with the
// signed-in person's token (SEGVIEW_CDF_IDENTITY=user: nothing cached or
// shared), and its verdicts the same way.
func TestReviewQueuePerPerson(t *testing.T) {
	t.Parallel()
	s := newSignInStack(t, 0, map[string]string{"SEGVIEW_CDF_IDENTITY": "user"})
	b := s.browser(t)
	ids := fmt.Sprintf("%d,%d,%d", cdfsim.DemoJobPumpSkid, cdfsim.DemoJobRunning, cdfsim.DemoJobFailed)
	wantStatus(t, b.signIn(t, s, alice, reviewURL(ids)), http.StatusOK)
	for _, round := range []string{"first", "again"} {
		jobs, anns := s.sim.PersonRequests(alice.Subject, "/context/vision/segment/"), s.sim.PersonRequests(alice.Subject, "/annotations")
		r := b.get(t, reviewURL(ids))
		wantStatus(t, r, http.StatusOK)
		if n := len(htmltest.Parse(t, r.body).ByTestID("queue-status")); n != 3 {
			t.Errorf("%s: %d statuses, want 3", round, n)
		}
		gotJobs := s.sim.PersonRequests(alice.Subject, "/context/vision/segment/") - jobs
		gotAnns := s.sim.PersonRequests(alice.Subject, "/annotations") - anns
		if gotJobs != 3 || gotAnns != 1 {
			t.Errorf("%s: %d job reads and %d annotations calls with the person's token, want 3 and 1", round, gotJobs, gotAnns)
		}
	}
}
