package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/segview/segview/internal/cdfsim"
)

// said waits for the status line to contain part.
func said(part string) chromedp.Action[chromedp.Void] {
	return waitTrue(fmt.Sprintf(`document.querySelector('[data-testid="review-status"]').textContent.includes(%q)`, part))
}

// verdictsOf is every row's data-verdict of the file shown, by rank order,
// "-" for none.
func verdictsOf(t *testing.T, ctx context.Context) string {
	t.Helper()
	return run(t, ctx, chromedp.Evaluate[string](`Array.from(document.querySelector('[data-testid="file"]').querySelectorAll('[data-testid="segment-row"]')).map(r => r.dataset.rank + ":" + (r.dataset.verdict || "-")).join(" ")`))
}

// TestTriageInTheUndoStack: on the pump skid, j j x rejects rank 2, triage
// approves others and leaves rank 2; u then undoes the triage (not rank
// 2's reject), and the next u takes back rank 2's reject. "Undo triage"
// stays on offer while the triage is in the undo stack, also after another
// verdict has rendered the file again.
func TestTriageInTheUndoStack(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)
	run(t, ctx, openFirstDemoJob(base))
	undoButton := `!!document.querySelector('[data-testid="file"] [data-testid="triage-undo"]')`

	run(t, ctx, chromedp.KeyEvent("jjx"))
	run(t, ctx, said("Segment 2 rejected"))
	before := verdictsOf(t, ctx)
	run(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="file"] [data-testid="triage-apply"]`)))
	run(t, ctx, said("left 1 reviewed segment as it was"))
	triaged := verdictsOf(t, ctx)
	if !strings.Contains(triaged, "2:rejected") || triaged == before {
		t.Fatalf("after triage: %q (before %q)", triaged, before)
	}
	run(t, ctx, waitTrue(undoButton))

	// u undoes the last action: the triage.
	run(t, ctx, chromedp.KeyEvent("u"))
	run(t, ctx, said("Triage undone"))
	if got := verdictsOf(t, ctx); got != before {
		t.Errorf("u after triage: %q, want as before the triage %q", got, before)
	}
	if run(t, ctx, chromedp.Evaluate[bool](undoButton)) {
		t.Error(`"Undo triage" still offered after u undid the triage`)
	}
	// The next u takes back rank 2's reject.
	run(t, ctx, chromedp.KeyEvent("u"))
	run(t, ctx, said("Undone: segment 2 has no verdict again"))
	if got := verdictsOf(t, ctx); !strings.Contains(got, "2:-") {
		t.Errorf("second u: %q, want rank 2 unreviewed", got)
	}

	// Triage again, then a verdict renders the file again: the button stays,
	// and undoes the triage only. (u left rank 2 selected.)
	run(t, ctx, chromedp.KeyEvent("jx"))
	run(t, ctx, said("Segment 3 rejected"))
	before = verdictsOf(t, ctx)
	run(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="file"] [data-testid="triage-apply"]`)))
	run(t, ctx, said("left 1 reviewed segment as it was"))
	run(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="file"] [data-testid="segment-row"][data-rank="3"] [data-testid="approve"]`)))
	run(t, ctx, said("Segment 3 approved"))
	if !run(t, ctx, chromedp.Evaluate[bool](undoButton)) {
		t.Fatal(`"Undo triage" gone after a verdict rendered the file again`)
	}
	run(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="file"] [data-testid="triage-undo"]`)))
	run(t, ctx, said("Triage undone"))
	want := strings.Replace(before, "3:rejected", "3:approved", 1)
	if got := verdictsOf(t, ctx); got != want {
		t.Errorf("after the button: %q, want %q", got, want)
	}
	// u now takes back rank 3's approve (the triage left the stack).
	run(t, ctx, chromedp.KeyEvent("u"))
	run(t, ctx, said("Undone: segment 3 rejected"))
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}

