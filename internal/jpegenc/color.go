package jpegenc

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

// convertRows converts two rows of w RGBA pixels, a above b, into two rows
// of Y (ya, yb) and one of Cb and Cr at half the width, averaging each 2×2
// square. The outputs are filled to their length by replicating the last
// pixel of each row, as if the image went on with its last column.
func convertRows(a, b []byte, w int, ya, yb, cb, cr []int16) {
	a, b = a[:4*w], b[:4*w]
	pairs := w / 2
	ya, yb = ya[:len(ya)], yb[:len(ya)]
	cb, cr = cb[:len(cb)], cr[:len(cb)]
	for i := range pairs {
		p, q := a[8*i:][:8], b[8*i:][:8]
		r0, g0, b0 := int(p[0]), int(p[1]), int(p[2])
		r1, g1, b1 := int(p[4]), int(p[5]), int(p[6])
		r2, g2, b2 := int(q[0]), int(q[1]), int(q[2])
		r3, g3, b3 := int(q[4]), int(q[5]), int(q[6])
		ya[2*i] = luma(r0, g0, b0)
		ya[2*i+1] = luma(r1, g1, b1)
		yb[2*i] = luma(r2, g2, b2)
		yb[2*i+1] = luma(r3, g3, b3)
		cb[i], cr[i] = chroma(r0+r1+r2+r3, g0+g1+g2+g3, b0+b1+b2+b3)
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
