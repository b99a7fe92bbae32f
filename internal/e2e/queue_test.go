package e2e

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/segview/segview/internal/cdfsim"
)

// TestReviewQueueKeys pastes three demo jobs into the home page's queue
// form, opens the first job from the queue, changes the view in place
// (key 5: labels), then presses n twice and p once: each press opens the
// neighbour the server linked, with the queue and the view kept.
func TestReviewQueueKeys(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)
	jobs := []int64{cdfsim.DemoJobPumpSkid, cdfsim.DemoJobPartial, cdfsim.DemoJobEXIF}
	queue := fmt.Sprintf("%d,%d,%d", jobs[0], jobs[1], jobs[2])

	run(t, ctx, chromedp.Steps(
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="queue-form-demo"] textarea`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="queue-form-demo"] textarea`), fmt.Sprintf("%d\n%d %d, %d", jobs[0], jobs[1], jobs[2], jobs[0])),
		chromedp.Submit(chromedp.CSS(`[data-testid="queue-form-demo"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="queue"]`)),
	))
	if rows := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="queue-row"]').length`)); rows != 3 {
		t.Fatalf("%d queue rows, want 3", rows)
	}
	shared := run(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="queue-link"]').getAttribute("href")`))
	if !strings.HasSuffix(shared, "/review?jobs="+queue) {
		t.Errorf("queue link = %q, want …/review?jobs=%s", shared, queue)
	}
	run(t, ctx, waitTrue(`Array.from(document.querySelectorAll('img[data-testid="queue-thumb"]')).every(i => i.complete && i.naturalWidth > 0)`))

	// where is the page's address, as far as the queue goes.
	type where struct {
		Path   string
		Queue  string
		Layers string
	}
	here := func() where {
		t.Helper()
		u, err := url.Parse(run(t, ctx, chromedp.Evaluate[string](`location.href`)))
		if err != nil {
			t.Fatal(err)
		}
		return where{Path: u.Path, Queue: u.Query().Get("queue"), Layers: u.Query().Get("layers")}
	}
	// openedJob waits for the page of job i with its keys wired.
	openedJob := func(i int) {
		t.Helper()
		run(t, ctx, waitTrue(fmt.Sprintf(`location.pathname.endsWith("/jobs/%d") && document.readyState === "complete" && !!document.querySelector('[data-testid="keys-open"]:not([hidden])')`, jobs[i])))
	}

	run(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="queue-row"] [data-testid="queue-job"]`)))
	openedJob(0)
	project := strings.Split(here().Path, "/")[2]
	jobPath := func(i int) string { return fmt.Sprintf("/projects/%s/jobs/%d", project, jobs[i]) }
	if got := here(); got != (where{Path: jobPath(0), Queue: queue}) {
		t.Fatalf("opened from the queue: %+v", got)
	}
	// Key 5 turns the labels on in place; the address and the queue links follow.
	const withLabels = "segments,outlines,points,box,labels"
	run(t, ctx, chromedp.KeyEvent("5"))
	run(t, ctx, waitTrue(fmt.Sprintf(`new URL(location.href).searchParams.get("layers") === %q && new URL(document.querySelector('a[rel="next"]').href).searchParams.get("layers") === %q`, withLabels, withLabels)))
	if got := here(); got != (where{Path: jobPath(0), Queue: queue, Layers: withLabels}) {
		t.Fatalf("after key 5: %+v", got)
	}

	for i, st := range []struct {
		key string
		job int
	}{{"n", 1}, {"n", 2}, {"p", 1}} {
		run(t, ctx, chromedp.KeyEvent(st.key))
		openedJob(st.job)
		if got, want := here(), (where{Path: jobPath(st.job), Queue: queue, Layers: withLabels}); got != want {
			t.Errorf("step %d (%q): at %+v, want %+v", i, st.key, got, want)
		}
	}
	// Back on the middle job: one link each way.
	if n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('a[rel="next"], a[rel="prev"]').length`)); n != 2 {
		t.Errorf("the middle job has %d next and previous links, want 2", n)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}
