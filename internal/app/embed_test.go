package app

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

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

// TestEmbedFailedJob: a failed job's embed shows the job's error and its
// failed files, by name where the file is known and by id where not, all
// as text.
func TestEmbedFailedJob(t *testing.T) {
	s := newStack(t, nil)
	const evil = `<script>alert("x")</script><img src=x onerror=alert(1)>"'&`
	s.sim.AddFile(cdfsim.File{ID: 777, ExternalID: "ext777", Name: "name" + evil, MimeType: "image/png", Data: tinyPNG(t)})
	now := time.Now()
	s.sim.AddJob(cdfsim.Job{ID: 4243, Status: cdfsim.StatusFailed, Created: now, Started: now, StatusAt: now,
		ErrorMessage: "job" + evil,
		Items:        []cdfsim.JobItem{{FileID: 777}},
		Failed: []cdfsim.FailedBatch{
			{ErrorMessage: "batch" + evil, Items: []cdfsim.FailedRef{{FileID: 777}, {FileID: 31337}}},
			{ErrorMessage: "second batch", Items: []cdfsim.FailedRef{{FileID: 777, FileExternalID: "ext777"}}},
		},
	})
	r := s.get(t, "/embed/projects/acme/jobs/4243?theme=dark")
	wantStatus(t, r, http.StatusOK)
	doc := htmltest.Parse(t, r.body)
	for _, sc := range doc.ByTag("script") {
		if htmltest.Attr(sc, "src") == "" || sc.FirstChild != nil {
			t.Errorf("injected script element: %v", sc)
		}
	}
	for _, n := range htmltest.Find(doc.Root, func(n *html.Node) bool { return htmltest.Attr(n, "onerror") != "" }) {
		t.Errorf("injected event handler on <%s>", n.Data)
	}
	if got := htmltest.Text(doc.One(t, "embed-job-error")); !strings.Contains(got, "job"+evil) {
		t.Errorf("job error = %q, want the job's errorMessage as text", got)
	}
	if got := htmltest.Text(doc.One(t, "embed-status")); got != "Failed" {
		t.Errorf("status = %q, want Failed", got)
	}
	groups := doc.ByTestID("embed-failed-group")
	if len(groups) != 2 {
		t.Fatalf("%d failed groups, want 2", len(groups))
	}
	tests := []struct {
		group int
		want  []string
	}{
		{0, []string{"batch" + evil, "name" + evil + " · id 777", "id 31337"}},
		{1, []string{"second batch", "name" + evil}},
	}
	for _, tt := range tests {
		msg := htmltest.Text(htmltest.Find(groups[tt.group], func(n *html.Node) bool { return htmltest.Attr(n, "class") == "failed-message" })[0])
		var files []string
		for _, li := range htmltest.ByTag(groups[tt.group], "li") {
			files = append(files, htmltest.Text(li))
		}
		got := strings.Join(append([]string{msg}, files...), " | ")
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("failed group %d = %q, want it to contain %q", tt.group, got, w)
			}
		}
	}
	if len(doc.ByTestID("signout")) != 0 || len(doc.ByTag("footer")) != 0 || len(doc.ByTag("nav")) != 0 {
		t.Errorf("the failed job's embed has the full page's chrome")
	}
}

