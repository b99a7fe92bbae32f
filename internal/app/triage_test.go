package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/htmltest"
	"github.com/segview/segview/internal/segment"
)

// TestTriageRespectsReviewers is the scenario through the whole
// dashboard: a reviewer rejects a high-scoring segment by hand, triage
// with the defaults leaves it rejected and says so, "also change reviewed
// segments" changes it, and the undo record restores every status the
// triage changed, in CDF.
func TestTriageRespectsReviewers(t *testing.T) {
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
	item, _ := segment.FindItem(cj, file)
	ranked := segment.Rank(item.Segments)
	const high, low = 0.75, 0.25
	approve, reject := 0, 0
	for _, r := range ranked {
		switch {
		case r.Score >= high:
			approve++
		case r.Score < low:
			reject++
		}
	}
	if approve < 2 {
		t.Fatalf("the demo file has %d segments scoring ≥ %v; the test needs two", approve, high)
	}
	// Rank 1 scores highest: rejected by hand, as with x.
	wantStatus(t, b.post(t, verdictsURL(job, file), url.Values{"verdict": {"1:rejected"}}, asScript), http.StatusOK)
	before := verdictsByRank(t, s, job, file)

	type body struct {
		Message  string            `json:"message"`
		Changed  map[string]string `json:"changed"`
		Verdicts map[string]string `json:"verdicts"`
		Undo     string            `json:"undo"`
	}
	r := b.post(t, triageURL(job, file), url.Values{"high": {"0.75"}, "low": {"0.25"}}, asScript)
	wantStatus(t, r, http.StatusOK)
	got := decodeJSON[body](t, r)
	wantMsg := fmt.Sprintf("Triage: approved %d, rejected %d, left 1 reviewed segment as it was.", approve-1, reject)
	if got.Message != wantMsg {
		t.Errorf("message %q, want %q", got.Message, wantMsg)
	}
	if got.Verdicts["1"] != "rejected" || got.Changed["1"] != "" {
		t.Errorf("rank 1 after triage: %q (changed %q), want rejected, unchanged", got.Verdicts["1"], got.Changed["1"])
	}
	after := verdictsByRank(t, s, job, file)
	if after[1] != "rejected" {
		t.Errorf("CDF holds %q for rank 1 after triage, want rejected", after[1])
	}
	if len(got.Changed) != approve-1+reject || got.Undo == "" {
		t.Errorf("changed %v, undo %q", got.Changed, got.Undo)
	}

	// Undo: every status the triage changed is as before.
	r = b.post(t, triageURL(job, file)+"/undo", url.Values{"undo": {got.Undo}}, asScript)
	wantStatus(t, r, http.StatusOK)
	undone := decodeJSON[body](t, r)
	if !strings.HasPrefix(undone.Message, fmt.Sprintf("Triage undone: restored %d segments", len(got.Changed))) {
		t.Errorf("undo message %q", undone.Message)
	}
	if diff := cmp.Diff(before, verdictsByRank(t, s, job, file)); diff != "" {
		t.Errorf("verdicts after undo differ from before the triage (-before +after):\n%s", diff)
	}

	// The option changes reviewed segments too.
	r = b.post(t, triageURL(job, file), url.Values{"high": {"0.75"}, "low": {"0.25"}, "reviewed": {"1"}}, asScript)
	wantStatus(t, r, http.StatusOK)
	// and says whose verdict it overrode.
	if got := decodeJSON[body](t, r); got.Verdicts["1"] != "approved" || !strings.Contains(got.Message, fmt.Sprintf("approved %d (1 of them had been rejected by a reviewer),", approve)) {
		t.Errorf("with reviewed=1: rank 1 %q, message %q", got.Verdicts["1"], got.Message)
	}

	// A form post without script still lands back on the page.
	r = b.post(t, triageURL(job, file), url.Values{"high": {"0.75"}, "low": {"0.25"}, "csrf": {token}, "view": {"min_score=0.1"}}, map[string]string{"X-CSRF-Token": token})
	if r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "min_score=0.1") {
		t.Errorf("form post: %d to %q", r.status, r.header.Get("Location"))
	}
	for _, bad := range []url.Values{{"undo": {"x"}}, {"undo": {""}}} {
		wantStatus(t, b.post(t, triageURL(job, file)+"/undo", bad, asScript), http.StatusBadRequest)
	}
	// A rank the file does not have is refused and named, as by the
	// verdict route, and nothing is changed.
	beforeBad := verdictsByRank(t, s, job, file)
	for _, route := range []struct{ path, field, value string }{
		{triageURL(job, file) + "/undo", "undo", "99:suggested:approved"},
		{triageURL(job, file) + "/undo", "undo", "1:suggested:approved,99:rejected:approved"},
		{verdictsURL(job, file), "verdict", "99:approved"},
	} {
		r := b.post(t, route.path, url.Values{route.field: {route.value}}, asScript)
		wantStatus(t, r, http.StatusBadRequest)
		if e := decodeJSON[errorJSON](t, r); !strings.Contains(e.Error.Message, "no segment 99") {
			t.Errorf("%s %s=%s: message %q, want it to name rank 99", route.path, route.field, route.value, e.Error.Message)
		}
	}
	if diff := cmp.Diff(beforeBad, verdictsByRank(t, s, job, file)); diff != "" {
		t.Errorf("a refused undo changed verdicts (-before +after):\n%s", diff)
	}
	wantStatus(t, b.post(t, triageURL(job, file), url.Values{"reviewed": {"maybe"}}, asScript), http.StatusBadRequest)
}

