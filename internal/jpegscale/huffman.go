package jpegscale

import "encoding/binary"

// lookBits is how many bits of a Huffman code are looked up at once: codes
// that long or shorter, nearly all of a photo's, cost one table read.
const lookBits = 9

// huffman is one Huffman table (T.81 B.2.4.2), ready for decoding: codes
// of up to lookBits bits through look, longer ones through the per-length
// code ranges of T.81 F.2.2.3 (MAXCODE, VALPTR, MINCODE).
type huffman struct {
	// look holds, for each lookBits-bit prefix, length<<8 | symbol of the
	// code it starts with, or 0 when that code is longer.
	look    [1 << lookBits]uint16
	maxcode [17]int32 // largest code of each length, -1 when none
	mincode [17]int32
	valptr  [17]int32
	vals    [256]uint8
	defined bool
	// fastAC holds, for each lookBits-bit prefix that starts an AC code
	// (a run r and a size s > 0) and its s extra bits, value<<16 | r<<8 |
	// the bits used; 0 when they do not fit in lookBits.
	fastAC [1 << lookBits]int32
}

// build makes h from a DHT table's counts of codes of each length 1..16
// and its symbols in code order; it fails on counts that no prefix code
// can have.
func (h *huffman) build(counts [16]int, symbols []byte) error {
	*h = huffman{}
	copy(h.vals[:], symbols)
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		n := int32(counts[l-1])
		h.maxcode[l] = -1
		if n > 0 {
			h.valptr[l] = k
			h.mincode[l] = code
			if code+n > 1<<l {
				return formatError("Huffman code lengths overflow")
			}
			for i := int32(0); i < n; i++ {
				if l <= lookBits {
					shift := lookBits - l
					first := (code + i) << shift
					for j := int32(0); j < 1<<shift; j++ {
						h.look[first+j] = uint16(l)<<8 | uint16(symbols[k+i])
					}
				}
			}
			for i := int32(0); i < n; i++ {
				h.addFastAC(l, code+i, symbols[k+i])
			}
			code += n
			k += n
			h.maxcode[l] = code - 1
		}
		code <<= 1
	}
	h.defined = true
	return nil
}

// addFastAC enters the l-bit code of AC symbol sym (run<<4 | size) in
// fastAC, for every value of its extra bits, when all fit in lookBits.
func (h *huffman) addFastAC(l int, code int32, sym uint8) {
	r, s := int32(sym>>4), int(sym&15)
	if s == 0 || l+s > lookBits {
		return
	}
	for extra := range int32(1) << s {
		v := extra
		if v < 1<<(s-1) {
			v -= 1<<s - 1
		}
		shift := lookBits - l - s
		first := (code<<s | extra) << shift
		for j := range int32(1) << shift {
			h.fastAC[first+j] = v<<16 | r<<8 | int32(l+s)
		}
	}
}

// bitReader reads the entropy-coded data of a scan, most significant bit
// first, removing the stuffed zero after each 0xFF. At a marker or the end
// of data it feeds zero bits and counts them in pad, so that a decoder
// that used them (a truncated or damaged scan) can tell.
type bitReader struct {
	data []byte
	pos  int
	acc  uint64 // the next n bits, left aligned
	n    int
	pad  int // zero bits fed past a marker or the end, still in acc
}

// fill tops acc up to at least 57 bits.
func (br *bitReader) fill() {
	if br.pos+8 <= len(br.data) {
		// Eight bytes at once when none of them is 0xFF.
		v := binary.BigEndian.Uint64(br.data[br.pos:])
		if x := ^v; (x-0x0101010101010101)&^x&0x8080808080808080 == 0 {
			k := (64 - br.n) >> 3
			keep := ^uint64(0) << (64 - br.n - 8*k)
			br.acc |= v >> br.n & keep
			br.pos += k
			br.n += 8 * k
			return
		}
	}
	for br.n <= 56 {
		var b byte
		if br.pos < len(br.data) {
			b = br.data[br.pos]
			if b != 0xff {
				br.pos++
			} else if br.pos+1 < len(br.data) && br.data[br.pos+1] == 0 {
				br.pos += 2
			} else {
				b = 0 // a marker: stop before it
				br.pad += 8
			}
		} else {
			br.pad += 8
		}
		br.acc |= uint64(b) << (56 - br.n)
		br.n += 8
	}
}

// overrun reports whether bits fed past the data have been consumed.
func (br *bitReader) overrun() bool { return br.n < br.pad }

// bits returns the next s (0..16) bits as an unsigned number.
func (br *bitReader) bits(s int) int32 {
	if br.n < s {
		br.fill()
	}
	v := int32(br.acc >> (64 - s) & (1<<s - 1))
	br.acc <<= s
	br.n -= s
	return v
}

// bit returns the next bit.
func (br *bitReader) bit() bool {
	if br.n < 1 {
		br.fill()
	}
	v := br.acc>>63 != 0
	br.acc <<= 1
	br.n--
	return v
}

// receive returns the next s bits as the signed value they code
// (T.81 F.2.2.1, EXTEND).
func (br *bitReader) receive(s int) int32 {
	if s == 0 {
		return 0
	}
	v := br.bits(s)
	if v < 1<<(s-1) {
		v -= 1<<s - 1
	}
	return v
}

// decode returns the next Huffman-coded symbol of h.
func (br *bitReader) decode(h *huffman) (uint8, error) {
	if br.n < 16 {
		br.fill()
	}
	if e := h.look[br.acc>>(64-lookBits)]; e != 0 {
		l := int(e >> 8)
		br.acc <<= l
		br.n -= l
		return uint8(e), nil
	}
	return br.decodeSlow(h)
}

// decodeSlow decodes a code longer than lookBits bits.
func (br *bitReader) decodeSlow(h *huffman) (uint8, error) {
	for l := lookBits + 1; l <= 16; l++ {
		code := int32(br.acc >> (64 - l))
		if code <= h.maxcode[l] {
			br.acc <<= l
			br.n -= l
			return h.vals[(h.valptr[l]+code-h.mincode[l])&255], nil
		}
	}
	return 0, formatError("bad Huffman code")
}
