package app

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/segview/segview/internal/htmltest"
)

// TestZoomRoute: the job page takes zoom and at, keeps them in its links
// and off its images; a bad value is a 400 naming it, before any CDF call.
func TestZoomRoute(t *testing.T) {
	s := newStack(t, nil)
	page := fmt.Sprintf("/projects/%s/jobs/%d", testProject, s.sim.DemoJobs()[0].ID)

	r := s.get(t, page+"?zoom=2.5&at=0.25,0.75")
	wantStatus(t, r, http.StatusOK)
	doc := htmltest.Parse(t, r.body)
	stage := doc.One(t, "stage")
	if htmltest.Attr(stage, "data-zoom") != "2.5" || htmltest.Attr(stage, "data-at") != "0.25,0.75" {
		t.Errorf("stage zoom %q at %q", htmltest.Attr(stage, "data-zoom"), htmltest.Attr(stage, "data-at"))
	}
	links := 0
	for _, a := range doc.ByTag("a") {
		u, err := url.Parse(htmltest.Attr(a, "href"))
		if err != nil || u.Path != page || !u.Query().Has("sel") {
			continue
		}
		links++
		if u.Query().Get("zoom") != "2.5" || u.Query().Get("at") != "0.25,0.75" {
			t.Errorf("link %s does not keep the zoom", u)
		}
	}
	if links == 0 {
		t.Error("no rank links on the page")
	}
	for _, img := range doc.ByTag("img") {
		if src := htmltest.Attr(img, "src"); strings.Contains(src, "zoom") || strings.Contains(src, "at=") {
			t.Errorf("image %s carries the zoom", src)
		}
	}
	for _, name := range []string{"data-photo-url", "data-photo-base", "data-overlay-base"} {
		if v := htmltest.Attr(stage, name); v == "" || strings.Contains(v, "zoom") {
			t.Errorf("stage %s = %q", name, v)
		}
	}
	// The plain photo the stage lays under the overlay is served.
	photo := s.get(t, htmltest.Attr(stage, "data-photo-url"))
	wantStatus(t, photo, http.StatusOK)
	if ct := photo.header.Get("Content-Type"); ct != "image/jpeg" {
		t.Errorf("photo content type %q", ct)
	}

	before := s.sim.APIRequests("/api/v1/")
	for _, q := range []string{"zoom=0.5", "zoom=65", "zoom=NaN", "zoom=x", "zoom=2&at=0.5", "zoom=2&at=1.5,0.5", "zoom=2&at=0.1234567,0"} {
		t.Run(q, func(t *testing.T) {
			r := s.get(t, page+"?"+q)
			wantStatus(t, r, http.StatusBadRequest)
			name, _, _ := strings.Cut(q[strings.LastIndex(q, "&")+1:], "=")
			if !strings.Contains(string(r.body), "The "+name+" value") {
				t.Errorf("the 400 page does not name %s", name)
			}
		})
	}
	if after := s.sim.APIRequests("/api/v1/"); after != before {
		t.Errorf("bad zoom values made %d CDF calls", after-before)
	}
}
