package segment

import (
	"slices"
	"strings"

	"github.com/segview/segview/internal/cdf"
)

// VerdictFilter is a set of review states a view shows: the verdict
// parameter. The zero value shows every segment, whatever its verdict.
type VerdictFilter uint8

// The review states of a segment.
const (
	// VerdictUnreviewed is a segment without a verdict: no annotation, or
	// one whose status is suggested.
	VerdictUnreviewed VerdictFilter = 1 << iota
	// VerdictApproved is a segment whose verdict is approved.
	VerdictApproved
	// VerdictRejected is a segment whose verdict is rejected.
	VerdictRejected

	// AllVerdicts is every state; a view stores it as the zero value.
	AllVerdicts = VerdictUnreviewed | VerdictApproved | VerdictRejected
)

// verdictNames are the states' names in URLs (and the status names the
// exports write), in the view form's order.
var verdictNames = [...]struct {
	Name    string
	Verdict VerdictFilter
}{
	{"unreviewed", VerdictUnreviewed},
	{"approved", VerdictApproved},
	{"rejected", VerdictRejected},
}

// VerdictNames returns the states' names in URLs, in the view form's order.
func VerdictNames() []string {
	out := make([]string, len(verdictNames))
	for i, n := range verdictNames {
		out[i] = n.Name
	}
	return out
}

// ParseVerdict returns the state called name, and false for an unknown
// name.
func ParseVerdict(name string) (VerdictFilter, bool) {
	for _, n := range verdictNames {
		if n.Name == name {
			return n.Verdict, true
		}
	}
	return 0, false
}

// VerdictOf is the review state of a segment whose stored status (CDF's
// annotation status, as verdict.Store.Load gives it) is status: "" and
// suggested are unreviewed.
func VerdictOf(status string) VerdictFilter {
	switch status {
	case cdf.AnnotationApproved:
		return VerdictApproved
	case cdf.AnnotationRejected:
		return VerdictRejected
	}
	return VerdictUnreviewed
}

// StatusName names the review state of a segment whose stored status is
// status: approved, rejected or unreviewed, as exports write it.
func StatusName(status string) string { return VerdictOf(status).String() }

// Allows reports whether the filter shows a segment whose stored status is
// status. The zero filter allows every status.
func (f VerdictFilter) Allows(status string) bool {
	return f == 0 || f&VerdictOf(status) != 0
}

// String lists the states by name, comma separated, in VerdictNames'
// order; the zero filter is "".
func (f VerdictFilter) String() string {
	var names []string
	for _, n := range verdictNames {
		if f&n.Verdict != 0 {
			names = append(names, n.Name)
		}
	}
	return strings.Join(names, ",")
}

// ShowsStatus reports whether the view draws (or exports) the segment r,
// whose stored status is status: Shows, and the verdict filter allows it.
func (v View) ShowsStatus(r Ranked, status string) bool {
	return v.Shows(r) && v.Verdict.Allows(status)
}

// Resolve returns the view with its verdict filter turned into ranks of
// one file's segments: the segments of ranked whose status (by rank, as
// stored; absent is unreviewed) the filter does not allow are added to
// Hide, and the filter is cleared. Drawings take a resolved view, so that
// their cache keys (Key) name the segments drawn, which change with the
// verdicts, and not the parameter, which does not. A view without a
// verdict filter is returned as it is.
func (v View) Resolve(ranked []Ranked, status map[int]string) View {
	if v.Verdict == 0 {
		return v
	}
	hide := slices.Clone(v.Hide)
	for _, r := range ranked {
		if !v.Verdict.Allows(status[r.Rank]) {
			hide = append(hide, r.Rank)
		}
	}
	slices.Sort(hide)
	v.Hide = slices.Compact(hide)
	v.Verdict = 0
	return v
}
