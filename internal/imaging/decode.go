// Package imaging decodes source images safely and as a browser shows them.
//
// Decode reads an image's header before its pixels so that a small file
// claiming huge dimensions is refused before any allocation, accepts only
// JPEG and PNG, and applies the EXIF Orientation the way browsers do (CSS
// image-orientation: from-image, for JPEG and for a PNG's eXIf chunk), so
// that normalized coordinates from a model that saw the upright image land
// where a person sees the object.
//
// Whatever the file holds (baseline or progressive JPEG, grayscale, CMYK,
// PNG of 1 to 16 bits, paletted, with transparency), Decode returns an
// opaque image with 8 bits per channel. Transparent pixels are composited
// over mid-grey (#808080), on which the overlay's colours, its white and
// dark lines, and both dark and light content stay visible.
package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/segview/segview/internal/jpegscale"
)

// matte is the grey that transparent pixels are composited over.
const matte = 128

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
	// IgnoreEXIF returns pixels as stored, without applying the EXIF
	// Orientation of a JPEG or of a PNG's eXIf chunk.
	IgnoreEXIF bool
	// MinWidth lets a JPEG be decoded at reduced scale (DCT scaling: M/8
	// for M = 1..5 with libjpeg-turbo, 1, 2 or 4 with jpegscale) when the
	// result, once oriented, is still at least this wide; 0 means full size.
	MinWidth int
	// Decoder set to DecoderGo decodes JPEGs in pure Go even when
	// libjpeg-turbo is available: with package jpegscale (at a DCT scale
	// too), and with image/jpeg for the features jpegscale does not
	// support. Empty picks the fastest.
	Decoder string
}

// Info describes a decoded image.
type Info struct {
	Format string // "jpeg" or "png"
	// Width and Height are those of the returned image, after orientation.
	Width, Height int
	// Orientation is the EXIF Orientation tag (1..8) found in a JPEG's
	// APP1 segment or a PNG's eXIf chunk, 1 when there is none. It has been
	// applied unless Options.IgnoreEXIF was set.
	Orientation int
	// Decoder is the decoder that decoded the pixels: DecoderTurbo or
	// DecoderGo.
	Decoder string
}

// ErrUnsupported is what every *UnsupportedError is (errors.Is): the data
// is not a JPEG or a PNG.
var ErrUnsupported = errors.New("imaging: unsupported image format")

// UnsupportedError is returned for anything other than a JPEG or a PNG,
// with a guess at what the data is instead. errors.Is(err, ErrUnsupported)
// holds for it.
type UnsupportedError struct {
	// Found says what the data looks like, e.g. "HTML document".
	Found string
}

func (e *UnsupportedError) Error() string { return ErrUnsupported.Error() + ": found " + e.Found }

// Is reports whether target is ErrUnsupported.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

// HTTPStatus is 422: the request is fine, the file is not an image
// segview draws on. HTTPStatus, PublicHeading, PublicMessage, PublicHint
// and ErrorKind are what segview's error page shows.
func (e *UnsupportedError) HTTPStatus() int       { return http.StatusUnprocessableEntity }
func (e *UnsupportedError) PublicHeading() string { return "Not a supported image" }
func (e *UnsupportedError) PublicMessage() string {
	return "The file is not a JPEG or PNG image segview can draw on: " + e.Error() + "."
}
func (e *UnsupportedError) PublicHint() string { return "" }
func (e *UnsupportedError) ErrorKind() string  { return "image_unsupported" }

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

// HTTPStatus is 422: the file is an image, too large to draw.
func (e *TooLargeError) HTTPStatus() int       { return http.StatusUnprocessableEntity }
func (e *TooLargeError) PublicHeading() string { return "Image too large" }
func (e *TooLargeError) PublicMessage() string {
	msg := e.Error()
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}
func (e *TooLargeError) PublicHint() string { return "" }
func (e *TooLargeError) ErrorKind() string  { return "image_too_large" }

// DamagedError says that data looked like a JPEG or PNG but could not be
// decoded: its header is unreadable or declares no pixels (Header), or its
// pixel data is cut short or damaged. A progressive JPEG whose scans add
// up to far more work than its size warrants is refused as damaged too
// (jpegscale.ErrTooManyScans).
type DamagedError struct {
	Format string // "jpeg" or "png"
	Header bool
	Err    error
}

func (e *DamagedError) Error() string {
	if e.Header {
		return fmt.Sprintf("imaging: reading %s header: %v", e.Format, e.Err)
	}
	return fmt.Sprintf("imaging: decoding %s: %v", e.Format, e.Err)
}

func (e *DamagedError) Unwrap() error { return e.Err }

