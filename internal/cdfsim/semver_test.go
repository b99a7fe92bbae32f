package cdfsim

import "testing"

// TestValidSemVer checks the SemVer 2.0.0 grammar (https://semver.org/)
// that CDF requires of creatingAppVersion (§8.1). Each row names the item
// of the specification it exercises.
func TestValidSemVer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    string
		want bool
		rule string
	}{
		{"1.0.0", true, "item 2: MAJOR.MINOR.PATCH"},
		{"0.0.0", true, "item 2: zero is a valid number"},
		{"10.20.30", true, "item 2: multi-digit numbers"},
		{"18446744073709551616.0.0", true, "item 2: numbers have no size limit"},
		{"0.0.0-dev+abc123", true, "items 9 and 10: what segview derives from build info"},
		{"1.0.0-alpha", true, "item 9: pre-release"},
		{"1.0.0-alpha.1", true, "item 9: dotted pre-release"},
		{"1.0.0-0.3.7", true, "item 9: numeric pre-release identifiers"},
		{"1.0.0-x.7.z.92", true, "item 9: mixed pre-release identifiers"},
		{"1.0.0-x-y-z.--", true, "item 9: hyphens inside identifiers"},
		{"1.0.0-0alpha", true, "item 9: alphanumeric identifiers may start with 0"},
		{"1.0.0+20130313144700", true, "item 10: build metadata"},
		{"1.0.0-beta+exp.sha.5114f85", true, "items 9 and 10 together"},
		{"1.0.0+21AF26D3----117B344092BD", true, "item 10: hyphens in build metadata"},
		{"1.0.0-alpha+001", true, "item 10: build identifiers may have leading zeros"},

		{"dev", false, "item 2: not MAJOR.MINOR.PATCH"},
		{"", false, "item 2: empty"},
		{"1", false, "item 2: MINOR and PATCH missing"},
		{"1.2", false, "item 2: PATCH missing"},
		{"1.2.3.4", false, "item 2: exactly three numbers"},
		{"01.2.3", false, "item 2: no leading zeros in MAJOR"},
		{"1.02.3", false, "item 2: no leading zeros in MINOR"},
		{"1.2.03", false, "item 2: no leading zeros in PATCH"},
		{"v1.2.3", false, "item 2: no v prefix"},
		{"-1.2.3", false, "item 2: non-negative"},
		{"1.2.-3", false, "item 2: non-negative"},
		{"1.2.x", false, "item 2: numbers only"},
		{" 1.2.3", false, "grammar: no spaces"},
		{"1.2.3 ", false, "grammar: no spaces"},
		{"1.2.3-", false, "item 9: pre-release not empty"},
		{"1.2.3-alpha..1", false, "item 9: identifiers not empty"},
		{"1.2.3-alpha.", false, "item 9: identifiers not empty"},
		{"1.2.3-01", false, "item 9: no leading zeros in numeric identifiers"},
		{"1.2.3-alpha.00", false, "item 9: no leading zeros in numeric identifiers"},
		{"1.2.3-alpha_1", false, "item 9: [0-9A-Za-z-] only"},
		{"1.2.3-α", false, "item 9: ASCII only"},
		{"1.2.3+", false, "item 10: build not empty"},
		{"1.2.3+a..b", false, "item 10: identifiers not empty"},
		{"1.2.3+a+b", false, "item 10: [0-9A-Za-z-] only"},
		{"1.2.3-+a", false, "item 9: pre-release not empty"},
		{"1.2.3+a-b.c_d", false, "item 10: [0-9A-Za-z-] only"},
	}
	for _, tt := range tests {
		if got := validSemVer(tt.v); got != tt.want {
			t.Errorf("validSemVer(%q) = %v, want %v (%s)", tt.v, got, tt.want, tt.rule)
		}
	}
}