// TestEmbedErrors: errors under /embed/ are pages for a frame: the status,
// heading, message and CDF request id, without the site's header, nav or
// footer, and one link to the full page in a new window. The same errors
// on the full page keep the site's frame.
func TestEmbedErrors(t *testing.T) {
	const portal = "https://portal.example.com"
	s := newStack(t, map[string]string{"SEGVIEW_FRAME_ANCESTORS": portal})
	pump := fmt.Sprintf("/projects/%s/jobs/%d", testProject, cdfsim.DemoJobPumpSkid)
	tests := []struct {
		name      string
		path      string
		fault     *cdfsim.Fault
		status    int
		requestID bool
		theme     string
		fullLink  string
	}{
		{name: "missing job", path: "/embed/projects/" + testProject + "/jobs/99999?theme=dark", status: http.StatusNotFound, requestID: true,
			theme: "dark", fullLink: "/projects/" + testProject + "/jobs/99999"},
		{name: "CDF fault", path: "/embed" + pump + "?min_score=0.5", fault: &cdfsim.Fault{Match: "/context/vision/segment", Status: http.StatusInternalServerError},
			status: http.StatusBadGateway, requestID: true, theme: "light", fullLink: pump + "?min_score=0.5"},
		{name: "bad theme", path: "/embed" + pump + "?theme=purple", status: http.StatusBadRequest, theme: "light", fullLink: pump},
		{name: "other project", path: "/embed/projects/other/jobs/1", status: http.StatusNotFound, theme: "light", fullLink: "/projects/other/jobs/1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fault != nil {
				t.Cleanup(s.sim.InjectFault(*tt.fault))
			}
			r := s.get(t, tt.path)
			wantStatus(t, r, tt.status)
			doc := htmltest.Parse(t, r.body)
			e := doc.One(t, "error")
			if got := htmltest.Attr(e, "data-status"); got != strconv.Itoa(tt.status) {
				t.Errorf("data-status = %q, want %d", got, tt.status)
			}
			if len(htmltest.ByTag(e, "h1")) != 1 || htmltest.Text(doc.One(t, "error-message")) == "" {
				t.Errorf("the error has no heading or message: %q", htmltest.Text(e))
			}
			if got := len(doc.ByTestID("request-id")); tt.requestID != (got == 1) {
				t.Errorf("%d request ids shown, want one: %v", got, tt.requestID)
			}
			if len(doc.ByTag("header")) != 0 || len(doc.ByTag("nav")) != 0 || len(doc.ByTag("footer")) != 0 ||
				len(doc.ByTestID("signout")) != 0 || len(doc.ByTestID("demo-badge")) != 0 {
				t.Errorf("the embed's error page has the site's chrome")
			}
			links := doc.ByTag("a")
			if len(links) != 1 {
				t.Fatalf("%d links, want only the one to the full page", len(links))
			}
			if got := htmltest.Attr(links[0], "href"); got != tt.fullLink || htmltest.Attr(links[0], "target") != "_blank" {
				t.Errorf("link %q target %q, want %q in a new window", got, htmltest.Attr(links[0], "target"), tt.fullLink)
			}
			body := doc.ByTag("body")
			if len(body) != 1 || !strings.Contains(htmltest.Attr(body[0], "class"), "theme-"+tt.theme) {
				t.Errorf("body is not in the %s theme", tt.theme)
			}
			if got := frameAncestors(t, r); got != portal {
				t.Errorf("frame-ancestors = %q, want %q", got, portal)
			}
		})
	}

	// The full page's errors keep the site's header.
	r := s.get(t, "/projects/"+testProject+"/jobs/99999")
	wantStatus(t, r, http.StatusNotFound)
	if len(htmltest.Parse(t, r.body).ByTag("header")) == 0 {
		t.Errorf("the full page's error page lost the site's header")
	}
}

// TestEmbedSrcSet: the embed offers its overlay at several widths, each a
// working overlay address with the view, so a small frame fetches a small
// image.
func TestEmbedSrcSet(t *testing.T) {
	s := newStack(t, nil)
	embed := fmt.Sprintf("/embed/projects/%s/jobs/%d?min_score=0.5&layers=segments,outlines&sel=1", testProject, cdfsim.DemoJobPumpSkid)
	r := s.get(t, embed)
	wantStatus(t, r, http.StatusOK)
	imgs := htmltest.Parse(t, r.body).ByTestID("embed-overlay")
	if len(imgs) == 0 {
		t.Fatal("no overlay")
	}
	img := imgs[0]
	if got := htmltest.Attr(img, "sizes"); got != "100vw" {
		t.Errorf("sizes = %q, want 100vw", got)
	}
	src, err := url.Parse(htmltest.Attr(img, "src"))
	if err != nil {
		t.Fatal(err)
	}
	if got := src.Query().Get("width"); got != "640" {
		t.Errorf("src width = %q, want 640", got)
	}
	var widths []string
	var paths []string
	for cand := range strings.SplitSeq(htmltest.Attr(img, "srcset"), ", ") {
		u, w, ok := strings.Cut(cand, " ")
		if !ok || strings.ContainsAny(u, " ,") {
			t.Fatalf("srcset candidate %q is not \"url Nw\"", cand)
		}
		parsed, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		q := parsed.Query()
		if q.Get("width")+"w" != w {
			t.Errorf("candidate %q: width %q does not match its descriptor", cand, q.Get("width"))
		}
		if q.Get("min_score") != "0.5" || q.Get("layers") != "segments,outlines" || q.Has("sel") || q.Has("theme") {
			t.Errorf("candidate %q does not carry the view (and only it)", u)
		}
		if parsed.Path != src.Path || !strings.HasSuffix(parsed.Path, "/overlay.jpg") {
			t.Errorf("candidate %q is not the overlay of src %q", u, src)
		}
		widths = append(widths, w)
		paths = append(paths, u)
	}
	if got, want := strings.Join(widths, " "), "320w 480w 640w 960w 1280w 1600w"; got != want {
		t.Errorf("srcset widths = %s, want %s", got, want)
	}
	// The smallest is a working overlay of that width.
	r = s.get(t, paths[0])
	wantStatus(t, r, http.StatusOK)
	im, err := jpeg.DecodeConfig(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if im.Width != 320 {
		t.Errorf("the 320w candidate is %d px wide", im.Width)
	}
}
