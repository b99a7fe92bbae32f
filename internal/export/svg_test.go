package export

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/segment"
)

// svgElem is an element of a parsed SVG: its name and attributes.
type svgElem struct {
	name  string
	attrs map[string]string
	text  string
}

// parseSVG decodes doc as XML and returns its elements in document order.
func parseSVG(t *testing.T, doc []byte) []svgElem {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var out []svgElem
	open := -1 // the element whose text is being read
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out
			}
			t.Fatalf("not XML: %v\n%s", err, doc)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := svgElem{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			out = append(out, e)
			open = len(out) - 1
		case xml.EndElement:
			open = -1
		case xml.CharData:
			if open >= 0 {
				out[open].text += string(tok)
			}
		}
	}
}

func byName(es []svgElem, name string) []svgElem {
	var out []svgElem
	for _, e := range es {
		if e.name == name {
			out = append(out, e)
		}
	}
	return out
}

func testOverlay(v segment.View) Overlay {
	job := testJob()
	return Overlay{
		Title: "acme job 1001 file 7", Width: 200, Height: 100,
		ImageHref: "/projects/acme/jobs/1001/files/7/overlay.jpg?layers=",
		Ranked:    segment.Rank(job.Items[0].Segments),
		Prompt: cdf.Prompt{
			Points:      []cdf.PromptPoint{{X: 0.25, Y: 0.5, Label: cdf.LabelForeground}, {X: 0.75, Y: 0.5, Label: cdf.LabelBackground}, {X: 0.5, Y: 0.5, Label: 2}},
			BoundingBox: &cdf.BoundingBox{XMin: 0.1, YMin: 0.2, XMax: 0.9, YMax: 0.8},
		},
		View: v,
	}
}

func TestSVGGolden(t *testing.T) {
	t.Parallel()
	got := ToSVG(testOverlay(segment.DefaultView()))
	path := filepath.Join("testdata", "overlay.svg")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("overlay.svg differs (-want +got):\n%s", cmp.Diff(string(want), string(got)))
	}
}

func TestToSVG(t *testing.T) {
	t.Parallel()
	def := segment.DefaultView()
	with := func(f func(*segment.View)) segment.View { v := def; f(&v); return v }
	tests := []struct {
		name    string
		view    segment.View
		ranks   []string // data-rank of the paths, in drawing order
		fill    string   // fill of the paths
		stroke  bool
		points  int
		box     bool
		opacity string
	}{
		// Rank 1 (0.9) is the largest, rank 2 (0.5) next; rank 3 has no
		// measurable polygon.
		{name: "default", view: def, ranks: []string{"1", "2"}, fill: "#e69f00", stroke: true, points: 2, box: true, opacity: "0.4"},
		{name: "min score", view: with(func(v *segment.View) { v.MinScore = 0.6 }), ranks: []string{"1"}, fill: "#e69f00", stroke: true, points: 2, box: true, opacity: "0.4"},
		{name: "hide", view: with(func(v *segment.View) { v.Hide = []int{1} }), ranks: []string{"2"}, fill: "#56b4e9", stroke: true, points: 2, box: true, opacity: "0.4"},
		{name: "outlines only", view: with(func(v *segment.View) { v.Layers = segment.LayerOutlines }), ranks: []string{"1", "2"}, fill: "none", stroke: true},
		{name: "zero opacity", view: with(func(v *segment.View) { v.Opacity = 0; v.Layers = segment.LayerSegments | segment.LayerOutlines }), ranks: []string{"1", "2"}, fill: "none", stroke: true},
		{name: "fills only", view: with(func(v *segment.View) { v.Opacity = 0.7; v.Layers = segment.LayerSegments }), ranks: []string{"1", "2"}, fill: "#e69f00", opacity: "0.7"},
		{name: "points and box", view: with(func(v *segment.View) { v.Layers = segment.LayerPoints | segment.LayerBox }), points: 2, box: true},
		{name: "nothing", view: with(func(v *segment.View) { v.Layers = 0 })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			es := parseSVG(t, ToSVG(testOverlay(tt.view)))
			svg := es[0]
			if svg.name != "svg" || svg.attrs["width"] != "200" || svg.attrs["height"] != "100" || svg.attrs["viewBox"] != "0 0 200 100" {
				t.Errorf("root = %+v", svg)
			}
			if imgs := byName(es, "image"); len(imgs) != 1 || imgs[0].attrs["href"] != "/projects/acme/jobs/1001/files/7/overlay.jpg?layers=" {
				t.Errorf("images = %+v", imgs)
			}
			var ranks []string
			paths := byName(es, "path")
			for _, p := range paths {
				ranks = append(ranks, p.attrs["data-rank"])
				if p.attrs["fill-rule"] != "evenodd" {
					t.Errorf("path %s: fill-rule %q", p.attrs["data-rank"], p.attrs["fill-rule"])
				}
				if (p.attrs["stroke"] != "") != tt.stroke {
					t.Errorf("path %s: stroke %q, want one: %v", p.attrs["data-rank"], p.attrs["stroke"], tt.stroke)
				}
				if p.attrs["fill-opacity"] != tt.opacity {
					t.Errorf("path %s: fill-opacity %q, want %q", p.attrs["data-rank"], p.attrs["fill-opacity"], tt.opacity)
				}
			}
			if diff := cmp.Diff(tt.ranks, ranks); diff != "" {
				t.Errorf("path ranks (-want +got):\n%s", diff)
			}
			if len(paths) > 0 && paths[0].attrs["fill"] != tt.fill {
				t.Errorf("first path fill = %q, want %q", paths[0].attrs["fill"], tt.fill)
			}
			if got := len(byName(es, "circle")); got != tt.points {
				t.Errorf("circles = %d, want %d", got, tt.points)
			}
			if got := len(byName(es, "rect")) == 1; got != tt.box {
				t.Errorf("box drawn = %v, want %v", got, tt.box)
			}
		})
	}
}

