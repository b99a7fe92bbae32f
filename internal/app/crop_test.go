package app

import (
	"bytes"
	"image/png"
	"net/http"
	"strings"
	"testing"
)

// TestCropRoute: overlay.png and layer.png take crop, output it at the
// asked width with an ETag of its own, and a bad crop is a 400 naming it.
func TestCropRoute(t *testing.T) {
	s := newStack(t, nil)
	src := firstOverlay(t, s)
	base, _, _ := strings.Cut(src, "?")
	base = base[:strings.LastIndex(base, "/")+1]

	full := s.get(t, base+"overlay.png?width=640")
	wantStatus(t, full, http.StatusOK)
	fullCfg, err := png.DecodeConfig(bytes.NewReader(full.body))
	if err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, leaf := range []string{"overlay.png", "layer.png"} {
		for _, crop := range []string{"0.25,0.25,0.75,0.75", "0,0,0.5,0.5"} {
			r := s.get(t, base+leaf+"?width=320&crop="+crop)
			wantStatus(t, r, http.StatusOK)
			cfg, err := png.DecodeConfig(bytes.NewReader(r.body))
			if err != nil {
				t.Fatal(err)
			}
			// Half the image at 320 is the whole at 640, cut in half.
			if cfg.Width != 320 || cropAbs(cfg.Height-fullCfg.Height/2) > 1 {
				t.Errorf("%s crop %s: %d×%d, want 320×%d", leaf, crop, cfg.Width, cfg.Height, fullCfg.Height/2)
			}
			tags = append(tags, r.header.Get("ETag"))
		}
	}
	tags = append(tags, full.header.Get("ETag"))
	seen := map[string]bool{}
	for _, tag := range tags {
		if tag == "" || seen[tag] {
			t.Errorf("ETags %q: want each present and distinct", tags)
			break
		}
		seen[tag] = true
	}
	again := s.get(t, base+"overlay.png?width=320&crop=0.25,0.25,0.75,0.75")
	if got := again.header.Get("ETag"); got != tags[0] {
		t.Errorf("the same crop's ETag is %s, then %s", tags[0], got)
	}

	bad := s.get(t, base+"overlay.png?crop=0.75,0,0.25,1")
	wantStatus(t, bad, http.StatusBadRequest)
	if !strings.Contains(string(bad.body), "crop") {
		t.Errorf("body %q does not name crop", bad.body)
	}
}

func cropAbs(n int) int { return max(n, -n) }
