// Package e2e drives the dashboard in a real headless Chromium against the
// built-in CDF simulator. Without a browser the tests skip, saying so in
// one line that go test shows (TestMain), unless SEGVIEW_E2E=1 requires
// them (as .ci/run does).
package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/segview/segview/internal/app"
	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/config"
)

// browserPath finds Chromium (findBrowser) or skips; under SEGVIEW_E2E=1
// it fails instead.
func browserPath(t *testing.T) string {
	t.Helper()
	p, err := findBrowser(os.Getenv, exec.LookPath)
	if err == nil {
		return p
	}
	if os.Getenv("SEGVIEW_E2E") == "1" {
		t.Fatalf("SEGVIEW_E2E=1 but no Chromium: %v; install the Debian package chromium", err)
	}
	t.Skipf("no Chromium: %v (install the Debian package chromium, or set SEGVIEW_E2E=1 to require it)", err)
	return ""
}

// demoServer runs the dashboard in demo mode.
func demoServer(t *testing.T) string {
	t.Helper()
	return demoServerWith(t, nil, nil)
}

// demoServerWith runs the dashboard in demo mode with env as its
// environment (e.g. SEGVIEW_FRAME_ANCESTORS); seen, when not nil, is
// called with the path of every request it serves.
func demoServerWith(t *testing.T, env map[string]string, seen func(path string)) string {
	t.Helper()
	base, _ := demoApp(t, env, seen)
	return base
}

// demoApp is demoServerWith that also returns the app, whose Demo is the
// simulator behind it.
func demoApp(t *testing.T, env map[string]string, seen func(path string)) (string, *app.App) {
	t.Helper()
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), "0.0.0-e2e")
	if err != nil {
		t.Fatal(err)
	}
	h := a.Handler
	if seen != nil {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen(r.URL.Path); a.Handler.ServeHTTP(w, r) })
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); a.Close() })
	return srv.URL, a
}

// browser starts headless Chromium with the flags this machine needs and
// records console errors and exceptions (CSP violations land there too).
func browser(t *testing.T, width, height int) (context.Context, func() []string) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browserPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	// Only a hang guard: a test takes seconds, far more on a busy machine.
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}

	var mu sync.Mutex
	var problems []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				mu.Lock()
				problems = append(problems, string(m.Type)+": "+m.Text)
				mu.Unlock()
			}
		}
	}()
	return ctx, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), problems...) }
}

// screenshotDir is where screenshots go: SEGVIEW_SCREENSHOT_DIR or a temp dir.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("SEGVIEW_SCREENSHOT_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// saveScreenshot saves the whole page as name in screenshotDir: the test
// artifacts of the main pages (.ci/run keeps them under artifacts/).
func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	shot := run(t, ctx, chromedp.FullScreenshot(100)) // 100: PNG; below, JPEG
	if len(shot) == 0 {
		t.Fatalf("screenshot %s is empty", name)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir(t), name), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}

const overlaysLoaded = `(() => {
  const imgs = Array.from(document.querySelectorAll('img[data-testid="overlay"]'));
  return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0);
})()`

// waitTrue polls a JavaScript expression until it is true.
func waitTrue(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for {
			ok, err := chromedp.Evaluate[bool](expr)(ctx, t)
			if err != nil {
				return err
			}
			if ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for %s: %w", expr, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}

// run runs an action and fails the test on error.
func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOpenDemoJobInBrowser(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)

	run(t, ctx, chromedp.Steps(chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="demo-badge"]`))))
	saveScreenshot(t, ctx, "home.png")
	err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="demo-job"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="job-status"]`)),
		waitTrue(overlaysLoaded),
	)
	if err != nil {
		t.Fatal(err)
	}
	status := run(t, ctx, chromedp.Text(chromedp.CSS(`[data-testid="job-status"]`)))
	badge := run(t, ctx, chromedp.Text(chromedp.CSS(`[data-testid="demo-badge"]`)))
	rows := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="segment-row"]').length`))
	files := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="file"]').length`))
	shot := run(t, ctx, chromedp.FullScreenshot(100))

	if strings.TrimSpace(status) != "Completed" {
		t.Errorf("first demo job status = %q, want Completed", status)
	}
	if strings.TrimSpace(badge) != "demo data" {
		t.Errorf("badge = %q", badge)
	}
	if files < 1 || rows < 4 {
		t.Errorf("files = %d, segment rows = %d", files, rows)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir(t), "job-page.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestJobPageFitsAPhone(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 390, 844)
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.Click(chromedp.CSS(`[data-testid="demo-job"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="job-status"]`)),
		waitTrue(overlaysLoaded),
	)
	if err != nil {
		t.Fatal(err)
	}
	if run(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)) {
		t.Errorf("the job page scrolls sideways on a 390 px wide screen")
	}
	saveScreenshot(t, ctx, "job-page-phone.png")
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}

func TestBadJobIDShowsErrorPage(t *testing.T) {
	base := demoServer(t)
	ctx, _ := browser(t, 1024, 768)
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.SendKeys(chromedp.CSS(`#job-id`), "99999"),
		chromedp.Submit(chromedp.CSS(`#job-id`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="error"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	status := run(t, ctx, chromedp.AttributeValue(chromedp.CSS(`[data-testid="error"]`), "data-status"))
	msg := run(t, ctx, chromedp.Text(chromedp.CSS(`[data-testid="error-message"]`)))
	saveScreenshot(t, ctx, "error-page.png")
	if status.Value != "404" || !strings.Contains(msg, "no such job") {
		t.Errorf("error page status %q message %q", status.Value, msg)
	}
}

// openDemoJob opens the demo job whose link on the home page contains text.
func openDemoJob(t *testing.T, ctx context.Context, base, text string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="demo-job"] a`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	href := run(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
  const a = Array.from(document.querySelectorAll('[data-testid="demo-job"] a')).find(a => a.textContent.includes(%q));
  return a ? a.href : "";
})()`, text)))
	if href == "" {
		t.Fatalf("no demo job link contains %q", text)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(href), chromedp.WaitVisible(chromedp.CSS(`[data-testid="job-status"]`))); err != nil {
		t.Fatal(err)
	}
}

