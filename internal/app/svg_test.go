package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/segment"
)

// svgDoc is what the test reads of an overlay.svg.
type svgDoc struct {
	Width   string `xml:"width,attr"`
	Height  string `xml:"height,attr"`
	ViewBox string `xml:"viewBox,attr"`
	Title   string `xml:"title"`
	Image   []struct {
		Href string `xml:"href,attr"`
	} `xml:"image"`
	Paths []struct {
		Rank     string `xml:"data-rank,attr"`
		FillRule string `xml:"fill-rule,attr"`
	} `xml:"path"`
	Circles []struct{} `xml:"circle"`
}

func parseSVGDoc(t *testing.T, body []byte) svgDoc {
	t.Helper()
	var doc svgDoc
	dec := xml.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not XML: %v\n%.600s", err, body)
	}
	// Nothing may follow the root element.
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("after the root: %v", err)
		}
		if cd, ok := tok.(xml.CharData); !ok || len(bytes.TrimSpace(cd)) > 0 {
			t.Fatalf("content after the root element: %v", tok)
		}
	}
	return doc
}

func TestOverlaySVG(t *testing.T) {
	s := newStack(t, nil)
	client := s.cdfClient(t)
	jobID := cdfsim.DemoJobPumpSkid
	job, err := client.SegmentJob(context.Background(), jobID)
	if err != nil {
		t.Fatal(err)
	}
	item := job.Items[0]
	ranked := segment.Rank(item.Segments)
	base := fmt.Sprintf("/projects/%s/jobs/%d/files/%d/overlay", testProject, jobID, item.FileID)

	// The displayed size, as the full-resolution JPEG has it.
	r := s.get(t, base+".jpg?export=1&layers=")
	wantStatus(t, r, http.StatusOK)
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	wantSize := [3]string{fmt.Sprint(cfg.Width), fmt.Sprint(cfg.Height), fmt.Sprintf("0 0 %d %d", cfg.Width, cfg.Height)}

	median := ranked[len(ranked)/2].Score
	shownAbove := 0
	for _, rk := range ranked {
		if rk.Score >= median {
			shownAbove++
		}
	}
	tests := []struct {
		name  string
		query string
		paths int
	}{
		{"all", "", len(ranked)},
		{"min score", fmt.Sprintf("?min_score=%v", median), shownAbove},
		{"hide", "?hide=1", len(ranked) - 1},
		{"points only", "?layers=points", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.get(t, base+".svg"+linked(tt.query))
			wantStatus(t, r, http.StatusOK)
			if ct := r.header.Get("Content-Type"); ct != "image/svg+xml" {
				t.Errorf("Content-Type = %q", ct)
			}
			want := fmt.Sprintf("segview-%s-job-%d-file-%d-overlay.svg", testProject, jobID, item.FileID)
			if _, params, err := mime.ParseMediaType(r.header.Get("Content-Disposition")); err != nil || params["filename"] != want {
				t.Errorf("Content-Disposition = %q, want the file name %q", r.header.Get("Content-Disposition"), want)
			}
			doc := parseSVGDoc(t, r.body)
			if got := [3]string{doc.Width, doc.Height, doc.ViewBox}; got != wantSize {
				t.Errorf("size = %v, want %v", got, wantSize)
			}
			if !strings.Contains(doc.Title, fmt.Sprint(jobID)) {
				t.Errorf("title = %q", doc.Title)
			}
			if len(doc.Paths) != tt.paths {
				t.Errorf("paths = %d, want %d (one per shown segment)", len(doc.Paths), tt.paths)
			}
			for _, p := range doc.Paths {
				if p.FillRule != "evenodd" {
					t.Errorf("path %s: fill-rule %q", p.Rank, p.FillRule)
				}
			}
			// Without SEGVIEW_PUBLIC_URL the link is relative to the SVG: the
			// request's Host never reaches the document.
			if len(doc.Image) != 1 || doc.Image[0].Href != "overlay.jpg?layers=" {
				t.Fatalf("image = %+v, want the relative link overlay.jpg?layers=", doc.Image)
			}
		})
	}

	t.Run("linked photo", func(t *testing.T) {
		doc := parseSVGDoc(t, s.get(t, base+".svg?embed=0").body)
		href, err := url.Parse(doc.Image[0].Href)
		if err != nil {
			t.Fatal(err)
		}
		photo := (&url.URL{Path: base + ".svg"}).ResolveReference(href)
		if photo.Path != base+".jpg" {
			t.Fatalf("the link resolves to %s, want %s.jpg", photo, base)
		}
		r := s.get(t, photo.String())
		wantStatus(t, r, http.StatusOK)
		if ct := r.header.Get("Content-Type"); ct != "image/jpeg" {
			t.Errorf("linked photo Content-Type = %q", ct)
		}
	})

	// Self-contained by default: the photo is embedded without asking.
	for _, q := range []string{"", "?embed=1"} {
		t.Run("embed"+q, func(t *testing.T) {
			r := s.get(t, base+".svg"+q)
			wantStatus(t, r, http.StatusOK)
			doc := parseSVGDoc(t, r.body)
			const prefix = "data:image/jpeg;base64,"
			if len(doc.Image) != 1 || !strings.HasPrefix(doc.Image[0].Href, prefix) {
				t.Fatalf("image href = %.80v, want a %s URI", doc.Image, prefix)
			}
			raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(doc.Image[0].Href, prefix))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := jpeg.DecodeConfig(bytes.NewReader(raw)); err != nil {
				t.Errorf("embedded photo: %v", err)
			}
			if len(doc.Paths) != len(ranked) {
				t.Errorf("paths = %d, want %d", len(doc.Paths), len(ranked))
			}
		})
	}

	t.Run("bad input", func(t *testing.T) {
		before := s.sim.APIRequests("/api/v1/")
		for _, q := range []string{"?min_score=2", "?opacity=x", "?layers=bogus", "?hide=0", "?embed=yes", "?embed=2", "?export=maybe"} {
			r := s.get(t, base+".svg"+q)
			wantStatus(t, r, http.StatusBadRequest)
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("%s: Content-Type = %q", q, ct)
			}
		}
		r := s.get(t, fmt.Sprintf("/projects/%s/jobs/%d/files/x/overlay.svg", testProject, jobID))
		wantStatus(t, r, http.StatusBadRequest)
		if after := s.sim.APIRequests("/api/v1/"); after != before {
			t.Errorf("bad input caused %d CDF calls", after-before)
		}
	})
}

