package handlers

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/htmltest"
	"github.com/segview/segview/web/templates"
)

func TestParseZoom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query   string
		want    Zoom
		badName string // the parameter the message must name; "" when valid
	}{
		{"", Zoom{}, ""},
		{"zoom=1", Zoom{}, ""},
		{"zoom=1&at=0.2,0.3", Zoom{}, ""}, // the fitted image has one place
		{"at=0.2,0.3", Zoom{}, ""},
		{"zoom=", Zoom{}, ""},
		{"zoom=2", Zoom{Factor: 2, X: 0.5, Y: 0.5}, ""},
		{"zoom=2.5&at=0.25,0.75", Zoom{Factor: 2.5, X: 0.25, Y: 0.75}, ""},
		{"zoom=64&at=0,1", Zoom{Factor: 64, X: 0, Y: 1}, ""},
		{"zoom=3&at=.123456,1.0", Zoom{Factor: 3, X: 0.123456, Y: 1}, ""},
		{"zoom=0.5", Zoom{}, "zoom"},
		{"zoom=0", Zoom{}, "zoom"},
		{"zoom=-2", Zoom{}, "zoom"},
		{"zoom=65", Zoom{}, "zoom"},
		{"zoom=NaN", Zoom{}, "zoom"},
		{"zoom=Inf", Zoom{}, "zoom"},
		{"zoom=big", Zoom{}, "zoom"},
		{"zoom=2.00000000000000000001", Zoom{}, "zoom"},
		{"zoom=2&at=0.5", Zoom{}, "at"},
		{"zoom=2&at=0.5,0.5,0.5", Zoom{}, "at"},
		{"zoom=2&at=1.5,0.5", Zoom{}, "at"},
		{"zoom=2&at=-0.1,0.5", Zoom{}, "at"},
		{"zoom=2&at=0.1234567,0.5", Zoom{}, "at"},
		{"zoom=2&at=a,b", Zoom{}, "at"},
		{"zoom=2&at=NaN,0.5", Zoom{}, "at"},
		{"at=2,2", Zoom{}, "at"}, // checked even when dropped
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseZoom(q)
			if tt.badName != "" {
				var in *inputError
				if !errors.As(err, &in) {
					t.Fatalf("parseZoom(%q) error = %v, want an *inputError", tt.query, err)
				}
				if !strings.Contains(in.msg, "The "+tt.badName+" value") {
					t.Errorf("message %q does not name %s", in.msg, tt.badName)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseZoom(%q): %v", tt.query, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseZoom(%q) (-want +got):\n%s", tt.query, diff)
			}
			// The view's parameters give the same zoom back.
			v, err := parseView(q)
			if err != nil {
				t.Fatal(err)
			}
			again, err := parseView(v.Query())
			if err != nil {
				t.Fatal(err)
			}
			if again.Zoom != got {
				t.Errorf("round trip through Query %q: %+v, want %+v", v.Query().Encode(), again.Zoom, got)
			}
		})
	}
}

// TestZoomInLinks: the page's links keep the zoom (a copied link reopens
// at the same place); its images and exports do not carry it, so they
// stay cached while the image is zoomed.
func TestZoomInLinks(t *testing.T) {
	t.Parallel()
	job := &cdf.SegmentJob{JobID: 7, Status: cdf.StatusCompleted, Items: []cdf.SegmentItem{{FileID: 11, Segments: []cdf.Segment{
		{Score: 0.9, Polygons: []cdf.Polygon{square(0, 0, 0.5, 0.5)}},
	}}}}
	v := defaultView()
	v.Zoom = Zoom{Factor: 2.5, X: 0.25, Y: 0.75}
	m := buildJobPage(job, jobPageInput{View: v, Page: Page{Project: "demo"}, Now: testNow, MaxItems: 10, MaxVertices: 100})
	const at, zoom = "at=0.25%2C0.75", "zoom=2.5"
	f := m.Files[0]
	if got := f.Segments[0].SelectURL; got != "/projects/demo/jobs/7?"+at+"&sel=1&"+zoom+"#file-11" {
		t.Errorf("SelectURL = %q, want the zoom kept", got)
	}
	images := []string{f.OverlayURL, f.FullURL, f.ExportURL, f.Stage.PhotoURL, f.Stage.OverlayBase, f.Stage.PhotoBase}
	for _, d := range m.Downloads {
		images = append(images, d.Href)
	}
	for _, u := range images {
		if strings.Contains(u, "zoom") || strings.Contains(u, "at=") {
			t.Errorf("%q carries the zoom", u)
		}
	}
	if f.Stage.Zoom != "2.5" || f.Stage.At != "0.25,0.75" {
		t.Errorf("stage zoom %q at %q, want 2.5 at 0.25,0.75", f.Stage.Zoom, f.Stage.At)
	}
	if m.Controls.Zoom != "2.5" || m.Controls.At != "0.25,0.75" {
		t.Errorf("view form zoom %q at %q, want them kept", m.Controls.Zoom, m.Controls.At)
	}
	placeInQueue(&m, "demo", v, []int64{6, 7, 8})
	if m.Queue == nil || !strings.Contains(m.Queue.NextURL, at+"&") || !strings.Contains(m.Queue.NextURL, zoom) || !strings.Contains(m.ViewURL, at+"&") || !strings.Contains(m.ViewURL, zoom) {
		t.Errorf("queue links %+v and view URL %q: want the zoom kept", m.Queue, m.ViewURL)
	}
}

