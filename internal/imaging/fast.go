package imaging

import (
	"bytes"
	"errors"
	"image"
	"io"
	"strings"

	"golang.org/x/image/draw"

	"github.com/segview/segview/internal/jpegenc"
	"github.com/segview/segview/internal/jpegscale"
	"github.com/segview/segview/internal/jpegturbo"
)

// Decoder names, as reported in Info.Decoder and accepted by
// Options.Decoder.
const (
	// DecoderTurbo is libjpeg-turbo (package jpegturbo), used for JPEGs
	// when the library can be loaded.
	DecoderTurbo = jpegturbo.Name
	// DecoderGo is pure Go: package jpegscale for the JPEGs it decodes
	// (at a DCT scale, as libjpeg-turbo), image/jpeg for those whose
	// features it does not support, and image/png.
	DecoderGo = "go"
)

// JPEGStatus says, for the start-up log, which decoder decodes JPEGs and
// why: libjpeg-turbo with its library name, or the pure-Go decoder
// (jpegscale) with the reason, SEGVIEW_JPEG=go or why libjpeg-turbo could
// not be used.
func JPEGStatus() string {
	if jpegturbo.Available() {
		return jpegturbo.Status()
	}
	const goDecoder = "pure Go (jpegscale, image/jpeg for what it does not support)"
	_, _, err := jpegturbo.DecodeConfig(nil) // fails with the reason
	if err == nil {
		return goDecoder
	}
	reason := strings.TrimPrefix(err.Error(), jpegturbo.ErrUnavailable.Error()+": ")
	if reason == jpegturbo.EnvVar+"=go" {
		return goDecoder + ": chosen by " + reason
	}
	return goDecoder + ": libjpeg-turbo not available (" + reason + ")"
}

// decodePixels decodes data, a JPEG or PNG whose header Decode has checked,
// and names the decoder that did it. JPEGs go through libjpeg-turbo when it
// is available, unless opts.Decoder asks for DecoderGo, and otherwise
// through jpegscale, which decodes to the YCbCr or gray planes at the scale
// opts.MinWidth allows (1/8, 1/4, 1/2 or 1/1). What jpegscale declares
// unsupported from the headers (arithmetic coding, 12-bit, CMYK, RGB,
// unusual samplings; jpegscale.ErrUnsupported, before it allocates or
// decodes any scan data) is decoded by decode, the standard library decoder
// for the format, which also decodes PNGs. Any other jpegscale error is
// returned: damaged scan data, which image/jpeg refuses too (retrying would
// only cost a second, full-size decode that DecodeMemory does not budget),
// and a progressive JPEG with too many scans (jpegscale.ErrTooManyScans),
// on which image/jpeg would spend as long.
//
// Whatever libjpeg-turbo refuses goes the Go path's way, which then
// decides: CMYK and YCCK files and the unusual subsamplings libjpeg-turbo
// 2.1 rejects (to image/jpeg, as unsupported by jpegscale), and damaged
// files (libjpeg-turbo is told to stop at the first warning; jpegscale
// decodes them scaled or refuses them, never a full-size second decode
// that DecodeMemory did not budget). So the fast path never refuses a file
// the Go path accepts.
//
// With planes set, libjpeg-turbo returns the JPEG's planes as stored (an
// *image.YCbCr or *image.Gray), for a caller that resamples them anyway.
func decodePixels(format string, data []byte, opts Options, decode func(io.Reader) (image.Image, error), planes bool) (image.Image, string, error) {
	if format != "jpeg" {
		img, err := decode(bytes.NewReader(data))
		return img, DecoderGo, err
	}
	minW, minH := storedMinSize(data, opts)
	if opts.Decoder != DecoderGo && jpegturbo.Available() {
		turbo := jpegturbo.Options{MinWidth: minW, MinHeight: minH, MaxPixels: opts.Limits.maxPixels()}
		if planes {
			if img, err := jpegturbo.DecodePlanes(data, turbo); err == nil {
				return img, DecoderTurbo, nil
			}
		}
		if img, err := jpegturbo.Decode(data, turbo); err == nil {
			return img, DecoderTurbo, nil
		}
	}
	scaled := jpegscale.Options{MinWidth: minW, MinHeight: minH, MaxPixels: opts.Limits.maxPixels()}
	img, err := jpegscale.Decode(data, scaled)
	if !errors.Is(err, jpegscale.ErrUnsupported) {
		return img, DecoderGo, err
	}
	img, err = decode(bytes.NewReader(data))
	return img, DecoderGo, err
}

// storedMinSize is the least size, as stored, that a scaled decode of the
// JPEG data must keep for opts.MinWidth: a bound on the stored width, or on
// the stored height when the image is shown sideways (orientations 5–8).
func storedMinSize(data []byte, opts Options) (w, h int) {
	if !opts.IgnoreEXIF && opts.MinWidth > 0 && Orientation(data) >= 5 {
		return 0, opts.MinWidth
	}
	return opts.MinWidth, 0
}

// EncodeJPEG writes img to w as a JPEG of the given quality (1..100, as in
// image/jpeg) with 4:2:0 chroma subsampling: through libjpeg-turbo when it
// is available, and with segview's own encoder (package jpegenc)
// otherwise. Both encode large images in strips on several cores, into
// bytes that do not depend on the number of cores. An *image.RGBA is
// encoded in place; other images are converted to RGBA first. Alpha is
// dropped as image/jpeg drops it.
func EncodeJPEG(w io.Writer, img image.Image, quality int) error {
	return encodeJPEGWith(w, img, quality, jpegturbo.Available())
}

func encodeJPEGWith(w io.Writer, img image.Image, quality int, turbo bool) error {
	rgba, ok := img.(*image.RGBA)
	if !ok {
		b := img.Bounds()
		rgba = image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
	}
	if !turbo {
		return jpegenc.Encode(w, rgba, quality)
	}
	return jpegturbo.Encode(w, rgba, quality)
}