// TestViewChangeKeepsZoom: zoomed off-centre with the wheel, a change of
// Opacity or Min score keeps the address's zoom and at and the transform.
func TestViewChangeKeepsZoom(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)
	run(t, ctx, openFirstDemoJob(base))
	run(t, ctx, waitTrue(stageReady))
	px, py := stagePoint(t, ctx, 0.2, 0.7)
	run(t, ctx, wheel(px, py, -300))
	run(t, ctx, urlZoomed(true))
	zoomed := readBox(t, ctx)
	if zoomed.At == "0.5,0.5" || zoomed.Scale <= 1.2 {
		t.Fatalf("the wheel off-centre: %+v", zoomed)
	}
	for _, c := range []struct{ testID, value, param string }{
		{"view-opacity", "0.7", "opacity=0.7"},
		{"view-min-score", "0.2", "min_score=0.2"},
	} {
		typeInto(t, ctx, c.testID, c.value)
		run(t, ctx, waitTrue(fmt.Sprintf(`location.search.includes(%q) && document.querySelector('img[data-testid="overlay"]').getAttribute("src").includes(%q)`, c.param, c.param)))
		run(t, ctx, waitTrue(stageReady))
		run(t, ctx, waitTrue(`document.querySelector('[data-testid="stage-view"]').style.transform !== ""`))
		got := readBox(t, ctx)
		if got.Zoom != zoomed.Zoom || got.At != zoomed.At || !near(got.Scale, zoomed.Scale, 1e-6) ||
			!near(got.Left, zoomed.Left, 1) || !near(got.Top, zoomed.Top, 1) {
			t.Errorf("after %s=%s: %+v, want as zoomed %+v", c.testID, c.value, got, zoomed)
		}
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}

// TestUndoAcrossFiles: every segment of the first file of a three-file job
// reviewed, . opens the second file (sel is dropped: it has fewer
// segments), and u takes the last verdict back in CDF and shows the first
// file again with the restored row selected and the job's count right.
func TestUndoAcrossFiles(t *testing.T) {
	base, a := demoApp(t, nil, nil)
	addRoundJob(t, a)
	ctx, problems := workspaceBrowser(t, 1280, 720)
	run(t, ctx, chromedp.Steps(
		chromedp.Navigate(fmt.Sprintf("%s/projects/demo/jobs/%d", base, roundJob)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="keys-open"]`)),
		waitTrue(overlaysLoaded),
	))
	first := strconv.FormatInt(cdfsim.DemoFilePumpSkid, 10)
	jobCount := func() string {
		return run(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="job-reviewed"]').textContent.trim()`))
	}
	run(t, ctx, chromedp.KeyEvent("j"))
	for range 5 {
		run(t, ctx, chromedp.KeyEvent("z"))
	}
	run(t, ctx, waitTrue(`document.querySelector('[data-testid="file-reviewed"]').textContent.trim() === "5 of 5 reviewed in this file"`))
	run(t, ctx, waitTrue(`new URL(location.href).searchParams.get("sel") === "5"`))
	reviewed := jobCount()
	if !strings.HasPrefix(reviewed, "5 of ") {
		t.Fatalf("job count after five verdicts: %q", reviewed)
	}
	total := strings.TrimPrefix(reviewed, "5 of ")

	run(t, ctx, chromedp.KeyEvent("."))
	run(t, ctx, waitTrue(fmt.Sprintf(`document.querySelector('[data-testid="file"]').dataset.fileId !== %q && %s`, first, overlaysLoaded)))
	if sel := run(t, ctx, chromedp.Evaluate[string](`(new URL(location.href).searchParams.get("sel") || "") + "|" + ((document.querySelector('[data-testid="view-form"] input[name="sel"]') || {}).value || "") + "|" + document.querySelectorAll('.segment-selected').length`)); sel != "||0" {
		t.Errorf("after . the address, the form and the rows select %q, want nothing", sel)
	}

	run(t, ctx, chromedp.KeyEvent("u"))
	run(t, ctx, said("Undone: segment 5 has no verdict again"))
	run(t, ctx, waitTrue(fmt.Sprintf(`document.querySelector('[data-testid="file"]').dataset.fileId === %q && new URL(location.href).searchParams.get("file") === %q && %s`, first, first, overlaysLoaded)))
	if s := run(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="review-status"]').textContent`)); strings.Contains(s, "Reload") {
		t.Errorf("status %q", s)
	}
	if got := verdictsOf(t, ctx); !strings.HasSuffix(got, "5:-") {
		t.Errorf("rows after u: %q, want rank 5 unreviewed", got)
	}
	if got, want := jobCount(), "4 of "+total; got != want {
		t.Errorf("job count after u: %q, want %q", got, want)
	}
	run(t, ctx, waitTrue(`new URL(location.href).searchParams.get("sel") === "5" && document.querySelector('.segment-selected[data-rank="5"]') !== null`))
	if n := countStatus(a.Demo.AnnotationStatuses(cdfsim.DemoFilePumpSkid), "suggested"); n != 1 {
		t.Errorf("CDF holds %d suggested annotations of the first file, want 1", n)
	}
	// Opening another file clears the status line, which spoke of a
	// segment of the file left.
	run(t, ctx, chromedp.KeyEvent("."))
	run(t, ctx, waitTrue(fmt.Sprintf(`document.querySelector('[data-testid="file"]').dataset.fileId !== %q && %s`, first, overlaysLoaded)))
	run(t, ctx, waitTrue(`document.querySelector('[data-testid="review-status"]').textContent.trim() === ""`))
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}

