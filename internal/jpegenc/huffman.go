package jpegenc

import "math/bits"

// bitWriter packs Huffman codes into bytes, most significant bit first,
// inserting a zero byte after each 0xFF (T.81 F.1.2.3). acc holds nbits
// pending bits in its low end; whole 32-bit words leave it at once.
type bitWriter struct {
	out   []byte
	acc   uint64
	nbits uint
}

// put appends the n low bits of v (n ≤ 32).
func (b *bitWriter) put(v uint64, n uint) {
	b.acc = b.acc<<n | v
	b.nbits += n
	if b.nbits >= 32 {
		b.flush32()
	}
}

// flush32 moves the 32 oldest pending bits to out.
func (b *bitWriter) flush32() {
	b.nbits -= 32
	w := uint32(b.acc >> b.nbits)
	if x := ^w; (x-0x01010101)&^x&0x80808080 == 0 { // no 0xFF byte
		b.out = append(b.out, byte(w>>24), byte(w>>16), byte(w>>8), byte(w))
		return
	}
	for s := 24; s >= 0; s -= 8 {
		c := byte(w >> s)
		b.out = append(b.out, c)
		if c == 0xff {
			b.out = append(b.out, 0)
		}
	}
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
	return size, uint64(uint32(v+sign)) & (1<<size - 1)
}

// block Huffman-codes the quantized block coef (column by column, as fdct
// stores it) whose AC coefficients are nonzero where mask says (by
// zig-zag position), its DC coded as the difference from *pred, which it
// updates (T.81 F.1.2).
func (b *bitWriter) block(coef *[64]int32, mask uint64, pred *int32, dc, ac *huffCodes) {
	// 8-bit samples keep the DC difference within 11 bits and the AC
	// coefficients within 10; the clamps only keep the stream valid.
	diff := min(max(coef[0]-*pred, -2047), 2047)
	*pred = coef[0]
	size, extra := magnitude(diff)
	c := dc[size]
	b.put(uint64(c>>8)<<size|extra, uint(c&0xff)+size)

	last := 0
	for mask != 0 {
		k := bits.TrailingZeros64(mask)
		mask &= mask - 1
		run := k - last - 1
		for ; run > 15; run -= 16 {
			c := ac[0xf0] // ZRL: sixteen zeros
			b.put(uint64(c>>8), uint(c&0xff))
		}
		size, extra := magnitude(min(max(coef[colZigzag[k]&63], -1023), 1023))
		c := ac[uint(run)<<4|size]
		b.put(uint64(c>>8)<<size|extra, uint(c&0xff)+size)
		last = k
	}
	if last != 63 {
		c := ac[0x00] // EOB
		b.put(uint64(c>>8), uint(c&0xff))
	}
}
