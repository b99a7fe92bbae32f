package render

import (
	"image"
	"io"

	"github.com/segview/segview/internal/imaging"
	"github.com/segview/segview/internal/jpegturbo"
	"github.com/segview/segview/internal/overlay"
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
// (libjpeg-turbo when available), PNG with the fastest compression, since a
// display-size PNG costs tens of milliseconds and a full-size one seconds.
func encode(w io.Writer, img image.Image, f Format) error {
	if f == FormatJPEG {
		return imaging.EncodeJPEG(w, img, jpegQuality)
	}
	return overlay.EncodePNG(w, img)
}
