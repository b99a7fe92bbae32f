// Package jpegturbo decodes and encodes JPEGs with libjpeg-turbo, opened at
// run time, and reports it unavailable where it is not.
//
// The library is loaded with dlopen("libturbojpeg.so.0") on first use rather
// than linked, so building needs only a C compiler (cgo), never the -dev
// headers, and a binary built here runs on a machine without the library:
// Available reports false and callers use image/jpeg instead. Built without
// cgo, or for another system than Linux, the package keeps its API and is
// never available.
//
// Setting SEGVIEW_JPEG=go in the environment switches it off, which forces
// the pure-Go path everywhere; tests use that to cover both paths.
//
// All functions are safe for concurrent use.
package jpegturbo

import (
	"errors"
	"image"
	"os"
	"strings"
)

// Name names the codec, for logs and for imaging.Info.Decoder.
const Name = "libjpeg-turbo"

// libraryName is the soname of the TurboJPEG library that is opened.
const libraryName = "libturbojpeg.so.0"

// EnvVar is the environment variable that, set to "go", switches the
// package off.
const EnvVar = "SEGVIEW_JPEG"

var (
	// ErrUnavailable is returned, wrapped with the reason, by every call
	// when libjpeg-turbo cannot be used.
	ErrUnavailable = errors.New("jpegturbo: libjpeg-turbo is not available")
	// ErrColorSpace is returned for CMYK and YCCK JPEGs, which the TurboJPEG
	// API decodes only to CMYK; callers decode those with image/jpeg.
	ErrColorSpace = errors.New("jpegturbo: CMYK or YCCK JPEG is not decoded to RGB")
	// ErrTooLarge is returned, wrapped with the dimensions, when a JPEG's
	// header declares more pixels than Options.MaxPixels. It is detected
	// before any pixel memory is allocated.
	ErrTooLarge = errors.New("jpegturbo: image is above the pixel limit")
)

// Options configure Decode.
type Options struct {
	// MinWidth and MinHeight ask for a scaled decode: the image is decoded
	// at the smallest of the scales 1/8, 2/8, 3/8, 4/8, 5/8 and 1/1 that is
	// still at least this wide and this high (see usable). Zero means no lower bound in that
	// direction; both zero means full size. An image smaller than asked
	// for is decoded at full size; it is never scaled up.
	MinWidth, MinHeight int
	// MaxPixels is the largest width×height accepted, checked against the
	// full-size header dimensions; <= 0 means no limit.
	MaxPixels int64
}

// Status says, in a few words for the start-up log, whether libjpeg-turbo
// is in use and, when not, why.
func Status() string {
	if err := load().err; err != nil {
		return "off (" + err.Error() + ")"
	}
	return Name + " (" + libraryName + ")"
}

// Available reports whether Decode and Encode can be used: on first call it
// opens the library, unless SEGVIEW_JPEG=go.
func Available() bool {
	return load().err == nil
}

// forcedOff reports whether the environment switches the package off.
func forcedOff() bool {
	return strings.EqualFold(strings.TrimSpace(os.Getenv(EnvVar)), "go")
}

// Values from turbojpeg.h (libjpeg-turbo 2.1; unchanged in 3.x).
const (
	tjpfRGBA = 7  // TJPF_RGBA: 4 bytes per pixel, the fourth 0xFF when decoding
	tjpfCMYK = 11 // TJPF_CMYK

	tjcsCMYK = 3 // TJCS_CMYK
	tjcsYCCK = 4 // TJCS_YCCK

	tjsamp444  = 0 // TJSAMP_444
	tjsamp422  = 1 // TJSAMP_422
	tjsamp420  = 2 // TJSAMP_420
	tjsampGray = 3 // TJSAMP_GRAY
	tjsamp440  = 4 // TJSAMP_440
	tjsamp411  = 5 // TJSAMP_411

	// TJFLAG_STOPONWARNING: libjpeg-turbo carries on past a warning, such
	// as the premature end of a truncated file, and fills in grey; image/jpeg
	// refuses such files, and so does this package, which keeps both paths
	// alike and leaves the decision to fall back to the caller.
	tjflagStopOnWarning = 8192
	// TJFLAG_PROGRESSIVE writes a progressive JPEG (tests only).
	tjflagProgressive = 16384
	// TJFLAG_LIMITSCANS refuses progressive JPEGs with an absurd number of
	// scans, a known way to make a tiny file take minutes to decode.
	tjflagLimitScans = 32768

	decodeFlags = tjflagStopOnWarning | tjflagLimitScans
)

// ratios are the image.YCbCr layouts of the TurboJPEG subsamplings.
var ratios = map[int]image.YCbCrSubsampleRatio{
	tjsamp444: image.YCbCrSubsampleRatio444,
	tjsamp422: image.YCbCrSubsampleRatio422,
	tjsamp420: image.YCbCrSubsampleRatio420,
	tjsamp440: image.YCbCrSubsampleRatio440,
	tjsamp411: image.YCbCrSubsampleRatio411,
}

// scale is a libjpeg scaling factor num/denom.
type scale struct{ num, denom int }

// of returns n scaled by s, rounded up, as libjpeg-turbo's TJSCALED does.
func (s scale) of(n int) int {
	return (n*s.num + s.denom - 1) / s.denom
}

// usable reports whether Decode uses libjpeg-turbo's scaling factor s (from
// tjGetScalingFactors, in lowest terms). Of the factors M/8 below one, it
// keeps M = 1..5: each is faster than the next larger (the IDCT and colour
// conversion shrink with the output), so the smallest factor that is still
// wide enough is also the fastest. 6/8 and 7/8 are left out: measured on a
// 13.4 MP baseline photo (libjpeg-turbo 2.1.5, which has SIMD IDCTs for 1/2
// and 1/4 only), they took 81 and 112 ms against 63 ms for a full decode,
// which a single resample then shrinks as cheaply. Factors above one
// (9/8..2) would upscale, which segview never asks for.
func usable(s scale) bool {
	if s.num <= 0 || s.denom <= 0 || 8*s.num%s.denom != 0 {
		return false
	}
	m := 8 * s.num / s.denom
	return m >= 1 && m <= 5 || m == 8
}

// pickScale returns the smallest of factors (all at most 1/1) that scales a
// w×h image to at least minW×minH, or 1/1 when none does or when neither
// bound is set.
func pickScale(w, h, minW, minH int, factors []scale) scale {
	best := scale{1, 1}
	if minW <= 0 && minH <= 0 {
		return best
	}
	for _, f := range factors {
		if f.num*best.denom >= best.num*f.denom {
			continue // not smaller than the best so far
		}
		if f.of(w) >= minW && f.of(h) >= minH {
			best = f
		}
	}
	return best
}
