package imaging

import (
	"bytes"
	"encoding/binary"
)

// JPEG markers and EXIF constants used by Orientation and WithOrientation.
const (
	markerSOI  = 0xd8
	markerEOI  = 0xd9
	markerSOS  = 0xda
	markerAPP1 = 0xe1

	tagOrientation = 0x0112
	typeShort      = 3
)

// exifHeader starts the payload of an APP1 segment that holds EXIF data.
var exifHeader = []byte("Exif\x00\x00")

// Orientation returns the EXIF Orientation (1..8) of a JPEG, read from IFD0
// of the first APP1 Exif segment, in either TIFF byte order. It returns 1,
// meaning "as stored", when the data is not a JPEG, has no EXIF, or the tag
// is missing, malformed or out of range. Every read is bounds-checked, so
// truncated or hostile input cannot make it panic or loop.
func Orientation(jpegData []byte) int {
	for seg := range segments(jpegData) {
		if seg.marker == markerAPP1 && bytes.HasPrefix(seg.payload, exifHeader) {
			// Like browsers, only the first Exif segment counts.
			return tiffOrientation(seg.payload[len(exifHeader):])
		}
	}
	return 1
}

// segment is one JPEG marker segment before the image data.
type segment struct {
	marker  byte
	start   int    // offset of the 0xFF that begins the marker
	end     int    // offset just past the segment
	payload []byte // bytes after the two length bytes
}

// segments yields the marker segments of a JPEG from SOI up to, not
// including, the start of scan. It stops quietly at the first malformed or
// truncated segment.
func segments(data []byte) func(yield func(segment) bool) {
	return func(yield func(segment) bool) {
		if len(data) < 2 || data[0] != 0xff || data[1] != markerSOI {
			return
		}
		i := 2
		for {
			start := i
			if i >= len(data) || data[i] != 0xff {
				return
			}
			// Any number of 0xFF fill bytes may precede a marker.
			for i < len(data) && data[i] == 0xff {
				i++
			}
			if i >= len(data) {
				return
			}
			marker := data[i]
			i++
			switch {
			case marker == markerSOS || marker == markerEOI:
				return
			case marker == 0x01 || marker >= 0xd0 && marker <= 0xd7:
				continue // standalone markers carry no length
			}
			if i+2 > len(data) {
				return
			}
			n := int(binary.BigEndian.Uint16(data[i:]))
			if n < 2 || i+n > len(data) {
				return
			}
			seg := segment{marker: marker, start: start, end: i + n, payload: data[i+2 : i+n]}
			i += n
			if !yield(seg) {
				return
			}
		}
	}
}

// tiffOrientation reads the Orientation tag from IFD0 of a TIFF structure.
func tiffOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	if order.Uint16(tiff[2:]) != 42 {
		return 1
	}
	// Offsets are uint32 and may point anywhere; compare in uint64 so that
	// adding to them cannot overflow on any platform.
	ifd := uint64(order.Uint32(tiff[4:]))
	size := uint64(len(tiff))
	if ifd+2 > size {
		return 1
	}
	count := uint64(order.Uint16(tiff[ifd:]))
	for k := range count {
		e := ifd + 2 + 12*k
		if e+12 > size {
			return 1
		}
		entry := tiff[e : e+12]
		if order.Uint16(entry) != tagOrientation {
			continue
		}
		// Browsers accept only the form the EXIF standard prescribes:
		// one SHORT, stored in the first two bytes of the value field.
		if order.Uint16(entry[2:]) != typeShort || order.Uint32(entry[4:]) != 1 {
			return 1
		}
		if o := int(order.Uint16(entry[8:])); o >= 1 && o <= 8 {
			return o
		}
		return 1
	}
	return 1
}
