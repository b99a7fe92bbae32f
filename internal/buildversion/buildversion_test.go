package buildversion

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    string
		want bool
	}{
		// Valid, from semver.org's grammar and its examples.
		{"0.0.0", true},
		{"1.2.3", true},
		{"10.20.30", true},
		{"1.0.0-alpha", true},
		{"1.0.0-alpha.1", true},
		{"1.0.0-0.3.7", true},
		{"1.0.0-x.7.z.92", true},
		{"1.0.0-x-y-z.--", true},
		{"1.0.0-alpha+001", true}, // build identifiers may have leading zeros
		{"1.0.0+20130313144700", true},
		{"1.0.0-beta+exp.sha.5114f85", true},
		{"1.0.0+21AF26D3----117B344092BD", true},
		{"1.0.0-0A.is.legal", true}, // alphanumeric, so a leading zero is allowed
		{"0.0.0-dev", true},
		{"0.0.0-dev+0123456789ab", true},
		{"0.0.0-dev+0123456789ab.dirty", true},
		{"0.0.0-20250314092653-0123456789ab+dirty", true}, // a Go pseudo-version without its v
		{"99999999999999999999.0.0", true},                // the grammar sets no bound

		// Invalid.
		{"", false},
		{"dev", false},
		{"v1.2.3", false},
		{"1", false},
		{"1.2", false},
		{"1.2.3.4", false},
		{"01.2.3", false},
		{"1.02.3", false},
		{"1.2.03", false},
		{"1.2.3-01", false}, // numeric pre-release identifier with a leading zero
		{"1.2.3-alpha.01", false},
		{"1.2.3-", false},
		{"1.2.3+", false},
		{"1.2.3-alpha..1", false}, // empty identifier
		{"1.2.3-.alpha", false},
		{"1.2.3-alpha.", false},
		{"1.2.3+build..1", false},
		{"1.2.3+a+b", false},
		{"1.2.3-alpha_1", false},
		{"1.2.3-é", false},
		{" 1.2.3", false},
		{"1.2.3 ", false},
		{"1..3", false},
		{"-1.2.3", false},
		{"1.2.-3", false},
		{"a.b.c", false},
		{"1.2.3-+b", false},
	}
	for _, tt := range tests {
		if got := Valid(tt.v); got != tt.want {
			t.Errorf("Valid(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

func TestFromBuildInfo(t *testing.T) {
	t.Parallel()
	const rev = "0123456789abcdef0123456789abcdef01234567"
	vcs := func(rev, modified string) []debug.BuildSetting {
		s := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}}
		if modified != "" {
			s = append(s, debug.BuildSetting{Key: "vcs.modified", Value: modified})
		}
		return s
	}
	info := func(version string, settings []debug.BuildSetting) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Path: "github.com/segview/segview", Version: version}, Settings: settings}
	}
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"tagged release", info("v1.4.2", vcs(rev, "false")), "1.4.2"},
		{"tagged pre-release", info("v1.5.0-rc.1", nil), "1.5.0-rc.1"},
		{"pseudo-version of a modified checkout", info("v0.0.0-20250314092653-0123456789ab+dirty", vcs(rev, "true")), "0.0.0-20250314092653-0123456789ab+dirty"},
		{"devel with a clean checkout", info("(devel)", vcs(rev, "false")), "0.0.0-dev+0123456789ab"},
		{"devel with a modified checkout", info("(devel)", vcs(rev, "true")), "0.0.0-dev+0123456789ab.dirty"},
		{"a short revision", info("(devel)", vcs("abc123", "")), "0.0.0-dev+abc123"},
		{"devel without VCS info", info("(devel)", nil), Fallback},
		{"no version at all", info("", nil), Fallback},
		{"a module version that is not SemVer", info("v1.2", vcs(rev, "false")), "0.0.0-dev+0123456789ab"},
		{"a revision with characters SemVer forbids", info("(devel)", vcs("abc_123", "false")), Fallback},
		{"nil build info", nil, Fallback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := FromBuildInfo(tt.bi)
			if got != tt.want {
				t.Errorf("FromBuildInfo = %q, want %q", got, tt.want)
			}
			if !Valid(got) {
				t.Errorf("FromBuildInfo = %q, which is not valid SemVer", got)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	devel := func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "fedcba9876543210"}}}, true
	}
	none := func() (*debug.BuildInfo, bool) { return nil, false }
	tests := []struct {
		name, linked string
		read         func() (*debug.BuildInfo, bool)
		want         string
		wantErr      []string // substrings of the error
	}{
		{name: "linked SemVer wins", linked: "2.0.1", read: devel, want: "2.0.1"},
		{name: "linked SemVer with build metadata", linked: "2.0.1+ci.42", read: devel, want: "2.0.1+ci.42"},
		{name: "nothing linked: build info", read: devel, want: "0.0.0-dev+fedcba987654"},
		{name: "nothing linked, no build info", read: none, want: Fallback},
		{name: "linked dev", linked: "dev", read: devel, wantErr: []string{`"dev"`, "-X main.version", "Semantic Versioning"}},
		{name: "linked with a v", linked: "v1.2.3", read: devel, wantErr: []string{`"v1.2.3"`, `drop the leading v: "1.2.3"`}},
		{name: "linked with a leading zero", linked: "1.02.3", read: devel, wantErr: []string{`"1.02.3"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Resolve(tt.linked, tt.read)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("Resolve(%q) = %q, want an error", tt.linked, got)
				}
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Resolve(%q) = %q, %v; want %q", tt.linked, got, err, tt.want)
			}
		})
	}
}

// TestDerivedFromThisBinary reads the test binary's own build info, as a
// real build does.
func TestDerivedFromThisBinary(t *testing.T) {
	t.Parallel()
	if v := Derived(); !Valid(v) {
		t.Errorf("Derived() = %q, not valid SemVer", v)
	}
}
