package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
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
