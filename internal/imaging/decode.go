// Package imaging decodes source images safely and as a browser shows them.
//
// Decode reads an image's header before its pixels so that a small file
// claiming huge dimensions is refused before any allocation, accepts only
// JPEG and PNG, and applies the JPEG EXIF Orientation the way browsers do
// (CSS image-orientation: from-image), so that normalized coordinates from a
// model that saw the upright image land where a person sees the object.
package imaging

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"strconv"
)

// DefaultMaxPixels is the pixel limit used when Limits.MaxPixels is not set:
// 100 megapixels, about 400 MB once decoded to RGBA.
const DefaultMaxPixels int64 = 100_000_000

// Limits bounds the resources Decode may spend on one image.
type Limits struct {
	// MaxPixels is the largest width×height accepted; <= 0 means
	// DefaultMaxPixels.
	MaxPixels int64
}

func (l Limits) maxPixels() int64 {
	if l.MaxPixels <= 0 {
		return DefaultMaxPixels
	}
	return l.MaxPixels
}

// Options configure Decode. The zero value is ready to use.
type Options struct {
	Limits Limits
	// IgnoreEXIF returns JPEG pixels as stored, without applying the EXIF
	// Orientation.
	IgnoreEXIF bool
}

// Info describes a decoded image.
type Info struct {
	Format string // "jpeg" or "png"
	// Width and Height are those of the returned image, after orientation.
	Width, Height int
	// Orientation is the EXIF Orientation tag (1..8) found in a JPEG, 1 when
	// there is none or the image is a PNG. It has been applied unless
	// Options.IgnoreEXIF was set.
	Orientation int
}

// ErrUnsupported is returned, wrapped with a description of what the data
// looked like, for anything other than a JPEG or a PNG.
var ErrUnsupported = errors.New("imaging: unsupported image format")

// TooLargeError is returned when an image's header declares more pixels than
// the limit allows. It is detected before any pixel memory is allocated.
type TooLargeError struct {
	Width, Height int
	MaxPixels     int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("image is %d×%d (%s), above the %s limit (SEGVIEW_MAX_IMAGE_PIXELS)",
		e.Width, e.Height, megapixels(int64(e.Width)*int64(e.Height)), megapixels(e.MaxPixels))
}

// megapixels formats n pixels for people: "900 MP", "12.2 MP", "0.5 MP".
func megapixels(n int64) string {
	mp := float64(n) / 1e6
	if mp >= 100 {
		return strconv.FormatFloat(math.Round(mp), 'f', -1, 64) + " MP"
	}
	return strconv.FormatFloat(mp, 'g', 3, 64) + " MP"
}

// Decode decodes a JPEG or PNG image.
//
// It reads the header first and returns a *TooLargeError, without decoding
// pixels, when width×height exceeds opts.Limits. Anything that is not a JPEG
// or PNG yields an error wrapping ErrUnsupported. For a JPEG, the EXIF
// Orientation is applied unless opts.IgnoreEXIF is set, so the result is
// upright as a browser displays it. PNG eXIf chunks are not read.
func Decode(data []byte, opts Options) (image.Image, Info, error) {
	format, err := sniff(data)
	if err != nil {
		return nil, Info{}, err
	}
	decodeConfig, decode := jpeg.DecodeConfig, jpeg.Decode
	if format == "png" {
		decodeConfig, decode = png.DecodeConfig, png.Decode
	}

	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, Info{}, fmt.Errorf("imaging: reading %s header: %w", format, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, Info{}, fmt.Errorf("imaging: %s header declares an empty %d×%d image", format, cfg.Width, cfg.Height)
	}
	if limit := opts.Limits.maxPixels(); int64(cfg.Width)*int64(cfg.Height) > limit {
		return nil, Info{}, &TooLargeError{Width: cfg.Width, Height: cfg.Height, MaxPixels: limit}
	}

	img, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, Info{}, fmt.Errorf("imaging: decoding %s: %w", format, err)
	}

	info := Info{Format: format, Orientation: 1}
	if format == "jpeg" {
		info.Orientation = Orientation(data)
		if !opts.IgnoreEXIF {
			img = Orient(img, info.Orientation)
		}
	}
	size := img.Bounds().Size()
	info.Width, info.Height = size.X, size.Y
	return img, info, nil
}

// sniff names the format of data, "jpeg" or "png", or returns an error
// wrapping ErrUnsupported that says what the data looks like instead.
//
// The image package's format registry is deliberately not used: it accepts
// whatever any imported package registered (GIF, WebP, ...), and Decode must
// accept only the formats the rest of segview is built and tested for.
func sniff(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return "jpeg", nil
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "png", nil
	}
	return "", fmt.Errorf("%w: found %s", ErrUnsupported, describe(data))
}

// describe guesses what non-image data is, for error messages: a login page
// or a JSON error returned instead of the file is the usual suspect.
func describe(data []byte) string {
	if len(data) == 0 {
		return "empty data"
	}
	magic := []struct{ prefix, name string }{
		{"GIF87a", "GIF image"},
		{"GIF89a", "GIF image"},
		{"BM", "BMP image"},
		{"II*\x00", "TIFF image"},
		{"MM\x00*", "TIFF image"},
		{"%PDF-", "PDF document"},
		{"\x00\x00\x01\x00", "ICO image"},
		{"\xff\x0a", "JPEG XL image"},
		{"\x00\x00\x00\x0cJXL ", "JPEG XL image"},
		{"PK\x03\x04", "ZIP archive"},
		{"\x1f\x8b", "gzip data"},
	}
	for _, m := range magic {
		if bytes.HasPrefix(data, []byte(m.prefix)) {
			return m.name
		}
	}
	if len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP" {
		return "WebP image"
	}
	if len(data) >= 12 && string(data[4:8]) == "ftyp" {
		switch string(data[8:12]) {
		case "avif", "avis":
			return "AVIF image"
		case "heic", "heix", "hevc", "heim", "heis", "mif1", "msf1":
			return "HEIC image"
		}
		return "ISO media file"
	}

	text := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(text) > 0 {
		head := bytes.ToLower(text[:min(len(text), 256)])
		switch {
		case bytes.HasPrefix(head, []byte("<svg")) || bytes.HasPrefix(head, []byte("<?xml")) && bytes.Contains(head, []byte("<svg")):
			return "SVG image"
		case bytes.HasPrefix(head, []byte("<?xml")):
			return "XML document"
		case head[0] == '<':
			return "HTML document"
		case head[0] == '{' || head[0] == '[':
			return "JSON document"
		}
	}
	n := min(len(data), 8)
	return fmt.Sprintf("unknown data starting with % x", data[:n])
}