// verdictsByRank reads the file's verdicts as CDF holds them, through the
// COCO export's status (every segment, unreviewed included).
func verdictsByRank(t *testing.T, s *stack, job, file int64) map[int]string {
	t.Helper()
	var coco cocoRLE
	r := s.get(t, jobURL(job)+"/export/coco.json")
	wantStatus(t, r, http.StatusOK)
	if err := decodeInto(r.body, &coco); err != nil {
		t.Fatal(err)
	}
	out := map[int]string{}
	for _, a := range coco.Annots {
		if a.ImageID == file {
			out[a.Rank] = a.Status
		}
	}
	return out
}

// TestTriageWithoutScript: a triage form posted without the script is sent
// back to the page with its outcome, which the page says in its status
// line, with an "Undo triage" form that restores every status the triage
// changed, in CDF; the undo's outcome is said in turn.
func TestTriageWithoutScript(t *testing.T) {
	s := newStack(t, nil)
	b := &reviewer{s: s}
	job, file := cdfsim.DemoJobPumpSkid, cdfsim.DemoFilePumpSkid
	_, doc := b.page(t, jobURL(job))
	form := formOf(t, doc, "triage-form", file)
	if len(doc.ByTestID("triage-undo-form")) != 0 {
		t.Fatal("an undo form before any triage")
	}
	// Rank 1 rejected by hand, with the verdict form.
	wantStatus(t, b.post(t, verdictsURL(job, file), url.Values{"verdict": {"1:rejected"}, "csrf_token": {form.token}}, nil), http.StatusSeeOther)
	before := verdictsByRank(t, s, job, file)

	r := b.post(t, form.action, url.Values{"high": {"0.75"}, "low": {"0.25"}, "csrf_token": {form.token}, "view": {"min_score=0.1"}}, nil)
	wantStatus(t, r, http.StatusSeeOther)
	loc, err := url.Parse(r.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if loc.Query().Get("min_score") != "0.1" || loc.Query().Get("undo") == "" {
		t.Fatalf("redirect to %q: want the view and the undo record", loc)
	}
	if after := verdictsByRank(t, s, job, file); after[1] != "rejected" || cmp.Equal(before, after) {
		t.Fatalf("after triage CDF holds %v (before %v)", after, before)
	}

	_, doc = b.page(t, loc.RequestURI())
	status := strings.TrimSpace(htmltest.Text(doc.One(t, "review-status")))
	if !strings.HasPrefix(status, "Triage: approved ") || !strings.HasSuffix(status, "left 1 reviewed segment as it was.") {
		t.Errorf("status line %q, want what the triage did", status)
	}
	undoForm := doc.One(t, "triage-undo-form")
	if got := htmltest.Attr(undoForm, "action"); got != triageURL(job, file)+"/undo" {
		t.Errorf("undo form posts to %q", got)
	}
	fields := url.Values{}
	for _, in := range htmltest.ByTag(undoForm, "input") {
		fields.Set(htmltest.Attr(in, "name"), htmltest.Attr(in, "value"))
	}
	if fields.Get("undo") != loc.Query().Get("undo") || fields.Get("csrf_token") == "" || fields.Get("view") != "min_score=0.1" {
		t.Errorf("undo form fields %v", fields)
	}
	if len(htmltest.ByTestID(undoForm, "triage-undo-submit")) != 1 {
		t.Error("the undo form has no button")
	}

	r = b.post(t, htmltest.Attr(undoForm, "action"), fields, nil)
	wantStatus(t, r, http.StatusSeeOther)
	if diff := cmp.Diff(before, verdictsByRank(t, s, job, file)); diff != "" {
		t.Errorf("verdicts after undo differ from before the triage (-before +after):\n%s", diff)
	}
	_, doc = b.page(t, r.header.Get("Location"))
	if status := strings.TrimSpace(htmltest.Text(doc.One(t, "review-status"))); !strings.HasPrefix(status, "Triage undone: restored ") {
		t.Errorf("status line after undo %q", status)
	}
	if len(doc.ByTestID("triage-undo-form")) != 0 {
		t.Error("an undo form after the undo")
	}

	// The outcome is validated like any view parameter.
	for _, q := range []string{
		"triaged=x", "triaged=" + fmt.Sprint(file) + ":1,2", "triaged=" + fmt.Sprint(file) + ":1,2,-3",
		"triaged=" + fmt.Sprint(file) + ":1,0,0,0,0&undo=1:maybe:approved", "triaged=" + fmt.Sprint(file) + ":1,0,0,2,0", "undo=1:suggested:approved",
		"untriaged=" + fmt.Sprint(file) + ":1,0&undo=1:suggested:approved", "triaged=0:1,0,0,0,0",
	} {
		wantStatus(t, s.do(t, http.MethodGet, jobURL(job)+"?"+q, nil, nil), http.StatusBadRequest)
	}
}
