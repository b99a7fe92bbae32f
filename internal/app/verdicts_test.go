package app

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"
	"golang.org/x/net/html"

	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/config"
	"github.com/segview/segview/internal/htmltest"
)

// Verdicts through the whole dashboard, without sign-in: the job page
// hands out the CSRF cookie and token, its forms post verdicts, and the
// simulator holds them as CDF annotations.

// reviewer is one browser without sign-in: it keeps the CSRF cookie.
type reviewer struct {
	s      *stack
	cookie *http.Cookie
}

func (b *reviewer) header(extra map[string]string) map[string]string {
	h := map[string]string{}
	if b.cookie != nil {
		h["Cookie"] = b.cookie.String()
	}
	for k, v := range extra {
		h[k] = v
	}
	return h
}

// page GETs a page and keeps the CSRF cookie it sets.
func (b *reviewer) page(t *testing.T, path string) (response, *htmltest.Doc) {
	t.Helper()
	r := b.s.do(t, http.MethodGet, path, nil, b.header(nil))
	wantStatus(t, r, http.StatusOK)
	if c := csrfCookie(r); c != nil {
		b.cookie = &http.Cookie{Name: c.Name, Value: c.Value}
	}
	return r, htmltest.Parse(t, r.body)
}

// csrfCookie returns the CSRF cookie a response sets, or nil.
func csrfCookie(r response) *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "segview_csrf" {
			return c
		}
	}
	return nil
}

// post sends a form with the reviewer's cookie.
func (b *reviewer) post(t *testing.T, path string, form url.Values, extra map[string]string) response {
	t.Helper()
	h := b.header(extra)
	h["Content-Type"] = "application/x-www-form-urlencoded"
	return b.s.do(t, http.MethodPost, path, strings.NewReader(form.Encode()), h)
}

// reviewForm is a file's verdict or triage form as the page renders it.
type reviewForm struct {
	action, token, view string
}

func formOf(t *testing.T, doc *htmltest.Doc, testID string, fileID int64) reviewForm {
	t.Helper()
	for _, sec := range doc.ByTestID("file") {
		if htmltest.Attr(sec, "data-file-id") != strconv.FormatInt(fileID, 10) {
			continue
		}
		forms := htmltest.ByTestID(sec, testID)
		if len(forms) != 1 {
			t.Fatalf("file %d has %d %s", fileID, len(forms), testID)
		}
		f := reviewForm{action: htmltest.Attr(forms[0], "action")}
		if m := htmltest.Attr(forms[0], "method"); m != "post" {
			t.Errorf("%s method = %q", testID, m)
		}
		for _, in := range htmltest.ByTag(forms[0], "input") {
			switch htmltest.Attr(in, "name") {
			case "csrf_token":
				f.token = htmltest.Attr(in, "value")
			case "view":
				f.view = htmltest.Attr(in, "value")
			}
		}
		return f
	}
	t.Fatalf("no file %d on the page", fileID)
	return reviewForm{}
}

// row returns the segment row of rank in the file's section.
func row(t *testing.T, doc *htmltest.Doc, fileID int64, rank int) *html.Node {
	t.Helper()
	for _, sec := range doc.ByTestID("file") {
		if htmltest.Attr(sec, "data-file-id") != strconv.FormatInt(fileID, 10) {
			continue
		}
		for _, r := range htmltest.ByTestID(sec, "segment-row") {
			if htmltest.Attr(r, "data-rank") == strconv.Itoa(rank) {
				return r
			}
		}
	}
	t.Fatalf("no row of rank %d in file %d", rank, fileID)
	return nil
}

// button returns the single approve or reject button of a row.
func button(t *testing.T, r *html.Node, testID string) *html.Node {
	t.Helper()
	bs := htmltest.ByTestID(r, testID)
	if len(bs) != 1 {
		t.Fatalf("row has %d %s buttons", len(bs), testID)
	}
	return bs[0]
}

func jobURL(id int64) string { return fmt.Sprintf("/projects/%s/jobs/%d", testProject, id) }

func verdictsURL(job, file int64) string {
	return fmt.Sprintf("%s/files/%d/verdicts", jobURL(job), file)
}

