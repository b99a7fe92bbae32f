package e2e

import (
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
