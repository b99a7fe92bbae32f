package cdfsim

import "strings"

// validSemVer reports whether v is a version string as Semantic Versioning
// 2.0.0 defines it (https://semver.org/, the grammar at the end of the
// specification), which is what CDF asks of an annotation's
// creatingAppVersion (§8.1):
//
//   - MAJOR.MINOR.PATCH, each a non-negative integer without leading zeros
//     (item 2 of the specification);
//   - optionally "-" and a pre-release: dot-separated, non-empty
//     identifiers of [0-9A-Za-z-], numeric ones without leading zeros
//     (item 9);
//   - optionally "+" and build metadata: dot-separated, non-empty
//     identifiers of [0-9A-Za-z-], leading zeros allowed (item 10).
//
// Nothing else is allowed: no "v" prefix, no spaces, no missing parts.
func validSemVer(v string) bool {
	rest, build, hasBuild := strings.Cut(v, "+")
	if hasBuild && !semverIdentifiers(build, false) {
		return false
	}
	// The version core has no "-", so the first one starts the pre-release;
	// later ones belong to its identifiers.
	core, pre, hasPre := strings.Cut(rest, "-")
	if hasPre && !semverIdentifiers(pre, true) {
		return false
	}
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if !semverNumber(p) {
			return false
		}
	}
	return true
}

// semverIdentifiers checks a dot-separated list of pre-release (numeric
// identifiers without leading zeros) or build identifiers.
func semverIdentifiers(s string, preRelease bool) bool {
	for id := range strings.SplitSeq(s, ".") {
		if id == "" {
			return false
		}
		digits := true
		for _, c := range []byte(id) {
			switch {
			case c >= '0' && c <= '9':
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
				digits = false
			default:
				return false
			}
		}
		if preRelease && digits && !semverNumber(id) {
			return false
		}
	}
	return true
}

// semverNumber reports whether s is "0" or digits not starting with 0.
func semverNumber(s string) bool {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