func triageURL(job, file int64) string { return fmt.Sprintf("%s/files/%d/triage", jobURL(job), file) }

// statuses returns the statuses of the file's annotations in the
// simulator, sorted.
func statuses(s *stack, fileID int64) []string {
	var out []string
	for _, st := range s.sim.AnnotationStatuses(fileID) {
		out = append(out, st)
	}
	slices.Sort(out)
	return out
}

// errorJSON is the JSON error of a request that asks for JSON.
type errorJSON struct {
	Error struct {
		Status  int    `json:"status"`
		Heading string `json:"heading"`
		Message string `json:"message"`
		Hint    string `json:"hint"`
	} `json:"error"`
}

func decodeJSON[T any](t *testing.T, r response) T {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q, want JSON; body:\n%.400s", ct, r.body)
	}
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
	return v
}

func TestVerdictFormFlow(t *testing.T) {
	s := newStack(t, nil)
	b := &reviewer{s: s}
	job, file := cdfsim.DemoJobPumpSkid, cdfsim.DemoFilePumpSkid
	page := jobURL(job) + "?min_score=0.5&sel=2"

	r, doc := b.page(t, page)
	set := csrfCookie(r)
	if set == nil || !set.HttpOnly || set.SameSite != http.SameSiteStrictMode || set.Path != "/" {
		t.Fatalf("job page cookie = %+v, want segview_csrf, HttpOnly, SameSite=Strict, Path /", set)
	}
	form := formOf(t, doc, "verdict-form", file)
	if form.action != verdictsURL(job, file) || len(form.token) < 32 || form.token == set.Value {
		t.Fatalf("verdict form = %+v", form)
	}
	if tri := formOf(t, doc, "triage-form", file); tri.action != triageURL(job, file) || tri.token != form.token || tri.view != form.view {
		t.Errorf("triage form = %+v, want %s with the verdict form's token and view", tri, triageURL(job, file))
	}
	if q, err := url.ParseQuery(form.view); err != nil || q.Get("min_score") != "0.5" || q.Get("sel") != "2" {
		t.Errorf("form view = %q, want the page's min_score and sel", form.view)
	}
	approve := button(t, row(t, doc, file, 1), "approve")
	if htmltest.Attr(approve, "value") != "1:approved" || htmltest.Attr(approve, "aria-pressed") != "false" {
		t.Errorf("approve button before = value %q, aria-pressed %q", htmltest.Attr(approve, "value"), htmltest.Attr(approve, "aria-pressed"))
	}

	steps := []struct {
		button   string // the value the pressed button sends
		verdict  string // rank 1's data-verdict afterwards
		approve  [2]string
		reject   [2]string // value, aria-pressed
		statuses []string
	}{
		{"1:approved", "approved", [2]string{"1:suggested", "true"}, [2]string{"1:rejected", "false"}, []string{"approved", "approved"}},
		{"1:rejected", "rejected", [2]string{"1:approved", "false"}, [2]string{"1:suggested", "true"}, []string{"rejected", "rejected"}},
		{"1:suggested", "", [2]string{"1:approved", "false"}, [2]string{"1:rejected", "false"}, []string{"suggested", "suggested"}},
	}
	for _, st := range steps {
		t.Run(st.button, func(t *testing.T) {
			r := b.post(t, form.action, url.Values{"csrf_token": {form.token}, "view": {form.view}, "verdict": {st.button}}, nil)
			wantStatus(t, r, http.StatusSeeOther)
			loc, err := url.Parse(r.header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			if loc.Path != jobURL(job) || loc.Fragment != "file-"+strconv.FormatInt(file, 10) ||
				loc.Query().Get("min_score") != "0.5" || loc.Query().Get("sel") != "2" {
				t.Errorf("Location = %q, want the job page with min_score=0.5, sel=2 and #file-%d", loc, file)
			}
			if cc := r.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q", cc)
			}
			// The segment's ring and hole are two annotations, both set.
			if diff := cmp.Diff(st.statuses, statuses(s, file)); diff != "" {
				t.Errorf("stored statuses (-want +got):\n%s", diff)
			}

			r2, doc := b.page(t, loc.RequestURI())
			if c := csrfCookie(r2); c != nil {
				t.Errorf("the page replaced a valid CSRF cookie: %+v", c)
			}
			one := row(t, doc, file, 1)
			if got := htmltest.Attr(one, "data-verdict"); got != st.verdict {
				t.Errorf("data-verdict = %q, want %q", got, st.verdict)
			}
			for _, bt := range []struct {
				id   string
				want [2]string
			}{{"approve", st.approve}, {"reject", st.reject}} {
				n := button(t, one, bt.id)
				if got := [2]string{htmltest.Attr(n, "value"), htmltest.Attr(n, "aria-pressed")}; got != bt.want {
					t.Errorf("%s button = %q, want %q", bt.id, got, bt.want)
				}
			}
			if got := htmltest.Attr(row(t, doc, file, 2), "data-verdict"); got != "" {
				t.Errorf("rank 2 got verdict %q", got)
			}
		})
	}
}