// TestStageMarkup: without the script the stage is the overlay alone (the
// photo has no source, the bar is hidden); the script finds the photo's
// and the crops' URLs and the zoom on the stage, and the view form keeps
// the zoom.
func TestStageMarkup(t *testing.T) {
	t.Parallel()
	job := &cdf.SegmentJob{JobID: 7, Status: cdf.StatusCompleted, Items: []cdf.SegmentItem{{FileID: 11, Segments: []cdf.Segment{
		{Score: 0.9, Polygons: []cdf.Polygon{square(0, 0, 0.5, 0.5)}},
	}}}}
	v := defaultView()
	v.Opacity, v.Zoom = 0.7, Zoom{Factor: 2.5, X: 0.25, Y: 0.75}
	m := buildJobPage(job, jobPageInput{View: v, Page: Page{Project: "demo"}, Now: testNow, MaxItems: 10, MaxVertices: 100})
	var buf bytes.Buffer
	if err := templates.Job(m).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	doc := htmltest.Parse(t, buf.Bytes())
	stage := doc.One(t, "stage")
	const file = "/projects/demo/jobs/7/files/11/"
	for attr, want := range map[string]string{
		"data-photo-url":    file + "overlay.jpg?layers=&width=1600",
		"data-photo-base":   file + "overlay.jpg?layers=",
		"data-overlay-base": file + "overlay.jpg?opacity=0.7",
		"data-width":        "1600",
		"data-zoom":         "2.5",
		"data-at":           "0.25,0.75",
	} {
		if got := htmltest.Attr(stage, attr); got != want {
			t.Errorf("stage %s = %q, want %q", attr, got, want)
		}
	}
	overlay := doc.One(t, "overlay")
	if got := htmltest.Attr(overlay, "src"); got != file+"overlay.jpg?opacity=0.7&width=1600" {
		t.Errorf("overlay src %q", got)
	}
	if !isInside(overlay, stage) {
		t.Error("the overlay is not in the stage")
	}
	photo := doc.One(t, "stage-photo")
	if hasAttr(photo, "src") || !hasAttr(photo, "hidden") || htmltest.Attr(photo, "alt") != "" {
		t.Errorf("the photo loads or shows without the script: %v", photo.Attr)
	}
	if !hasAttr(doc.One(t, "stage-bar"), "hidden") {
		t.Error("the zoom bar shows without the script")
	}
	if htmltest.Attr(doc.One(t, "compare"), "aria-label") == "" {
		t.Error("the compare slider has no label")
	}
	if htmltest.Attr(doc.One(t, "stage-view"), "data-hits-url") != file+"hits.json" {
		t.Error("the stage's view carries no hit areas")
	}
	form := doc.One(t, "view-form")
	kept := map[string]string{}
	for _, in := range htmltest.ByTag(form, "input") {
		if n := htmltest.Attr(in, "name"); (n == "zoom" || n == "at") && !hasAttr(in, "disabled") {
			kept[n] = htmltest.Attr(in, "value")
		}
	}
	if kept["zoom"] != "2.5" || kept["at"] != "0.25,0.75" {
		t.Errorf("the view form keeps %v, want zoom 2.5 at 0.25,0.75", kept)
	}
}

func isInside(n, ancestor *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p == ancestor {
			return true
		}
	}
	return false
}
