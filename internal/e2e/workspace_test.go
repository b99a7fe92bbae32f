package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/segview/segview/internal/app"
	"github.com/segview/segview/internal/cdfsim"
)

// workspaceJob is the id of the job addWorkspaceJob adds: three files, the
// first with many segments, so that the side panel has to scroll.
const workspaceJob int64 = 4700

// workspaceFiles are its files, in the job's order.
var workspaceFiles = []int64{cdfsim.DemoFilePumpSkid, cdfsim.DemoFileGauge, cdfsim.DemoFileSiteValve}

// addWorkspaceJob adds workspaceJob to the app's simulator: the pump skid
// demo job's first file with 40 more small segments, then two more files.
func addWorkspaceJob(t *testing.T, a *app.App) {
	t.Helper()
	job, ok := a.Demo.Job(cdfsim.DemoJobPumpSkid)
	if !ok {
		t.Fatal("no demo job")
	}
	job.ID = workspaceJob
	first := job.Items[0]
	first.Segments = append([]cdfsim.Segment(nil), first.Segments...)
	for i := range 40 {
		x, y := 0.02+0.024*float64(i%20), 0.85+0.06*float64(i/20)
		first.Segments = append(first.Segments, cdfsim.Segment{Score: 0.3 - 0.005*float64(i), Polygons: [][]cdfsim.Vertex{
			{{X: x, Y: y}, {X: x + 0.02, Y: y}, {X: x + 0.02, Y: y + 0.04}, {X: x, Y: y + 0.04}},
		}})
	}
	square := func(x float64) []cdfsim.Segment {
		return []cdfsim.Segment{{Score: 0.8, Polygons: [][]cdfsim.Vertex{{{X: x, Y: 0.2}, {X: x + 0.3, Y: 0.2}, {X: x + 0.3, Y: 0.6}, {X: x, Y: 0.6}}}}}
	}
	job.Items = []cdfsim.JobItem{
		first,
		{FileID: cdfsim.DemoFileGauge, FileExternalID: "img_gauge_pi204", Segments: square(0.3)},
		{FileID: cdfsim.DemoFileSiteValve, Segments: square(0.5)},
	}
	a.Demo.AddJob(job)
}

// workspaceBrowser is browser with a viewport of exactly width×height
// (the window's own size includes its frame).
func workspaceBrowser(t *testing.T, width, height int) (context.Context, func() []string) {
	t.Helper()
	ctx, problems := browser(t, width, height)
	run(t, ctx, chromedp.EmulateViewport(int64(width), int64(height)))
	return ctx, problems
}

// imageBox is the shown image's box in the viewport, measured in the
// browser: the rendered picture (for object-fit: contain, the part of the
// element's box the picture fills), the part of it inside the viewport
// as a fraction of the viewport's area, and the boxes around it.
type imageBox struct {
	Left, Top, Width, Height float64
	Area                     float64 // visible fraction of the viewport
	ViewportW, ViewportH     float64
	StageTop, StageBottom    float64
	PanelTop, PanelLeft      float64
	PanelScrollable          bool // scrollHeight > clientHeight
	PanelOverflow            string
	PageScrolls              bool // the document is taller than the window
}

const measureImage = `(() => {
  const img = document.querySelector('[data-testid="stage-area"] img[data-testid="overlay"]');
  const r = img.getBoundingClientRect();
  let x = r.left, y = r.top, w = r.width, h = r.height;
  const fit = getComputedStyle(img).objectFit;
  if ((fit === "contain" || fit === "scale-down") && img.naturalWidth > 0 && img.naturalHeight > 0) {
    let s = Math.min(w / img.naturalWidth, h / img.naturalHeight);
    if (fit === "scale-down") s = Math.min(s, 1);
    const cw = img.naturalWidth * s, ch = img.naturalHeight * s;
    x += (w - cw) / 2; y += (h - ch) / 2; w = cw; h = ch;
  }
  const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
  const iw = Math.max(0, Math.min(x + w, vw) - Math.max(x, 0));
  const ih = Math.max(0, Math.min(y + h, vh) - Math.max(y, 0));
  const stage = document.querySelector('[data-testid="stage-area"]').getBoundingClientRect();
  const panel = document.querySelector('[data-testid="side-panel"]');
  const p = panel.getBoundingClientRect();
  return { left: x, top: y, width: w, height: h, area: iw * ih / (vw * vh), viewportW: vw, viewportH: vh,
    stageTop: stage.top, stageBottom: stage.bottom, panelTop: p.top, panelLeft: p.left,
    panelScrollable: panel.scrollHeight > panel.clientHeight, panelOverflow: getComputedStyle(panel).overflowY,
    pageScrolls: document.documentElement.scrollHeight > vh + 1 };
})()`

