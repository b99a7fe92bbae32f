package verdict_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/segment"
	"github.com/segview/segview/internal/verdict"
)

func scored(scores ...float64) []segment.Ranked {
	var segs []cdf.Segment
	for _, s := range scores {
		segs = append(segs, cdf.Segment{Score: s})
	}
	return segment.Rank(segs)
}

// TestPlanTriage: by default triage changes unreviewed segments only, and
// says what it left; the option changes reviewed ones too. The issue's
// scenario: a 0.91 segment rejected by hand stays rejected.
func TestPlanTriage(t *testing.T) {
	t.Parallel()
	// Ranks 1..6 score 0.95, 0.91, 0.8, 0.5, 0.2, 0.1.
	ranked := scored(0.95, 0.91, 0.8, 0.5, 0.2, 0.1)
	tests := []struct {
		name     string
		stored   map[int]string
		all      bool
		high     float64 // 0: verdict.DefaultHigh
		set      map[int]string
		previous map[int]string
		msg      string
	}{
		{
			name: "nothing reviewed",
			set:  map[int]string{1: verdict.Approved, 2: verdict.Approved, 3: verdict.Approved, 5: verdict.Rejected, 6: verdict.Rejected},
			previous: map[int]string{1: verdict.Suggested, 2: verdict.Suggested, 3: verdict.Suggested,
				5: verdict.Suggested, 6: verdict.Suggested},
			msg: "approved 3, rejected 2",
		},
		{
			name:     "a 0.91 segment rejected by hand survives",
			stored:   map[int]string{2: verdict.Rejected, 6: verdict.Approved, 1: verdict.Approved, 4: verdict.Rejected},
			set:      map[int]string{3: verdict.Approved, 5: verdict.Rejected},
			previous: map[int]string{3: verdict.Suggested, 5: verdict.Suggested},
			msg:      "approved 1, rejected 1, left 2 reviewed segments as they were",
		},
		{
			name:     "also change reviewed segments",
			stored:   map[int]string{2: verdict.Rejected, 6: verdict.Approved, 1: verdict.Approved, 3: verdict.Suggested},
			all:      true,
			set:      map[int]string{2: verdict.Approved, 3: verdict.Approved, 5: verdict.Rejected, 6: verdict.Rejected},
			previous: map[int]string{2: verdict.Rejected, 3: verdict.Suggested, 5: verdict.Suggested, 6: verdict.Approved},
			msg:      "approved 2 (1 of them had been rejected by a reviewer), rejected 2 (1 of them had been approved by a reviewer)",
		},
		{
			// The reviewer's report on job 1007: rank 1 rejected by hand,
			// then triage with the option and high 0.5 approves it.
			name:     "a reviewer's rejection overridden is said",
			stored:   map[int]string{1: verdict.Rejected},
			all:      true,
			high:     0.5,
			set:      map[int]string{1: verdict.Approved, 2: verdict.Approved, 3: verdict.Approved, 4: verdict.Approved, 5: verdict.Rejected, 6: verdict.Rejected},
			previous: map[int]string{1: verdict.Rejected, 2: verdict.Suggested, 3: verdict.Suggested, 4: verdict.Suggested, 5: verdict.Suggested, 6: verdict.Suggested},
			msg:      "approved 4 (1 of them had been rejected by a reviewer), rejected 2",
		},
		{
			name:     "one segment, overridden",
			stored:   map[int]string{6: verdict.Approved, 1: verdict.Approved, 2: verdict.Approved, 3: verdict.Approved, 5: verdict.Rejected},
			all:      true,
			set:      map[int]string{6: verdict.Rejected},
			previous: map[int]string{6: verdict.Approved},
			msg:      "approved 0, rejected 1 (it had been approved by a reviewer)",
		},
		{
			name:     "one left",
			stored:   map[int]string{2: verdict.Rejected, 1: verdict.Approved, 3: verdict.Approved, 5: verdict.Rejected, 6: verdict.Rejected},
			set:      map[int]string{},
			previous: map[int]string{},
			msg:      "approved 0, rejected 0, left 1 reviewed segment as it was",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			high := tt.high
			if high == 0 {
				high = verdict.DefaultHigh
			}
			p, err := verdict.PlanTriage(ranked, tt.stored, high, verdict.DefaultLow, tt.all)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.set, p.Set); diff != "" {
				t.Errorf("Set (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.previous, p.Previous); diff != "" {
				t.Errorf("Previous (-want +got):\n%s", diff)
			}
			if p.Message() != tt.msg {
				t.Errorf("Message = %q, want %q", p.Message(), tt.msg)
			}
			// The undo record reads back as the changes.
			if len(p.Set) == 0 {
				return
			}
			steps, err := verdict.ParseUndo(p.Undo())
			if err != nil || len(steps) != len(p.Set) {
				t.Fatalf("ParseUndo(%q) = %v, %v", p.Undo(), steps, err)
			}
			for _, s := range steps {
				if s.Previous != p.Previous[s.Rank] || s.Set != p.Set[s.Rank] {
					t.Errorf("undo step %+v, want %s→%s", s, p.Previous[s.Rank], p.Set[s.Rank])
				}
			}
		})
	}
	if _, err := verdict.PlanTriage(ranked, nil, 0.2, 0.5, false); err == nil {
		t.Error("low above high accepted")
	}
}

// TestPlanUndo: undo restores every status triage changed, except where
// the verdict changed since (someone gave another), which it counts.
func TestPlanUndo(t *testing.T) {
	t.Parallel()
	steps, err := verdict.ParseUndo("2:rejected:approved,3:suggested:approved,5:suggested:rejected")
	if err != nil {
		t.Fatal(err)
	}
	got, changed := verdict.PlanUndo(steps, map[int]string{2: verdict.Approved, 3: verdict.Rejected, 5: verdict.Rejected})
	want := map[int]string{2: verdict.Rejected, 5: verdict.Suggested}
	if diff := cmp.Diff(want, got); diff != "" || changed != 1 {
		t.Errorf("PlanUndo (-want +got):\n%s changed %d, want 1", diff, changed)
	}
	for _, bad := range []string{"", "x", "1:approved", "0:suggested:approved", "1:maybe:approved", "1:approved:suggested", "1:suggested:approved,1:suggested:rejected"} {
		if _, err := verdict.ParseUndo(bad); err == nil {
			t.Errorf("ParseUndo(%q) accepted", bad)
		}
	}
}

// TestSummaryRoundTrip: a triage's counts survive the page's address, and
// anything else is refused.
func TestSummaryRoundTrip(t *testing.T) {
	t.Parallel()
	for _, s := range []verdict.Summary{{}, {Approved: 3, Rejected: 1, LeftReviewed: 2}, {Approved: 3, ApprovedOverRejected: 1}, {Rejected: 2, RejectedOverApproved: 2}} {
		got, err := verdict.ParseSummary(s.Encode())
		if err != nil || got != s {
			t.Errorf("ParseSummary(%q) = %+v, %v; want %+v", s.Encode(), got, err, s)
		}
	}
	for _, bad := range []string{"", "1,2,3", "1,2,3,0,0,0", "a,0,0,0,0", "-1,0,0,0,0", "1,0,0,2,0", "0,1,0,0,2", "99999,0,0,0,0"} {
		if _, err := verdict.ParseSummary(bad); err == nil {
			t.Errorf("ParseSummary(%q) accepted", bad)
		}
	}
}
