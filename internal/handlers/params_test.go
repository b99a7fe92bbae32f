package handlers

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1", 1, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"9223372036854775808", 0, false},
		{"99999999999999999999", 0, false},
		{"0", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{"1e3", 0, false},
		{"12abc", 0, false},
		{"", 0, false},
		{" 1", 0, false},
		{"１", 0, false}, // full-width digit
	}
	for _, tt := range tests {
		got, err := parseID(tt.in, "job id")
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("parseID(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		var in *inputError
		if err != nil && !errors.As(err, &in) {
			t.Errorf("parseID(%q) error is %T, want *inputError", tt.in, err)
		}
	}
}

func TestParseWidth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"", 0, true}, {"800", 800, true}, {"4096", 2048, true}, {"0", 0, false}, {"-5", 0, false},
		{"abc", 0, false}, {"NaN", 0, false}, {"1.5", 0, false}, {"+300", 0, false}, {" 300", 0, false},
		{"99999999999", 2048, true}, {"2147483647", 2048, true}, {"0000000000000300", 300, true}, {"000", 0, false},
	}
	for _, tt := range tests {
		got, err := parseWidth(tt.in, 2048)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("parseWidth(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	// Without a cap here, a width of many digits stands for more pixels
	// than any image has; the renderer caps it.
	if got, err := parseWidth("123456789012345678901234567890", 0); err != nil || got != maxWidthAsk {
		t.Errorf("parseWidth of 30 digits, no cap = %d, %v; want %d", got, err, maxWidthAsk)
	}
}

func TestClipKeepsRunes(t *testing.T) {
	t.Parallel()
	got := clip(strings.Repeat("é", 100))
	if want := strings.Repeat("é", 64) + "…"; got != want {
		t.Errorf("clip = %q", got)
	}
}

func TestRecentCookie(t *testing.T) {
	t.Parallel()
	list := parseRecent("demo~1001|bad|demo~x|other%20p~5|~3|demo~-1")
	want := []recentJob{{"demo", 1001}, {"other p", 5}}
	if diff := cmp.Diff(want, list); diff != "" {
		t.Fatalf("parseRecent (-want +got):\n%s", diff)
	}
	list = addRecent(list, recentJob{"other p", 5})
	if diff := cmp.Diff([]recentJob{{"other p", 5}, {"demo", 1001}}, list); diff != "" {
		t.Errorf("addRecent moves an existing job first (-want +got):\n%s", diff)
	}
	for i := int64(1); i <= 20; i++ {
		list = addRecent(list, recentJob{"demo", i})
	}
	if len(list) != recentMax || list[0].JobID != 20 {
		t.Errorf("len=%d first=%v", len(list), list[0])
	}
	if got := parseRecent(formatRecent(list)); !cmp.Equal(got, list) {
		t.Errorf("round trip = %v, want %v", got, list)
	}
	if v := formatRecent([]recentJob{{"a;b,c\"d", 1}}); strings.ContainsAny(v, ";,\" ") {
		t.Errorf("cookie value %q has characters cookies do not allow", v)
	}
}

func TestFileRoutePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		project, leaf, want string
	}{
		{"demo", "verdicts", "/projects/demo/jobs/7/files/11/verdicts"},
		{"demo", "hits.json", "/projects/demo/jobs/7/files/11/hits.json"},
		{"a b/c", "triage", "/projects/a%20b%2Fc/jobs/7/files/11/triage"},
	}
	for _, tt := range tests {
		if got := fileRoutePath(tt.project, 7, 11, tt.leaf); got != tt.want {
			t.Errorf("fileRoutePath(%q, 7, 11, %q) = %q, want %q", tt.project, tt.leaf, got, tt.want)
		}
	}
	if got, want := overlayPath("demo", 7, 11, "overlay.jpg"), "/projects/demo/jobs/7/files/11/overlay.jpg"; got != want {
		t.Errorf("overlayPath = %q, want %q", got, want)
	}
}