func TestVerdictsJSON(t *testing.T) {
	s := newStack(t, nil)
	b := &reviewer{s: s}
	job, file := cdfsim.DemoJobPumpSkid, cdfsim.DemoFilePumpSkid
	_, doc := b.page(t, jobURL(job))
	token := formOf(t, doc, "verdict-form", file).token
	asScript := map[string]string{"Accept": "application/json", "X-CSRF-Token": token}

	cj, err := s.cdfClient(t).SegmentJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	var scores []float64
	for _, seg := range cj.Items[0].Segments {
		scores = append(scores, seg.Score)
	}
	slices.Sort(scores)
	slices.Reverse(scores) // rank order

	type body struct {
		FileID   int64             `json:"fileId"`
		Verdicts map[string]string `json:"verdicts"`
		Saved    int               `json:"saved"`
	}
	t.Run("save", func(t *testing.T) {
		r := b.post(t, verdictsURL(job, file), url.Values{"verdict": {"3:rejected"}}, asScript)
		wantStatus(t, r, http.StatusOK)
		got := decodeJSON[body](t, r)
		want := body{FileID: file, Verdicts: map[string]string{"3": "rejected"}, Saved: 1}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("answer (-want +got):\n%s", diff)
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q", cc)
		}
	})
	t.Run("triage", func(t *testing.T) {
		const high, low = 0.9, 0.5
		want := map[string]string{"3": "rejected"} // kept unless triage decides rank 3
		decided := 0
		for i, sc := range scores {
			switch {
			case sc >= high:
				want[strconv.Itoa(i+1)] = "approved"
				decided++
			case sc < low:
				want[strconv.Itoa(i+1)] = "rejected"
				decided++
			}
		}
		if decided == 0 || decided == len(scores) {
			t.Fatalf("scores %v make a weak test of thresholds %g and %g", scores, high, low)
		}
		r := b.post(t, triageURL(job, file), url.Values{"high": {"0.9"}, "low": {"0.5"}, "view": {"min_score=0.2"}}, asScript)
		wantStatus(t, r, http.StatusOK)
		got := decodeJSON[body](t, r)
		if diff := cmp.Diff(body{FileID: file, Verdicts: want, Saved: decided}, got); diff != "" {
			t.Errorf("answer (-want +got):\n%s", diff)
		}
		// The page shows what the answer said.
		_, doc := b.page(t, jobURL(job))
		for i := range scores {
			if got := htmltest.Attr(row(t, doc, file, i+1), "data-verdict"); got != want[strconv.Itoa(i+1)] {
				t.Errorf("rank %d: data-verdict = %q, want %q", i+1, got, want[strconv.Itoa(i+1)])
			}
		}
	})
	t.Run("triage form redirects with the view", func(t *testing.T) {
		r := b.post(t, triageURL(job, file), url.Values{"csrf_token": {token}, "high": {"1"}, "low": {"0"}, "view": {"opacity=0.3"}}, nil)
		wantStatus(t, r, http.StatusSeeOther)
		// With the view, and the outcome the page says (none changed).
		if loc, want := r.header.Get("Location"), jobURL(job)+"?opacity=0.3&triaged="+strconv.FormatInt(file, 10)+"%3A0%2C0%2C0%2C0%2C0#file-"+strconv.FormatInt(file, 10); loc != want {
			t.Errorf("Location = %q, want %q", loc, want)
		}
	})

	annotations := len(s.sim.AnnotationStatuses(file))
	refused := []struct {
		name   string
		path   string
		form   url.Values
		status int
		inMsg  string
	}{
		{"triage low above high", triageURL(job, file), url.Values{"high": {"0.3"}, "low": {"0.6"}}, http.StatusBadRequest, "low threshold (0.6)"},
		{"triage high out of range", triageURL(job, file), url.Values{"high": {"1.5"}}, http.StatusBadRequest, "high"},
		{"bad verdict value", verdictsURL(job, file), url.Values{"verdict": {"3:maybe"}}, http.StatusBadRequest, `"3:maybe"`},
		{"no verdict", verdictsURL(job, file), url.Values{}, http.StatusBadRequest, "verdict"},
		{"rank past the last segment", verdictsURL(job, file), url.Values{"verdict": {"99:approved"}}, http.StatusBadRequest, "99"},
		{"bad view", verdictsURL(job, file), url.Values{"verdict": {"1:approved"}, "view": {"min_score=7"}}, http.StatusBadRequest, "min_score"},
		{"unknown file", verdictsURL(job, 999), url.Values{"verdict": {"1:approved"}}, http.StatusNotFound, "999"},
		{"bad file id", fmt.Sprintf("%s/files/x/verdicts", jobURL(job)), url.Values{"verdict": {"1:approved"}}, http.StatusBadRequest, `"x"`},
		{"unknown job", verdictsURL(424242, file), url.Values{"verdict": {"1:approved"}}, http.StatusNotFound, ""},
		{"other project", fmt.Sprintf("/projects/other/jobs/%d/files/%d/verdicts", job, file), url.Values{"verdict": {"1:approved"}}, http.StatusNotFound, "other"},
		{"running job", verdictsURL(cdfsim.DemoJobRunning, cdfsim.DemoFileGauge), url.Values{"verdict": {"1:approved"}}, http.StatusConflict, "Running"},
		{"queued job, triage", triageURL(cdfsim.DemoJobQueued, cdfsim.DemoFileTagWall), url.Values{}, http.StatusConflict, "Queued"},
		{"failed job", verdictsURL(cdfsim.DemoJobFailed, cdfsim.DemoFileGauge), url.Values{"verdict": {"1:approved"}}, http.StatusConflict, "Failed"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			r := b.post(t, tt.path, tt.form, asScript)
			wantStatus(t, r, tt.status)
			got := decodeJSON[errorJSON](t, r)
			if got.Error.Status != tt.status || got.Error.Heading == "" || !strings.Contains(got.Error.Message, tt.inMsg) {
				t.Errorf("error = %+v, want status %d and a message naming %q", got.Error, tt.status, tt.inMsg)
			}

			// The same post from the page's form gets an error page.
			form := url.Values{"csrf_token": {token}}
			for k, v := range tt.form {
				form[k] = v
			}
			r = b.post(t, tt.path, form, nil)
			wantStatus(t, r, tt.status)
			page := htmltest.Parse(t, r.body)
			if st := htmltest.Attr(page.One(t, "error"), "data-status"); st != strconv.Itoa(tt.status) {
				t.Errorf("error page data-status = %q", st)
			}
			if msg := htmltest.Text(page.One(t, "error-message")); !strings.Contains(msg, strings.Trim(tt.inMsg, `"`)) {
				t.Errorf("error page message %q does not name %q", msg, tt.inMsg)
			}
		})
	}
	if n := len(s.sim.AnnotationStatuses(file)); n != annotations {
		t.Errorf("refused requests changed the annotations: %d, had %d", n, annotations)
	}
}

