package app

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/png"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/htmltest"
)

// The verdict view parameter through the whole dashboard: images, hit
// areas, the SVG and the job page show the segments with the verdicts
// asked for, as CDF holds them when each is asked.

// overlayAt GETs a file's overlay.png with query, sending ifNoneMatch when
// it is not empty.
func overlayAt(t *testing.T, s *stack, job, file int64, query, ifNoneMatch string) response {
	t.Helper()
	h := map[string]string{}
	if ifNoneMatch != "" {
		h["If-None-Match"] = ifNoneMatch
	}
	return s.do(t, http.MethodGet, fmt.Sprintf("%s/files/%d/overlay.png?%s", jobURL(job), file, query), nil, h)
}

// differingPixels counts the pixels where two PNGs of the same size differ.
func differingPixels(t *testing.T, a, b []byte) int {
	t.Helper()
	ia, _, err := image.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	ib, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if ia.Bounds() != ib.Bounds() {
		t.Fatalf("sizes %v and %v", ia.Bounds(), ib.Bounds())
	}
	n := 0
	for y := ia.Bounds().Min.Y; y < ia.Bounds().Max.Y; y++ {
		for x := ia.Bounds().Min.X; x < ia.Bounds().Max.X; x++ {
			if ia.At(x, y) != ib.At(x, y) {
				n++
			}
		}
	}
	return n
}

// hasAttr reports whether n carries the attribute key.
func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func rankList(from, to int, except ...int) string {
	var out []string
	for r := from; r <= to; r++ {
		if !slices.Contains(except, r) {
			out = append(out, strconv.Itoa(r))
		}
	}
	return strings.Join(out, ",")
}

