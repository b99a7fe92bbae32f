package jpegturbo

import (
	"bytes"
	"encoding/binary"
)

// Encoding in strips, on several cores.
//
// A baseline JPEG with a restart interval is, after its header, a sequence
// of entropy-coded intervals separated by RSTn markers. Each interval
// starts with the DC predictions at zero and on a byte boundary, and ends
// padded with one bits to a byte, exactly as a whole scan starts and ends.
// So a strip of the image a whole number of intervals high, encoded on its
// own as a JPEG with the same tables, has as its scan data the bytes that
// strip's interval has in the whole image encoded with that restart
// interval. Encode cuts the image into strips of whole MCU rows, encodes
// them at the same time, and joins their scans with RSTn markers under the
// first strip's header, given the whole height and a DRI marker. The cut
// depends on the image's size only, not on the number of cores, so every
// machine writes the same bytes (responses carry strong ETags that
// replicas share); the cores share out the strips. The DCT
// coefficients are those of encoding the image whole (colour conversion,
// 2×2 chroma averaging and the DCT all work within one MCU), so the
// decoded pixels are the same; only the restart markers are added.

// mcuSize is the MCU's side in pixels for 4:2:0, the subsampling Encode
// writes.
const mcuSize = 16

// minStripPixels is the smallest image Encode cuts into strips: below it,
// starting the workers costs more than they save.
const minStripPixels = 1 << 18

// stripMCURows is the height of a strip in MCU rows (128 pixel rows): a
// 1600×1200 image has 10 strips, enough for 2 to 8 cores, and each strip,
// a call of libjpeg-turbo of its own, is large enough that the call's
// set-up and the header it writes for nothing stay small beside it.
const stripMCURows = 8

// stripPlan says how an image is cut: into count strips of rows pixel rows
// each (the last one shorter), with a restart interval of interval MCUs.
type stripPlan struct {
	count, rows, interval int
}

// planStrips cuts a width×height image into strips of stripMCURows MCU
// rows, fewer if that many would not fit the largest restart interval
// (65535 MCUs). A count of 1 means encoding it whole: a small image, one
// strip's height or less, or a row of MCUs longer than an interval.
func planStrips(width, height int) stripPlan {
	mcuRows := (height + mcuSize - 1) / mcuSize
	perRow := (width + mcuSize - 1) / mcuSize
	if width*height < minStripPixels || perRow > 65535 {
		return stripPlan{count: 1, rows: height}
	}
	r := min(stripMCURows, 65535/perRow)
	if mcuRows <= r {
		return stripPlan{count: 1, rows: height}
	}
	return stripPlan{count: (mcuRows + r - 1) / r, rows: r * mcuSize, interval: r * perRow}
}

// jpegParts is a baseline JPEG written by libjpeg-turbo, cut at its scan:
// header up to and including the SOS segment, then the scan's entropy-coded
// data, without the EOI marker.
type jpegParts struct {
	header []byte
	height int // offset in header of the SOF0 segment's height
	sos    int // offset in header of the SOS marker
	data   []byte
}

// splitJPEG cuts a single-scan baseline JPEG, reporting false for anything
// else (another SOF, a restart interval already set, no EOI at the end).
func splitJPEG(b []byte) (jpegParts, bool) {
	if len(b) < 4 || b[0] != 0xff || b[1] != 0xd8 || b[len(b)-2] != 0xff || b[len(b)-1] != 0xd9 {
		return jpegParts{}, false
	}
	p := jpegParts{height: -1}
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xff {
			return jpegParts{}, false
		}
		m := b[i+1]
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return jpegParts{}, false
		}
		switch {
		case m == 0xc0:
			if n < 7 {
				return jpegParts{}, false
			}
			p.height = i + 5
		case m == 0xda:
			if p.height < 0 {
				return jpegParts{}, false
			}
			p.sos = i
			p.header, p.data = b[:i+2+n], b[i+2+n:len(b)-2]
			return p, true
		case m == 0xdd, m >= 0xc1 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc:
			return jpegParts{}, false // a restart interval, or not baseline
		}
		i += 2 + n
	}
	return jpegParts{}, false
}

// joinStrips joins the strips of an image height pixels high, encoded
// alone (see planStrips), into one JPEG with plan's restart interval. It
// reports false, writing nothing, when the strips do not share one header
// but for the height, which libjpeg-turbo's fixed tables guarantee.
func joinStrips(strips [][]byte, height int, plan stripPlan) ([]byte, bool) {
	parts := make([]jpegParts, len(strips))
	size := 0
	for i, s := range strips {
		p, ok := splitJPEG(s)
		if !ok {
			return nil, false
		}
		if i > 0 {
			first := parts[0]
			if len(p.header) != len(first.header) || p.height != first.height ||
				!bytes.Equal(p.header[:p.height], first.header[:first.height]) ||
				!bytes.Equal(p.header[p.height+2:], first.header[first.height+2:]) {
				return nil, false
			}
		}
		parts[i] = p
		size += len(p.data) + 2
	}
	first := parts[0]
	out := make([]byte, 0, len(first.header)+6+size+2)
	out = append(out, first.header[:first.sos]...)
	binary.BigEndian.PutUint16(out[first.height:], uint16(height))
	out = append(out, 0xff, 0xdd, 0, 4, byte(plan.interval>>8), byte(plan.interval))
	out = append(out, first.header[first.sos:]...)
	for i, p := range parts {
		if i > 0 {
			out = append(out, 0xff, 0xd0+byte((i-1)%8))
		}
		out = append(out, p.data...)
	}
	return append(out, 0xff, 0xd9), true
}
