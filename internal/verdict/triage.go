package verdict

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/segview/segview/internal/segment"
)

// Plan is what one bulk triage of a file does: the verdicts to store, and
// what to say and keep about them.
type Plan struct {
	// Set are the verdicts to store, by rank: only segments whose verdict
	// changes.
	Set map[int]string
	// Previous are those segments' verdicts before, by rank (Suggested
	// for none): what undoing the triage restores.
	Previous map[int]string
	// Summary counts what it does.
	Summary
}

// Summary counts what a triage did: what its message says, and what a page
// without the script is sent back with (Encode, ParseSummary).
type Summary struct {
	// Approved and Rejected count the segments approved and rejected.
	Approved, Rejected int
	// LeftReviewed counts the reviewed segments triage would have changed
	// but left as they were (without the option to change them).
	LeftReviewed int
	// ApprovedOverRejected counts, of Approved, those a reviewer had rejected, and of
	// Rejected, those a reviewer had approved (with the option to change
	// reviewed segments).
	ApprovedOverRejected, RejectedOverApproved int
}

// maxSummaryCount bounds each count of a summary read back: a file's
// segments.
const maxSummaryCount = maxUndoSteps

// Encode writes s as ParseSummary reads it: its counts, comma separated.
func (s Summary) Encode() string {
	return fmt.Sprintf("%d,%d,%d,%d,%d", s.Approved, s.Rejected, s.LeftReviewed, s.ApprovedOverRejected, s.RejectedOverApproved)
}

// ParseSummary reads a summary as Summary.Encode writes it.
func ParseSummary(raw string) (Summary, error) {
	n, ok := parseCounts(raw, 5)
	if !ok || n[3] > n[0] || n[4] > n[1] {
		return Summary{}, &InputError{Msg: fmt.Sprintf("The triage summary %q is not valid: it counts approved,rejected,left,approved-of-rejected,rejected-of-approved.", clipText(raw))}
	}
	return Summary{Approved: n[0], Rejected: n[1], LeftReviewed: n[2], ApprovedOverRejected: n[3], RejectedOverApproved: n[4]}, nil
}

// UndoSummary counts what undoing a triage did.
type UndoSummary struct {
	// Restored counts the segments given back their previous verdict, and
	// Left those whose verdict changed since the triage.
	Restored, Left int
}

// Message says what the undo did, as "Triage undone: restored 4 segments,
// left 1 whose verdict changed since."
func (u UndoSummary) Message() string {
	msg := fmt.Sprintf("Triage undone: restored %d segments", u.Restored)
	if u.Left > 0 {
		msg += fmt.Sprintf(", left %d whose verdict changed since", u.Left)
	}
	return msg + "."
}

// Encode writes u as ParseUndoSummary reads it.
func (u UndoSummary) Encode() string { return fmt.Sprintf("%d,%d", u.Restored, u.Left) }

// ParseUndoSummary reads an undo summary as UndoSummary.Encode writes it.
func ParseUndoSummary(raw string) (UndoSummary, error) {
	n, ok := parseCounts(raw, 2)
	if !ok {
		return UndoSummary{}, &InputError{Msg: fmt.Sprintf("The triage undo summary %q is not valid: it counts restored,left.", clipText(raw))}
	}
	return UndoSummary{Restored: n[0], Left: n[1]}, nil
}

// parseCounts reads want comma-separated counts of at most
// maxSummaryCount each.
func parseCounts(raw string, want int) ([]int, bool) {
	f := strings.Split(raw, ",")
	if len(f) != want {
		return nil, false
	}
	n := make([]int, len(f))
	for i, v := range f {
		c, err := strconv.Atoi(v)
		if err != nil || c < 0 || c > maxSummaryCount {
			return nil, false
		}
		n[i] = c
	}
	return n, true
}

