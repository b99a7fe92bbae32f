package app

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/htmltest"
)

// undoURL is the route that takes a verdict back.
func undoURL(job, file int64) string { return verdictsURL(job, file) + "/undo" }

// verdictOf is rank's verdict on the job page as the person sees it now.
func verdictOf(t *testing.T, b *reviewer, job, file int64, rank int) string {
	t.Helper()
	_, doc := b.page(t, jobURL(job))
	return htmltest.Attr(row(t, doc, file, rank), "data-verdict")
}

// TestVerdictUndo: u's endpoint stores the status a segment had before
// the verdict being undone, as CDF then holds it, and refuses when the
// segment was changed since.
func TestVerdictUndo(t *testing.T) {
	s := newStack(t, nil)
	b := &reviewer{s: s}
	job, file := cdfsim.DemoJobPumpSkid, cdfsim.DemoFilePumpSkid
	_, doc := b.page(t, jobURL(job))
	token := formOf(t, doc, "verdict-form", file).token
	asScript := map[string]string{"Accept": "application/json", "X-CSRF-Token": token}
	set := func(t *testing.T, v string) {
		t.Helper()
		wantStatus(t, b.post(t, verdictsURL(job, file), url.Values{"verdict": {v}}, asScript), http.StatusOK)
	}

	steps := []struct {
		name     string
		before   []string // verdicts given first, in order
		undo     string   // rank:status to restore
		expect   string
		status   int
		rank     int
		want     string // rank's verdict on the page afterwards
		inMsg    string // in the error message, for a refusal
		statuses []string
	}{
		// The pump skid's rank 1 is a ring: two annotations.
		{name: "unreviewed again", before: []string{"1:approved"}, undo: "1:suggested", expect: "approved",
			status: http.StatusOK, rank: 1, want: "", statuses: []string{"suggested", "suggested"}},
		{name: "rejected again", before: []string{"1:rejected", "1:approved"}, undo: "1:rejected", expect: "approved",
			status: http.StatusOK, rank: 1, want: "rejected", statuses: []string{"rejected", "rejected"}},
		{name: "changed since", before: []string{"1:approved", "1:rejected"}, undo: "1:suggested", expect: "approved",
			status: http.StatusConflict, rank: 1, want: "rejected", inMsg: "changed since", statuses: []string{"rejected", "rejected"}},
		{name: "never given", before: []string{"1:suggested"}, undo: "1:rejected", expect: "approved",
			status: http.StatusConflict, rank: 1, want: "", inMsg: "without a verdict", statuses: []string{"suggested", "suggested"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			for _, v := range st.before {
				set(t, v)
			}
			r := b.post(t, undoURL(job, file), url.Values{"verdict": {st.undo}, "expect": {st.expect}}, asScript)
			wantStatus(t, r, st.status)
			if st.status == http.StatusOK {
				got := decodeJSON[struct {
					Verdicts map[string]string `json:"verdicts"`
				}](t, r)
				if v := got.Verdicts[fmt.Sprint(st.rank)]; v != st.want {
					t.Errorf("answer's verdict of rank %d = %q, want %q", st.rank, v, st.want)
				}
			} else if e := decodeJSON[errorJSON](t, r).Error; !strings.Contains(e.Message, st.inMsg) {
				t.Errorf("error %+v does not say %q", e, st.inMsg)
			}
			if got := verdictOf(t, b, job, file, st.rank); got != st.want {
				t.Errorf("rank %d's verdict on the page = %q, want %q", st.rank, got, st.want)
			}
			if diff := cmp.Diff(st.statuses, statuses(s, file)); diff != "" {
				t.Errorf("statuses in CDF (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("bad input", func(t *testing.T) {
		set(t, "2:approved")
		calls := s.sim.APIRequests("/annotations")
		for _, form := range []url.Values{
			{"verdict": {"2:suggested"}},
			{"verdict": {"2:suggested"}, "expect": {"maybe"}},
			{"verdict": {"2:suggested"}, "expect": {"Approved"}},
			{"verdict": {"2"}, "expect": {"approved"}},
			{"verdict": {"0:suggested"}, "expect": {"approved"}},
			{"verdict": {"2:unreviewed"}, "expect": {"approved"}},
			{"expect": {"approved"}},
		} {
			r := b.post(t, undoURL(job, file), form, asScript)
			wantStatus(t, r, http.StatusBadRequest)
			if e := decodeJSON[errorJSON](t, r).Error; e.Message == "" {
				t.Errorf("%v: a 400 without a message", form)
			}
		}
		if n := s.sim.APIRequests("/annotations") - calls; n != 0 {
			t.Errorf("bad undos made %d Annotations API calls", n)
		}
		r := b.post(t, undoURL(job, file), url.Values{"verdict": {"999:suggested"}, "expect": {"approved"}}, asScript)
		wantStatus(t, r, http.StatusBadRequest)
		if got := verdictOf(t, b, job, file, 2); got != "approved" {
			t.Errorf("rank 2 = %q after refused undos", got)
		}
	})

	t.Run("needs the page's token", func(t *testing.T) {
		for name, h := range map[string]map[string]string{
			"none":       {"Accept": "application/json"},
			"wrong":      {"Accept": "application/json", "X-CSRF-Token": "guess"},
			"cross-site": {"Accept": "application/json", "X-CSRF-Token": token, "Sec-Fetch-Site": "cross-site"},
		} {
			r := b.post(t, undoURL(job, file), url.Values{"verdict": {"2:suggested"}, "expect": {"approved"}}, h)
			if r.status != http.StatusForbidden {
				t.Errorf("%s token: status %d, want 403", name, r.status)
			}
		}
		if got := verdictOf(t, b, job, file, 2); got != "approved" {
			t.Errorf("rank 2 = %q after undos without the token", got)
		}
	})

	t.Run("CDF refuses", func(t *testing.T) {
		for _, c := range []string{cdfsim.CapAnnotationsWrite, cdfsim.CapAnnotationsRead} {
			restore := s.sim.RevokeCapability(c)
			r := b.post(t, undoURL(job, file), url.Values{"verdict": {"2:suggested"}, "expect": {"approved"}}, asScript)
			restore()
			wantStatus(t, r, http.StatusForbidden)
			e := decodeJSON[errorJSON](t, r).Error
			if e.Heading != "Verdict not saved" || !strings.Contains(e.Message, "annotationsAcl") || !strings.Contains(e.Message, "Nothing was changed") {
				t.Errorf("without %s: error %+v, want Verdict not saved naming the capability", c, e)
			}
		}
		remove := s.sim.InjectFault(cdfsim.Fault{Match: "/annotations/update", Status: http.StatusInternalServerError})
		r := b.post(t, undoURL(job, file), url.Values{"verdict": {"2:suggested"}, "expect": {"approved"}}, asScript)
		remove()
		if r.status < 500 {
			t.Errorf("CDF failing: status %d, want 5xx", r.status)
		}
		if e := decodeJSON[errorJSON](t, r).Error; e.Heading != "Verdict not saved" {
			t.Errorf("CDF failing: error %+v, want Verdict not saved", e)
		}
		if got := verdictOf(t, b, job, file, 2); got != "approved" {
			t.Errorf("rank 2 = %q after failed undos", got)
		}
	})

	t.Run("without the script", func(t *testing.T) {
		view := "verdict=unreviewed&queue=1001%2C1005"
		r := b.post(t, undoURL(job, file), url.Values{"csrf_token": {token}, "view": {view}, "verdict": {"2:suggested"}, "expect": {"approved"}}, nil)
		wantStatus(t, r, http.StatusSeeOther)
		loc, err := url.Parse(r.header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		if loc.Path != jobURL(job) || loc.Query().Get("verdict") != "unreviewed" || loc.Query().Get("queue") != "1001,1005" {
			t.Errorf("Location = %q, want the job page with the view and the queue", loc)
		}
		if got := verdictOf(t, b, job, file, 2); got != "" {
			t.Errorf("rank 2 = %q after undo, want no verdict", got)
		}
	})
}

// A verdict form posted without the script returns to the page with its
// view and the review queue it was opened from.
func TestVerdictRedirectKeepsQueue(t *testing.T) {
	s := newStack(t, nil)
	b := &reviewer{s: s}
	job, file := cdfsim.DemoJobPumpSkid, cdfsim.DemoFilePumpSkid
	queue := fmt.Sprintf("%d,%d", job, cdfsim.DemoJobPartial)
	_, doc := b.page(t, jobURL(job)+"?verdict=unreviewed,approved&min_score=0.2&queue="+queue)
	for _, id := range []string{"verdict-form", "triage-form"} {
		form := formOf(t, doc, id, file)
		r := b.post(t, form.action, url.Values{"csrf_token": {form.token}, "view": {form.view}, "verdict": {"1:approved"}}, nil)
		wantStatus(t, r, http.StatusSeeOther)
		loc, err := url.Parse(r.header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		q := loc.Query()
		if loc.Path != jobURL(job) || q.Get("queue") != queue || q.Get("verdict") != "unreviewed,approved" || q.Get("min_score") != "0.2" {
			t.Errorf("%s: Location = %q, want the job page with the queue %s and the view", id, loc, queue)
		}
		_, back := b.page(t, loc.RequestURI())
		if n := back.ByTestID("queue-nav"); len(n) != 1 {
			t.Errorf("%s: the page it returns to has %d queue navigations, want 1", id, len(n))
		}
	}
	if st := statuses(s, file); !slices.Contains(st, "approved") {
		t.Errorf("statuses %v: nothing approved", st)
	}
}