func measure(t *testing.T, ctx context.Context) imageBox {
	t.Helper()
	return run(t, ctx, chromedp.Evaluate[imageBox](measureImage))
}

// TestWorkspaceLayout: at 1920×1080 and 1280×720 the first file's image
// covers at least 40% of the window and starts within its top 200 px,
// beside the side panel; the page itself does not scroll, and the side
// panel of a many-segment file scrolls on its own without moving the
// image.
func TestWorkspaceLayout(t *testing.T) {
	sizes := []struct{ w, h int }{{1920, 1080}, {1280, 720}}
	jobs := []struct {
		name string
		id   int64
	}{{"first demo job", cdfsim.DemoJobPumpSkid}, {"three files, many segments", workspaceJob}}
	for _, size := range sizes {
		for _, job := range jobs {
			t.Run(fmt.Sprintf("%dx%d %s", size.w, size.h, job.name), func(t *testing.T) {
				base, a := demoApp(t, nil, nil)
				addWorkspaceJob(t, a)
				ctx, problems := workspaceBrowser(t, size.w, size.h)
				run(t, ctx, chromedp.Steps(
					chromedp.Navigate(fmt.Sprintf("%s/projects/demo/jobs/%d", base, job.id)),
					waitTrue(overlaysLoaded),
				))
				m := measure(t, ctx)
				saveScreenshot(t, ctx, fmt.Sprintf("workspace-%dx%d-%d.png", size.w, size.h, job.id))
				t.Logf("%dx%d %s: image %.0f×%.0f at (%.0f, %.0f), %.1f%% of the window; panel at x %.0f",
					size.w, size.h, job.name, m.Width, m.Height, m.Left, m.Top, 100*m.Area, m.PanelLeft)
				if m.ViewportW != float64(size.w) || m.ViewportH != float64(size.h) {
					t.Fatalf("viewport %.0f×%.0f, want %d×%d", m.ViewportW, m.ViewportH, size.w, size.h)
				}
				if m.Area < 0.40 {
					t.Errorf("the image covers %.1f%% of the window, want at least 40%%", 100*m.Area)
				}
				if m.Top > 200 || m.Top < 0 {
					t.Errorf("the image starts %.0f px down, want within the top 200 px", m.Top)
				}
				if m.PanelLeft < m.Left+m.Width-1 {
					t.Errorf("the side panel (x %.0f) is not beside the image (right edge %.0f)", m.PanelLeft, m.Left+m.Width)
				}
				if m.PageScrolls {
					t.Errorf("the page scrolls: the workspace is taller than the window")
				}
				if m.PanelOverflow != "auto" {
					t.Errorf("side panel overflow-y %q, want auto", m.PanelOverflow)
				}
				if job.id == workspaceJob {
					if !m.PanelScrollable {
						t.Fatalf("the side panel of a file of 45 segments does not scroll")
					}
					scrolled := run(t, ctx, chromedp.Evaluate[float64](`(() => {
  const p = document.querySelector('[data-testid="side-panel"]');
  p.scrollTop = 400;
  return p.scrollTop;
})()`))
					after := measure(t, ctx)
					if scrolled <= 0 {
						t.Errorf("the side panel did not scroll")
					}
					if after.Top != m.Top || after.Left != m.Left || after.Width != m.Width {
						t.Errorf("scrolling the panel moved the image from %+v to %+v", m, after)
					}
					if y := run(t, ctx, chromedp.Evaluate[float64](`window.scrollY`)); y != 0 {
						t.Errorf("the window scrolled to %.0f", y)
					}
				}
				if p := problems(); len(p) > 0 {
					t.Errorf("browser reported problems: %q", p)
				}
			})
		}
	}
}

// TestWorkspacePhone: on a phone the side panel comes below the image,
// and nothing scrolls sideways.
func TestWorkspacePhone(t *testing.T) {
	base, a := demoApp(t, nil, nil)
	addWorkspaceJob(t, a)
	ctx, problems := workspaceBrowser(t, 390, 844)
	run(t, ctx, chromedp.Steps(
		chromedp.Navigate(fmt.Sprintf("%s/projects/demo/jobs/%d", base, workspaceJob)),
		waitTrue(overlaysLoaded),
	))
	m := measure(t, ctx)
	t.Logf("390x844: image %.0f×%.0f at (%.0f, %.0f); stage bottom %.0f; panel top %.0f", m.Width, m.Height, m.Left, m.Top, m.StageBottom, m.PanelTop)
	if m.PanelTop < m.Top+m.Height || m.PanelTop < m.StageBottom {
		t.Errorf("the panel starts at %.0f, above the image's bottom %.0f (stage area's %.0f)", m.PanelTop, m.Top+m.Height, m.StageBottom)
	}
	if m.Width < 390*0.9 {
		t.Errorf("the image is %.0f px wide on a 390 px screen", m.Width)
	}
	if run(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)) {
		t.Errorf("the job page scrolls sideways on a 390 px wide screen")
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}

