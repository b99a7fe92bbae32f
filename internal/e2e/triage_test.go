package e2e

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestTriageKeepsManualVerdictAndUndoes is the scenario in the
// browser: the top-scoring segment rejected by hand stays rejected through
// triage with the defaults, the page says what triage did and left, and
// "Undo triage" puts every row back as it was before the triage.
func TestTriageKeepsManualVerdictAndUndoes(t *testing.T) {
	base := demoServer(t)
	ctx, problems := browser(t, 1280, 900)
	run(t, ctx, openFirstDemoJob(base))
	rows := func() []string {
		t.Helper()
		return run(t, ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`Array.from(document.querySelector('[data-testid="file"]').querySelectorAll('[data-testid="segment-row"]')).map(r => %s(r.dataset.rank))`, rowVerdict)))
	}
	waitSaid := func(part string) {
		t.Helper()
		run(t, ctx, waitTrue(fmt.Sprintf(`document.querySelector('[data-testid="review-status"]').textContent.includes(%q)`, part)))
	}

	run(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="file"] [data-testid="segment-row"][data-rank="1"] [data-testid="reject"]`)))
	waitSaid("Segment 1 rejected")
	before := rows()

	run(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="file"] [data-testid="triage-apply"]`)))
	waitSaid("left 1 reviewed segment as it was")
	after := rows()
	if after[0] != "rejected false true" {
		t.Errorf("rank 1 after triage: %q, want still rejected", after[0])
	}
	changed := 0
	for i := range after {
		if after[i] != before[i] {
			changed++
		}
	}
	if changed == 0 {
		t.Fatalf("triage changed no row: %q", after)
	}

	run(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="file"] [data-testid="triage-undo"]`)))
	waitSaid(fmt.Sprintf("Triage undone: restored %d segments", changed))
	if got := rows(); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("rows after undo:\n%q\nwant as before the triage:\n%q", got, before)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems: %q", p)
	}
}