func TestToSVGGeometry(t *testing.T) {
	t.Parallel()
	es := parseSVG(t, ToSVG(testOverlay(segment.DefaultView())))
	// Rank 1: the square with a hole and an island, all three rings in one
	// path, in pixels.
	want := "M0,0 100,0 100,100 0,100ZM20,20 80,20 80,80 20,80ZM40,40 60,40 60,60 40,60Z"
	if got := byName(es, "path")[0].attrs["d"]; got != want {
		t.Errorf("d = %q, want %q", got, want)
	}
	circles := byName(es, "circle")
	if c := circles[0].attrs; c["cx"] != "50" || c["cy"] != "50" || c["fill"] != svgForeground {
		t.Errorf("foreground point = %v", c)
	}
	if c := circles[1].attrs; c["cx"] != "150" || c["fill"] != svgBackground {
		t.Errorf("background point = %v", c)
	}
	box := byName(es, "rect")[0].attrs
	if box["x"] != "20" || box["y"] != "20" || box["width"] != "160" || box["height"] != "60" || box["stroke-dasharray"] == "" {
		t.Errorf("box = %v", box)
	}
}

func TestToSVGEscapes(t *testing.T) {
	t.Parallel()
	o := testOverlay(segment.DefaultView())
	o.Title = `</title><script>alert("x")</script>&`
	o.ImageHref = `x" onload="alert(1)`
	doc := ToSVG(o)
	es := parseSVG(t, doc)
	if got := byName(es, "title")[0].text; got != o.Title {
		t.Errorf("title = %q, want %q", got, o.Title)
	}
	img := byName(es, "image")[0]
	if img.attrs["href"] != o.ImageHref || img.attrs["onload"] != "" {
		t.Errorf("image = %+v", img)
	}
	if len(byName(es, "script")) != 0 || strings.Contains(string(doc), "<script") {
		t.Error("the title became markup")
	}
}

func TestToSVGNoImage(t *testing.T) {
	t.Parallel()
	o := testOverlay(segment.DefaultView())
	o.ImageHref = ""
	if n := len(byName(parseSVG(t, ToSVG(o)), "image")); n != 0 {
		t.Errorf("images = %d, want none", n)
	}
}
