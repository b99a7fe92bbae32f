// Package turbotest holds what tests of libjpeg-turbo's path share, for the
// packages that use package jpegturbo (its own tests keep a copy: they
// cannot import this package, which imports it).
package turbotest

import (
	"os"
	"testing"

	"github.com/segview/segview/internal/jpegturbo"
)

// Need skips a test of the libjpeg-turbo path when the library is
// unavailable, saying why, or fails it when SEGVIEW_REQUIRE_TURBOJPEG=1 (as
// in CI, where the library is installed and must be tested).
func Need(t testing.TB) {
	t.Helper()
	if jpegturbo.Available() {
		return
	}
	if os.Getenv("SEGVIEW_REQUIRE_TURBOJPEG") == "1" {
		t.Fatalf("libjpeg-turbo is required (SEGVIEW_REQUIRE_TURBOJPEG=1) but %s", jpegturbo.Status())
	}
	t.Skipf("libjpeg-turbo path not tested: %s", jpegturbo.Status())
}