// Posts without the page's token, or from another site, are refused
// before anything reaches CDF.
func TestVerdictPostsNeedThePagesToken(t *testing.T) {
	s := newStack(t, nil)
	job, file := cdfsim.DemoJobPumpSkid, cdfsim.DemoFilePumpSkid
	b := &reviewer{s: s}
	_, doc := b.page(t, jobURL(job))
	token := formOf(t, doc, "verdict-form", file).token
	other := &reviewer{s: s}
	other.page(t, jobURL(job))
	if other.cookie == nil || other.cookie.Value == b.cookie.Value {
		t.Fatalf("two browsers share the cookie %+v", other.cookie)
	}
	noCookie := &reviewer{s: s}

	annotationCalls := s.sim.APIRequests("/annotations")
	tests := []struct {
		name   string
		b      *reviewer
		form   url.Values
		header map[string]string
		inMsg  string
	}{
		{"no token", b, url.Values{}, nil, "expired"},
		{"wrong token", b, url.Values{"csrf_token": {"guess"}}, nil, "expired"},
		{"another browser's cookie", other, url.Values{"csrf_token": {token}}, nil, "expired"},
		{"no cookie", noCookie, url.Values{"csrf_token": {token}}, nil, "expired"},
		{"wrong header", b, url.Values{}, map[string]string{"X-CSRF-Token": "guess", "Accept": "application/json"}, "expired"},
		{"cross-site", b, url.Values{"csrf_token": {token}}, map[string]string{"Sec-Fetch-Site": "cross-site"}, "another site"},
		{"cross-origin", b, url.Values{"csrf_token": {token}}, map[string]string{"Origin": "https://evil.example"}, "another site"},
	}
	for _, tt := range tests {
		for route, path := range map[string]string{"verdicts": verdictsURL(job, file), "triage": triageURL(job, file)} {
			t.Run(tt.name+" "+route, func(t *testing.T) {
				form := url.Values{"verdict": {"1:approved"}}
				for k, v := range tt.form {
					form[k] = v
				}
				r := tt.b.post(t, path, form, tt.header)
				wantStatus(t, r, http.StatusForbidden)
				var msg string
				if tt.header["Accept"] == "application/json" {
					msg = decodeJSON[errorJSON](t, r).Error.Message
				} else {
					msg = htmltest.Text(htmltest.Parse(t, r.body).One(t, "error-message"))
				}
				if !strings.Contains(msg, tt.inMsg) {
					t.Errorf("message %q does not contain %q", msg, tt.inMsg)
				}
			})
		}
	}
	if n := s.sim.APIRequests("/annotations"); n != annotationCalls {
		t.Errorf("refused posts made %d Annotations API calls", n-annotationCalls)
	}
	if st := statuses(s, file); len(st) != 0 {
		t.Errorf("annotations stored: %v", st)
	}

	// The same browser with its token in the header, as the page's script sends it.
	r := b.post(t, verdictsURL(job, file), url.Values{"verdict": {"2:approved"}},
		map[string]string{"X-CSRF-Token": token, "Accept": "application/json", "Sec-Fetch-Site": "same-origin"})
	wantStatus(t, r, http.StatusOK)
}

