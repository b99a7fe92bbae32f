package jpegenc

import (
	"math"

	"github.com/segview/segview/internal/jpegspec"
)

// The forward DCT is the factorisation of Arai, Agui and Nakajima (1988):
// five multiplications for eight points, its outputs off the DCT of T.81
// (A.3.3) by a known factor per frequency, which quantization absorbs (one
// multiplication by a reciprocal per coefficient). It runs in int64 on
// samples with fracBits fraction bits: products never overflow and the
// rounding of the 14-bit constants stays far below a quantization step.

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
// recip[u*8+v] is 2^recipBits over the divisor of the coefficient of
// horizontal frequency u and vertical frequency v, rounded. The
// coefficients are kept column by column (u*8+v), the order in which the
// DCT's second pass produces them.
type quantizer struct {
	recip [64]int64
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
	for u := range 8 {
		for v := range 8 {
			div := float64(q[v*8+u]) * aanScale(u) * aanScale(v) * 8 * (1 << fracBits)
			z.recip[u*8+v] = int64(math.Round((1 << recipBits) / div))
		}
	}
	return z
}

// colZigzag lists, in zig-zag order, the index u*8+v of each coefficient
// in the column-by-column order fdct stores them in.
var colZigzag = func() [64]uint8 {
	var c [64]uint8
	for k, n := range jpegspec.Zigzag {
		c[k] = n%8*8 + n/8
	}
	return c
}()

// zigzagBits[u][b] is, for the nonzero coefficients of column u that byte
// b marks (bit v for vertical frequency v), the mask of their zig-zag
// positions.
var zigzagBits = func() *[8][256]uint64 {
	var pos [64]uint // zig-zag position of natural index n
	for k, n := range jpegspec.Zigzag {
		pos[n] = uint(k)
	}
	t := new([8][256]uint64)
	for u := range 8 {
		for b := range 256 {
			for v := range 8 {
				if b>>v&1 == 1 {
					t[u][b] |= 1 << pos[v*8+u]
				}
			}
		}
	}
	return t
}()

// fdct transforms the 8×8 block whose top-left sample is src[0], rows
// stride apart, quantizes it with q, and stores the coefficients column by
// column in coef (u*8+v: read them in zig-zag order through colZigzag).
// blk is its work space. It returns the mask of the nonzero AC
// coefficients by zig-zag position: bit k set when coefficient k ≠ 0, for
// k ≥ 1.
func fdct(src []int16, stride int, q *quantizer, coef *[64]int32, blk *[64]int64) uint64 {
	// Rows: the horizontal frequencies. The one-dimensional transform is
	// written out twice, here and for the columns, for the compiler to
	// keep it in registers.
	for r := range 8 {
		// Stepping src row by row keeps each row's address in a register:
		// indexing it at r·stride made the compiler add the two again for
		// every sample.
		if r > 0 {
			src = src[stride:]
		}
		s := (*[8]int16)(src)
		o := blk[r*8:][:8]
		t0, t7 := int64(s[0])+int64(s[7]), int64(s[0])-int64(s[7])
		t1, t6 := int64(s[1])+int64(s[6]), int64(s[1])-int64(s[6])
		t2, t5 := int64(s[2])+int64(s[5]), int64(s[2])-int64(s[5])
		t3, t4 := int64(s[3])+int64(s[4]), int64(s[3])-int64(s[4])

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
	// Columns: the vertical frequencies, quantized as they come, rounding
	// to nearest (floor of x + ½).
	const half = 1 << (recipBits - 1)
	var mask uint64
	for u := range 8 {
		t0, t7 := blk[u]+blk[56+u], blk[u]-blk[56+u]
		t1, t6 := blk[8+u]+blk[48+u], blk[8+u]-blk[48+u]
		t2, t5 := blk[16+u]+blk[40+u], blk[16+u]-blk[40+u]
		t3, t4 := blk[24+u]+blk[32+u], blk[24+u]-blk[32+u]

		t10, t13 := t0+t3, t0-t3
		t11, t12 := t1+t2, t1-t2
		f0 := t10 + t11
		f4 := t10 - t11
		z1 := (t12 + t13) * c0_707 >> constBits
		f2 := t13 + z1
		f6 := t13 - z1

		t10, t11, t12 = t4+t5, t5+t6, t6+t7
		z5 := (t10 - t12) * c0_382 >> constBits
		z2 := t10*c0_541>>constBits + z5
		z4 := t12*c1_306>>constBits + z5
		z3 := t11 * c0_707 >> constBits
		z11, z13 := t7+z3, t7-z3
		f5 := z13 + z2
		f3 := z13 - z2
		f1 := z11 + z4
		f7 := z11 - z4

		// The quantized coefficient is the high half of f·r + ½ (its two's
		// complement, which int32 takes back); it is nonzero exactly when
		// that half is, which adding 2^32 − 1 carries into bit 32.
		r := q.recip[u*8:][:8]
		h0 := uint64(f0*r[0]+half) >> recipBits
		h1 := uint64(f1*r[1]+half) >> recipBits
		h2 := uint64(f2*r[2]+half) >> recipBits
		h3 := uint64(f3*r[3]+half) >> recipBits
		h4 := uint64(f4*r[4]+half) >> recipBits
		h5 := uint64(f5*r[5]+half) >> recipBits
		h6 := uint64(f6*r[6]+half) >> recipBits
		h7 := uint64(f7*r[7]+half) >> recipBits
		c := coef[u*8:][:8]
		c[0], c[1], c[2], c[3] = int32(h0), int32(h1), int32(h2), int32(h3)
		c[4], c[5], c[6], c[7] = int32(h4), int32(h5), int32(h6), int32(h7)
		const ones = 1<<recipBits - 1
		// Bit v of nz: f_v ≠ 0 (sums of scaled bits, which the compiler
		// turns into address arithmetic).
		nz := (h0+ones)>>recipBits + (h1+ones)>>recipBits*2 + (h2+ones)>>recipBits*4 + (h3+ones)>>recipBits*8 +
			((h4+ones)>>recipBits+(h5+ones)>>recipBits*2+(h6+ones)>>recipBits*4+(h7+ones)>>recipBits*8)*16
		mask |= zigzagBits[u][nz]
	}
	return mask &^ 1
}
