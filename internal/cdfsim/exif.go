package cdfsim

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/draw"
)

// exifOrientationTag is the TIFF tag of Orientation in IFD0.
const exifOrientationTag = 0x0112

// withEXIFOrientation inserts an APP1 Exif segment holding only the
// Orientation tag right after the SOI marker of a baseline JPEG, as a phone
// camera would (image/jpeg writes no APP segments of its own).
func withEXIFOrientation(jpegData []byte, orientation uint16) []byte {
	// TIFF, big endian: header, IFD0 with one SHORT entry, no next IFD.
	var tiff bytes.Buffer
	tiff.WriteString("MM\x00\x2a")
	be := binary.BigEndian
	w := func(v any) { _ = binary.Write(&tiff, be, v) }
	w(uint32(8))                  // offset of IFD0
	w(uint16(1))                  // entry count
	w(uint16(exifOrientationTag)) // tag
	w(uint16(3))                  // type SHORT
	w(uint32(1))                  // count
	w(orientation)                // value, left-justified in the 4-byte field
	w(uint16(0))
	w(uint32(0)) // no IFD1

	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	be.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)

	out := make([]byte, 0, len(jpegData)+len(seg))
	out = append(out, jpegData[:2]...) // SOI
	out = append(out, seg...)
	return append(out, jpegData[2:]...)
}

// exifOrientation returns the EXIF Orientation (1–8) of a JPEG, or 1 when it
// has none or data is not a JPEG. It reads only the markers before the scan.
func exifOrientation(data []byte) int {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 1
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xFF {
			return 1
		}
		marker := data[i+1]
		if marker == 0xD9 || marker == 0xDA { // EOI, SOS: no more metadata
			return 1
		}
		size := int(binary.BigEndian.Uint16(data[i+2:]))
		if size < 2 || i+2+size > len(data) {
			return 1
		}
		seg := data[i+4 : i+2+size]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			if o := tiffOrientation(seg[6:]); o != 0 {
				return o
			}
		}
		i += 2 + size
	}
	return 1
}

func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	ifd := int(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 0
	}
	n := int(bo.Uint16(t[ifd:]))
	for k := range n {
		e := ifd + 2 + 12*k
		if e+12 > len(t) {
			return 0
		}
		if bo.Uint16(t[e:]) == exifOrientationTag && bo.Uint16(t[e+2:]) == 3 {
			if o := int(bo.Uint16(t[e+8:])); o >= 1 && o <= 8 {
				return o
			}
		}
	}
	return 0
}

// storeForOrientation6 turns an upright image into the pixels a camera
// stores with Orientation 6 ("rotate 90° clockwise to display"): the stored
// image is the upright one rotated 90° counter-clockwise.
func storeForOrientation6(upright image.Image) *image.RGBA {
	src := image.NewRGBA(upright.Bounds().Sub(upright.Bounds().Min))
	draw.Draw(src, src.Bounds(), upright, upright.Bounds().Min, draw.Src)
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	dst := image.NewRGBA(image.Rect(0, 0, h, w))
	for sy := range w {
		for sx := range h {
			// Displaying rotates stored (sx, sy) to upright (w-1-sy, sx).
			copy(dst.Pix[dst.PixOffset(sx, sy):][:4], src.Pix[src.PixOffset(w-1-sy, sx):][:4])
		}
	}
	return dst
}
