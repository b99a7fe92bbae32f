package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/segview/segview/internal/cdfsim"
)

// axeSource reads axe-core's axe.min.js from SEGVIEW_AXE, which .ci/run
// sets after installing the npm package outside the repository. Without it
// the accessibility tests skip, unless CI=true with SEGVIEW_E2E=1.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("SEGVIEW_AXE")
	if path == "" {
		msg := "SEGVIEW_AXE is not set: install axe-core (npm install --no-save --prefix ~/.cache/segview-axe axe-core@4) and point SEGVIEW_AXE at its axe.min.js"
		if os.Getenv("SEGVIEW_E2E") == "1" && os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading axe-core from SEGVIEW_AXE: %v", err)
	}
	return string(src)
}

// axeViolation is the part of an axe-core violation worth reporting.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// runAxe runs axe-core on the current page and returns its serious and
// critical violations. The script is evaluated through DevTools, to which
// the page's Content-Security-Policy does not apply.
const runAxe = `axe.run(document, { resultTypes: ["violations"] }).then(r => r.violations
  .filter(v => v.impact === "serious" || v.impact === "critical")
  .map(v => ({ id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.join(" ")).slice(0, 5) })))`

// TestAccessibility runs axe-core on the job page, the embed (both
// themes), the home page and a review queue, and fails on any serious or
// critical violation.
func TestAccessibility(t *testing.T) {
	src := axeSource(t)
	base := demoServer(t)
	embed := fmt.Sprintf("%s/embed/projects/demo/jobs/%d", base, cdfsim.DemoJobPumpSkid)
	pages := []struct {
		name  string
		open  chromedp.Action[chromedp.Void]
		ready string
	}{
		{"job page", openFirstDemoJob(base), `document.querySelector('[data-testid="copy-link-box"]').hidden === false`},
		{"job page, a segment selected and the key help open", chromedp.Steps(
			openFirstDemoJob(base), chromedp.KeyEvent("j?"),
		), `document.querySelector('[data-testid="keys-help"]').open`},
		{"home page", chromedp.Navigate(base + "/"), `document.readyState === "complete"`},
		{"review queue", chromedp.Navigate(fmt.Sprintf("%s/projects/demo/review?jobs=%d,%d,%d,99999", base, cdfsim.DemoJobPumpSkid, cdfsim.DemoJobRunning, cdfsim.DemoJobFailed)),
			`document.readyState === "complete" && Array.from(document.images).every(i => i.complete)`},
		{"embed, light theme", chromedp.Navigate(embed + "?theme=light"), `document.readyState === "complete"`},
		{"embed, dark theme", chromedp.Navigate(embed + "?theme=dark"), `document.readyState === "complete"`},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			ctx, problems := browser(t, 1280, 900)
			if err := chromedp.Do(ctx, p.open, waitTrue(p.ready)); err != nil {
				t.Fatal(err)
			}
			if kind := run(t, ctx, chromedp.Evaluate[string](src+"\n;typeof window.axe")); kind != "object" {
				t.Fatalf("axe-core did not load into the page: typeof axe = %q", kind)
			}
			violations := run(t, ctx, chromedp.Evaluate[[]axeViolation](runAxe, chromedp.EvalAwaitPromise))
			for _, v := range violations {
				t.Errorf("axe %s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, "; "))
			}
			if p := problems(); len(p) > 0 {
				t.Errorf("browser reported problems: %q", p)
			}
		})
	}
}
