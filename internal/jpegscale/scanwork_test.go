package jpegscale

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// progressiveGray builds a valid progressive grey JPEG of w×h, all mid
// grey: a DC scan (every difference 0) and then acScans AC scans of the
// whole band 1..63, each a few bytes of end-of-band runs over all the
// blocks. With damaged set, the last AC scan's data is not valid Huffman
// code.
func progressiveGray(w, h, acScans int, damaged bool) []byte {
	var b bytes.Buffer
	segment := func(marker byte, payload ...byte) {
		b.Write([]byte{0xff, marker})
		b.Write(binary.BigEndian.AppendUint16(nil, uint16(2+len(payload))))
		b.Write(payload)
	}
	// Huffman tables of one code, "0": for DC the size 0 (no
	// difference), for AC the symbol 0xE0, an end-of-band run of 2^14
	// blocks plus the 14 bits that follow.
	oneCode := func(class byte, symbol byte) []byte {
		p := []byte{class<<4 | 0, 1}
		p = append(p, make([]byte, 15)...)
		return append(p, symbol)
	}
	// entropy packs bits, padding with ones and stuffing 0xFF bytes.
	entropy := func(bits []bool) {
		for i := 0; i < len(bits); i += 8 {
			var v byte
			for j := range 8 {
				v <<= 1
				if i+j >= len(bits) || bits[i+j] {
					v |= 1
				}
			}
			b.WriteByte(v)
			if v == 0xff {
				b.WriteByte(0)
			}
		}
	}
	blocks := ((w + 7) / 8) * ((h + 7) / 8)

	b.Write([]byte{0xff, 0xd8})
	dqt := make([]byte, 65)
	for i := 1; i < len(dqt); i++ {
		dqt[i] = 1
	}
	segment(0xdb, dqt...)
	segment(0xc2, 8, byte(h>>8), byte(h), byte(w>>8), byte(w), 1, 1, 0x11, 0)
	segment(0xc4, oneCode(0, 0)...)
	segment(0xc4, oneCode(1, 0xe0)...)

	segment(0xda, 1, 1, 0x00, 0, 0, 0x00)
	entropy(make([]bool, blocks))
	for i := range acScans {
		segment(0xda, 1, 1, 0x00, 1, 63, 0x00)
		if damaged && i == acScans-1 {
			b.Write([]byte{0xfe, 0xfe, 0xfe, 0xfe})
			continue
		}
		// Each run: the code "0" and 14 one bits, 2^14 + 2^14-1 blocks.
		var bits []bool
		for left := blocks; left > 0; left -= 1<<15 - 1 {
			bits = append(bits, false)
			for range 14 {
				bits = append(bits, true)
			}
		}
		entropy(bits)
	}
	b.Write([]byte{0xff, 0xd9})
	return b.Bytes()
}

// The scans may cover at most MaxScanWork times the image's blocks; the
// scan that goes past is refused from its header, before its data is
// decoded (its data here is damaged, which would be ErrFormat).
func TestScanWorkBound(t *testing.T) {
	t.Parallel()
	const w, h = 400, 300 // 50×38 blocks
	tests := []struct {
		name    string
		data    []byte
		want    error
		decodes bool
	}{
		{"two AC scans", progressiveGray(w, h, 2, false), nil, true},
		{"at the bound: the DC scan and MaxScanWork-1 AC scans", progressiveGray(w, h, MaxScanWork-1, false), nil, true},
		{"damaged AC scan within the bound", progressiveGray(w, h, 3, true), ErrFormat, false},
		{"one scan past the bound, damaged: refused before its data", progressiveGray(w, h, MaxScanWork, true), ErrTooManyScans, false},
		{"499 scans", progressiveGray(w, h, 499, false), ErrTooManyScans, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, minWidth := range []int{0, 50} {
				img, err := Decode(tt.data, Options{MinWidth: minWidth})
				if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
					t.Fatalf("MinWidth %d: error %v, want %v", minWidth, err, tt.want)
				}
				if (img != nil) != tt.decodes {
					t.Fatalf("MinWidth %d: image %v, want one: %v", minWidth, img != nil, tt.decodes)
				}
				if errors.Is(err, ErrUnsupported) {
					t.Fatalf("MinWidth %d: %v is ErrUnsupported: a caller would retry with image/jpeg", minWidth, err)
				}
			}
			// Memory reads the headers before the first scan only: the
			// bound is not its business.
			if _, err := Memory(tt.data, Options{}); err != nil {
				t.Fatalf("Memory: %v", err)
			}
		})
	}
}

// ErrUnsupported comes from the headers only, before any scan data: so
// Memory, which reads no further, refuses the same files, and a caller
// that falls back to image/jpeg on it never decodes twice. A marker
// jpegscale does not support after the first scan is damage (image/jpeg
// refuses it too).
func TestUnsupportedOnlyBeforeScans(t *testing.T) {
	t.Parallel()
	multiscan := readFixture(t, "420-multiscan")
	first := segment(t, multiscan, 0xda)
	second := first + 2 + segment(t, multiscan[first+2:], 0xda)
	dnl := []byte{0xff, 0xdc, 0x00, 0x04, 0x00, 0x2b}
	insert := func(at int, seg []byte) []byte {
		return append(append(append([]byte{}, multiscan[:at]...), seg...), multiscan[at:]...)
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"DNL before the first scan", insert(first, dnl), ErrUnsupported},
		{"DNL after the first scan", insert(second, dnl), ErrFormat},
		{"SOF9 after the first scan", insert(second, []byte{0xff, 0xc9, 0x00, 0x02}), ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Decode(tt.data, Options{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode: error %v, want %v", err, tt.want)
			}
			_, merr := Memory(tt.data, Options{})
			if errors.Is(err, ErrUnsupported) != errors.Is(merr, ErrUnsupported) {
				t.Fatalf("Decode: %v; Memory: %v", err, merr)
			}
		})
	}
}
