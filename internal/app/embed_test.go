package app

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/htmltest"
)

// frameAncestors returns the frame-ancestors directive of a response's CSP.
func frameAncestors(t *testing.T, r response) string {
	t.Helper()
	for d := range strings.SplitSeq(r.header.Get("Content-Security-Policy"), ";") {
		if d = strings.TrimSpace(d); strings.HasPrefix(d, "frame-ancestors ") {
			return strings.TrimPrefix(d, "frame-ancestors ")
		}
	}
	t.Fatalf("no frame-ancestors in CSP %q", r.header.Get("Content-Security-Policy"))
	return ""
}

func TestEmbed(t *testing.T) {
	const portal = "'self' https://portal.example.com"
	s := newStack(t, map[string]string{"SEGVIEW_FRAME_ANCESTORS": portal})
	jobPage := fmt.Sprintf("/projects/%s/jobs/%d", testProject, cdfsim.DemoJobPumpSkid)
	embed := "/embed" + jobPage

	r := s.get(t, embed+"?min_score=0.5&layers=segments,outlines&theme=dark")
	wantStatus(t, r, http.StatusOK)
	doc := htmltest.Parse(t, r.body)
	root := doc.One(t, "embed")
	if got := htmltest.Attr(root, "data-theme"); got != "dark" {
		t.Errorf("data-theme = %q, want dark", got)
	}
	bodies := doc.ByTag("body")
	if len(bodies) != 1 || !strings.Contains(" "+htmltest.Attr(bodies[0], "class")+" ", " theme-dark ") {
		t.Errorf("body has no theme-dark class")
	}
	// The embed shows no verdicts, so it does not read them from CDF.
	if n := s.sim.APIRequests("/annotations"); n != 0 {
		t.Errorf("the embed made %d annotations requests, want none", n)
	}
	if len(doc.ByTestID("verdict-form")) != 0 || len(doc.ByTestID("triage-form")) != 0 {
		t.Errorf("the embed has verdict controls")
	}
	if got := htmltest.Text(doc.One(t, "embed-status")); got != "Completed" {
		t.Errorf("status = %q, want Completed", got)
	}
	if len(doc.ByTestID("signout")) != 0 || len(doc.ByTag("footer")) != 0 {
		t.Errorf("the embed has the full page's chrome")
	}
	imgs := doc.ByTestID("embed-overlay")
	legends := doc.ByTestID("embed-legend")
	if len(imgs) == 0 || len(imgs) != len(legends) {
		t.Fatalf("%d overlays, %d legends", len(imgs), len(legends))
	}
	for _, img := range imgs {
		u, err := url.Parse(htmltest.Attr(img, "src"))
		if err != nil {
			t.Fatal(err)
		}
		if q := u.Query(); q.Get("min_score") != "0.5" || q.Get("layers") != "segments,outlines" || q.Has("theme") {
			t.Errorf("overlay src %q does not carry the view (and only it)", u)
		}
		wantStatus(t, s.get(t, u.String()), http.StatusOK)
	}
	for _, li := range htmltest.ByTag(legends[0], "li") {
		if len(htmltest.ByTag(li, "rect")) != 1 || htmltest.Attr(li, "data-rank") == "" {
			t.Errorf("legend entry %q lacks rank or colour", htmltest.Text(li))
		}
	}
	if got := frameAncestors(t, r); got != portal {
		t.Errorf("embed frame-ancestors = %q, want %q", got, portal)
	}

	// Full pages keep 'self', whatever SEGVIEW_FRAME_ANCESTORS says.
	for _, path := range []string{"/", jobPage, jobPage + "/status"} {
		r := s.get(t, path)
		wantStatus(t, r, http.StatusOK)
		if got := frameAncestors(t, r); got != "'self'" {
			t.Errorf("GET %s: frame-ancestors = %q, want 'self'", path, got)
		}
	}

	// A bad theme is refused before CDF is asked, and may still be framed.
	before := s.sim.APIRequests("/api/")
	r = s.get(t, embed+"?theme=purple")
	wantStatus(t, r, http.StatusBadRequest)
	if n := s.sim.APIRequests("/api/") - before; n != 0 {
		t.Errorf("a bad theme made %d CDF requests", n)
	}
	if got := frameAncestors(t, r); got != portal {
		t.Errorf("embed error frame-ancestors = %q, want %q", got, portal)
	}
	wantStatus(t, s.get(t, embed+"?min_score=2"), http.StatusBadRequest)
}

func TestEmbedDefaultTheme(t *testing.T) {
	s := newStack(t, nil)
	r := s.get(t, fmt.Sprintf("/embed/projects/%s/jobs/%d", testProject, cdfsim.DemoJobPumpSkid))
	wantStatus(t, r, http.StatusOK)
	if got := htmltest.Attr(htmltest.Parse(t, r.body).One(t, "embed"), "data-theme"); got != "light" {
		t.Errorf("data-theme = %q, want light", got)
	}
	if got := frameAncestors(t, r); got != "'self'" {
		t.Errorf("default embed frame-ancestors = %q, want 'self'", got)
	}
}

func TestEmbedSignInOpensNewWindow(t *testing.T) {
	t.Parallel()
	s := newSignInStack(t, 0, map[string]string{"SEGVIEW_FRAME_ANCESTORS": "https://portal.example.com"})
	page, _ := s.jobPage(t)
	b := s.browser(t)
	r := b.get(t, "/embed"+page+"?min_score=0.5&theme=dark")
	wantStatus(t, r, http.StatusUnauthorized)
	if loc := r.header.Get("Location"); loc != "" {
		t.Errorf("the embed redirects to %q inside the frame", loc)
	}
	if got := frameAncestors(t, r); got != "https://portal.example.com" {
		t.Errorf("sign-in page frame-ancestors = %q", got)
	}
	link := htmltest.Parse(t, r.body).One(t, "embed-signin-link")
	if htmltest.Attr(link, "target") != "_blank" || htmltest.Attr(link, "rel") != "noopener" {
		t.Errorf("sign-in link target %q rel %q, want _blank noopener", htmltest.Attr(link, "target"), htmltest.Attr(link, "rel"))
	}
	u, err := url.Parse(htmltest.Attr(link, "href"))
	if err != nil {
		t.Fatal(err)
	}
	if want := page + "?min_score=0.5"; u.Path != "/auth/login" || u.Query().Get("return_to") != want {
		t.Errorf("sign-in link %q, want /auth/login with return_to=%s", u, want)
	}
	if n := s.sim.APIRequests("/api/"); n != 0 {
		t.Errorf("CDF saw %d requests from a visitor without a session", n)
	}

	// Signed in (in the new window, same cookies), the embed shows the job.
	b.signIn(t, s, alice, page)
	r = b.get(t, "/embed"+page)
	wantStatus(t, r, http.StatusOK)
	htmltest.Parse(t, r.body).One(t, "embed")
}