// clipText shortens s for a message.
func clipText(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// PlanTriage returns the triage of ranked segments whose stored verdicts
// are stored (by rank; absent or Suggested means unreviewed): approve
// every segment scoring at least high, reject every one below low. By
// default it changes only unreviewed segments, so that a reviewer's
// verdict survives; includeReviewed changes reviewed ones too. Segments
// that already have the verdict triage would give are not changed. It
// needs 0 ≤ low ≤ high ≤ 1.
func PlanTriage(ranked []segment.Ranked, stored map[int]string, high, low float64, includeReviewed bool) (Plan, error) {
	want, err := Triage(ranked, high, low)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{Set: map[int]string{}, Previous: map[int]string{}}
	for _, rank := range slices.Sorted(maps.Keys(want)) {
		to, from := want[rank], stored[rank]
		if from == "" {
			from = Suggested
		}
		if to == from {
			continue
		}
		if from != Suggested && !includeReviewed {
			p.LeftReviewed++
			continue
		}
		p.Set[rank], p.Previous[rank] = to, from
		if to == Approved {
			p.Approved++
			if from == Rejected {
				p.ApprovedOverRejected++
			}
		} else {
			p.Rejected++
			if from == Approved {
				p.RejectedOverApproved++
			}
		}
	}
	return p, nil
}

// Message says what the triage did, as "approved 3, rejected 1, left 2
// reviewed segments as they were", and which of its verdicts overrode a
// reviewer's: "approved 3 (1 of them had been rejected by a reviewer)".
func (p Summary) Message() string {
	overrode := func(n, of int, was string) string {
		switch {
		case n == 0:
			return ""
		case of == 1:
			return fmt.Sprintf(" (it had been %s by a reviewer)", was)
		}
		return fmt.Sprintf(" (%d of them had been %s by a reviewer)", n, was)
	}
	msg := fmt.Sprintf("approved %d%s, rejected %d%s", p.Approved, overrode(p.ApprovedOverRejected, p.Approved, Rejected),
		p.Rejected, overrode(p.RejectedOverApproved, p.Rejected, Approved))
	switch p.LeftReviewed {
	case 0:
	case 1:
		msg += ", left 1 reviewed segment as it was"
	default:
		msg += fmt.Sprintf(", left %d reviewed segments as they were", p.LeftReviewed)
	}
	return msg
}

// Undo is the undo record of the plan: for each segment it changed,
// "rank:previous:set", comma separated, by rank. Undoing restores a
// segment's previous verdict only while it still has the one triage set.
func (p Plan) Undo() string {
	var parts []string
	for _, rank := range slices.Sorted(maps.Keys(p.Set)) {
		parts = append(parts, fmt.Sprintf("%d:%s:%s", rank, p.Previous[rank], p.Set[rank]))
	}
	return strings.Join(parts, ",")
}

// UndoStep is one segment of an undo record.
type UndoStep struct {
	Rank     int
	Previous string // the verdict to restore
	Set      string // the verdict triage set, which the segment must still have
}

// maxUndoSteps bounds an undo record: CDF annotations of one file.
const maxUndoSteps = 10_000

// ParseUndo reads an undo record as Plan.Undo writes it.
func ParseUndo(raw string) ([]UndoStep, error) {
	bad := func() ([]UndoStep, error) {
		return nil, &InputError{Msg: "The triage's undo record is not valid: it lists rank:previous:set for each segment triage changed."}
	}
	var out []UndoStep
	seen := map[int]bool{}
	for part := range strings.SplitSeq(raw, ",") {
		f := strings.Split(strings.TrimSpace(part), ":")
		if len(f) != 3 || len(out) >= maxUndoSteps {
			return bad()
		}
		rank, err := strconv.Atoi(f[0])
		if err != nil || rank < 1 || seen[rank] || !ValidStatus(f[1]) || (f[2] != Approved && f[2] != Rejected) {
			return bad()
		}
		seen[rank] = true
		out = append(out, UndoStep{Rank: rank, Previous: f[1], Set: f[2]})
	}
	return out, nil
}

// PlanUndo returns the verdicts that undo steps store, given the stored
// verdicts now (by rank): each segment's previous verdict, where it still
// has the one triage set, and the number of segments left because their
// verdict changed since.
func PlanUndo(steps []UndoStep, stored map[int]string) (map[int]string, int) {
	out := map[int]string{}
	changed := 0
	for _, s := range steps {
		now := stored[s.Rank]
		if now == "" {
			now = Suggested
		}
		if now != s.Set {
			changed++
			continue
		}
		out[s.Rank] = s.Previous
	}
	return out, changed
}