// Without annotationsAcl:WRITE nothing is stored, and the answer says which
// capability is missing; without annotationsAcl:READ the page still shows
// the job and says why verdicts are missing.
func TestVerdictsRefusedByCDF(t *testing.T) {
	s := newStack(t, nil)
	job, file := cdfsim.DemoJobPumpSkid, cdfsim.DemoFilePumpSkid
	b := &reviewer{s: s}
	_, doc := b.page(t, jobURL(job))
	form := formOf(t, doc, "verdict-form", file)

	t.Run("write", func(t *testing.T) {
		restore := s.sim.RevokeCapability(cdfsim.CapAnnotationsWrite)
		defer restore()
		for _, path := range []string{verdictsURL(job, file), triageURL(job, file)} {
			r := b.post(t, path, url.Values{"verdict": {"1:approved"}, "high": {"0.5"}},
				map[string]string{"X-CSRF-Token": form.token, "Accept": "application/json"})
			wantStatus(t, r, http.StatusForbidden)
			e := decodeJSON[errorJSON](t, r).Error
			if e.Status != http.StatusForbidden || e.Heading != "Verdict not saved" ||
				!strings.Contains(e.Message, "annotationsAcl:WRITE") || !strings.Contains(e.Hint, "annotationsAcl:WRITE") {
				t.Errorf("%s: error = %+v, want a 403 naming annotationsAcl:WRITE", path, e)
			}
		}
		r := b.post(t, form.action, url.Values{"csrf_token": {form.token}, "view": {form.view}, "verdict": {"1:approved"}}, nil)
		wantStatus(t, r, http.StatusForbidden)
		page := htmltest.Parse(t, r.body)
		if msg := htmltest.Text(page.One(t, "error-message")); !strings.Contains(msg, "annotationsAcl:WRITE") || !strings.Contains(msg, "Nothing was changed") {
			t.Errorf("error page message %q does not name annotationsAcl:WRITE and say nothing changed", msg)
		}
		if st := statuses(s, file); len(st) != 0 {
			t.Errorf("annotations stored: %v", st)
		}
	})

	t.Run("read", func(t *testing.T) {
		restore := s.sim.RevokeCapability(cdfsim.CapAnnotationsRead)
		defer restore()
		_, doc := b.page(t, jobURL(job))
		if notice := htmltest.Text(doc.One(t, "verdicts-notice")); !strings.Contains(notice, "annotationsAcl:READ") {
			t.Errorf("verdicts notice %q does not name annotationsAcl:READ", notice)
		}
		if rows := doc.ByTestID("segment-row"); len(rows) == 0 {
			t.Errorf("the page shows no segments")
		}
		r := b.post(t, form.action, url.Values{"verdict": {"1:approved"}}, map[string]string{"X-CSRF-Token": form.token, "Accept": "application/json"})
		wantStatus(t, r, http.StatusForbidden)
		if e := decodeJSON[errorJSON](t, r).Error; !strings.Contains(e.Message, "annotationsAcl:READ") {
			t.Errorf("error = %+v, want a message naming annotationsAcl:READ", e)
		}
		if st := statuses(s, file); len(st) != 0 {
			t.Errorf("annotations stored: %v", st)
		}
	})

	t.Run("restored", func(t *testing.T) {
		_, doc := b.page(t, jobURL(job))
		if n := len(doc.ByTestID("verdicts-notice")); n != 0 {
			t.Errorf("%d verdicts notices with every capability", n)
		}
		r := b.post(t, form.action, url.Values{"verdict": {"1:approved"}}, map[string]string{"X-CSRF-Token": form.token, "Accept": "application/json"})
		wantStatus(t, r, http.StatusOK)
	})
}

