package buildversion

import "strings"

// Valid reports whether v is a version as Semantic Versioning 2.0.0
// (semver.org) defines it:
//
//	<major>.<minor>.<patch>[-<pre-release>][+<build>]
//
// Major, minor and patch are numeric identifiers: digits, without leading
// zeros. The pre-release and the build are non-empty lists of non-empty,
// dot-separated identifiers of ASCII letters, digits and hyphens; a
// pre-release identifier made of digits only must not have leading zeros,
// a build identifier may. There is no "v" prefix: "v1.2.3" is not a
// semantic version.
func Valid(v string) bool {
	v, build, hasBuild := strings.Cut(v, "+")
	if hasBuild && !validIdentifiers(build, false) {
		return false
	}
	core, pre, hasPre := strings.Cut(v, "-")
	if hasPre && !validIdentifiers(pre, true) {
		return false
	}
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if !isNumeric(p) || hasLeadingZero(p) {
			return false
		}
	}
	return true
}

// validIdentifiers checks a dot-separated list of identifiers; numeric
// ones must not have leading zeros when strictNumeric (pre-release).
func validIdentifiers(s string, strictNumeric bool) bool {
	for id := range strings.SplitSeq(s, ".") {
		if !isIdentifier(id) {
			return false
		}
		if strictNumeric && isNumeric(id) && hasLeadingZero(id) {
			return false
		}
	}
	return true
}

// isIdentifier reports whether id is a non-empty run of [0-9A-Za-z-].
func isIdentifier(id string) bool {
	if id == "" {
		return false
	}
	for i := range len(id) {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

// isNumeric reports whether s is a non-empty run of digits.
func isNumeric(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func hasLeadingZero(s string) bool { return len(s) > 1 && s[0] == '0' }
