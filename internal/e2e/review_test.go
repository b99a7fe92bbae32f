package e2e

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/segview/segview/internal/cdfsim"
)

// viewState is what the view controls change on the job page, read in the
// browser: the first overlay image (its address and a digest of the bytes
// it serves), the address, the counter and the rows.
type viewState struct {
	Src      string   `json:"src"`
	Hash     string   `json:"hash"`
	URL      string   `json:"url"`
	Counter  string   `json:"counter"` // "" while hidden
	Scores   []string `json:"scores"`
	Hidden   []string `json:"hidden"`   // ranks marked hidden
	Selected []string `json:"selected"` // ranks marked selected
	Reloaded bool     `json:"reloaded"`
	MinScore string   `json:"minScore"`
	Opacity  string   `json:"opacity"`
	Checked  []string `json:"checked"`
}

const readViewState = `(async () => {
  const img = document.querySelector('img[data-testid="overlay"]');
  const buf = await (await fetch(img.currentSrc || img.src, { cache: "no-store" })).arrayBuffer();
  const digest = await crypto.subtle.digest("SHA-256", buf);
  const file = document.querySelector('[data-testid="file"]');
  const rows = Array.from(file.querySelectorAll('[data-testid="segment-row"]'));
  const count = file.querySelector('[data-testid="shown-count"]');
  const form = document.querySelector('[data-testid="view-form"]');
  return {
    src: img.getAttribute("src"),
    hash: Array.from(new Uint8Array(digest)).map(b => b.toString(16).padStart(2, "0")).join(""),
    url: location.href,
    counter: count && !count.hidden ? count.textContent.trim() : "",
    scores: rows.map(r => r.dataset.score),
    hidden: rows.filter(r => r.dataset.hidden === "true").map(r => r.dataset.rank),
    selected: rows.filter(r => r.getAttribute("aria-selected") === "true").map(r => r.dataset.rank),
    reloaded: !window.segviewMarker,
    minScore: form.elements.min_score.value,
    opacity: form.elements.opacity.value,
    checked: Array.from(form.querySelectorAll('input[name="layers"]:checked')).map(b => b.value),
  };
})()`

func readView(t *testing.T, ctx context.Context) viewState {
	t.Helper()
	return run(t, ctx, chromedp.Evaluate[viewState](readViewState, chromedp.EvalAwaitPromise))
}

// imageShows waits until the first overlay image's address has the
// parameter at the value and the image has loaded.
func imageShows(param, value string) chromedp.Action[chromedp.Void] {
	return waitTrue(fmt.Sprintf(`(() => {
  const img = document.querySelector('img[data-testid="overlay"]');
  return new URL(img.src).searchParams.get(%q) === %q && img.complete && img.naturalWidth > 0 && img.currentSrc === img.src;
})()`, param, value))
}