func TestRunningJobPollsItsStatus(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)
	openDemoJob(t, ctx, base, "Running")

	status := run(t, ctx, chromedp.Text(chromedp.CSS(`[data-testid="job-status"]`)))
	if strings.TrimSpace(status) != "Running" {
		t.Fatalf("status = %q, want Running", status)
	}
	// The first poll comes 2 s after load.
	err := chromedp.Do(ctx, waitTrue(`performance.getEntriesByType("resource").some(e => new URL(e.name).pathname.endsWith("/status"))`))
	if err != nil {
		t.Fatal(err)
	}
	active := run(t, ctx, chromedp.Evaluate[int](`Array.from(document.querySelectorAll('meta[http-equiv="refresh" i]')).filter(m => !m.closest("noscript")).length`))
	if active != 0 {
		t.Errorf("%d meta refreshes outside <noscript>", active)
	}
	// The job stays running, so the page must not have reloaded: the
	// navigation entry is still the first one.
	if n := run(t, ctx, chromedp.Evaluate[string](`performance.getEntriesByType("navigation")[0].type`)); n == "reload" {
		t.Errorf("a running job's page reloaded itself")
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}

func TestCopyLink(t *testing.T) {
	base := demoServer(t)
	for _, denied := range []bool{false, true} {
		t.Run(fmt.Sprintf("clipboard denied=%v", denied), func(t *testing.T) {
			ctx, problems := browser(t, 1280, 900)
			openDemoJob(t, ctx, base, "Completed")
			if denied {
				run(t, ctx, chromedp.Evaluate[bool](`(navigator.clipboard.writeText = () => Promise.reject(new Error("denied")), true)`))
			}
			copyLink(t, ctx)
			if denied && !run(t, ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="copy-link-url"]').value === location.href`)) {
				t.Errorf("the fallback field does not hold the page's address")
			}
			if p := problems(); len(p) > 0 {
				t.Errorf("browser reported problems: %q", p)
			}
		})
	}
}

// copyLink clicks "Copy link" and checks the confirmation.
func copyLink(t *testing.T, ctx context.Context) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="copy-link"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="copy-link"]`)),
		waitTrue(`document.querySelector('[data-testid="copy-link-done"]').textContent !== ""`),
	)
	if err != nil {
		t.Fatal(err)
	}
	done := run(t, ctx, chromedp.Text(chromedp.CSS(`[data-testid="copy-link-done"]`)))
	if done != "Link copied" {
		// The clipboard refused and so did execCommand: the link must be
		// selected in the field for the person to copy.
		sel := run(t, ctx, chromedp.Evaluate[bool](`(() => {
  const i = document.querySelector('[data-testid="copy-link-url"]');
  return !i.hidden && i.value === location.href && i.selectionEnd - i.selectionStart === i.value.length;
})()`))
		if !sel || !strings.Contains(done, "Link selected") {
			t.Errorf("confirmation %q, link selected in the field: %v", done, sel)
		}
	}
	t.Logf("confirmation: %q", done)
}

// waitSettled polls a JavaScript expression until it is true, retrying
// evaluation errors, which come while the page is being replaced.
func waitSettled(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for {
			if ok, err := chromedp.Evaluate[bool](expr)(ctx, t); err == nil && ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for %s: %w", expr, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}

// A job that finishes while its page or its embed is open shows its
// results without anybody reloading.
func TestRunningJobShowsResultsWhenDone(t *testing.T) {
	tests := []struct {
		name, path, status, image string
	}{
		{"job page", "/projects/demo/jobs/%d", "job-status", "overlay"},
		{"embed", "/embed/projects/demo/jobs/%d", "embed-status", "embed-overlay"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, a := demoApp(t, nil, nil)
			done, ok := a.Demo.Job(cdfsim.DemoJobPumpSkid)
			if !ok {
				t.Fatal("no demo job")
			}
			done.ID = int64(4200 + i)
			running := done
			running.Status, running.Items = cdfsim.StatusRunning, nil
			a.Demo.AddJob(running)

			ctx, problems := browser(t, 1024, 768)
			status := fmt.Sprintf(`document.querySelector('[data-testid=%q]').textContent.trim()`, tt.status)
			run(t, ctx, chromedp.Steps(chromedp.Navigate(base+fmt.Sprintf(tt.path, done.ID)), waitTrue(status+` === "Running"`)))
			if n := run(t, ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll('[data-testid=%q]').length`, tt.image))); n != 0 {
				t.Fatalf("a running job shows %d images", n)
			}
			a.Demo.AddJob(done) // the job completes; nobody touches the browser

			run(t, ctx, waitSettled(fmt.Sprintf(`%s === "Completed" && Array.from(document.querySelectorAll('[data-testid=%q]')).some(i => i.complete && i.naturalWidth > 0)`, status, tt.image)))
			if p := problems(); len(p) > 0 {
				t.Errorf("browser reported problems: %q", p)
			}
		})
	}
}
