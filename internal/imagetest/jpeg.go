package imagetest

import (
	"bytes"
	"encoding/binary"
)

// ProgressiveGray builds a valid progressive grey JPEG of w×h, all mid
// grey: a DC scan (every difference 0) and then acScans AC scans of the
// whole band 1..63, each a few bytes of end-of-band runs over all the
// blocks. With damaged set, the last AC scan's data is not valid Huffman
// code. It is written from T.81, apart from the decoders under test, for
// tests of the decoders' limits: a large image in a few kilobytes.
func ProgressiveGray(w, h, acScans int, damaged bool) []byte {
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
