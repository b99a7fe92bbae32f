package imaging

import (
	"encoding/binary"
	"errors"

	"github.com/segview/segview/internal/jpegscale"
	"github.com/segview/segview/internal/jpegturbo"
)

// DecodeMemory estimates, from the header alone, the bytes a decode of data
// with opts holds at its peak, for a caller that bounds the decodes running
// at once by their memory:
//
//   - a JPEG decoded in pure Go (no libjpeg-turbo, or Options.Decoder
//     DecoderGo) by jpegscale: its planes at the scale it decodes at (the
//     smallest of 1/8, 1/4, 1/2 and 1/1 still Options.MinWidth wide as
//     displayed), and for a progressive JPEG also the coefficients that
//     scale uses, as int16, and a 64-bit mask a block (jpegscale.Memory);
//     A decode that fails in the scan data (a truncated or damaged file)
//     allocates no more: it is not retried with image/jpeg;
//   - a JPEG whose features jpegscale does not support (its headers say
//     so: jpegscale.ErrUnsupported), decoded by image/jpeg at full size
//     whatever Options.MinWidth: its planes as stored, one byte a sample,
//     and for a progressive JPEG also every DCT coefficient, which
//     image/jpeg keeps as an int32 a sample until the last scan: five
//     bytes a sample;
//   - a JPEG decoded by libjpeg-turbo: its planes at the scale it decodes
//     at (the smallest M/8 still Options.MinWidth wide), or the pure-Go
//     estimate above when that is larger, since what libjpeg-turbo
//     refuses (a damaged file, CMYK) goes the pure-Go way;
//   - anything else: width × height × 4 bytes (RGBA).
//
// It is 0 when the header cannot be read, or when jpegscale refuses the
// headers for another reason: the decode will fail before it allocates
// pixel memory.
func DecodeMemory(data []byte, opts Options) int64 {
	if h, ok := jpegHeader(data); ok {
		samples := h.samples()
		goPath := func() int64 {
			minW, minH := storedMinSize(data, opts)
			n, err := jpegscale.Memory(data, jpegscale.Options{MinWidth: minW, MinHeight: minH})
			if !errors.Is(err, jpegscale.ErrUnsupported) {
				return n // 0 with an error: Decode fails before allocating
			}
			if h.progressive {
				return 5 * samples
			}
			return samples
		}
		if opts.Decoder != DecoderGo && jpegturbo.Available() {
			m := int64(8)
			if opts.MinWidth > 0 && h.width > 0 {
				// The width decides the scale whichever way the image
				// is shown: the smaller side is the stricter bound.
				side := int64(min(h.width, h.height))
				m = min(8, max(1, (8*int64(opts.MinWidth)+side-1)/side))
			}
			// What libjpeg-turbo refuses goes the Go path's way
			// (decodePixels): the budget covers either.
			return max(samples*m*m/64, goPath())
		}
		return goPath()
	}
	info, err := DecodeConfig(data, Options{IgnoreEXIF: true})
	if err != nil {
		return 0
	}
	return 4 * int64(info.Width) * int64(info.Height)
}

// jpegFrame is what DecodeMemory reads of a JPEG's frame header.
type jpegFrame struct {
	width, height int
	progressive   bool
	// The components' sampling factors.
	h, v []int
}

// samples is the number of samples of the frame's planes, each rounded up
// to whole 8×8 blocks as the decoders store them.
func (f jpegFrame) samples() int64 {
	hmax, vmax := 1, 1
	for i := range f.h {
		hmax, vmax = max(hmax, f.h[i]), max(vmax, f.v[i])
	}
	var n int64
	for i := range f.h {
		w := (f.width*f.h[i] + hmax - 1) / hmax
		h := (f.height*f.v[i] + vmax - 1) / vmax
		n += int64((w+7)/8*8) * int64((h+7)/8*8)
	}
	return n
}

// jpegHeader finds a JPEG's frame header (SOFn), walking its markers.
func jpegHeader(data []byte) (jpegFrame, bool) {
	if len(data) < 4 || data[0] != 0xff || data[1] != 0xd8 {
		return jpegFrame{}, false
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			return jpegFrame{}, false
		}
		m := data[i+1]
		if m == 0xff { // fill byte
			i++
			continue
		}
		if m == 0x01 || (m >= 0xd0 && m <= 0xd7) {
			i += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		seg := data[i+4 : min(len(data), i+2+n)]
		if m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc {
			if len(seg) < 6 {
				return jpegFrame{}, false
			}
			f := jpegFrame{
				height:      int(binary.BigEndian.Uint16(seg[1:])),
				width:       int(binary.BigEndian.Uint16(seg[3:])),
				progressive: m == 0xc2 || m == 0xc6 || m == 0xca || m == 0xce,
			}
			nc := int(seg[5])
			if nc == 0 || len(seg) < 6+3*nc {
				return jpegFrame{}, false
			}
			for c := range nc {
				s := seg[6+3*c+1]
				f.h, f.v = append(f.h, max(1, int(s>>4))), append(f.v, max(1, int(s&15)))
			}
			return f, true
		}
		if m == 0xd9 || m == 0xda {
			return jpegFrame{}, false // no frame before the scans
		}
		i += 2 + n
	}
	return jpegFrame{}, false
}