func TestVerdictFilterImages(t *testing.T) {
	s := newStack(t, nil)
	b := &reviewer{s: s}
	job, file := cdfsim.DemoJobPumpSkid, cdfsim.DemoFilePumpSkid
	cj, err := s.cdfClient(t).SegmentJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	n := len(cj.Items[0].Segments)
	if n < 3 {
		t.Fatalf("the demo job has %d segments; the test needs 3", n)
	}
	_, doc := b.page(t, jobURL(job))
	token := formOf(t, doc, "verdict-form", file).token
	asScript := map[string]string{"Accept": "application/json", "X-CSRF-Token": token}
	verdictOn := func(rank int, status string) {
		t.Helper()
		wantStatus(t, b.post(t, verdictsURL(job, file), url.Values{"verdict": {fmt.Sprintf("%d:%s", rank, status)}}, asScript), http.StatusOK)
	}
	const w = "width=400&"

	plain := overlayAt(t, s, job, file, w, "")
	wantStatus(t, plain, http.StatusOK)
	verdictOn(1, "rejected")

	approved := overlayAt(t, s, job, file, w+"verdict=approved", "")
	wantStatus(t, approved, http.StatusOK)
	if cc := approved.header.Get("Cache-Control"); cc != "private, no-cache" {
		t.Errorf("Cache-Control of a view by verdict = %q, want private, no-cache", cc)
	}
	// Nothing is approved: the image draws what hiding every rank draws.
	none := overlayAt(t, s, job, file, w+"hide="+rankList(1, n), "")
	if approved.header.Get("ETag") == plain.header.Get("ETag") || approved.header.Get("ETag") != none.header.Get("ETag") {
		t.Errorf("ETag with verdict=approved %s; without a filter %s; with every rank hidden %s: want the last",
			approved.header.Get("ETag"), plain.header.Get("ETag"), none.header.Get("ETag"))
	}
	if d := differingPixels(t, plain.body, approved.body); d == 0 {
		t.Error("verdict=approved draws the pixels of every segment: the rejected one was not left out")
	}
	rejected := overlayAt(t, s, job, file, w+"verdict=rejected", "")
	if want := overlayAt(t, s, job, file, w+"hide="+rankList(2, n), ""); rejected.header.Get("ETag") != want.header.Get("ETag") {
		t.Errorf("ETag with verdict=rejected %s, want that of every rank but 1 hidden, %s", rejected.header.Get("ETag"), want.header.Get("ETag"))
	}
	if d := differingPixels(t, rejected.body, approved.body); d == 0 {
		t.Error("verdict=rejected and verdict=approved draw the same pixels")
	}

	// Asked again with its ETag: unchanged while the verdicts are.
	again := overlayAt(t, s, job, file, w+"verdict=approved", approved.header.Get("ETag"))
	wantStatus(t, again, http.StatusNotModified)
	// A verdict changes what the same address shows.
	verdictOn(2, "approved")
	after := overlayAt(t, s, job, file, w+"verdict=approved", approved.header.Get("ETag"))
	wantStatus(t, after, http.StatusOK)
	if want := overlayAt(t, s, job, file, w+"hide="+rankList(1, n, 2), ""); after.header.Get("ETag") != want.header.Get("ETag") {
		t.Errorf("ETag after approving rank 2 = %s, want that of every rank but 2 hidden, %s", after.header.Get("ETag"), want.header.Get("ETag"))
	}
	// Every state is no filter: the image of every segment, cached as usual.
	all := overlayAt(t, s, job, file, w+"verdict=unreviewed,approved,rejected", "")
	if all.header.Get("ETag") != plain.header.Get("ETag") || all.header.Get("Cache-Control") != plain.header.Get("Cache-Control") {
		t.Errorf("every verdict: ETag %s, Cache-Control %q; want those without a filter, %s and %q",
			all.header.Get("ETag"), all.header.Get("Cache-Control"), plain.header.Get("ETag"), plain.header.Get("Cache-Control"))
	}

	t.Run("hits", func(t *testing.T) {
		type hit struct {
			Rank int `json:"rank"`
		}
		for _, tt := range []struct {
			query string
			want  []int
		}{
			{"verdict=rejected", []int{1}},
			{"verdict=approved,rejected", []int{1, 2}},
			{"verdict=unreviewed", func() (out []int) {
				for r := 3; r <= n; r++ {
					out = append(out, r)
				}
				return out
			}()},
		} {
			r := s.get(t, fmt.Sprintf("%s/files/%d/hits.json?%s", jobURL(job), file, tt.query))
			wantStatus(t, r, http.StatusOK)
			var got []int
			for _, h := range decodeJSON[struct{ Segments []hit }](t, r).Segments {
				got = append(got, h.Rank)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("hits.json?%s ranks = %v, want %v", tt.query, got, tt.want)
			}
			if cc := r.header.Get("Cache-Control"); cc != "private, no-cache" {
				t.Errorf("hits.json?%s Cache-Control = %q", tt.query, cc)
			}
		}
	})

	t.Run("svg", func(t *testing.T) {
		count := func(query string) int {
			r := s.get(t, fmt.Sprintf("%s/files/%d/overlay.svg?%s", jobURL(job), file, query))
			wantStatus(t, r, http.StatusOK)
			return strings.Count(string(r.body), "data-rank=")
		}
		all, rej := count(""), count("verdict=rejected")
		if all == 0 || rej == 0 || rej >= all {
			t.Errorf("overlay.svg draws %d ranked shapes, %d with verdict=rejected; want fewer, not none", all, rej)
		}
	})

	t.Run("page", func(t *testing.T) {
		_, doc := b.page(t, jobURL(job)+"?verdict=unreviewed")
		for rank := 1; rank <= n; rank++ {
			r := row(t, doc, file, rank)
			filtered := htmltest.Attr(r, "data-filtered") == "verdict" && hasAttr(r, "hidden")
			if want := rank > 2; filtered == want {
				t.Errorf("rank %d: left out by the filter %v, want %v", rank, filtered, !want)
			}
		}
		img := doc.ByTestID("overlay")
		if len(img) == 0 {
			t.Fatal("no overlay image")
		}
		src, err := url.Parse(htmltest.Attr(img[0], "src"))
		if err != nil {
			t.Fatal(err)
		}
		if src.Query().Get("verdict") != "unreviewed" || src.Query().Get("rv") == "" {
			t.Errorf("overlay src %q: want verdict=unreviewed and rv", src)
		}
		wantStatus(t, s.get(t, src.RequestURI()), http.StatusOK)
		// Another verdict, another address for the image.
		verdictOn(3, "approved")
		_, doc = b.page(t, jobURL(job)+"?verdict=unreviewed")
		if src2 := htmltest.Attr(doc.ByTestID("overlay")[0], "src"); src2 == src.String() {
			t.Errorf("the image's address %q stayed after a verdict", src2)
		}
		for _, a := range doc.ByTag("a") {
			href := htmltest.Attr(a, "href")
			if strings.HasPrefix(href, jobURL(job)) && !strings.Contains(href, ".json") && !strings.Contains(href, "verdict=unreviewed") {
				t.Errorf("link %q drops the verdict filter", href)
			}
		}
	})

	t.Run("embed", func(t *testing.T) {
		// Rank 1 rejected, 2 and 3 approved: the legend lists what the
		// image draws.
		r := s.get(t, fmt.Sprintf("/embed/projects/%s/jobs/%d?verdict=approved", testProject, job))
		wantStatus(t, r, http.StatusOK)
		doc := htmltest.Parse(t, r.body)
		var ranks []string
		for _, li := range htmltest.ByTag(doc.One(t, "embed-legend"), "li") {
			ranks = append(ranks, htmltest.Attr(li, "data-rank"))
		}
		if got := strings.Join(ranks, ","); got != "2,3" {
			t.Errorf("embed legend with verdict=approved lists %q, want 2,3", got)
		}
		src := htmltest.Attr(doc.One(t, "embed-overlay"), "src")
		if !strings.Contains(src, "verdict=approved") || !strings.Contains(src, "rv=") {
			t.Errorf("embed overlay %q: want the verdict filter and rv", src)
		}
		if len(doc.ByTestID("verdict-form")) != 0 {
			t.Error("the embed shows verdict forms")
		}
	})

	t.Run("bad input", func(t *testing.T) {
		for _, path := range []string{
			jobURL(job) + "?verdict=pending",
			fmt.Sprintf("%s/files/%d/overlay.png?verdict=approved,maybe", jobURL(job), file),
			fmt.Sprintf("%s/files/%d/overlay.jpg?verdict=suggested", jobURL(job), file),
			fmt.Sprintf("%s/files/%d/overlay.svg?verdict=Approved", jobURL(job), file),
			fmt.Sprintf("%s/files/%d/hits.json?verdict=x", jobURL(job), file),
		} {
			r := s.get(t, path)
			wantStatus(t, r, http.StatusBadRequest)
			if !strings.Contains(string(r.body), "verdict") {
				t.Errorf("%s: the 400 does not name the verdict parameter:\n%.300s", path, r.body)
			}
		}
		r := s.get(t, fmt.Sprintf("%s/files/%d/overlay.jpg?verdict=approved&rv=%%3Cx%%3E", jobURL(job), file))
		wantStatus(t, r, http.StatusBadRequest)
	})
}

