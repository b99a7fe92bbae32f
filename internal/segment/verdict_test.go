package segment

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseVerdict(t *testing.T) {
	t.Parallel()
	for _, name := range VerdictNames() {
		f, ok := ParseVerdict(name)
		if !ok || f.String() != name {
			t.Errorf("ParseVerdict(%q) = %v, %v; its String is %q", name, f, ok, f.String())
		}
	}
	for _, bad := range []string{"", "suggested", "Approved", "approved,rejected"} {
		if _, ok := ParseVerdict(bad); ok {
			t.Errorf("ParseVerdict(%q) accepted", bad)
		}
	}
	if got := AllVerdicts.String(); got != "unreviewed,approved,rejected" {
		t.Errorf("AllVerdicts = %q", got)
	}
}

func TestVerdictAllows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		filter VerdictFilter
		status string
		want   bool
	}{
		{0, "", true},
		{0, "rejected", true},
		{VerdictUnreviewed, "", true},
		{VerdictUnreviewed, "suggested", true},
		{VerdictUnreviewed, "approved", false},
		{VerdictApproved, "approved", true},
		{VerdictApproved, "rejected", false},
		{VerdictApproved, "", false},
		{VerdictApproved | VerdictRejected, "rejected", true},
		{VerdictApproved | VerdictRejected, "suggested", false},
		{AllVerdicts, "", true},
	}
	for _, tt := range tests {
		if got := tt.filter.Allows(tt.status); got != tt.want {
			t.Errorf("%q.Allows(%q) = %v, want %v", tt.filter, tt.status, got, tt.want)
		}
	}
	for status, want := range map[string]string{"": "unreviewed", "suggested": "unreviewed", "approved": "approved", "rejected": "rejected"} {
		if got := StatusName(status); got != want {
			t.Errorf("StatusName(%q) = %q, want %q", status, got, want)
		}
	}
}

func TestViewResolve(t *testing.T) {
	t.Parallel()
	ranked := []Ranked{{Rank: 1, Score: 0.9}, {Rank: 2, Score: 0.8}, {Rank: 3, Score: 0.7}, {Rank: 4, Score: 0.1}}
	status := map[int]string{1: "approved", 2: "rejected", 4: "suggested"}
	tests := []struct {
		name     string
		filter   VerdictFilter
		hide     []int
		wantHide []int
	}{
		{"no filter", 0, []int{2}, []int{2}},
		{"approved", VerdictApproved, nil, []int{2, 3, 4}},
		{"rejected", VerdictRejected, nil, []int{1, 3, 4}},
		{"unreviewed", VerdictUnreviewed, nil, []int{1, 2}},
		{"approved or rejected", VerdictApproved | VerdictRejected, nil, []int{3, 4}},
		{"merged with hide", VerdictApproved, []int{1, 3}, []int{1, 2, 3, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := DefaultView()
			v.Verdict, v.Hide = tt.filter, tt.hide
			got := v.Resolve(ranked, status)
			if got.Verdict != 0 {
				t.Errorf("Resolve left the filter %v", got.Verdict)
			}
			if diff := cmp.Diff(tt.wantHide, got.Hide); diff != "" {
				t.Errorf("Hide (-want +got):\n%s", diff)
			}
			for _, r := range ranked {
				if got.Shows(r) != (v.ShowsStatus(r, status[r.Rank])) {
					t.Errorf("rank %d: the resolved view shows it %v, ShowsStatus says otherwise", r.Rank, got.Shows(r))
				}
			}
			if len(tt.hide) > 0 && &got.Hide[0] == &tt.hide[0] && tt.filter != 0 {
				t.Error("Resolve wrote into the caller's Hide")
			}
		})
	}
}

func TestViewKeyVerdict(t *testing.T) {
	t.Parallel()
	plain := DefaultView()
	filtered := DefaultView()
	filtered.Verdict = VerdictApproved
	if plain.Key() == filtered.Key() {
		t.Errorf("an unresolved verdict filter shares the key of every segment: %q", plain.Key())
	}
	// A resolved filter draws what the same hidden ranks draw.
	resolved := filtered.Resolve([]Ranked{{Rank: 1}, {Rank: 2}}, map[int]string{1: "approved"})
	hidden := DefaultView()
	hidden.Hide = []int{2}
	if resolved.Key() != hidden.Key() {
		t.Errorf("resolved key %q, want %q", resolved.Key(), hidden.Key())
	}
}
