package jpegenc

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// bitWriter packs Huffman codes into bytes, most significant bit first,
// inserting a zero byte after each 0xFF (T.81 F.1.2.3). acc holds nbits
// pending bits in its low end; whole 32-bit words leave it at once.
type bitWriter struct {
	out   []byte
	acc   uint64
	nbits uint
}

// pad ends the entropy-coded segment: the last byte filled with one bits
// (T.81 F.1.2.3), everything flushed.
func (b *bitWriter) pad() {
	n := (8 - b.nbits%8) % 8
	b.acc = b.acc<<n | (1<<n - 1)
	b.nbits += n
	for b.nbits >= 8 {
		b.nbits -= 8
		c := byte(b.acc >> b.nbits)
		b.out = append(b.out, c)
		if c == 0xff {
			b.out = append(b.out, 0)
		}
	}
	b.acc = 0
}

// magnitude returns the size category of v (T.81 F.1.2.1: the number of
// bits of |v|) and its additional bits: v itself if positive, v − 1 in
// size bits if negative.
func magnitude(v int32) (size uint, extra uint64) {
	sign := v >> 31 // −1 if negative
	size = uint(bits.Len32(uint32((v ^ sign) - sign)))
	return size, uint64(uint32(v+sign)) & (1<<(size&31) - 1)
}

// block Huffman-codes the quantized block coef (column by column, as fdct
// stores it) whose AC coefficients are nonzero where mask says (by
// zig-zag position), its DC coded as the difference from *pred, which it
// updates (T.81 F.1.2). It works on local copies of the writer's state,
// for the compiler to keep them in registers. Shift counts are masked to
// their range (a no-op) so that shifts compile to one instruction.
func (b *bitWriter) block(coef *[64]int32, mask uint64, pred *int32, dc, ac *huffCodes) {
	acc, nbits, out := b.acc, b.nbits, b.out
	// Room for the whole block up front, so that a word is stored without
	// append's call to grow out, around which the compiler would move
	// the loop's state out of registers.
	if cap(out)-len(out) < maxBlockBytes {
		out = slices.Grow(out, maxBlockBytes)
	}
	// put appends the n low bits of v (n ≤ 32) to acc, and a whole word to
	// out when there is one: its four bytes at once unless one is 0xFF.
	put := func(v uint64, n uint) {
		acc = acc<<(n&63) | v
		nbits += n
		if nbits >= 32 {
			nbits -= 32
			w := uint32(acc >> (nbits & 63))
			if x := ^w; (x-0x01010101)&^x&0x80808080 == 0 { // no 0xFF byte
				n := len(out)
				out = out[:n+4]
				binary.BigEndian.PutUint32(out[n:], w)
			} else {
				out = appendStuffed(out, w)
			}
		}
	}
	// code puts symbol s of table t followed by size additional bits.
	code := func(t *huffCodes, s uint, size uint, extra uint64) {
		c := t[s&0xff]
		put(uint64(c>>8)<<(size&31)|extra, uint(c&0xff)+size)
	}

	// 8-bit samples keep the DC difference within 11 bits and the AC
	// coefficients within 10; the clamps only keep the stream valid.
	diff := min(max(coef[0]-*pred, -2047), 2047)
	*pred = coef[0]
	size, extra := magnitude(diff)
	code(dc, size, size, extra)

	last := 0
	for mask != 0 {
		k := bits.TrailingZeros64(mask)
		mask &= mask - 1
		run := k - last - 1
		last = k
		for ; run > 15; run -= 16 {
			code(ac, 0xf0, 0, 0) // ZRL: sixteen zeros
		}
		size, extra := magnitude(min(max(coef[colZigzag[k]&63], -1023), 1023))
		code(ac, uint(run)<<4|size, size, extra)
	}
	if last != 63 {
		code(ac, 0x00, 0, 0) // EOB
	}
	b.acc, b.nbits, b.out = acc, nbits, out
}

// maxBlockBytes bounds the bytes one block adds to out: at most 64
// symbols of at most 16 code and 11 additional bits (216 bytes), doubled
// by stuffing, and a word flushed from before.
const maxBlockBytes = 512

// appendStuffed appends the four bytes of w, most significant first, each
// 0xFF followed by a stuffed zero.
func appendStuffed(out []byte, w uint32) []byte {
	for s := 24; s >= 0; s -= 8 {
		c := byte(w >> s)
		out = append(out, c)
		if c == 0xff {
			out = append(out, 0)
		}
	}
	return out
}
