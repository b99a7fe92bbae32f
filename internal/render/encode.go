package render

import (
	"image"
	"image/png"
	"io"

	"github.com/segview/segview/internal/imaging"
	"github.com/segview/segview/internal/jpegturbo"
)

// jpegQuality is the quality of overlay.jpg: small files without visible
// blocking around the outlines.
const jpegQuality = 85

// jpegCodec names the JPEG decoder and encoder in use, for ETags: the two
// codecs give different pixels and bytes, so a switch (a machine with or
// without libjpeg-turbo, SEGVIEW_JPEG=go) must change the tags.
func jpegCodec() string {
	if jpegturbo.Available() {
		return jpegturbo.Name
	}
	return imaging.DecoderGo
}

// encode writes img in format f: JPEG through imaging.EncodeJPEG
// (libjpeg-turbo when available), PNG through encodePNG.
func encode(w io.Writer, img image.Image, f Format) error {
	if f == FormatJPEG {
		return imaging.EncodeJPEG(w, img, jpegQuality)
	}
	return encodePNG(w, img)
}

// encodePNG writes img as a PNG at png.BestSpeed. Overlays are encoded per
// request, mostly from photographs, whose noise deflate barely compresses:
// on a noisy 12-megapixel overlay (BenchmarkEncodePNG) the default level
// takes over three times as long (4.4 s against 1.3 s on two cores) to save
// only a fifth of the bytes (11.8 MB against 14.4 MB), and a person waiting for the
// page notices the seconds more than the megabytes. A display-size PNG
// costs tens of milliseconds at this level.
func encodePNG(w io.Writer, img image.Image) error {
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return enc.Encode(w, img)
}
