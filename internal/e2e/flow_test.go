package e2e

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/segview/segview/internal/cdfsim"
)

// TestReviewFlow reviews the pump skid's five segments from a review queue
// by keyboard: z and x give verdicts and select the next segment without
// one, the counts follow in place (the job's in the same live region
// element), u restores the status each segment had in CDF, the verdict
// filter (applied from the view form) hides reviewed rows and changes the
// image, and once the last segment is reviewed the page says so and
// offers the next job of the queue, which opens with the view kept.
func TestReviewFlow(t *testing.T) {
	base, a := demoApp(t, nil, nil)
	ctx, problems := browser(t, 1280, 900)
	job, next, file := cdfsim.DemoJobPumpSkid, cdfsim.DemoJobPartial, cdfsim.DemoFilePumpSkid
	queue := fmt.Sprintf("%d,%d", job, next)

	run(t, ctx, chromedp.Steps(chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="demo-job"] a`))))
	href := run(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`Array.from(document.querySelectorAll('[data-testid="demo-job"] a')).map(a => a.href).find(h => new URL(h).pathname.endsWith("/jobs/%d")) || ""`, job)))
	if href == "" {
		t.Fatalf("no demo link to job %d", job)
	}
	jobURL, err := url.Parse(href)
	if err != nil {
		t.Fatal(err)
	}
	run(t, ctx, chromedp.Steps(
		chromedp.Navigate(jobURL.Scheme+"://"+jobURL.Host+jobURL.Path+"?queue="+queue),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="keys-open"]`)),
		waitTrue(overlaysLoaded),
	))

	text := func(testID string) string {
		t.Helper()
		return run(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(
			`(() => { const e = document.querySelector('[data-testid=%q]'); return e ? e.textContent.replace(/\s+/g, " ").trim() : ""; })()`, testID)))
	}
	waitText := func(testID, want string) {
		t.Helper()
		run(t, ctx, waitTrue(fmt.Sprintf(
			`(() => { const e = document.querySelector('[data-testid=%q]'); return !!e && e.textContent.replace(/\s+/g, " ").trim() === %q; })()`, testID, want)))
	}
	waitSaid := func(part string) {
		t.Helper()
		run(t, ctx, waitTrue(fmt.Sprintf(`document.querySelector('[data-testid="review-status"]').textContent.includes(%q)`, part)))
	}
	waitSel := func(rank int) {
		t.Helper()
		run(t, ctx, waitTrue(fmt.Sprintf(`new URL(location.href).searchParams.get("sel") === "%d"`, rank)))
	}
	press := func(keys string) { t.Helper(); run(t, ctx, chromedp.KeyEvent(keys)) }
	verdictOf := func(rank int) string {
		t.Helper()
		return run(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(
			`document.querySelector('[data-testid="segment-row"][data-rank="%d"]').dataset.verdict`, rank)))
	}
	// stored counts the file's annotations in the simulator by status.
	stored := func() map[string]int {
		out := map[string]int{}
		for _, s := range a.Demo.AnnotationStatuses(file) {
			out[s]++
		}
		return out
	}
	counts := func(reviewed int) {
		t.Helper()
		waitText("job-reviewed", fmt.Sprintf("%d of 5 reviewed in the job", reviewed))
		if got, want := text("file-reviewed"), fmt.Sprintf("%d of 5 reviewed in this file", reviewed); got != want {
			t.Errorf("file count %q, want %q", got, want)
		}
	}

	counts(0)
	if live := run(t, ctx, chromedp.Evaluate[string](`document.getElementById("review-progress").getAttribute("aria-live")`)); live != "polite" {
		t.Errorf("the review progress is aria-live %q, want polite", live)
	}
	// Marks the live region's element: updated in place, it keeps the mark.
	run(t, ctx, chromedp.Evaluate[bool](`document.getElementById("review-progress").segviewKept = true`))
	kept := func() bool {
		return run(t, ctx, chromedp.Evaluate[bool](`document.getElementById("review-progress").segviewKept === true`))
	}

	press("j")
	waitSel(1)
	press("z")
	waitSaid("Segment 1 approved")
	waitSel(2)
	counts(1)
	press("x")
	waitSaid("Segment 2 rejected")
	waitSel(3)
	counts(2)
	if !kept() {
		t.Error("the review progress was replaced, not updated in place: its live region would not be announced")
	}
	// The ring of rank 1 is two annotations; rank 2 one.
	if got := stored(); got["approved"] != 2 || got["rejected"] != 1 {
		t.Errorf("CDF holds %v, want 2 approved and 1 rejected", got)
	}

	// u restores what each segment had, last first, in CDF too.
	press("u")
	waitSaid("Undone: segment 2 has no verdict again")
	waitSel(2)
	counts(1)
	if got := stored(); got["approved"] != 2 || got["rejected"] != 0 || got["suggested"] != 1 {
		t.Errorf("after one undo CDF holds %v, want rank 1's 2 approved and rank 2's 1 suggested", got)
	}
	press("u")
	waitSaid("Undone: segment 1 has no verdict again")
	counts(0)
	if got := stored(); got["approved"] != 0 || got["suggested"] != 3 {
		t.Errorf("after two undos CDF holds %v, want 3 suggested", got)
	}
	if v := verdictOf(1) + verdictOf(2); v != "" {
		t.Errorf("verdicts on the page after the undos: %q", v)
	}
	press("u")
	waitSaid("Nothing to undo")

	// The verdict filter from the view form: unreviewed only (its boxes
	// may sit in a menu).
	run(t, ctx, chromedp.Evaluate[bool](`(() => { const m = document.querySelector('[data-testid="view-verdicts-menu"]'); if (m) m.open = true; return true; })()`))
	run(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="view-verdict-approved"]`)))
	run(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="view-verdict-rejected"]`)))
	run(t, ctx, waitTrue(`new URL(location.href).searchParams.get("verdict") === "unreviewed"`))
	run(t, ctx, waitTrue(overlaysLoaded))
	// Keys are the page's again once the focus leaves the form's boxes.
	run(t, ctx, chromedp.Evaluate[bool](`(() => { document.activeElement.blur(); const m = document.querySelector('[data-testid="view-verdicts-menu"]'); if (m) m.open = false; return true; })()`))
	imageSrc := func() string {
		return run(t, ctx, chromedp.Evaluate[string](`document.querySelector('img[data-testid="overlay"]').getAttribute("src")`))
	}
	before := imageSrc()
	if !strings.Contains(before, "verdict=unreviewed") {
		t.Errorf("overlay %q does not show the filter", before)
	}
	shownRows := func() string {
		return run(t, ctx, chromedp.Evaluate[string](
			`Array.from(document.querySelectorAll('[data-testid="segment-row"]')).filter(r => !r.hidden).map(r => r.dataset.rank).join(",")`))
	}
	if got := shownRows(); got != "1,2,3,4,5" {
		t.Fatalf("rows shown with verdict=unreviewed and none reviewed: %q", got)
	}
	waitSel(1) // the last segment undone stays selected
	press("z")
	waitSaid("Segment 1 approved")
	counts(1)
	run(t, ctx, waitTrue(`document.querySelector('[data-testid="segment-row"][data-rank="1"]').hidden`))
	if got := shownRows(); got != "2,3,4,5" {
		t.Errorf("rows shown after approving 1 with verdict=unreviewed: %q", got)
	}
	run(t, ctx, waitTrue(overlaysLoaded))
	if after := imageSrc(); after == before || !strings.Contains(after, "verdict=unreviewed") {
		t.Errorf("the overlay's address %q did not change with the verdict (was %q)", after, before)
	}
	waitSel(2)
	for i, key := range []string{"x", "z", "x", "z"} {
		rank := i + 2
		press(key)
		counts(rank)
		run(t, ctx, waitTrue(fmt.Sprintf(`document.querySelector('[data-testid="segment-row"][data-rank="%d"]').hidden`, rank)))
	}
	if got := shownRows(); got != "" {
		t.Errorf("rows shown with everything reviewed: %q", got)
	}
	if got := stored(); got["approved"] != 4 || got["rejected"] != 2 {
		t.Errorf("CDF holds %v, want ranks 1, 3 and 5 approved (4 annotations) and 2 and 4 rejected", got)
	}

	// Finished: the page says so and offers the next job of the queue.
	waitSaid("Every segment of this job is reviewed")
	run(t, ctx, chromedp.WaitVisible(chromedp.CSS(`[data-testid="review-finished"]`)))
	nextHref := run(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="review-next-job"]').href`))
	u, err := url.Parse(nextHref)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(u.Path, fmt.Sprintf("/jobs/%d", next)) || u.Query().Get("queue") != queue || u.Query().Get("verdict") != "unreviewed" {
		t.Errorf("next job link %q, want job %d with the queue and the view", nextHref, next)
	}
	saveScreenshot(t, ctx, "review-finished.png")
	run(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="review-next-job"]`)))
	run(t, ctx, waitTrue(fmt.Sprintf(`location.pathname.endsWith("/jobs/%d") && document.readyState === "complete"`, next)))
	if q := run(t, ctx, chromedp.Evaluate[string](`new URL(location.href).searchParams.get("verdict") + " " + new URL(location.href).searchParams.get("queue")`)); q != "unreviewed "+queue {
		t.Errorf("the next job opened with verdict and queue %q", q)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}
