package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// openFirstDemoJob opens the first demo job and waits for its overlays and for
// the script to have wired the keys.
func openFirstDemoJob(base string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/"),
		chromedp.Click(chromedp.CSS(`[data-testid="demo-job"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="keys-open"]`)),
		waitTrue(overlaysLoaded),
	)
}

// keyState is what the keys change on the job page.
type keyState struct {
	Selected   []string `json:"selected"` // data-rank of rows with aria-selected="true"
	Marked     int      `json:"marked"`   // rows with the selection style
	URLSel     string   `json:"urlSel"`
	FormSel    string   `json:"formSel"`
	Visibility string   `json:"visibility"` // of the first overlay image
	HelpOpen   bool     `json:"helpOpen"`
}

const readKeyState = `(() => {
  const rows = Array.from(document.querySelectorAll('[data-testid="segment-row"]'));
  const sel = document.querySelector('[data-testid="view-form"] input[name="sel"]');
  return {
    selected: rows.filter(r => r.getAttribute("aria-selected") === "true").map(r => r.dataset.rank),
    marked: rows.filter(r => r.classList.contains("segment-selected")).length,
    urlSel: new URL(location.href).searchParams.get("sel") || "",
    formSel: sel ? sel.value : "",
    visibility: getComputedStyle(document.querySelector('img[data-testid="overlay"]')).visibility,
    helpOpen: document.querySelector('[data-testid="keys-help"]').open,
  };
})()`

func TestJobPageKeyboard(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)
	run(t, ctx, openFirstDemoJob(base))
	state := func() keyState { t.Helper(); return run(t, ctx, chromedp.Evaluate[keyState](readKeyState)) }
	press := func(keys string) { t.Helper(); run(t, ctx, chromedp.KeyEvent(keys)) }

	if s := state(); len(s.Selected) != 0 || s.URLSel != "" || s.Visibility != "visible" || s.HelpOpen {
		t.Fatalf("before any key: %+v", s)
	}

	steps := []struct {
		keys     string
		sel      string // the selected rank, in the rows, the URL and the form
		visible  string
		helpOpen bool
	}{
		{"j", "1", "visible", false},
		{"j", "2", "visible", false},
		{"j", "3", "visible", false},
		{"k", "2", "visible", false},
		{"h", "2", "hidden", false},
		{"h", "2", "visible", false},
		{"?", "2", "visible", true},
		{"j", "2", "visible", true}, // the dialog is modal: keys wait
		{kb.Escape, "2", "visible", false},
		{"k", "1", "visible", false},
		{"k", "1", "visible", false}, // stays on the first
	}
	for i, st := range steps {
		press(st.keys)
		s := state()
		if len(s.Selected) != 1 || s.Selected[0] != st.sel || s.URLSel != st.sel || s.FormSel != st.sel || s.Marked != 1 {
			t.Errorf("step %d (%q): selection %+v, want rank %s everywhere", i, st.keys, s, st.sel)
		}
		if s.Visibility != st.visible || s.HelpOpen != st.helpOpen {
			t.Errorf("step %d (%q): overlay %s, help open %v; want %s, %v", i, st.keys, s.Visibility, s.HelpOpen, st.visible, st.helpOpen)
		}
	}

	// Typing in a field is typing, not a shortcut.
	run(t, ctx, chromedp.Focus(chromedp.CSS(`[data-testid="view-min-score"]`)))
	press("jh")
	if s := state(); s.Selected[0] != "1" || s.Visibility != "visible" {
		t.Errorf("keys typed into a field acted as shortcuts: %+v", s)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}

// layerState is what keys 1–4 change: the layers in the address and the
// boxes of the view form, and whether the page is a new one.
type layerState struct {
	Reloaded bool     `json:"reloaded"` // the marker set before the key is gone
	Layers   []string `json:"layers"`   // the address's layers values, split on commas
	HasParam bool     `json:"hasParam"` // the address has a layers parameter
	Checked  []string `json:"checked"`  // the form's checked layer boxes
}

const readLayerState = `(() => {
  const q = new URL(location.href).searchParams;
  return {
    reloaded: !window.segviewMarker,
    layers: q.getAll("layers").flatMap(v => v.split(",")).filter(v => v !== ""),
    hasParam: q.has("layers"),
    checked: Array.from(document.querySelectorAll('[data-testid="view-form"] input[name="layers"][type="checkbox"]:checked')).map(b => b.value),
  };
})()`

func TestJobPageLayerKeys(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)
	run(t, ctx, openFirstDemoJob(base))
	state := func() layerState { t.Helper(); return run(t, ctx, chromedp.Evaluate[layerState](readLayerState)) }
	mark := func() { t.Helper(); run(t, ctx, chromedp.Evaluate[bool](`window.segviewMarker = true`)) }
	all := []string{"segments", "outlines", "points", "box"}

	if s := state(); s.HasParam || !slices.Equal(s.Checked, all) {
		t.Fatalf("before any key: %+v", s)
	}

	// Typing in a field is typing, not a shortcut: nothing is submitted.
	// A listener on window runs after the page's own (on document) for the
	// same keydown, so once it has seen the key the page has handled it,
	// and what the page did not do by then, it does not do at all.
	mark()
	run(t, ctx, chromedp.Evaluate[bool](`(() => {
  window.segviewKeys = [];
  window.addEventListener("keydown", e => window.segviewKeys.push({key: e.key, prevented: e.defaultPrevented}));
  return true;
})()`))
	const field = `document.querySelector('[data-testid="view-min-score"]').value`
	was := run(t, ctx, chromedp.Evaluate[string](field))
	run(t, ctx, chromedp.Focus(chromedp.CSS(`[data-testid="view-min-score"]`)))
	run(t, ctx, chromedp.KeyEvent("4"))
	run(t, ctx, waitTrue(`window.segviewKeys.some(k => k.key === "4")`))
	handled := run(t, ctx, chromedp.Evaluate[bool](`window.segviewKeys.some(k => k.key === "4" && k.prevented)`))
	typed := run(t, ctx, chromedp.Evaluate[string](field))
	if s := state(); handled || s.Reloaded || s.HasParam || !slices.Equal(s.Checked, all) || typed == was || !strings.Contains(typed, "4") {
		t.Errorf("4 typed into a field: taken as a shortcut %v, field %q (was %q), %+v; want the 4 typed, no layer toggled", handled, typed, was, s)
	}
	// Clear the typed digit and leave the field.
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`[data-testid="view-min-score"]`), ""))
	run(t, ctx, chromedp.Blur(chromedp.CSS(`[data-testid="view-min-score"]`)))

	steps := []struct {
		key  string
		want []string
	}{
		{"4", []string{"segments", "outlines", "points"}},
		{"1", []string{"outlines", "points"}},
		{"4", []string{"outlines", "points", "box"}},
		{"5", []string{"outlines", "points", "box", "labels"}},
	}
	// Each key applies in place: the address, the form and the image
	// follow without a reload.
	mark()
	for i, st := range steps {
		run(t, ctx, chromedp.KeyEvent(st.key))
		run(t, ctx, imageShows("layers", strings.Join(st.want, ",")))
		s := state()
		if s.Reloaded || !s.HasParam || !slices.Equal(s.Layers, st.want) || !slices.Equal(s.Checked, st.want) {
			t.Errorf("step %d (%q): %+v; want layers %v in the address and the form, no reload", i, st.key, s, st.want)
		}
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}