// HTTPStatus is 422: the request is fine, the file's data is not. The
// message names the format and the part that failed, not the decoder's
// own words.
func (e *DamagedError) HTTPStatus() int       { return http.StatusUnprocessableEntity }
func (e *DamagedError) PublicHeading() string { return "Damaged image" }
func (e *DamagedError) PublicMessage() string {
	format := strings.ToUpper(e.Format)
	switch {
	case e.Header:
		return "The file starts as a " + format + " image, but its header cannot be read: the file is damaged."
	case errors.Is(e.Err, jpegscale.ErrTooManyScans):
		return "The progressive JPEG has far more scans than an image of its size needs, so segview stopped decoding it: the file is damaged, or made to be slow to decode."
	}
	return "The " + format + " image could not be decoded to the end: the file is damaged or cut short."
}
func (e *DamagedError) PublicHint() string {
	return "Check the file in CDF; uploading it again from its source may help."
}
func (e *DamagedError) ErrorKind() string { return "image_damaged" }

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
// or PNG yields an *UnsupportedError (errors.Is ErrUnsupported). The EXIF
// Orientation of a JPEG or of a PNG's eXIf chunk is applied unless opts.IgnoreEXIF is set, so
// the result is upright as a browser displays it.
//
// The result is opaque, 8 bits per channel, and one of *image.RGBA,
// *image.Gray or *image.YCbCr: 16-bit, paletted and CMYK images are
// converted (CMYK naively, without a colour profile, as browsers do for
// files without one), and transparency is composited over mid-grey
// (#808080) with straight alpha in sRGB values, as browsers composite.
func Decode(data []byte, opts Options) (image.Image, Info, error) {
	info, decode, err := header(data, opts)
	if err != nil {
		return nil, Info{}, err
	}
	img, decoder, err := decodePixels(info.Format, data, opts, decode, false)
	if err != nil {
		return nil, Info{}, &DamagedError{Format: info.Format, Err: err}
	}
	info.Decoder = decoder
	img = flatten(img)
	if !opts.IgnoreEXIF {
		img = Orient(img, info.Orientation)
	}
	size := img.Bounds().Size()
	info.Width, info.Height = size.X, size.Y
	return img, info, nil
}

// DecodeConfig returns what Decode would report about data, from its
// header alone: the format, the orientation and the size as displayed
// (after orientation unless opts.IgnoreEXIF is set), at full scale whatever
// opts.MinWidth asks; Decoder is empty. It fails as Decode does on
// unsupported data, a bad header or an image over the pixel limit.
func DecodeConfig(data []byte, opts Options) (Info, error) {
	info, _, err := header(data, opts)
	return info, err
}

// header checks data's header and returns its Info and the standard
// library decoder for its format.
func header(data []byte, opts Options) (Info, func(io.Reader) (image.Image, error), error) {
	format, err := sniff(data)
	if err != nil {
		return Info{}, nil, err
	}
	decodeConfig, decode := jpeg.DecodeConfig, jpeg.Decode
	orientation := Orientation
	if format == "png" {
		decodeConfig, decode = png.DecodeConfig, png.Decode
		orientation = pngOrientation
	}

	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil {
		return Info{}, nil, &DamagedError{Format: format, Header: true, Err: err}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Info{}, nil, &DamagedError{Format: format, Header: true, Err: fmt.Errorf("it declares an empty %d×%d image", cfg.Width, cfg.Height)}
	}
	if limit := opts.Limits.maxPixels(); int64(cfg.Width)*int64(cfg.Height) > limit {
		return Info{}, nil, &TooLargeError{Width: cfg.Width, Height: cfg.Height, MaxPixels: limit}
	}
	info := Info{Format: format, Width: cfg.Width, Height: cfg.Height, Orientation: orientation(data)}
	if !opts.IgnoreEXIF && info.Orientation >= 5 {
		info.Width, info.Height = info.Height, info.Width
	}
	return info, decode, nil
}

// pngOrientation returns the Orientation (1..8) in a PNG's eXIf chunk, 1
// when there is none or it is unreadable. Like Chromium, it reads the
// first eXIf chunk before the image data.
func pngOrientation(data []byte) int {
	const signature = 8
	for i := signature; i+8 <= len(data); {
		n := uint64(binary.BigEndian.Uint32(data[i:]))
		typ := string(data[i+4 : i+8])
		end := uint64(i) + 8 + n
		if typ == "IDAT" || end+4 > uint64(len(data)) {
			break
		}
		if typ == "eXIf" {
			return tiffOrientation(data[i+8 : end])
		}
		i = int(end + 4) // past the CRC
	}
	return 1
}