// typeInto replaces a field's value by typing, as a person does.
func typeInto(t *testing.T, ctx context.Context, testID, text string) {
	t.Helper()
	sel := fmt.Sprintf(`[data-testid=%q]`, testID)
	run(t, ctx, chromedp.Focus(chromedp.CSS(sel)))
	run(t, ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(document.querySelector(%q).select(), true)`, sel)))
	run(t, ctx, chromedp.KeyEvent(text))
}

func TestThresholdChangesImageAndCounterInPlace(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)
	run(t, ctx, openFirstDemoJob(base))
	run(t, ctx, chromedp.Evaluate[bool](`window.segviewMarker = true`))
	before := readView(t, ctx)
	if before.Counter != "" || len(before.Hidden) != 0 || strings.Contains(before.Src, "min_score") {
		t.Fatalf("before: %+v", before)
	}

	typeInto(t, ctx, "view-min-score", "0.7")
	run(t, ctx, imageShows("min_score", "0.7"))
	after := readView(t, ctx)

	if after.Reloaded {
		t.Errorf("the page reloaded; the view should apply in place")
	}
	if u, _ := url.Parse(after.URL); u.Query().Get("min_score") != "0.7" {
		t.Errorf("address %s lacks min_score=0.7", after.URL)
	}
	if after.Hash == before.Hash {
		t.Errorf("the overlay image's bytes did not change with the threshold")
	}
	// The counter and the hidden marks follow the rows' own scores.
	var wantHidden []string
	for i, sc := range after.Scores {
		if f, _ := strconv.ParseFloat(sc, 64); f < 0.7 {
			wantHidden = append(wantHidden, strconv.Itoa(i+1))
		}
	}
	if len(wantHidden) == 0 || len(wantHidden) == len(after.Scores) {
		t.Fatalf("demo job scores %v do not straddle 0.7", after.Scores)
	}
	if want := fmt.Sprintf("%d of %d shown", len(after.Scores)-len(wantHidden), len(after.Scores)); after.Counter != want {
		t.Errorf("counter = %q, want %q", after.Counter, want)
	}
	if !slices.Equal(after.Hidden, wantHidden) {
		t.Errorf("rows marked hidden = %v, want %v", after.Hidden, wantHidden)
	}
	// The hit areas of the hidden segments cannot be pointed at.
	offs := run(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('path.hit.hit-off')).map(p => p.dataset.rank)`))
	if !slices.Equal(offs, wantHidden) {
		t.Errorf("hit areas off = %v, want %v", offs, wantHidden)
	}
	// The export links carry the view too.
	if href := run(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="overlay-export"]').getAttribute("href")`)); !strings.Contains(href, "min_score=0.7") {
		t.Errorf("export link %q lacks the threshold", href)
	}

	// Back to no threshold: the counter goes away, the image is the first one.
	typeInto(t, ctx, "view-min-score", "0")
	run(t, ctx, waitTrue(`!new URL(document.querySelector('img[data-testid="overlay"]').src).searchParams.has("min_score") && document.querySelector('img[data-testid="overlay"]').complete`))
	back := readView(t, ctx)
	if back.Counter != "" || len(back.Hidden) != 0 || back.Hash != before.Hash || back.Reloaded {
		t.Errorf("after clearing the threshold: counter %q, hidden %v, same image %v, reloaded %v", back.Counter, back.Hidden, back.Hash == before.Hash, back.Reloaded)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}

func TestCopiedLinkOpensTheSameOverlay(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)
	run(t, ctx, openFirstDemoJob(base))
	typeInto(t, ctx, "view-min-score", "0.5")
	run(t, ctx, imageShows("min_score", "0.5"))
	typeInto(t, ctx, "view-opacity", "0.8")
	run(t, ctx, imageShows("opacity", "0.8"))
	run(t, ctx, chromedp.Blur(chromedp.CSS(`[data-testid="view-opacity"]`)))
	run(t, ctx, chromedp.KeyEvent("3j")) // prompt points off, first segment selected
	run(t, ctx, imageShows("layers", "segments,outlines,box"))
	copyLink(t, ctx)
	first := readView(t, ctx)
	link, err := url.Parse(first.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := link.Query()
	if q.Get("min_score") != "0.5" || q.Get("opacity") != "0.8" || q.Get("layers") != "segments,outlines,box" || q.Get("sel") != "1" {
		t.Fatalf("copied link %s does not hold the view", first.URL)
	}

	// A fresh browser: no cookies, no cache, no script state.
	fresh, freshProblems := browser(t, 1280, 900)
	run(t, fresh, chromedp.Steps(chromedp.Navigate(first.URL), waitTrue(overlaysLoaded)))
	second := readView(t, fresh)
	if second.Hash != first.Hash || second.Src != first.Src {
		t.Errorf("the copied link shows another overlay: %s (%s…) vs %s (%s…)", second.Src, second.Hash[:12], first.Src, first.Hash[:12])
	}
	if second.MinScore != "0.5" || second.Opacity != "0.8" || !slices.Equal(second.Checked, []string{"segments", "outlines", "box"}) ||
		!slices.Equal(second.Selected, []string{"1"}) || second.Counter != first.Counter {
		t.Errorf("the copied link's page differs: %+v\nwant as %+v", second, first)
	}
	if p := append(problems(), freshProblems()...); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}

