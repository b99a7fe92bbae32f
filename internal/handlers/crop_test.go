package handlers

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/overlay"
)

func TestParseCrop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want *overlay.Crop
		why  string // in the message of a bad value
	}{
		{"", nil, ""},
		{"0,0,1,1", &overlay.Crop{X0: 0, Y0: 0, X1: 1, Y1: 1}, ""},
		{"0.25,0.25,0.75,0.75", &overlay.Crop{X0: 0.25, Y0: 0.25, X1: 0.75, Y1: 0.75}, ""},
		{".1,.2,.3,.4", &overlay.Crop{X0: 0.1, Y0: 0.2, X1: 0.3, Y1: 0.4}, ""},
		{"0.123456,0,1.000000,0.5", &overlay.Crop{X0: 0.123456, Y0: 0, X1: 1, Y1: 0.5}, ""},
		{"0.299,0.5,0.3,0.501", &overlay.Crop{X0: 0.299, Y0: 0.5, X1: 0.3, Y1: 0.501}, ""}, // smallest, exactly
		// Out of range.
		{"0,0,1.5,1", nil, "from 0 to 1"},
		{"0,0,1.000001,1", nil, "from 0 to 1"},
		{"-0.1,0,1,1", nil, "from 0 to 1"},
		{"0,0,2,1", nil, "from 0 to 1"},
		// Inverted or empty.
		{"0.75,0,0.25,1", nil, "less than"},
		{"0,0.6,1,0.4", nil, "less than"},
		{"0.5,0,0.5,1", nil, "less than"},
		// Too small.
		{"0.5,0,0.5009,1", nil, "at least 0.001"},
		{"0,0.2,1,0.200999", nil, "at least 0.001"},
		// Malformed.
		{"0,0,1", nil, "four numbers"},
		{"0,0,1,1,1", nil, "four numbers"},
		{"0;0;1;1", nil, "four numbers"},
		{"a,b,c,d", nil, "from 0 to 1"},
		{"0,0,1,", nil, "from 0 to 1"},
		{"0, 0,1,1", nil, "from 0 to 1"},
		{"+0,0,1,1", nil, "from 0 to 1"},
		{"1e-1,0,1,1", nil, "from 0 to 1"},
		{"NaN,0,1,1", nil, "from 0 to 1"},
		{"0,0,Inf,1", nil, "from 0 to 1"},
		{"00.5,0,1,1", nil, "from 0 to 1"},
		{"0.,0,1,1", nil, "from 0 to 1"},
		{"0x0,0,1,1", nil, "from 0 to 1"},
		// Too many digits.
		{"0.1234567,0,1,1", nil, "at most 6 decimals"},
		{"0,0,0.99999999999999999999,1", nil, "at most 6 decimals"},
		{strings.Repeat("0", 40) + ",0,1,1", nil, "four numbers"},
	}
	for _, tt := range tests {
		got, err := parseCrop(tt.in)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parseCrop(%q) (-want +got):\n%s", tt.in, diff)
		}
		if (err != nil) != (tt.why != "") {
			t.Errorf("parseCrop(%q) error %v, want one saying %q", tt.in, err, tt.why)
			continue
		}
		if err == nil {
			continue
		}
		var in *inputError
		if !errors.As(err, &in) {
			t.Errorf("parseCrop(%q) error is %T, want *inputError", tt.in, err)
		}
		if msg := err.Error(); !strings.Contains(msg, "crop") || !strings.Contains(msg, tt.why) {
			t.Errorf("parseCrop(%q) = %q: want it to name crop and say %q", tt.in, msg, tt.why)
		}
	}
}
