package app

import (
	"fmt"
	"mime"
	"net/http"
	"strings"
	"testing"

	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/htmltest"
)

// TestDownloadNames: every download the job page links is named as the
// others, segview-{project}-job-{id}…, the full-resolution PNG included.
func TestDownloadNames(t *testing.T) {
	s := newStack(t, nil)
	job := cdfsim.DemoJobPumpSkid
	r := s.get(t, jobURL(job))
	wantStatus(t, r, http.StatusOK)
	doc := htmltest.Parse(t, r.body)
	prefix := fmt.Sprintf("segview-%s-job-%d", testProject, job)
	links := htmltest.ByTag(doc.One(t, "downloads"), "a")
	links = append(links, doc.One(t, "overlay-export"))
	named := 0
	for _, a := range links {
		href := htmltest.Attr(a, "href")
		t.Run(strings.TrimSpace(htmltest.Text(a)), func(t *testing.T) {
			r := s.get(t, href)
			wantStatus(t, r, http.StatusOK)
			cd := r.header.Get("Content-Disposition")
			if cd == "" {
				if strings.HasSuffix(strings.SplitN(href, "?", 2)[0], ".json") && strings.Contains(href, "/jobs/") && !strings.Contains(href, "/export/") {
					return // the job's JSON, CDF's bytes shown in the browser
				}
				t.Fatalf("%s: no Content-Disposition", href)
			}
			_, params, err := mime.ParseMediaType(cd)
			if err != nil || !strings.HasPrefix(params["filename"], prefix) {
				t.Errorf("%s: Content-Disposition %q, want a name starting %q", href, cd, prefix)
			}
			named++
		})
	}
	if named < 6 {
		t.Errorf("%d named downloads, want COCO, GeoJSON, YOLO, masks, SVG and PNG", named)
	}
}