// rowVerdict reads a row's verdict and its buttons' pressed states.
const rowVerdict = `((rank) => {
  const row = document.querySelector('[data-testid="file"] [data-testid="segment-row"][data-rank="' + rank + '"]');
  return [row.dataset.verdict,
    row.querySelector('[data-testid="approve"]').getAttribute("aria-pressed"),
    row.querySelector('[data-testid="reject"]').getAttribute("aria-pressed")].join(" ");
})`

func TestVerdictsByKeyboardPersist(t *testing.T) {
	base, a := demoApp(t, nil, nil)
	ctx, problems := browser(t, 1280, 900)
	run(t, ctx, openFirstDemoJob(base))
	fileID := run(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="file"]').dataset.fileId`))
	id, err := strconv.ParseInt(fileID, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	verdictOf := func(rank int) string {
		t.Helper()
		return run(t, ctx, chromedp.Evaluate[string](fmt.Sprintf("%s(%d)", rowVerdict, rank)))
	}
	said := func() string {
		t.Helper()
		return run(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="review-status"]').textContent`))
	}
	waitSaid := func(part string) {
		t.Helper()
		run(t, ctx, waitTrue(fmt.Sprintf(`document.querySelector('[data-testid="review-status"]').textContent.includes(%q)`, part)))
	}
	statuses := func() []string {
		var out []string
		for _, s := range a.Demo.AnnotationStatuses(id) {
			out = append(out, s)
		}
		slices.Sort(out)
		return out
	}

	if got := verdictOf(1); got != " false false" {
		t.Fatalf("rank 1 before: %q", got)
	}
	run(t, ctx, chromedp.KeyEvent("jz"))
	waitSaid("Segment 1 approved")
	if got := verdictOf(1); got != "approved true false" {
		t.Errorf("rank 1 after z: %q", got)
	}
	if got := statuses(); len(got) == 0 || slices.ContainsFunc(got, func(s string) bool { return s != "approved" }) {
		t.Errorf("CDF holds %v for the file, want approved annotations", got)
	}
	// z moved the selection to the next segment without a verdict.
	run(t, ctx, waitTrue(`new URL(location.href).searchParams.get("sel") === "2"`))

	// Without annotationsAcl:WRITE nothing is saved, the page says why and
	// keeps what it showed, the segment selected again.
	restore := a.Demo.RevokeCapability(cdfsim.CapAnnotationsWrite)
	run(t, ctx, chromedp.KeyEvent("z"))
	waitSaid("Not saved")
	if msg := said(); !strings.Contains(msg, "annotationsAcl:WRITE") {
		t.Errorf("refusal message %q does not name annotationsAcl:WRITE", msg)
	}
	if got := verdictOf(2); got != " false false" {
		t.Errorf("rank 2 after a refused z: %q", got)
	}
	if sel := run(t, ctx, chromedp.Evaluate[string](`new URL(location.href).searchParams.get("sel")`)); sel != "2" {
		t.Errorf("selection after the refusal = %q, want 2", sel)
	}
	restore()
	run(t, ctx, chromedp.KeyEvent("x"))
	waitSaid("Segment 2 rejected")

	// Reload: the verdicts come back from CDF.
	run(t, ctx, chromedp.Steps(chromedp.Reload(), waitTrue(overlaysLoaded)))
	if got := verdictOf(1); got != "approved true false" {
		t.Errorf("rank 1 after reload: %q", got)
	}
	if got := verdictOf(2); got != "rejected false true" {
		t.Errorf("rank 2 after reload: %q", got)
	}
	// z on a rejected segment approves it; u takes that back.
	run(t, ctx, chromedp.KeyEvent("k"))
	run(t, ctx, waitTrue(`new URL(location.href).searchParams.get("sel") === "2"`))
	run(t, ctx, chromedp.KeyEvent("z"))
	waitSaid("Segment 2 approved")
	if got := verdictOf(2); got != "approved true false" {
		t.Errorf("rank 2 after z: %q", got)
	}
	run(t, ctx, chromedp.KeyEvent("u"))
	waitSaid("Undone: segment 2 rejected")
	if got := verdictOf(2); got != "rejected false true" {
		t.Errorf("rank 2 after u: %q", got)
	}
	saveScreenshot(t, ctx, "job-review-keys.png") // the README's job-review.png is TestWorkspaceScreenshots's
	// The refused save is the one failed request the console reports.
	if p := slices.DeleteFunc(problems(), func(p string) bool { return strings.Contains(p, "status of 403") }); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}

func TestHoverHighlightsRowAndShape(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)
	run(t, ctx, openFirstDemoJob(base))
	run(t, ctx, waitTrue(`document.querySelectorAll('svg.hits path.hit').length > 0`))

	// Pointing at a row highlights its shape.
	type point struct {
		X    float64 `json:"x"`
		Y    float64 `json:"y"`
		Rank string  `json:"rank"`
	}
	row := run(t, ctx, chromedp.Evaluate[point](`(() => {
  const r = document.querySelector('[data-testid="file"] [data-testid="segment-row"][data-rank="2"]');
  r.scrollIntoView({ block: "center" });
  const b = r.getBoundingClientRect();
  return { x: b.left + b.width / 2, y: b.top + b.height / 2, rank: "2" };
})()`))
	run(t, ctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, row.X, row.Y))
	if on := run(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('path.hit-hover')).map(p => p.dataset.rank)`)); !slices.Equal(on, []string{"2"}) {
		t.Errorf("shapes highlighted while pointing at row 2: %v", on)
	}

	// Pointing at a shape on the image highlights its row: find a point
	// inside a shape that no other shape covers.
	spot := run(t, ctx, chromedp.Evaluate[point](`(() => {
  const svg = document.querySelector('svg.hits');
  svg.scrollIntoView({ block: "center" });
  const b = svg.getBoundingClientRect();
  for (const p of svg.querySelectorAll('path.hit')) {
    const box = p.getBBox();
    for (let i = 1; i < 10; i++) for (let j = 1; j < 10; j++) {
      const x = box.x + box.width * i / 10, y = box.y + box.height * j / 10;
      const cx = b.left + x * b.width, cy = b.top + y * b.height;
      if (document.elementFromPoint(cx, cy) === p) return { x: cx, y: cy, rank: p.dataset.rank };
    }
  }
  return { x: -1, y: -1, rank: "" };
})()`))
	if spot.Rank == "" {
		t.Fatal("no point on the image hits a single shape")
	}
	run(t, ctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, spot.X, spot.Y))
	rows := run(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelector('[data-testid="file"]').querySelectorAll('tr.segment-hover')).map(r => r.dataset.rank)`))
	if !slices.Equal(rows, []string{spot.Rank}) {
		t.Errorf("rows highlighted while pointing at shape %s: %v", spot.Rank, rows)
	}
	// Clicking the shape selects the segment.
	run(t, ctx, chromedp.MouseClickXY(spot.X, spot.Y))
	if sel := run(t, ctx, chromedp.Evaluate[string](`new URL(location.href).searchParams.get("sel")`)); sel != spot.Rank {
		t.Errorf("clicking shape %s selected %q", spot.Rank, sel)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}

