package app

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/htmltest"
)

// TestJobPageWithoutFileNames: when CDF keeps failing files/byids after the
// retries, the job page still answers, naming files by id and saying why;
// a refusal of access is still the 403 page.
func TestJobPageWithoutFileNames(t *testing.T) {
	s := newStack(t, nil)
	page := fmt.Sprintf("/projects/%s/jobs/%d", testProject, s.sim.DemoJobs()[0].ID)

	remove := s.sim.InjectFault(cdfsim.Fault{Match: "/files/byids", Status: http.StatusServiceUnavailable})
	r := s.get(t, page)
	remove()
	wantStatus(t, r, http.StatusOK)
	doc := htmltest.Parse(t, r.body)
	if got := htmltest.Text(doc.One(t, "files-notice")); !strings.Contains(got, "request id") {
		t.Errorf("notice = %q, want it to carry CDF's request id", got)
	}
	if got := htmltest.Text(htmltest.ByTag(doc.ByTestID("file")[0], "h2")[0]); !strings.HasPrefix(got, "File ") {
		t.Errorf("file heading = %q, want the file named by id", got)
	}

	remove = s.sim.InjectFault(cdfsim.Fault{Match: "/files/byids", Status: http.StatusForbidden})
	r = s.get(t, page)
	remove()
	wantStatus(t, r, http.StatusForbidden)

	r = s.get(t, page)
	wantStatus(t, r, http.StatusOK)
	if n := len(htmltest.Parse(t, r.body).ByTestID("files-notice")); n != 0 {
		t.Errorf("notice shown after the fault cleared")
	}
}
