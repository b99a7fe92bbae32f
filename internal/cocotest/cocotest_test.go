package cocotest

import (
	"slices"
	"testing"
)

// TestDecodeCounts pins the decoder with strings worked out by hand from
// the format's definition.
func TestDecodeCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		want []int
	}{
		{"", nil},
		// 0 → '0' (48); 5 → '5'.
		{"05", []int{0, 5}},
		// The third count is not a difference: only the fourth on are.
		{"343", []int{3, 4, 3}},
		// 100 = 3·32 + 4: the group 4 with 0x20 (more) is 36 → 'T', then
		// 3 → '3'.
		{"T3", []int{100}},
		// 16 has the sign bit 0x10 in its only group, so a 0 group
		// follows: 16|0x20 = 48 → '`', then '0'.
		{"`0", []int{16}},
		// 4 after 10 two before is written −6: 26 with the sign bit,
		// 26 + 48 = 74 → 'J'.
		{"0:5J", []int{0, 10, 5, 4}},
		// 1000 after 10: 990 = 30·32 + 30: 30|0x20 → 'n', 30 has the
		// sign bit, so 30|0x20 → 'n' again, then 0 → '0'.
		{"0:5nn0", []int{0, 10, 5, 1000}},
	}
	for _, tt := range tests {
		got, err := DecodeCounts(tt.s)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("DecodeCounts(%q) = %v, %v; want %v", tt.s, got, err, tt.want)
		}
	}
}

func TestDecodeCountsRefuses(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"T", " ", "0:5E"} { // unfinished; below '0'; a run of 4 − 11
		if got, err := DecodeCounts(s); err == nil {
			t.Errorf("DecodeCounts(%q) = %v, want an error", s, got)
		}
	}
}

// TestDecode checks the column-major order on a hand-drawn mask: 2 rows,
// 3 columns, runs 1 out, 2 in, 3 out.
func TestDecode(t *testing.T) {
	t.Parallel()
	m, err := Decode([2]int{2, 3}, "123")
	if err != nil {
		t.Fatal(err)
	}
	// Column-major pixels 1 and 2 are (x 0, y 1) and (x 1, y 0).
	want := []bool{
		false, true, false,
		true, false, false,
	}
	if !slices.Equal(m.In, want) || m.Count() != 2 || m.Ones != 2 {
		t.Errorf("mask = %v, want %v", m.In, want)
	}
	for _, bad := range []string{"12", "124"} { // short of the pixels; past them
		if _, err := Decode([2]int{2, 3}, bad); err == nil {
			t.Errorf("Decode(%q) accepted runs that do not cover 6 pixels", bad)
		}
	}
}
