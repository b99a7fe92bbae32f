package imaging

import (
	"bytes"
	"image"
	"image/jpeg"
	"io"

	"golang.org/x/image/draw"

	"github.com/segview/segview/internal/jpegturbo"
)

// Decoder names, as reported in Info.Decoder and accepted by
// Options.Decoder.
const (
	// DecoderTurbo is libjpeg-turbo (package jpegturbo), used for JPEGs
	// when the library can be loaded.
	DecoderTurbo = jpegturbo.Name
	// DecoderGo is the standard library: image/jpeg and image/png.
	DecoderGo = "go"
)

// decodePixels decodes data, a JPEG or PNG whose header Decode has checked,
// and names the decoder that did it. JPEGs go through libjpeg-turbo when it
// is available, unless opts.Decoder asks for DecoderGo, and otherwise
// through decode, the standard library decoder for the format.
//
// Whatever libjpeg-turbo refuses is decoded again with image/jpeg, which
// then decides: CMYK and YCCK files, the unusual subsamplings libjpeg-turbo
// 2.1 rejects, and damaged files (libjpeg-turbo is told to stop at the first
// warning, where image/jpeg tolerates a few kinds of junk). So the fast path
// never refuses a file the Go path accepts.
//
// With planes set, libjpeg-turbo returns the JPEG's planes as stored (an
// *image.YCbCr or *image.Gray), for a caller that resamples them anyway.
func decodePixels(format string, data []byte, opts Options, decode func(io.Reader) (image.Image, error), planes bool) (image.Image, string, error) {
	if format == "jpeg" && opts.Decoder != DecoderGo && jpegturbo.Available() {
		turbo := jpegturbo.Options{MinWidth: opts.MinWidth, MaxPixels: opts.Limits.maxPixels()}
		if !opts.IgnoreEXIF && Orientation(data) >= 5 {
			// Shown sideways: the displayed width is the stored height.
			turbo.MinWidth, turbo.MinHeight = 0, opts.MinWidth
		}
		if planes {
			if img, err := jpegturbo.DecodePlanes(data, turbo); err == nil {
				return img, DecoderTurbo, nil
			}
		}
		if img, err := jpegturbo.Decode(data, turbo); err == nil {
			return img, DecoderTurbo, nil
		}
	}
	img, err := decode(bytes.NewReader(data))
	return img, DecoderGo, err
}

// EncodeJPEG writes img to w as a JPEG of the given quality (1..100, as in
// image/jpeg) with 4:2:0 chroma subsampling: through libjpeg-turbo when it
// is available, several times faster, and with image/jpeg otherwise. An
// *image.RGBA is encoded in place; other images are converted to RGBA
// first for libjpeg-turbo. Alpha is dropped as image/jpeg drops it.
func EncodeJPEG(w io.Writer, img image.Image, quality int) error {
	return encodeJPEGWith(w, img, quality, jpegturbo.Available())
}

func encodeJPEGWith(w io.Writer, img image.Image, quality int, turbo bool) error {
	if !turbo {
		return jpeg.Encode(w, img, &jpeg.Options{Quality: quality})
	}
	rgba, ok := img.(*image.RGBA)
	if !ok {
		b := img.Bounds()
		rgba = image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
	}
	return jpegturbo.Encode(w, rgba, quality)
}
