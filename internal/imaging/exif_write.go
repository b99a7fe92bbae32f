package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// WithOrientation returns a copy of a JPEG with its EXIF Orientation set to
// o (1..8): any existing Exif APP1 segments are removed and a minimal one
// holding only the Orientation tag, in big-endian ("MM") TIFF byte order, is
// inserted right after SOI, where the EXIF standard puts it. The pixels are
// untouched, so a viewer that honours EXIF shows them transformed by o.
//
// It exists for tests and the CDF simulator, which need photos that are
// stored sideways the way phone cameras store them.
func WithOrientation(jpegData []byte, o int) ([]byte, error) {
	return withOrientation(jpegData, o, binary.BigEndian)
}

func withOrientation(jpegData []byte, o int, order binary.ByteOrder) ([]byte, error) {
	if o < 1 || o > 8 {
		return nil, fmt.Errorf("imaging: EXIF orientation %d is not in 1..8", o)
	}
	if len(jpegData) < 2 || jpegData[0] != 0xff || jpegData[1] != markerSOI {
		return nil, errors.New("imaging: not a JPEG: no SOI marker")
	}

	app1 := exifOrientationSegment(o, order)
	out := make([]byte, 0, len(jpegData)+len(app1))
	out = append(out, jpegData[:2]...)
	out = append(out, app1...)
	rest := 2
	for seg := range segments(jpegData) {
		if seg.marker == markerAPP1 && bytes.HasPrefix(seg.payload, exifHeader) {
			out = append(out, jpegData[rest:seg.start]...)
			rest = seg.end
		}
	}
	return append(out, jpegData[rest:]...), nil
}

// exifOrientationSegment builds an APP1 segment whose TIFF structure holds
// one IFD with one entry: Orientation, SHORT, count 1, value o.
func exifOrientationSegment(o int, order binary.ByteOrder) []byte {
	tiff := make([]byte, 8+2+12+4)
	if order == binary.LittleEndian {
		copy(tiff, "II")
	} else {
		copy(tiff, "MM")
	}
	order.PutUint16(tiff[2:], 42)
	order.PutUint32(tiff[4:], 8) // IFD0 follows the header
	order.PutUint16(tiff[8:], 1) // one entry
	entry := tiff[10:22]
	order.PutUint16(entry[0:], tagOrientation)
	order.PutUint16(entry[2:], typeShort)
	order.PutUint32(entry[4:], 1)
	order.PutUint16(entry[8:], uint16(o))
	// The last four bytes, already zero, are the offset of the next IFD: none.

	payload := append(append([]byte{}, exifHeader...), tiff...)
	seg := []byte{0xff, markerAPP1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	return append(seg, payload...)
}