// The verdict buttons and the triage form save in place with the script.
func TestVerdictButtonsAndTriageInPlace(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)
	run(t, ctx, openFirstDemoJob(base))
	run(t, ctx, chromedp.Evaluate[bool](`window.segviewMarker = true`))
	verdictOf := func(rank int) string {
		t.Helper()
		return run(t, ctx, chromedp.Evaluate[string](fmt.Sprintf("%s(%d)", rowVerdict, rank)))
	}
	waitSaid := func(part string) {
		t.Helper()
		run(t, ctx, waitTrue(fmt.Sprintf(`document.querySelector('[data-testid="review-status"]').textContent.includes(%q)`, part)))
	}

	run(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="file"] [data-testid="segment-row"][data-rank="4"] [data-testid="reject"]`)))
	waitSaid("Segment 4 rejected")
	if got := verdictOf(4); got != "rejected false true" {
		t.Errorf("rank 4 after its ✗: %q", got)
	}

	// Triage with the defaults: ≥ 0.75 approved, < 0.25 rejected, the
	// rest keep theirs (rank 4 scores in between: it stays rejected).
	scores := run(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelector('[data-testid="file"]').querySelectorAll('[data-testid="segment-row"]')).map(r => r.dataset.score)`))
	run(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="file"] [data-testid="triage-apply"]`)))
	waitSaid("Triage: approved")
	for i, sc := range scores {
		f, _ := strconv.ParseFloat(sc, 64)
		rank := i + 1
		want := verdictOf(rank) // checked against the score below
		switch {
		case f >= 0.75 && want != "approved true false":
			t.Errorf("rank %d (score %s) after triage: %q, want approved", rank, sc, want)
		case f < 0.25 && want != "rejected false true":
			t.Errorf("rank %d (score %s) after triage: %q, want rejected", rank, sc, want)
		case f >= 0.25 && f < 0.75 && rank == 4 && want != "rejected false true":
			t.Errorf("rank 4 (score %s) lost its verdict in triage: %q", sc, want)
		case f >= 0.25 && f < 0.75 && rank != 4 && want != " false false":
			t.Errorf("rank %d (score %s) got a verdict in triage: %q", rank, sc, want)
		}
	}
	if f, _ := strconv.ParseFloat(scores[3], 64); f < 0.25 || f >= 0.75 {
		t.Fatalf("demo rank 4 scores %v, not between the thresholds", f)
	}
	if run(t, ctx, chromedp.Evaluate[bool](`window.segviewMarker !== true`)) {
		t.Error("saving reloaded the page")
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}

// Each row's "Hide" box belongs to the view form: checking it hides the
// segment in place, and the address carries it.
func TestHideBoxInPlace(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)
	run(t, ctx, openFirstDemoJob(base))
	run(t, ctx, chromedp.Evaluate[bool](`window.segviewMarker = true`))
	before := readView(t, ctx)
	run(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="file"] [data-testid="segment-row"][data-rank="2"] [data-testid="segment-hide"]`)))
	run(t, ctx, imageShows("hide", "2"))
	after := readView(t, ctx)
	if after.Reloaded || !slices.Equal(after.Hidden, []string{"2"}) || after.Hash == before.Hash {
		t.Errorf("after hiding rank 2: reloaded %v, hidden rows %v, image changed %v", after.Reloaded, after.Hidden, after.Hash != before.Hash)
	}
	if want := fmt.Sprintf("%d of %d shown", len(after.Scores)-1, len(after.Scores)); after.Counter != want {
		t.Errorf("counter = %q, want %q", after.Counter, want)
	}
	if u, _ := url.Parse(after.URL); u.Query().Get("hide") != "2" {
		t.Errorf("address %s lacks hide=2", after.URL)
	}
	// The rank's link selects in place.
	run(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="file"] [data-testid="segment-row"][data-rank="3"] a.rank-link`)))
	if s := readView(t, ctx); s.Reloaded || !slices.Equal(s.Selected, []string{"3"}) {
		t.Errorf("after the rank link: reloaded %v, selected %v", s.Reloaded, s.Selected)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}

// Without JavaScript the same controls work: the view form is a GET form
// (the rows' Hide boxes included) and a verdict button posts its form.
func TestControlsWithoutJavaScript(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)
	run(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	page := fmt.Sprintf("%s/projects/demo/jobs/%d", base, cdfsim.DemoJobPumpSkid)
	run(t, ctx, chromedp.Steps(chromedp.Navigate(page), waitTrue(overlaysLoaded)))
	if run(t, ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="copy-link-box"]').hidden === false || document.querySelector('svg.hits') !== null`)) {
		t.Fatal("the page's script ran although scripts are disabled")
	}

	run(t, ctx, chromedp.SetValue(chromedp.CSS(`[data-testid="view-min-score"]`), "0.5"))
	run(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="file"] [data-testid="segment-row"][data-rank="2"] [data-testid="segment-hide"]`)))
	run(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="view-apply"]`)))
	run(t, ctx, waitSettled(`location.search.includes("min_score=0.5") && `+overlaysLoaded))
	u, err := url.Parse(run(t, ctx, chromedp.Location()))
	if err != nil {
		t.Fatal(err)
	}
	if q := u.Query(); q.Get("min_score") != "0.5" || strings.Join(q["hide"], ",") != "2" {
		t.Errorf("the GET form led to %s, want min_score=0.5 and hide=2", u)
	}
	if src := run(t, ctx, chromedp.Evaluate[string](`document.querySelector('img[data-testid="overlay"]').getAttribute("src")`)); !strings.Contains(src, "hide=2") || !strings.Contains(src, "min_score=0.5") {
		t.Errorf("overlay %s does not carry the view", src)
	}

	// Approve segment 1 with its button: a POST, then the page again with
	// the view kept and the verdict shown.
	run(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="file"] [data-testid="segment-row"][data-rank="1"] [data-testid="approve"]`)))
	run(t, ctx, waitSettled(`document.querySelector('[data-testid="segment-row"][data-rank="1"]').dataset.verdict === "approved" && `+overlaysLoaded))
	u, err = url.Parse(run(t, ctx, chromedp.Location()))
	if err != nil {
		t.Fatal(err)
	}
	if q := u.Query(); q.Get("min_score") != "0.5" || q.Get("hide") != "2" {
		t.Errorf("after the verdict the page is %s, want the view kept", u)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}

// Keyboard alone: Tab reaches the view form, a row, its Hide box and its
// verdict buttons, and Enter on the approve button saves the verdict.
func TestReviewByTabAlone(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)
	run(t, ctx, openFirstDemoJob(base))
	run(t, ctx, chromedp.Evaluate[bool](`(document.activeElement && document.activeElement.blur(), true)`))
	const focused = `(() => {
  const e = document.activeElement;
  if (!e) return "";
  return e.dataset.testid || e.getAttribute("name") || e.className || e.tagName;
})()`
	var seen []string
	for range 120 {
		run(t, ctx, chromedp.KeyEvent(kb.Tab))
		now := run(t, ctx, chromedp.Evaluate[string](focused))
		seen = append(seen, now)
		if now == "approve" {
			break
		}
	}
	for _, want := range []string{"view-min-score", "segment-row", "segment-hide", "approve"} {
		if !slices.Contains(seen, want) {
			t.Errorf("Tab never reached %s; it went through %v", want, seen)
		}
	}
	if seen[len(seen)-1] != "approve" {
		t.Fatal("Tab did not reach an approve button")
	}
	rank := run(t, ctx, chromedp.Evaluate[string](`document.activeElement.closest('[data-testid="segment-row"]').dataset.rank`))
	run(t, ctx, chromedp.KeyEvent(kb.Enter))
	run(t, ctx, waitTrue(fmt.Sprintf(`document.querySelector('[data-testid="review-status"]').textContent.includes("Segment %s approved")`, rank)))
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}