func countStatus(statuses map[int64]string, want string) int {
	n := 0
	for _, s := range statuses {
		if s == want {
			n++
		}
	}
	return n
}

// TestVerdictKeysWithoutSelection: on a fresh page z acts on the first
// segment without a verdict, and x then on the next.
func TestVerdictKeysWithoutSelection(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)
	run(t, ctx, openFirstDemoJob(base))
	run(t, ctx, chromedp.KeyEvent("z"))
	run(t, ctx, said("Segment 1 approved"))
	run(t, ctx, waitTrue(`new URL(location.href).searchParams.get("sel") === "2"`))
	// Reloaded with no selection: x takes the first still unreviewed (2).
	run(t, ctx, chromedp.Steps(chromedp.Navigate(run(t, ctx, chromedp.Evaluate[string](`location.origin + location.pathname`))), waitTrue(overlaysLoaded),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="keys-open"]`))))
	run(t, ctx, chromedp.KeyEvent("x"))
	run(t, ctx, said("Segment 2 rejected"))
	if got := verdictsOf(t, ctx); !strings.HasPrefix(got, "1:approved 2:rejected 3:-") {
		t.Errorf("rows: %q", got)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}

// TestReviewKeysOnSliderAndBoxes: with the focus on the compare slider or
// a layer box, h and j still work; in a text field they are typed.
func TestReviewKeysOnSliderAndBoxes(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)
	run(t, ctx, openFirstDemoJob(base))
	run(t, ctx, waitTrue(stageReady))
	off := func() bool {
		return run(t, ctx, chromedp.Evaluate[bool](`document.documentElement.classList.contains("overlays-off")`))
	}
	run(t, ctx, chromedp.Focus(chromedp.CSS(`input[data-testid="compare"]`)))
	run(t, ctx, chromedp.KeyEvent("h"))
	if !off() {
		t.Error("h on the compare slider did not switch to the photo")
	}
	run(t, ctx, chromedp.KeyEvent("h"))
	if off() {
		t.Error("h again on the compare slider did not switch back")
	}
	run(t, ctx, chromedp.KeyEvent("j"))
	run(t, ctx, waitTrue(`new URL(location.href).searchParams.get("sel") === "1"`))
	run(t, ctx, chromedp.Evaluate[bool](`(() => { const m = document.querySelector('[data-testid="view-layers-menu"]'); if (m) m.open = true; return true; })()`))
	run(t, ctx, chromedp.Focus(chromedp.CSS(`input[data-testid="view-layer-outlines"]`)))
	run(t, ctx, chromedp.KeyEvent("j"))
	run(t, ctx, waitTrue(`new URL(location.href).searchParams.get("sel") === "2"`))
	// A text field keeps its letters.
	run(t, ctx, chromedp.Focus(chromedp.CSS(`[data-testid="view-min-score"]`)))
	run(t, ctx, chromedp.KeyEvent("h"))
	if off() {
		t.Error("h typed into Min score switched to the photo")
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}