// fileState is which file the job page shows and what its address says.
type fileState struct {
	Shown    string `json:"shown"`    // data-file-id of the file section
	URLFile  string `json:"urlFile"`  // file= in the address
	MinScore string `json:"minScore"` // min_score= in the address
	FormFile string `json:"formFile"` // the view form's file input
	Position string `json:"position"` // "File 2 of 3"
	Current  string `json:"current"`  // the file list's aria-current link's file
	Marker   bool   `json:"marker"`   // the page was not reloaded
}

const readFileState = `(() => {
  const u = new URL(location.href);
  const form = document.querySelector('[data-testid="view-form"] input[name="file"]');
  const cur = document.querySelector('[data-testid="file-link"][aria-current="page"]');
  const img = document.querySelector('[data-testid="file"] img[data-testid="overlay"]');
  return { shown: document.querySelector('[data-testid="file"]').dataset.fileId,
    urlFile: u.searchParams.get("file") || "", minScore: u.searchParams.get("min_score") || "",
    formFile: form ? form.value : "", position: document.querySelector('[data-testid="file-position"]').textContent.trim(),
    current: cur ? cur.dataset.fileId : "", marker: window.segviewMarker === 1 };
})()`

// TestWorkspaceFileKeys: a job of three files shows one; . and , show the
// next and previous in place, with the view kept and the file in the
// address; the address reopens the same file; a file list link does the
// same.
func TestWorkspaceFileKeys(t *testing.T) {
	base, a := demoApp(t, nil, nil)
	addWorkspaceJob(t, a)
	ctx, problems := workspaceBrowser(t, 1280, 720)
	run(t, ctx, chromedp.Steps(
		chromedp.Navigate(fmt.Sprintf("%s/projects/demo/jobs/%d?min_score=0.1", base, workspaceJob)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="keys-open"]`)),
		waitTrue(overlaysLoaded),
	))
	run(t, ctx, chromedp.Evaluate[bool](`(window.segviewMarker = 1, true)`))
	id := func(i int) string { return strconv.FormatInt(workspaceFiles[i], 10) }
	state := func() fileState { t.Helper(); return run(t, ctx, chromedp.Evaluate[fileState](readFileState)) }
	want := func(step string, i int, urlFile string) {
		t.Helper()
		got := state()
		w := fileState{Shown: id(i), URLFile: urlFile, MinScore: "0.1", FormFile: urlFile, Position: fmt.Sprintf("File %d of 3", i+1), Current: id(i), Marker: true}
		if got != w {
			t.Errorf("%s: %+v, want %+v", step, got, w)
		}
		if n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="file"]').length`)); n != 1 {
			t.Errorf("%s: %d files shown, want 1", step, n)
		}
	}
	shows := func(i int) chromedp.Action[chromedp.Void] {
		return waitTrue(fmt.Sprintf(`document.querySelector('[data-testid="file"]').dataset.fileId === %q && new URL(location.href).searchParams.get("file") === %q && %s`, id(i), id(i), overlaysLoaded))
	}

	want("opened", 0, "")
	run(t, ctx, chromedp.Steps(chromedp.KeyEvent("."), shows(1)))
	want(". once", 1, id(1))
	run(t, ctx, chromedp.Steps(chromedp.KeyEvent("."), shows(2)))
	want(". twice", 2, id(2))
	// At the last file . does nothing; , goes back.
	run(t, ctx, chromedp.Steps(chromedp.KeyEvent(".,"), shows(1)))
	want(". at the end, then ,", 1, id(1))
	m := measure(t, ctx)
	if m.Area < 0.30 || m.Top > 200 {
		t.Errorf("the second file's image: %.1f%% of the window at %.0f px down", 100*m.Area, m.Top)
	}

	// The address reopens the file shown, with the view.
	run(t, ctx, chromedp.Steps(chromedp.Reload(), waitTrue(overlaysLoaded)))
	run(t, ctx, chromedp.Evaluate[bool](`(window.segviewMarker = 1, true)`))
	want("reloaded", 1, id(1))

	// A link of the file list opens its file in place too.
	run(t, ctx, chromedp.Steps(
		chromedp.Click(chromedp.CSS(`[data-testid="file-link"][data-file-id="`+id(2)+`"]`)),
		shows(2),
	))
	want("file list link", 2, id(2))
	// The view applied in place keeps the file.
	typeInto(t, ctx, "view-min-score", "0.2")
	run(t, ctx, waitTrue(`new URL(location.href).searchParams.get("min_score") === "0.2"`))
	u, err := url.Parse(run(t, ctx, chromedp.Evaluate[string](`location.href`)))
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Query().Get("file"); got != id(2) {
		t.Errorf("after a view change the address shows file %q, want %s", got, id(2))
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}

