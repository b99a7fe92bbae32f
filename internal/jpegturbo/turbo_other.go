//go:build !cgo || !linux

package jpegturbo

import (
	"fmt"
	"image"
	"io"
	"runtime"
)

// library is the outcome of opening libjpeg-turbo: never, in this build.
type library struct {
	err error
}

func load() library {
	if forcedOff() {
		return library{err: fmt.Errorf("%w: %s=go", ErrUnavailable, EnvVar)}
	}
	if runtime.GOOS != "linux" {
		return library{err: fmt.Errorf("%w: used on Linux only", ErrUnavailable)}
	}
	return library{err: fmt.Errorf("%w: built without cgo", ErrUnavailable)}
}

// DecodeConfig returns the dimensions a JPEG's header declares, without
// decoding any pixels. In this build it always fails with ErrUnavailable.
func DecodeConfig(data []byte) (width, height int, err error) {
	return 0, 0, load().err
}

// Decode decodes a JPEG into an *image.RGBA, at a reduced scale as opts
// allow. In this build it always fails with ErrUnavailable.
func Decode(data []byte, opts Options) (*image.RGBA, error) {
	return nil, load().err
}

// DecodePlanes decodes a JPEG into its planes, at a reduced scale as opts
// allow. In this build it always fails with ErrUnavailable.
func DecodePlanes(data []byte, opts Options) (image.Image, error) {
	return nil, load().err
}

// Encode writes img to w as a JPEG. In this build it always fails with
// ErrUnavailable.
func Encode(w io.Writer, img *image.RGBA, quality int) error {
	return load().err
}

func encode(w io.Writer, pix []byte, width, height, stride, pf, subsamp, quality, flags int) error {
	return load().err
}
