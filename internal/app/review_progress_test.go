package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/htmltest"
)

// TestReviewProgress: the side panel counts the file's and the job's
// segments with a verdict, and once every one has, says so and offers the
// next job of the queue, or the queue after its last job.
func TestReviewProgress(t *testing.T) {
	s := newStack(t, nil)
	b := &reviewer{s: s}
	job, file := cdfsim.DemoJobPumpSkid, cdfsim.DemoFilePumpSkid
	cj, err := s.cdfClient(t).SegmentJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	n := len(cj.Items[0].Segments)
	next := cdfsim.DemoJobPartial
	first := fmt.Sprintf("%s?queue=%d,%d", jobURL(job), job, next)
	last := fmt.Sprintf("%s?queue=%d,%d", jobURL(job), next, job)

	check := func(t *testing.T, page string, fileWant, jobWant string, finished bool) *htmltest.Doc {
		t.Helper()
		_, doc := b.page(t, page)
		p := doc.One(t, "review-progress")
		if htmltest.Attr(p, "aria-live") != "polite" {
			t.Errorf("review progress aria-live = %q, want polite", htmltest.Attr(p, "aria-live"))
		}
		if got := htmltest.Text(doc.One(t, "file-reviewed")); got != fileWant {
			t.Errorf("file count %q, want %q", got, fileWant)
		}
		if got := htmltest.Text(doc.One(t, "job-reviewed")); got != jobWant {
			t.Errorf("job count %q, want %q", got, jobWant)
		}
		if got := len(doc.ByTestID("review-finished")) == 1; got != finished {
			t.Errorf("finished message shown %v, want %v", got, finished)
		}
		return doc
	}
	doc := check(t, first, fmt.Sprintf("0 of %d reviewed in this file", n), fmt.Sprintf("0 of %d reviewed in the job", n), false)
	token := formOf(t, doc, "verdict-form", file).token
	asScript := map[string]string{"Accept": "application/json", "X-CSRF-Token": token}
	post := func(v string) {
		t.Helper()
		wantStatus(t, b.post(t, verdictsURL(job, file), url.Values{"verdict": {v}}, asScript), http.StatusOK)
	}
	post("1:approved")
	post("2:rejected")
	check(t, first, fmt.Sprintf("2 of %d reviewed in this file", n), fmt.Sprintf("2 of %d reviewed in the job", n), false)
	post("2:suggested") // taken back: not reviewed
	check(t, first, fmt.Sprintf("1 of %d reviewed in this file", n), fmt.Sprintf("1 of %d reviewed in the job", n), false)

	// The segments fragment, swapped in after a verdict, carries the counts.
	r := b.s.do(t, http.MethodGet, first+fmt.Sprintf("&fragment=segments-%d", file), nil, b.header(nil))
	wantStatus(t, r, http.StatusOK)
	frag := htmltest.Parse(t, r.body)
	if got := htmltest.Text(frag.One(t, "job-reviewed")); got != fmt.Sprintf("1 of %d reviewed in the job", n) {
		t.Errorf("fragment's job count %q", got)
	}

	for rank := 2; rank <= n; rank++ {
		post(fmt.Sprintf("%d:rejected", rank))
	}
	doc = check(t, first, fmt.Sprintf("%d of %d reviewed in this file", n, n), fmt.Sprintf("%d of %d reviewed in the job", n, n), true)
	a := doc.One(t, "review-next-job")
	if href := htmltest.Attr(a, "href"); !strings.HasPrefix(href, jobURL(next)+"?") || !strings.Contains(href, "queue=") {
		t.Errorf("next job link %q, want job %d in the queue", href, next)
	}
	doc = check(t, last, fmt.Sprintf("%d of %d reviewed in this file", n, n), fmt.Sprintf("%d of %d reviewed in the job", n, n), true)
	if href := htmltest.Attr(doc.One(t, "review-queue-back"), "href"); !strings.Contains(href, "/review?jobs=") {
		t.Errorf("queue link %q, want the review queue", href)
	}
	// Without a queue it says so, and offers nothing.
	doc = check(t, jobURL(job), fmt.Sprintf("%d of %d reviewed in this file", n, n), fmt.Sprintf("%d of %d reviewed in the job", n, n), true)
	if len(doc.ByTestID("review-next-job"))+len(doc.ByTestID("review-queue-back")) != 0 {
		t.Error("a job outside a queue offers a next job")
	}
}