// TestWorkspaceBadFile: a file the job does not have is a 400 naming it.
func TestWorkspaceBadFile(t *testing.T) {
	base, a := demoApp(t, nil, nil)
	addWorkspaceJob(t, a)
	ctx, _ := workspaceBrowser(t, 1280, 720)
	run(t, ctx, chromedp.Steps(
		chromedp.Navigate(fmt.Sprintf("%s/projects/demo/jobs/%d?file=%d", base, workspaceJob, cdfsim.DemoFileTagWall)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="error"]`)),
	))
	status := run(t, ctx, chromedp.AttributeValue(chromedp.CSS(`[data-testid="error"]`), "data-status"))
	msg := run(t, ctx, chromedp.Text(chromedp.CSS(`[data-testid="error-message"]`)))
	if status.Value != "400" || !strings.Contains(msg, strconv.FormatInt(cdfsim.DemoFileTagWall, 10)) {
		t.Errorf("status %q, message %q: want 400 naming the file", status.Value, msg)
	}
}

// roundJob is the id of the job addRoundJob adds: three demo photos with
// their own segments, as a job of several files looks.
const roundJob int64 = 4701

// addRoundJob adds roundJob: the pump skid, the gate valve and the phone
// photo of the valve, each with its demo job's segments.
func addRoundJob(t *testing.T, a *app.App) {
	t.Helper()
	var items []cdfsim.JobItem
	for _, id := range []int64{cdfsim.DemoJobPumpSkid, cdfsim.DemoJobInstanceFile, cdfsim.DemoJobEXIF} {
		j, ok := a.Demo.Job(id)
		if !ok {
			t.Fatalf("no demo job %d", id)
		}
		items = append(items, j.Items...)
	}
	job, _ := a.Demo.Job(cdfsim.DemoJobPumpSkid)
	job.ID, job.Items = roundJob, items
	a.Demo.AddJob(job)
}

// saveViewport saves what the window shows as name in screenshotDir.
func saveViewport(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	shot := run(t, ctx, chromedp.CaptureScreenshot())
	if len(shot) == 0 {
		t.Fatalf("screenshot %s is empty", name)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir(t), name), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWorkspaceScreenshots takes the README's pictures of the workspace
// (SEGVIEW_SCREENSHOT_DIR=$PWD/docs writes them there): job-review.png, a
// job of three files on a 1440×900 desktop with a segment approved by
// key and the next one selected, and job-phone.png, the same page on a
// 390×844 phone, whole. Each is checked for the layout it shows.
func TestWorkspaceScreenshots(t *testing.T) {
	base, a := demoApp(t, nil, nil)
	addRoundJob(t, a)
	page := fmt.Sprintf("%s/projects/demo/jobs/%d", base, roundJob)

	t.Run("desktop", func(t *testing.T) {
		ctx, problems := workspaceBrowser(t, 1440, 900)
		run(t, ctx, chromedp.Steps(
			chromedp.Navigate(page+"?sel=1"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="keys-open"]`)),
			waitTrue(overlaysLoaded),
			chromedp.KeyEvent("z"),
			waitTrue(`document.querySelector('[data-testid="review-status"]').textContent.includes("Segment 1 approved")`),
			waitTrue(`document.querySelector('[data-testid="segment-row"][data-rank="2"]').getAttribute("aria-selected") === "true"`),
			waitTrue(overlaysLoaded),
		))
		m := measure(t, ctx)
		t.Logf("1440x900: image %.0f×%.0f at (%.0f, %.0f), %.1f%% of the window", m.Width, m.Height, m.Left, m.Top, 100*m.Area)
		if m.Area < 0.40 || m.Top > 200 || m.PageScrolls {
			t.Errorf("layout: %+v", m)
		}
		saveViewport(t, ctx, "job-review.png")
		if p := problems(); len(p) > 0 {
			t.Errorf("browser reported problems: %q", p)
		}
	})
	t.Run("phone", func(t *testing.T) {
		ctx, problems := workspaceBrowser(t, 390, 844)
		run(t, ctx, chromedp.Steps(
			chromedp.Navigate(page+"?sel=1"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="keys-open"]`)),
			waitTrue(overlaysLoaded),
		))
		m := measure(t, ctx)
		if m.PanelTop < m.StageBottom {
			t.Errorf("the panel (top %.0f) is not below the image (bottom %.0f)", m.PanelTop, m.StageBottom)
		}
		saveScreenshot(t, ctx, "job-phone.png")
		if p := problems(); len(p) > 0 {
			t.Errorf("browser reported problems: %q", p)
		}
	})
}

// TestWorkspaceAccessibility runs axe-core on the workspace of a job of
// three files (file list, side panel, the layers menu open) at the
// desktop and phone sizes, and fails on any serious or critical
// violation.
func TestWorkspaceAccessibility(t *testing.T) {
	src := axeSource(t)
	base, a := demoApp(t, nil, nil)
	addWorkspaceJob(t, a)
	page := fmt.Sprintf("%s/projects/demo/jobs/%d?file=%d", base, workspaceJob, workspaceFiles[1])
	for _, size := range []struct{ w, h int }{{1280, 720}, {390, 844}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			ctx, problems := workspaceBrowser(t, size.w, size.h)
			run(t, ctx, chromedp.Steps(
				chromedp.Navigate(page),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid="keys-open"]`)),
				waitTrue(overlaysLoaded),
				chromedp.Click(chromedp.CSS(`[data-testid="view-layers-menu"] summary`)),
				waitTrue(`document.querySelector('[data-testid="view-layers-menu"]').open`),
			))
			if kind := run(t, ctx, chromedp.Evaluate[string](src+"\n;typeof window.axe")); kind != "object" {
				t.Fatalf("axe-core did not load into the page: typeof axe = %q", kind)
			}
			for _, v := range run(t, ctx, chromedp.Evaluate[[]axeViolation](runAxe, chromedp.EvalAwaitPromise)) {
				t.Errorf("axe %s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, "; "))
			}
			if p := problems(); len(p) > 0 {
				t.Errorf("browser reported problems: %q", p)
			}
		})
	}
}