func TestVerdictsDisabled(t *testing.T) {
	s := newStack(t, map[string]string{"SEGVIEW_VERDICTS": "false"})
	job, file := cdfsim.DemoJobPumpSkid, cdfsim.DemoFilePumpSkid
	b := &reviewer{s: s}
	_, doc := b.page(t, jobURL(job))
	for _, id := range []string{"verdict-form", "triage-form", "approve", "reject", "verdict", "verdicts-notice"} {
		if n := len(doc.ByTestID(id)); n != 0 {
			t.Errorf("%d [data-testid=%s] with verdicts off", n, id)
		}
	}
	if len(doc.ByTestID("segment-row")) == 0 {
		t.Errorf("the page shows no segments")
	}
	// No route takes verdicts. (No page hands out a CSRF token either, so a
	// post is refused before routing matters.)
	e, ok := s.app.Handler.(*echo.Echo)
	if !ok {
		t.Fatalf("handler is %T, want *echo.Echo", s.app.Handler)
	}
	for _, rt := range e.Routes() {
		if strings.HasSuffix(rt.Path, "/verdicts") || strings.HasSuffix(rt.Path, "/triage") {
			t.Errorf("route %s %s with verdicts off", rt.Method, rt.Path)
		}
	}
	for _, path := range []string{verdictsURL(job, file), triageURL(job, file)} {
		r := b.post(t, path, url.Values{"verdict": {"1:approved"}}, nil)
		switch r.status {
		case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusForbidden:
		default:
			t.Errorf("POST %s = %d, want 404, 405 or 403", path, r.status)
		}
	}
	if n := s.sim.APIRequests("/annotations"); n != 0 {
		t.Errorf("%d Annotations API calls with verdicts off", n)
	}
}

