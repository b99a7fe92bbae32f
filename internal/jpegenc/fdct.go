package jpegenc

import "math"

// The forward DCT is the factorisation of Arai, Agui and Nakajima (1988):
// five multiplications for eight points, its outputs off the DCT of T.81
// (A.3.3) by a known factor per frequency, which quantization absorbs (one
// multiplication by a reciprocal per coefficient). It runs in int, 64-bit
// on the platforms segview builds for, on samples with fracBits fraction
// bits: products never overflow and the rounding of the 14-bit constants
// stays far below a quantization step.

// fracBits is the number of fraction bits of the samples the colour
// conversion hands the DCT: Y, Cb and Cr are not rounded to integers first.
const fracBits = 3

// The AAN constants, with 14 fraction bits.
const (
	constBits = 14
	c0_707    = 11585 // cos(π/4)
	c0_382    = 6270  // cos(3π/8)
	c0_541    = 8867  // cos(π/8) − cos(3π/8)
	c1_306    = 21407 // cos(π/8) + cos(3π/8)
)

// recipBits is the precision of the quantization reciprocals.
const recipBits = 32

// quantizer divides the DCT's scaled outputs by a quantization table:
// recip[k] is 2^recipBits over the divisor of the k-th coefficient in
// zig-zag order, rounded.
type quantizer struct {
	recip [64]int
}

// aanScale[k] is the factor of the AAN factorisation's k-th output against
// the DCT: 1 for k = 0, cos(kπ/16)·√2 otherwise.
func aanScale(k int) float64 {
	if k == 0 {
		return 1
	}
	return math.Cos(float64(k)*math.Pi/16) * math.Sqrt2
}

// newQuantizer folds the table q (natural order) with the factors of the
// two AAN passes (8·aanScale(u)·aanScale(v)) and the samples' fraction
// bits.
func newQuantizer(q *[64]uint8) quantizer {
	var z quantizer
	for k, n := range zigzag {
		v, u := int(n)/8, int(n)%8
		div := float64(q[n]) * aanScale(u) * aanScale(v) * 8 * (1 << fracBits)
		z.recip[k] = int(math.Round((1 << recipBits) / div))
	}
	return z
}

// fdct transforms the 8×8 block whose top-left sample is src[0], rows
// stride apart, in blk, quantizes it with q, and stores the coefficients
// in zig-zag order in zz. It returns a mask of the nonzero AC coefficients:
// bit k set when zz[k] ≠ 0, for k ≥ 1.
func fdct(src []int16, stride int, q *quantizer, zz *[64]int32, blk *[64]int) uint64 {
	// Rows: the horizontal frequencies. The one-dimensional transform is
	// written out twice, here and for the columns, for the compiler to
	// keep it in registers.
	for r := range 8 {
		s := src[r*stride:][:8]
		o := blk[r*8:][:8]
		t0, t7 := int(s[0])+int(s[7]), int(s[0])-int(s[7])
		t1, t6 := int(s[1])+int(s[6]), int(s[1])-int(s[6])
		t2, t5 := int(s[2])+int(s[5]), int(s[2])-int(s[5])
		t3, t4 := int(s[3])+int(s[4]), int(s[3])-int(s[4])

		t10, t13 := t0+t3, t0-t3 // even part
		t11, t12 := t1+t2, t1-t2
		o[0] = t10 + t11
		o[4] = t10 - t11
		z1 := (t12 + t13) * c0_707 >> constBits
		o[2] = t13 + z1
		o[6] = t13 - z1

		t10, t11, t12 = t4+t5, t5+t6, t6+t7 // odd part
		z5 := (t10 - t12) * c0_382 >> constBits
		z2 := t10*c0_541>>constBits + z5
		z4 := t12*c1_306>>constBits + z5
		z3 := t11 * c0_707 >> constBits
		z11, z13 := t7+z3, t7-z3
		o[5] = z13 + z2
		o[3] = z13 - z2
		o[1] = z11 + z4
		o[7] = z11 - z4
	}
	// Columns: the vertical frequencies, in place.
	for c := range 8 {
		t0, t7 := blk[c]+blk[56+c], blk[c]-blk[56+c]
		t1, t6 := blk[8+c]+blk[48+c], blk[8+c]-blk[48+c]
		t2, t5 := blk[16+c]+blk[40+c], blk[16+c]-blk[40+c]
		t3, t4 := blk[24+c]+blk[32+c], blk[24+c]-blk[32+c]

		t10, t13 := t0+t3, t0-t3
		t11, t12 := t1+t2, t1-t2
		blk[c] = t10 + t11
		blk[32+c] = t10 - t11
		z1 := (t12 + t13) * c0_707 >> constBits
		blk[16+c] = t13 + z1
		blk[48+c] = t13 - z1

		t10, t11, t12 = t4+t5, t5+t6, t6+t7
		z5 := (t10 - t12) * c0_382 >> constBits
		z2 := t10*c0_541>>constBits + z5
		z4 := t12*c1_306>>constBits + z5
		z3 := t11 * c0_707 >> constBits
		z11, z13 := t7+z3, t7-z3
		blk[40+c] = z13 + z2
		blk[24+c] = z13 - z2
		blk[8+c] = z11 + z4
		blk[56+c] = z11 - z4
	}
	// Quantize, rounding to nearest (floor of x + ½), four at a time. The
	// nonzero bits enter the mask at the top, shifted down by those after
	// them: bit k ends for coefficient k, with constant shifts only.
	const half = 1 << (recipBits - 1)
	var mask uint64
	for k := 0; k < 64; k += 4 {
		z, r := zigzag[k:][:4], q.recip[k:][:4]
		v0 := (blk[z[0]&63]*r[0] + half) >> recipBits
		v1 := (blk[z[1]&63]*r[1] + half) >> recipBits
		v2 := (blk[z[2]&63]*r[2] + half) >> recipBits
		v3 := (blk[z[3]&63]*r[3] + half) >> recipBits
		o := zz[k:][:4]
		o[0], o[1], o[2], o[3] = int32(v0), int32(v1), int32(v2), int32(v3)
		mask = mask>>4 | uint64(v0|-v0)>>63<<60 | uint64(v1|-v1)>>63<<61 |
			uint64(v2|-v2)>>63<<62 | uint64(v3|-v3)>>63<<63
	}
	return mask &^ 1
}