// With SEGVIEW_PUBLIC_URL the photo's link is absolute, on the public
// address, so that a downloaded SVG still shows the photo; the Host of the
// request does not change it.
func TestOverlaySVGLinksPublicURL(t *testing.T) {
	s := newStack(t, map[string]string{"SEGVIEW_PUBLIC_URL": "https://segview.example.com", "SEGVIEW_ALLOWED_HOSTS": "127.0.0.1,segview.internal"})
	jobID := cdfsim.DemoJobPumpSkid
	job, err := s.cdfClient(t).SegmentJob(context.Background(), jobID)
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/projects/%s/jobs/%d/files/%d/overlay", testProject, jobID, job.Items[0].FileID)
	want := "https://segview.example.com" + path + ".jpg?layers="
	for _, host := range []string{"", "segview.internal:8080"} {
		req, err := http.NewRequest(http.MethodGet, s.srv.URL+path+".svg?embed=0", nil)
		if err != nil {
			t.Fatal(err)
		}
		if host != "" {
			req.Host = host
		}
		resp, err := s.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("Host %q: status %d", req.Host, resp.StatusCode)
		}
		if doc := parseSVGDoc(t, body); len(doc.Image) != 1 || doc.Image[0].Href != want {
			t.Errorf("Host %q: image = %+v, want the link %s", req.Host, doc.Image, want)
		}
	}
}

// linked asks overlay.svg for its linked-photo variant (embed=0) in
// addition to the query q.
func linked(q string) string {
	if q == "" {
		return "?embed=0"
	}
	return q + "&embed=0"
}