func TestHitsJSON(t *testing.T) {
	s := newStack(t, nil)
	job, file := cdfsim.DemoJobPumpSkid, cdfsim.DemoFilePumpSkid
	cj, err := s.cdfClient(t).SegmentJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	r := s.get(t, fmt.Sprintf("%s/files/%d/hits.json", jobURL(job), file))
	wantStatus(t, r, http.StatusOK)
	type hit struct {
		Rank  int     `json:"rank"`
		Score float64 `json:"score"`
		D     string  `json:"d"`
	}
	got := decodeJSON[struct {
		Segments []hit `json:"segments"`
	}](t, r)
	if len(got.Segments) != len(cj.Items[0].Segments) {
		t.Fatalf("%d hit areas, want one per segment (%d)", len(got.Segments), len(cj.Items[0].Segments))
	}
	for i, h := range got.Segments {
		if h.Rank != i+1 || !strings.HasPrefix(h.D, "M") || !strings.Contains(h.D, "Z") {
			t.Errorf("hit %d = rank %d, d %.40q; want rank %d and a closed SVG path", i, h.Rank, h.D, i+1)
		}
		if i > 0 && h.Score > got.Segments[i-1].Score {
			t.Errorf("hit %d scores %g, above rank %d", i, h.Score, i)
		}
	}
	if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "private") {
		t.Errorf("Cache-Control = %q, want private", cc)
	}

	for _, tt := range []struct {
		path   string
		status int
	}{
		{fmt.Sprintf("%s/files/999/hits.json", jobURL(job)), http.StatusNotFound},
		{fmt.Sprintf("%s/files/x/hits.json", jobURL(job)), http.StatusBadRequest},
		{fmt.Sprintf("/projects/other/jobs/%d/files/%d/hits.json", job, file), http.StatusNotFound},
	} {
		wantStatus(t, s.get(t, tt.path), tt.status)
	}
}

// replicaOf starts another dashboard against s's simulator with env.
func replicaOf(t *testing.T, s *stack, env map[string]string) *stack {
	t.Helper()
	vars := map[string]string{
		"CDF_PROJECT": testProject, "CDF_URL": s.simURL, "LOGIN_FLOW": "client_credentials",
		"IDP_TOKEN_URL": s.sim.TokenURL(s.simURL), "IDP_CLIENT_ID": testClientID, "IDP_CLIENT_SECRET": testSecret,
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok }, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), "0.0.0-test")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() { srv.Close(); a.Close() })
	return &stack{sim: s.sim, simURL: s.simURL, app: a, srv: srv, logs: &syncBuffer{}, client: s.client}
}

// Without sign-in, replicas that share SEGVIEW_SESSION_KEY share the key of
// the forms' CSRF tokens: a form from one is accepted by another.
func TestFormsAcrossReplicas(t *testing.T) {
	t.Parallel()
	key := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("r", 32)))
	tests := []struct {
		name   string
		env    map[string]string
		status int
	}{
		{"same key", map[string]string{"SEGVIEW_SESSION_KEY": key}, http.StatusSeeOther},
		{"no key: each process its own", nil, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newStack(t, tt.env)
			b := replicaOf(t, a, tt.env)
			job, fileID := int64(cdfsim.DemoJobPumpSkid), int64(cdfsim.DemoFilePumpSkid)
			onA := &reviewer{s: a}
			_, doc := onA.page(t, jobURL(job))
			f := formOf(t, doc, "verdict-form", fileID)
			onB := &reviewer{s: b, cookie: onA.cookie}
			r := onB.post(t, f.action, url.Values{"verdict": {"1:approved"}, "csrf_token": {f.token}}, nil)
			if r.status != tt.status {
				t.Errorf("the form of one replica posted to the other: %d, want %d", r.status, tt.status)
			}
		})
	}
}
