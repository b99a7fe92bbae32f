package handlers

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/segview/segview/internal/segment"
)

// maxHidden bounds the ranks one hide parameter may list.
const maxHidden = 1000

// View is the view state a job page or an overlay image takes from its
// URL: what to draw and how (a segment.View, the drawing filter), the
// selected segment and the width. It is the URL's state; the job page's
// build inputs are a jobPageInput, and its model is templates.JobPage.
type View struct {
	segment.View
	// Sel is the rank of the selected segment; 0 when none is.
	Sel int
	// Width is the asked overlay width; 0 when not given.
	Width int
	// Zoom is the job page's zoom and place on the image (zoom, at).
	Zoom Zoom
	// File is the id of the file the job page shows (file); 0 for the
	// first. parseView checks only its form: whether the job has the
	// file, the job page checks (pickFile).
	File int64
}

// defaultView is the view of a URL without view parameters.
func defaultView() View { return View{View: segment.DefaultView()} }

// parseView reads the view parameters of q: min_score and opacity (0..1),
// layers (comma list of layer names; absent means all, present and empty
// means none), hide (comma list of ranks), verdict (comma list of
// unreviewed, approved and rejected; absent or empty means all), sel (a
// rank), width, zoom and at (parseZoom), and file (a file id). A
// parameter given more than once counts once for the numbers; list
// parameters join their values, as a GET form of checkboxes sends them.
// It is pure, so every rule is table-tested.
func parseView(q url.Values) (View, error) {
	v := defaultView()
	var err error
	if v.MinScore, err = parseUnit(q, "min_score", 0); err != nil {
		return View{}, err
	}
	if v.Opacity, err = parseUnit(q, "opacity", v.Opacity); err != nil {
		return View{}, err
	}
	if raw, ok := q["layers"]; ok {
		v.Layers = 0
		for _, name := range listItems(raw) {
			layer, ok := segment.ParseLayer(name)
			if !ok {
				return View{}, &inputError{msg: fmt.Sprintf("The layers value %q is not valid: use a comma list of segments, outlines, points, box and labels.", clip(name))}
			}
			v.Layers |= layer
		}
	}
	if raw, ok := q["hide"]; ok {
		items := listItems(raw)
		if len(items) > maxHidden {
			return View{}, &inputError{msg: fmt.Sprintf("The hide parameter lists %d segments: at most %d may be hidden.", len(items), maxHidden)}
		}
		for _, s := range items {
			rank, err := parseRank(s, "hide")
			if err != nil {
				return View{}, err
			}
			v.Hide = append(v.Hide, rank)
		}
		slices.Sort(v.Hide)
		v.Hide = slices.Compact(v.Hide)
	}
	if v.Verdict, err = parseVerdictOnly(q); err != nil {
		return View{}, err
	}
	if raw := q.Get("sel"); raw != "" {
		if v.Sel, err = parseRank(raw, "sel"); err != nil {
			return View{}, err
		}
	}
	if v.Width, err = parseWidth(q.Get("width"), 0); err != nil {
		return View{}, err
	}
	if v.Zoom, err = parseZoom(q); err != nil {
		return View{}, err
	}
	if raw := q.Get("file"); raw != "" {
		if v.File, err = parseID(raw, "file id"); err != nil {
			return View{}, err
		}
	}
	return v, nil
}

// parseVerdictOnly reads the verdict parameter of q: a comma list of
// unreviewed, approved and rejected, in one or more values. Absent, empty
// or naming every state, it is the zero filter, which shows every segment.
func parseVerdictOnly(q url.Values) (segment.VerdictFilter, error) {
	var f segment.VerdictFilter
	for _, name := range listItems(q["verdict"]) {
		v, ok := segment.ParseVerdict(name)
		if !ok {
			return 0, &inputError{msg: fmt.Sprintf("The verdict value %q is not valid: use a comma list of unreviewed, approved and rejected.", clip(name))}
		}
		f |= v
	}
	if f == segment.AllVerdicts {
		return 0, nil
	}
	return f, nil
}

// parseUnit parses the number parameter name, between 0 and 1; def when
// it is absent or empty.
func parseUnit(q url.Values, name string, def float64) (float64, error) {
	raw := strings.TrimSpace(q.Get(name))
	if raw == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > 1 || len(raw) > 32 {
		return 0, &inputError{msg: fmt.Sprintf("The %s value %q is not valid: it must be a number from 0 to 1.", name, clip(raw))}
	}
	return f, nil
}

// parseRank parses a segment rank, a positive whole number.
func parseRank(raw, name string) (int, error) {
	n, err := strconv.Atoi(raw)
	if err != nil || n <= 0 || len(raw) > 9 || strings.TrimLeft(raw, "0123456789") != "" {
		return 0, &inputError{msg: fmt.Sprintf("The %s value %q is not valid: it must list segment ranks, positive whole numbers.", name, clip(raw))}
	}
	return n, nil
}

// listItems splits comma lists, given in one or more values, into their
// non-empty items.
func listItems(values []string) []string {
	var out []string
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

// Query is the view as URL parameters, without those at their defaults
// and without width, so that links stay short and canonical.
func (v View) Query() url.Values {
	q := url.Values{}
	def := segment.DefaultView()
	if v.MinScore != def.MinScore {
		q.Set("min_score", strconv.FormatFloat(v.MinScore, 'g', -1, 64))
	}
	if v.Opacity != def.Opacity {
		q.Set("opacity", strconv.FormatFloat(v.Opacity, 'g', -1, 64))
	}
	if v.Layers != def.Layers {
		q.Set("layers", v.Layers.String())
	}
	if len(v.Hide) > 0 {
		q.Set("hide", joinInts(v.Hide))
	}
	if v.Verdict != 0 {
		q.Set("verdict", v.Verdict.String())
	}
	if v.Sel > 0 {
		q.Set("sel", strconv.Itoa(v.Sel))
	}
	v.Zoom.set(q)
	if v.File > 0 {
		q.Set("file", strconv.FormatInt(v.File, 10))
	}
	return q
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// Filters reports whether the view leaves segments out by score, rank or
// verdict.
func (v View) Filters() bool { return v.MinScore > 0 || len(v.Hide) > 0 || v.Verdict != 0 }
