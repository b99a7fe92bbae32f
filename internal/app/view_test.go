package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/htmltest"
)

func TestJobPageView(t *testing.T) {
	s := newStack(t, nil)
	jobID := cdfsim.DemoJobPumpSkid
	job, err := s.cdfClient(t).SegmentJob(context.Background(), jobID)
	if err != nil {
		t.Fatal(err)
	}
	const minScore = 0.9
	page := fmt.Sprintf("/projects/%s/jobs/%d", testProject, jobID)

	r := s.get(t, page+"?min_score=0.9&hide=1")
	wantStatus(t, r, http.StatusOK)
	doc := htmltest.Parse(t, r.body)
	files := doc.ByTestID("file")
	if len(files) != len(job.Items) || len(files) == 0 {
		t.Fatalf("files = %d, want %d", len(files), len(job.Items))
	}
	for i, f := range files {
		segs := job.Items[i].Segments
		// Rank 1 is the best score; it is hidden by hide=1 whatever it is.
		shown := 0
		for _, seg := range segs {
			if seg.Score >= minScore {
				shown++
			}
		}
		if shown > 0 {
			shown-- // the best, rank 1, is among them
		}
		counts := htmltest.ByTestID(f, "shown-count")
		if len(counts) != 1 {
			t.Fatalf("file %d: %d shown-count elements, want 1", i, len(counts))
		}
		if got, want := htmltest.Text(counts[0]), fmt.Sprintf("%d of %d shown", shown, len(segs)); got != want {
			t.Errorf("file %d: counter %q, want %q", i, got, want)
		}
		hidden := 0
		for _, row := range htmltest.ByTestID(f, "segment-row") {
			if htmltest.Attr(row, "data-hidden") == "true" {
				hidden++
				if !strings.Contains(htmltest.Attr(row, "class"), "segment-hidden") {
					t.Errorf("file %d: hidden row without the segment-hidden class", i)
				}
			}
		}
		if hidden != len(segs)-shown {
			t.Errorf("file %d: %d rows marked hidden, want %d", i, hidden, len(segs)-shown)
		}
		for _, img := range htmltest.ByTestID(f, "overlay") {
			u, err := url.Parse(htmltest.Attr(img, "src"))
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if q.Get("min_score") != "0.9" || q.Get("hide") != "1" || q.Get("width") != "1600" {
				t.Errorf("file %d: overlay URL %s does not carry the view", i, u)
			}
			// The image the page links answers, with the view applied.
			img := s.get(t, u.String())
			wantStatus(t, img, http.StatusOK)
		}
	}
	if form := doc.ByTestID("view-form"); len(form) != 1 || htmltest.Attr(form[0], "method") != "get" {
		t.Errorf("the page has no GET view form")
	}

	t.Run("a view changes the image and its ETag", func(t *testing.T) {
		overlay := fmt.Sprintf("%s/files/%d/overlay.png?width=200", page, job.Items[0].FileID)
		plain := s.get(t, overlay)
		viewed := s.get(t, overlay+"&layers=points")
		wantStatus(t, plain, http.StatusOK)
		wantStatus(t, viewed, http.StatusOK)
		if plain.header.Get("ETag") == viewed.header.Get("ETag") || string(plain.body) == string(viewed.body) {
			t.Errorf("layers=points gives the same image or ETag as the default view")
		}
	})

	t.Run("bad parameters are refused before CDF is asked", func(t *testing.T) {
		for _, q := range []string{"min_score=NaN", "min_score=2", "opacity=-1", "layers=captions", "hide=0", "sel=x", "width=abc"} {
			for _, path := range []string{page, fmt.Sprintf("%s/files/%d/overlay.jpg", page, job.Items[0].FileID)} {
				before := s.sim.APIRequests("/")
				r := s.get(t, path+"?"+q)
				if r.status != http.StatusBadRequest {
					t.Errorf("GET %s?%s: status %d, want 400", path, q, r.status)
				}
				name, _, _ := strings.Cut(q, "=")
				if !strings.Contains(string(r.body), name) {
					t.Errorf("GET %s?%s: the message does not name %s: %.300s", path, q, name, r.body)
				}
				if after := s.sim.APIRequests("/"); after != before {
					t.Errorf("GET %s?%s: %d CDF requests, want none", path, q, after-before)
				}
			}
		}
	})
}

// TestJobPageDownloadLinks: the job page links its exports (COCO, GeoJSON,
// job JSON, and the shown file's YOLO, masks, SVG and PNG) with the page's
// view, says what the view does to them, and every link answers.
func TestJobPageDownloadLinks(t *testing.T) {
	s := newStack(t, nil)
	job := s.sim.DemoJobs()[0].ID
	r := s.get(t, fmt.Sprintf("/projects/%s/jobs/%d?min_score=0.5", testProject, job))
	wantStatus(t, r, http.StatusOK)
	doc := htmltest.Parse(t, r.body)
	links := htmltest.ByTag(doc.One(t, "downloads"), "a")
	var labels []string
	for _, a := range links {
		labels = append(labels, htmltest.Text(a))
	}
	if got := strings.Join(labels, ","); got != "COCO,GeoJSON,Job JSON,YOLO,Masks,SVG,PNG" {
		t.Fatalf("download links = %s", got)
	}
	if note := htmltest.Text(doc.One(t, "downloads-note")); !strings.Contains(note, " segments, score ≥ 0.5") {
		t.Errorf("note %q, want it to say what min_score=0.5 does", note)
	}
	for _, a := range links {
		href := htmltest.Attr(a, "href")
		if !strings.HasSuffix(href, ".json") && !strings.Contains(href, "min_score=0.5") {
			t.Errorf("%s does not carry the view", href)
		}
		res := s.get(t, href)
		wantStatus(t, res, http.StatusOK)
		if !strings.Contains(res.header.Get("Content-Disposition"), "attachment") {
			t.Errorf("%s: Content-Disposition %q", href, res.header.Get("Content-Disposition"))
		}
	}
}
