package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/segview/segview/internal/cdfsim"
)

// TestEmbedInAnotherOrigin frames the embed from a page of another origin:
// allowed by SEGVIEW_FRAME_ANCESTORS it renders (its overlay is fetched),
// under the default policy Chromium refuses it.
func TestEmbedInAnotherOrigin(t *testing.T) {
	tests := []struct {
		name  string
		allow bool
	}{
		{"allowed by SEGVIEW_FRAME_ANCESTORS", true},
		{"refused by the default policy", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var embedSrc string
			portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>portal</title></head><body>
<iframe id="seg" title="segview" width="640" height="480" src="%s" onload="window.frameLoaded = true"></iframe></body></html>`, embedSrc)
			}))
			t.Cleanup(portal.Close)

			env := map[string]string{}
			if tt.allow {
				env["SEGVIEW_FRAME_ANCESTORS"] = portal.URL
			}
			var mu sync.Mutex
			var paths []string
			base := demoServerWith(t, env, func(p string) { mu.Lock(); paths = append(paths, p); mu.Unlock() })
			requested := func(part string) bool {
				mu.Lock()
				defer mu.Unlock()
				for _, p := range paths {
					if strings.Contains(p, part) {
						return true
					}
				}
				return false
			}
			embedSrc = fmt.Sprintf("%s/embed/projects/%s/jobs/%d?theme=dark", base, "demo", cdfsim.DemoJobPumpSkid)

			ctx, problems := browser(t, 1024, 768)
			if err := chromedp.Do(ctx,
				chromedp.Navigate(portal.URL+"/"),
				waitTrue(`document.readyState === "complete"`),
			); err != nil {
				t.Fatal(err)
			}
			// The frame is of another origin: its document stays closed to
			// the portal's script either way.
			if run(t, ctx, chromedp.Evaluate[bool](`document.getElementById("seg").contentDocument !== null`)) {
				t.Errorf("the portal can read the embed's document")
			}
			refused := func() bool {
				for _, p := range problems() {
					if strings.Contains(p, "frame-ancestors") || strings.Contains(p, "Refused to frame") {
						return true
					}
				}
				return false
			}
			if tt.allow {
				// The frame's load event comes after its document's, which
				// waits for the document's images: the overlay is in.
				run(t, ctx, waitTrue(`window.frameLoaded === true`))
				if refused() {
					t.Errorf("Chromium refused the allowed frame: %q", problems())
				}
				if !requested("/overlay.jpg") {
					t.Errorf("the framed embed did not render: its overlay was not fetched")
				}
				saveScreenshot(t, ctx, "embed-in-portal.png")
				return
			}
			// Chromium says so on the console; the browser's context
			// bounds the wait (a hang guard).
			for !refused() {
				select {
				case <-ctx.Done():
					t.Fatalf("Chromium did not refuse the frame; console: %q", problems())
				case <-time.After(50 * time.Millisecond):
				}
			}
			if !requested("/embed/") {
				t.Fatal("the embed was never requested")
			}
			if requested("/overlay.jpg") {
				t.Errorf("the refused embed rendered: its overlay was fetched")
			}
		})
	}
}

// TestEmbedFitsSmallFrame opens the embed in a 320×240 viewport, the size
// of a small frame: the overlay fits the width, nothing scrolls sideways,
// and the browser picks a small overlay from the srcset instead of the
// 1600 px one.
func TestEmbedFitsSmallFrame(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 320, 240)
	embed := fmt.Sprintf("%s/embed/projects/%s/jobs/%d?min_score=0.5", base, "demo", cdfsim.DemoJobPumpSkid)
	const loaded = `(() => {
  const imgs = Array.from(document.querySelectorAll('img[data-testid="embed-overlay"]'));
  return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0);
})()`
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(320, 240),
		chromedp.Navigate(embed),
		waitTrue(loaded),
	); err != nil {
		t.Fatal(err)
	}
	type box struct {
		Viewport, ScrollWidth int
		Images                []struct {
			Left, Right, NaturalWidth float64
			CurrentSrc                string
		}
	}
	got := run(t, ctx, chromedp.Evaluate[box](`({
  viewport: window.innerWidth,
  scrollWidth: document.documentElement.scrollWidth,
  images: Array.from(document.querySelectorAll('img[data-testid="embed-overlay"]')).map(i => {
    const r = i.getBoundingClientRect();
    return {left: r.left, right: r.right, naturalWidth: i.naturalWidth, currentSrc: i.currentSrc};
  }),
})`))
	if got.Viewport != 320 {
		t.Fatalf("viewport is %d px wide, want 320", got.Viewport)
	}
	if len(got.Images) == 0 {
		t.Fatal("no overlay measured")
	}
	if got.ScrollWidth > got.Viewport {
		t.Errorf("the embed scrolls sideways: scrollWidth %d in a %d px viewport", got.ScrollWidth, got.Viewport)
	}
	for i, img := range got.Images {
		if img.Left < 0 || img.Right > float64(got.Viewport) {
			t.Errorf("overlay %d spans %.1f–%.1f px, outside the %d px viewport", i, img.Left, img.Right, got.Viewport)
		}
		u, err := url.Parse(img.CurrentSrc)
		if err != nil {
			t.Fatal(err)
		}
		w, err := strconv.Atoi(u.Query().Get("width"))
		// Below the src's 640: the browser chose from the srcset.
		if err != nil || w >= 640 {
			t.Errorf("overlay %d: the browser chose %q, want a srcset width below 640", i, img.CurrentSrc)
		}
		if int(img.NaturalWidth) > w {
			t.Errorf("overlay %d is %v px wide as fetched, want at most %d", i, img.NaturalWidth, w)
		}
		t.Logf("overlay %d: %s, %v px wide, shown %.0f px wide", i, img.CurrentSrc, img.NaturalWidth, img.Right-img.Left)
		if u.Query().Get("min_score") != "0.5" {
			t.Errorf("overlay %d: %q lost the view", i, img.CurrentSrc)
		}
	}
	saveScreenshot(t, ctx, "embed-320x240.png")
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}
