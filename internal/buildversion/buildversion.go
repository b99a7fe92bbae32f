// Package buildversion works out the version segview reports as its
// creatingAppVersion and User-Agent. CDF's Annotations API refuses a
// creatingAppVersion that is not a Semantic Versioning 2.0.0 string, so
// every build must have one: the value linked in with
// -ldflags "-X main.version=...", which must be valid SemVer, or else one
// derived from the module's build info.
package buildversion

import (
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
)

// Fallback is the version of a build that carries neither a module version
// nor version-control information.
const Fallback = "0.0.0-dev"

// revisionLen is how much of a VCS revision goes into a derived version.
const revisionLen = 12

// Resolve returns the version to report: linked, the -X main.version value,
// when it is set, and an error naming it when it is not valid SemVer;
// otherwise the version derived from read's build info (see [FromBuildInfo]).
func Resolve(linked string, read func() (*debug.BuildInfo, bool)) (string, error) {
	if linked != "" {
		if !Valid(linked) {
			hint := ""
			if rest, ok := strings.CutPrefix(linked, "v"); ok && Valid(rest) {
				hint = fmt.Sprintf(" (drop the leading v: %q)", rest)
			}
			return "", fmt.Errorf("build version %q (set with -ldflags -X main.version) is not a Semantic Versioning 2.0.0 version such as 1.4.0 or 1.4.0-rc.1+abc123%s; CDF refuses it as an annotation's creatingAppVersion", linked, hint)
		}
		return linked, nil
	}
	bi, ok := read()
	if !ok {
		return Fallback, nil
	}
	return FromBuildInfo(bi), nil
}

// derived caches the version derived from this binary's build info.
var derived = sync.OnceValue(func() string {
	v, _ := Resolve("", debug.ReadBuildInfo)
	return v
})

// Derived returns the version derived from this binary's build info. It is
// always valid SemVer.
func Derived() string { return derived() }

// FromBuildInfo derives a SemVer version from build info:
//   - the main module's version without its "v", when that is valid SemVer
//     (a tagged release, or the pseudo-version go build stamps from the VCS
//     checkout, such as 0.0.0-20250314092653-0123456789ab+dirty);
//   - else 0.0.0-dev+<the first 12 characters of the VCS revision>, with
//     ".dirty" when the working tree had local changes;
//   - else [Fallback].
func FromBuildInfo(bi *debug.BuildInfo) string {
	if bi == nil {
		return Fallback
	}
	if v, ok := strings.CutPrefix(bi.Main.Version, "v"); ok && Valid(v) {
		return v
	}
	var rev string
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	rev = rev[:min(len(rev), revisionLen)]
	if rev == "" || !isIdentifier(rev) {
		return Fallback
	}
	v := Fallback + "+" + rev
	if modified {
		v += ".dirty"
	}
	return v
}