// TestVerdictFilterPerPerson: with the person's own identity, an image
// filtered by verdict reads the verdicts with that person's token, on
// every request, never kept for another request or another person: carol
// (who may read annotations) gets the image, each time after one
// annotations call of her own; alice (who may not) gets a 403 naming the
// capability, though carol's read came just before.
func TestVerdictFilterPerPerson(t *testing.T) {
	t.Parallel()
	s := newSignInStack(t, 0, map[string]string{"SEGVIEW_CDF_IDENTITY": "user"})
	page := fmt.Sprintf("/projects/%s/jobs/%d", testProject, cdfsim.DemoJobPumpSkid)
	img := fmt.Sprintf("%s/files/%d/overlay.png?width=320&verdict=unreviewed", page, cdfsim.DemoFilePumpSkid)
	c, a := s.browser(t), s.browser(t)
	wantStatus(t, c.signIn(t, s, carol, page), http.StatusOK)
	wantStatus(t, a.signIn(t, s, alice, page), http.StatusOK)
	for i := range 2 {
		before := s.sim.PersonRequests(carol.Subject, "/annotations")
		wantImage(t, c.get(t, img))
		if got := s.sim.PersonRequests(carol.Subject, "/annotations") - before; got != 1 {
			t.Errorf("carol's request %d: %d annotations calls with her token, want 1", i+1, got)
		}
	}
	before := s.sim.PersonRequests(alice.Subject, "/annotations")
	r := a.get(t, img)
	wantStatus(t, r, http.StatusForbidden)
	if !strings.Contains(string(r.body), "annotationsAcl:READ") {
		t.Errorf("alice's 403 does not name annotationsAcl:READ:\n%.300s", r.body)
	}
	if n := s.sim.PersonRequests(alice.Subject, "/annotations") - before; n != 1 {
		t.Errorf("%d annotations calls with alice's token, want 1", n)
	}
	// Without the filter alice's image needs no verdicts.
	wantImage(t, a.get(t, strings.TrimSuffix(img, "&verdict=unreviewed")))
}
