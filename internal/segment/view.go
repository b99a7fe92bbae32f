package segment

import (
	"image"
	"slices"
	"strconv"
	"strings"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/overlay"
)

// Layers is a set of the parts of an overlay to draw.
type Layers uint8

// The layers of an overlay.
const (
	// LayerSegments is the segments' translucent fills.
	LayerSegments Layers = 1 << iota
	// LayerOutlines is the segments' outlines.
	LayerOutlines
	// LayerPoints is the prompt's points.
	LayerPoints
	// LayerBox is the prompt's box.
	LayerBox
	// LayerLabels is each segment's rank in a badge inside it, at its
	// pole of inaccessibility (overlay.PlaceLabel). It is off by default:
	// turned on, it would change every overlay drawn so far.
	LayerLabels

	// DefaultLayers are the layers drawn when the URL names none: every
	// layer but LayerLabels.
	DefaultLayers = LayerSegments | LayerOutlines | LayerPoints | LayerBox
	// AllLayers is every layer.
	AllLayers = DefaultLayers | LayerLabels
)

// LayerName names a layer in URLs.
type LayerName struct {
	Name  string
	Layer Layers
}

// layerNames are the layers' names in URLs, in the view form's order.
var layerNames = [...]LayerName{
	{"segments", LayerSegments},
	{"outlines", LayerOutlines},
	{"points", LayerPoints},
	{"box", LayerBox},
	{"labels", LayerLabels},
}

// LayerNames returns the layers' names in URLs, in the view form's order. It is an
// array, a copy: the names cannot be changed from outside.
func LayerNames() [len(layerNames)]LayerName { return layerNames }

// ParseLayer returns the layer called name, and false for an unknown name.
func ParseLayer(name string) (Layers, bool) {
	for _, n := range layerNames {
		if n.Name == name {
			return n.Layer, true
		}
	}
	return 0, false
}

// String lists the layers by name, comma separated, in LayerNames' order.
func (l Layers) String() string {
	var names []string
	for _, n := range layerNames {
		if l&n.Layer != 0 {
			names = append(names, n.Name)
		}
	}
	return strings.Join(names, ",")
}

// View is the drawing filter: what of a file's results an overlay or an
// export shows, and how. The page and the images take it from the URL
// (inside handlers.View, which adds the selection and the width), so that
// a link reproduces what was seen.
type View struct {
	// MinScore hides segments scoring below it (0..1).
	MinScore float64
	// Opacity is the segments' fill opacity (0..1).
	Opacity float64
	// Layers are the parts drawn.
	Layers Layers
	// Hide lists the ranks of segments not drawn, sorted and distinct.
	Hide []int
	// Verdict shows only segments in these review states (the verdict
	// parameter); zero shows all. Shows cannot apply it, as it does not
	// know the verdicts: ShowsStatus does, and drawings take a view that
	// Resolve has turned into ranks of Hide.
	Verdict VerdictFilter
}

// DefaultView shows the DefaultLayers, with the fill opacity of package
// overlay.
func DefaultView() View {
	return View{Opacity: overlay.DefaultFillAlpha, Layers: DefaultLayers}
}

// Shows reports whether the view draws the segment r: its score is at least
// MinScore and its rank is not hidden.
func (v View) Shows(r Ranked) bool {
	if r.Score < v.MinScore {
		return false
	}
	_, hidden := slices.BinarySearch(v.Hide, r.Rank)
	return !hidden
}

// Key is a canonical text of everything in v that changes a drawing, for
// entity tags: two views with the same Key draw the same pixels.
func (v View) Key() string {
	var b strings.Builder
	b.WriteString("min=")
	b.WriteString(strconv.FormatFloat(v.MinScore, 'g', -1, 64))
	b.WriteString("\x00opacity=")
	b.WriteString(strconv.FormatFloat(v.Opacity, 'g', -1, 64))
	b.WriteString("\x00layers=")
	b.WriteString(strconv.Itoa(int(v.Layers)))
	b.WriteString("\x00hide=")
	for i, r := range v.Hide {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(r))
	}
	if v.Verdict != 0 {
		// Only an unresolved view has one (see Resolve); it must not share
		// a key with the view of every segment.
		b.WriteString("\x00verdict=")
		b.WriteString(v.Verdict.String())
	}
	return b.String()
}

// Spec builds the overlay drawing of what v shows of ranked segments and a
// prompt on img.
func (v View) Spec(img image.Image, ranked []Ranked, p cdf.Prompt) overlay.Spec {
	var shown []Ranked
	if v.Layers&(LayerSegments|LayerOutlines|LayerLabels) != 0 {
		for _, r := range ranked {
			if v.Shows(r) {
				shown = append(shown, r)
			}
		}
	}
	spec := baseSpec(img, shown, p)
	if v.Layers&LayerLabels != 0 {
		for i, r := range shown {
			spec.Segments[i].Label = strconv.Itoa(r.Rank)
		}
	}
	if v.Layers&LayerPoints == 0 {
		spec.Points = nil
	}
	if v.Layers&LayerBox == 0 {
		spec.Box = nil
	}
	spec.Style = overlay.Style{
		FillAlpha: v.Opacity,
		NoFill:    v.Layers&LayerSegments == 0 || v.Opacity <= 0,
		NoOutline: v.Layers&LayerOutlines == 0,
	}
	return spec
}

// baseSpec is the overlay drawing of ranked segments and a prompt on img,
// every layer of them.
func baseSpec(img image.Image, ranked []Ranked, p cdf.Prompt) overlay.Spec {
	spec := overlay.Spec{Image: img}
	for _, r := range ranked {
		spec.Segments = append(spec.Segments, overlay.Segment{Polygons: r.Polygons, Color: r.Color})
	}
	for _, pt := range p.Points {
		spec.Points = append(spec.Points, overlay.PromptPoint{X: pt.X, Y: pt.Y, Label: pt.Label})
	}
	if b := p.BoundingBox; b != nil {
		spec.Box = &overlay.Box{XMin: b.XMin, YMin: b.YMin, XMax: b.XMax, YMax: b.YMax}
	}
	return spec
}
