package jpegenc

import "encoding/binary"

// Colour conversion, as JFIF defines it (ITU-R BT.601 with full-range Y,
// Cb and Cr), in 16-bit fixed point. The DCT's level shift (−128) is
// folded in, and the results keep fracBits fraction bits.
const (
	yR, yG, yB   = 19595, 38470, 7471 // 0.299, 0.587, 0.114
	cbR, cbG     = -11059, -21709     // −0.168736, −0.331264; B: +0.5
	crG, crB     = -27439, -5329      // −0.418688, −0.081312; R: +0.5
	half16       = 1 << 15            // 0.5 in 16-bit fixed point
	yShift       = 16 - fracBits      // Y to fracBits fraction bits
	chromaShift  = 16 + 2 - fracBits  // a 2×2 sum to fracBits fraction bits
	yOffset      = -128<<16 + 1<<(yShift-1)
	chromaOffset = 1 << (chromaShift - 1)
)

// luma is the level-shifted Y of one pixel, with fracBits fraction bits.
func luma(r, g, b int) int16 {
	return int16((yR*r + yG*g + yB*b + yOffset) >> yShift)
}

// chroma is the level-shifted Cb and Cr of the average of four pixels
// whose components sum to r, g and b, with fracBits fraction bits.
func chroma(r, g, b int) (cb, cr int16) {
	cb = int16((cbR*r + cbG*g + half16*b + chromaOffset) >> chromaShift)
	cr = int16((half16*r + crG*g + crB*b + chromaOffset) >> chromaShift)
	return cb, cr
}

// Two values at a time: convertRows works in the two 32-bit lanes of a
// uint64 (SWAR), with the results of luma and chroma to the bit:
//
//   - Y: the red, green and blue of two neighbouring pixels, masked out of
//     one 8-byte load into a lane each, times the luma weights. These sum
//     to 2^16, so a lane stays below 255·2^16 + 2^12 < 2^24 (no carry into
//     the next one); the level shift, 128 in the output's units, is taken
//     off after the lanes are parted.
//   - Cb and Cr of a 2×2 square: each component's sum s (at most 4·255)
//     times a constant holding its Cb weight in the low lane and its Cr
//     weight in the high one (s·(w0 + w1·2^32) = s·w0 + s·w1·2^32), so
//     three multiplications give both. The negative weights of Cb, and
//     those of Cr, sum to −2^15, so adding 4·255·2^15 to each lane keeps
//     it within 0 .. 4·255·2^16 + 2^14 < 2^27: the int64 sum, though its
//     terms wrap, is low + high·2^32 exactly. 4·255·2^15 is 4·255 in the
//     output's units, taken off after the lanes are parted.
const (
	laneMask = 0x000000ff_000000ff // the low byte of each 32-bit lane
	yRound   = 1 << (yShift - 1) * (1 + 1<<32)
	yLevel   = 128 << fracBits // Y's level shift in its output units

	cR     = cbR + half16<<32 // Cb's weight in the low lane, Cr's in the high
	cG     = cbG + crG<<32
	cB     = half16 + crB<<32
	cLevel = 4 * 255 // what cAdd lifts a chroma lane by, in output units
	cAdd   = (cLevel<<chromaShift + chromaOffset) * (1 + 1<<32)
)

// convertRows converts two rows of w RGBA pixels, a above b, into two rows
// of Y (ya, yb) and one of Cb and Cr at half the width, averaging each 2×2
// square. The outputs are filled to their length by replicating the last
// pixel of each row, as if the image went on with its last column.
func convertRows(a, b []byte, w int, ya, yb, cb, cr []int16) {
	pairs := w / 2
	pa, pb := a[:8*pairs], b[:8*pairs]
	ya2, yb2 := ya[:2*pairs], yb[:2*pairs]
	cb2, cr2 := cb[:pairs], cr[:pairs]
	for i := range cb2 {
		u := binary.LittleEndian.Uint64(pa[8*i:])
		v := binary.LittleEndian.Uint64(pb[8*i:])
		ru, gu, bu := u&laneMask, u>>8&laneMask, u>>16&laneMask
		rv, gv, bv := v&laneMask, v>>8&laneMask, v>>16&laneMask
		lu := yR*ru + yG*gu + yB*bu + yRound
		lv := yR*rv + yG*gv + yB*bv + yRound
		ya2[2*i] = int16(lu>>yShift) - yLevel
		ya2[2*i+1] = int16(lu>>(32+yShift)) - yLevel
		yb2[2*i] = int16(lv>>yShift) - yLevel
		yb2[2*i+1] = int16(lv>>(32+yShift)) - yLevel
		// The 2×2 sums: the two rows lane by lane, then the two lanes.
		r, g, b := ru+rv, gu+gv, bu+bv
		r, g, b = r+r>>32, g+g>>32, b+b>>32
		c := cR*int64(uint32(r)) + cG*int64(uint32(g)) + cB*int64(uint32(b)) + cAdd
		cb2[i] = int16(c>>chromaShift) - cLevel
		cr2[i] = int16(c>>(32+chromaShift)) - cLevel
	}
	// The last column, alone or as the pair of a last odd pixel, repeats
	// into the padding.
	p, q := a[4*(w-1):][:4], b[4*(w-1):][:4]
	r0, g0, b0 := int(p[0]), int(p[1]), int(p[2])
	r2, g2, b2 := int(q[0]), int(q[1]), int(q[2])
	lastA, lastB := luma(r0, g0, b0), luma(r2, g2, b2)
	for x := 2 * pairs; x < len(ya); x++ {
		ya[x], yb[x] = lastA, lastB
	}
	lastCb, lastCr := chroma(2*(r0+r2), 2*(g0+g2), 2*(b0+b2))
	for x := pairs; x < len(cb); x++ {
		cb[x], cr[x] = lastCb, lastCr
	}
}