// flatten returns img as an opaque image with 8 bits per channel, of a type
// the rest of segview handles quickly: 16-bit, paletted and CMYK images
// become *image.RGBA (16-bit gray becomes *image.Gray), and transparency is
// composited over matte. Other images are returned as they are: the
// decoders make *image.RGBA, *image.Gray and *image.YCbCr only opaque.
func flatten(img image.Image) image.Image {
	switch m := img.(type) {
	case *image.NRGBA:
		return flattenNRGBA(m)
	case *image.Gray16:
		out := image.NewGray(m.Rect)
		for y := m.Rect.Min.Y; y < m.Rect.Max.Y; y++ {
			src := m.Pix[(y-m.Rect.Min.Y)*m.Stride:]
			dst := out.Pix[(y-m.Rect.Min.Y)*out.Stride:]
			for x := range m.Rect.Dx() {
				dst[x] = to8(uint32(src[2*x])<<8 | uint32(src[2*x+1]))
			}
		}
		return out
	case *image.NRGBA64, *image.RGBA64, *image.Paletted, *image.CMYK:
		return flattenAny(m)
	}
	return img
}

// flattenNRGBA composites m over matte in place and returns its pixels as
// an *image.RGBA: once opaque, NRGBA and RGBA hold the same bytes.
func flattenNRGBA(m *image.NRGBA) *image.RGBA {
	for y := m.Rect.Min.Y; y < m.Rect.Max.Y; y++ {
		row := m.Pix[(y-m.Rect.Min.Y)*m.Stride:][:4*m.Rect.Dx()]
		for i := 0; i < len(row); i += 4 {
			p := row[i : i+4 : i+4]
			a := uint32(p[3])
			if a == 255 {
				continue
			}
			for c := range 3 {
				p[c] = uint8((uint32(p[c])*a + matte*(255-a) + 127) / 255)
			}
			p[3] = 255
		}
	}
	return &image.RGBA{Pix: m.Pix, Stride: m.Stride, Rect: m.Rect}
}

// flattenAny converts a 16-bit, paletted or CMYK image to an opaque
// *image.RGBA, compositing over matte.
func flattenAny(m image.Image) *image.RGBA {
	b := m.Bounds()
	out := image.NewRGBA(b)
	// A paletted image's colours, composited once. Indices past the
	// palette are opaque black, as image/png decodes them.
	var table [256][4]uint8
	if p, ok := m.(*image.Paletted); ok {
		for i := range table {
			table[i] = [4]uint8{0, 0, 0, 255}
			if i < len(p.Palette) {
				r, g, bl, a := p.Palette[i].RGBA()
				over16(table[i][:], r, g, bl, a)
			}
		}
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		dst := out.Pix[(y-b.Min.Y)*out.Stride:][:4*b.Dx()]
		switch m := m.(type) {
		case *image.RGBA64:
			src := m.Pix[(y-b.Min.Y)*m.Stride:]
			for x := 0; x < len(dst); x += 4 {
				s := src[2*x : 2*x+8 : 2*x+8]
				over16(dst[x:x+4], u16(s[0:]), u16(s[2:]), u16(s[4:]), u16(s[6:]))
			}
		case *image.NRGBA64:
			src := m.Pix[(y-b.Min.Y)*m.Stride:]
			for x := 0; x < len(dst); x += 4 {
				s := src[2*x : 2*x+8 : 2*x+8]
				a := u16(s[6:])
				over16(dst[x:x+4], u16(s[0:])*a/0xffff, u16(s[2:])*a/0xffff, u16(s[4:])*a/0xffff, a)
			}
		case *image.CMYK:
			src := m.Pix[(y-b.Min.Y)*m.Stride:]
			for x := 0; x < len(dst); x += 4 {
				// No colour profile: each ink and black take their share
				// of white, as browsers convert CMYK files without one.
				s := src[x : x+4 : x+4]
				w := 255 - uint32(s[3])
				d := dst[x : x+4 : x+4]
				d[0] = uint8(((255-uint32(s[0]))*w + 127) / 255)
				d[1] = uint8(((255-uint32(s[1]))*w + 127) / 255)
				d[2] = uint8(((255-uint32(s[2]))*w + 127) / 255)
				d[3] = 255
			}
		case *image.Paletted:
			src := m.Pix[(y-b.Min.Y)*m.Stride:][:b.Dx()]
			for x, i := range src {
				copy(dst[4*x:4*x+4], table[i][:])
			}
		}
	}
	return out
}

// over16 writes to dst the premultiplied 16-bit colour (r, g, b, a)
// composited over matte, in 8 bits.
func over16(dst []uint8, r, g, b, a uint32) {
	k := (0xffff - a) * (matte * 0x101) / 0xffff
	dst[0], dst[1], dst[2], dst[3] = to8(r+k), to8(g+k), to8(b+k), 255
}

func u16(b []uint8) uint32 { return uint32(b[0])<<8 | uint32(b[1]) }

// to8 rounds a 16-bit value to 8 bits.
func to8(v uint32) uint8 {
	return uint8((v*255 + 32895) >> 16)
}

// sniff names the format of data, "jpeg" or "png", or returns an
// *UnsupportedError that says what the data looks like instead.
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
	return "", &UnsupportedError{Found: describe(data)}
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