// TestWorkspaceWithoutJavaScript: with scripts off the workspace shows
// the image and the table, a file list link opens its file, and the view
// form, applied, keeps the file.
func TestWorkspaceWithoutJavaScript(t *testing.T) {
	base, a := demoApp(t, nil, nil)
	addWorkspaceJob(t, a)
	ctx, problems := workspaceBrowser(t, 1280, 720)
	run(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	run(t, ctx, chromedp.Steps(
		chromedp.Navigate(fmt.Sprintf("%s/projects/demo/jobs/%d", base, workspaceJob)),
		waitTrue(overlaysLoaded),
	))
	if run(t, ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="copy-link-box"]').hidden === false`)) {
		t.Fatal("the page's script ran although scripts are disabled")
	}
	m := measure(t, ctx)
	t.Logf("without JavaScript, 1280x720: image %.0f×%.0f at (%.0f, %.0f), %.1f%% of the window", m.Width, m.Height, m.Left, m.Top, 100*m.Area)
	if m.Area < 0.40 || m.Top > 200 {
		t.Errorf("without JavaScript the image covers %.1f%% at %.0f px down", 100*m.Area, m.Top)
	}
	second := strconv.FormatInt(workspaceFiles[1], 10)
	run(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="file-next"]`)))
	run(t, ctx, waitSettled(`document.querySelector('[data-testid="file"]').dataset.fileId === "`+second+`" && `+overlaysLoaded))
	if n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="file"] [data-testid="segment-row"]').length`)); n != 1 {
		t.Errorf("the second file shows %d rows, want 1", n)
	}
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`[data-testid="view-min-score"]`), "0.5"))
	run(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="view-apply"]`)))
	run(t, ctx, waitSettled(`location.search.includes("min_score=0.5") && `+overlaysLoaded))
	u, err := url.Parse(run(t, ctx, chromedp.Location()))
	if err != nil {
		t.Fatal(err)
	}
	if q := u.Query(); q.Get("file") != second || q.Get("min_score") != "0.5" {
		t.Errorf("the GET form led to %s, want file=%s and min_score=0.5", u, second)
	}
	if got := run(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="file"]').dataset.fileId`)); got != second {
		t.Errorf("after the form the page shows file %s, want %s", got, second)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}
