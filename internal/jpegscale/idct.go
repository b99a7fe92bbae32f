package jpegscale

import "math"

// The scaled inverse DCT. A block's M×M lowest-frequency coefficients
// F(u, v), u, v < M, give M×M samples, each standing for an (8/M)×(8/M)
// square of the full-size block:
//
//	g(x, y) = Σu Σv a(x, u) a(y, v) F(u, v),  a(x, u) = C(u)/2 · cos((2x+1)uπ / 2M)
//
// with C(0) = 1/√2 and C(u) = 1 otherwise: for M = 8 the IDCT of T.81
// A.3.3, and for every M the same mean (F(0, 0)/8) as the full-size block.
// It is computed in fixed point, columns then rows, each 1-D transform
// split into its even and odd halves (a(M−1−x, u) = (−1)^u a(x, u)).

const (
	constBits = 13 // fractional bits of the cosine table
	passBits  = 2  // extra fractional bits kept between the two passes
)

// cosines[M][x*M+u] is a(x, u) for the scales M = 1, 2, 4, 8, in fixed point.
var cosines = func() (t [9][64]int32) {
	for _, m := range []int{1, 2, 4, 8} {
		for x := range m {
			for u := range m {
				c := 1.0
				if u == 0 {
					c = 1 / math.Sqrt2
				}
				a := c / 2 * math.Cos(float64(2*x+1)*float64(u)*math.Pi/float64(2*m))
				t[m][x*m+u] = int32(math.Round(a * (1 << constBits)))
			}
		}
	}
	return t
}()

// clampSample turns a descaled value into a sample, 0..255.
func clampSample(v int32) uint8 {
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(v)
}

// Rounding and level shift (+128) for the end of the second pass.
const (
	pass1Round = 1 << (constBits - passBits - 1)
	pass2Bias  = 1<<(constBits+passBits-1) + 128<<(constBits+passBits)
)

// idct writes the m×m samples of block b (coefficients dequantized, at
// b[v*m+u]) to dst, rows stride apart. ac says whether any coefficient but
// the first is non-zero.
func idct(b *[64]int32, m int, ac bool, dst []byte, stride int) {
	if !ac || m == 1 {
		// Every sample is the mean.
		v := clampSample((b[0]+4)>>3 + 128)
		for y := range m {
			row := dst[y*stride : y*stride+m]
			for x := range row {
				row[x] = v
			}
		}
		return
	}
	switch m {
	case 2:
		idct2(b, dst, stride)
	case 4:
		idct4(b, dst, stride)
	default:
		idct8(b, dst, stride)
	}
}

// idct2 is the 2×2 IDCT (scale 1/4).
func idct2(b *[64]int32, dst []byte, stride int) {
	t := &cosines[2]
	a0, a1 := t[0], t[1]
	var ws [4]int32
	for u := range 2 {
		e, o := a0*b[u], a1*b[2+u]
		ws[u] = (e + o + pass1Round) >> (constBits - passBits)
		ws[2+u] = (e - o + pass1Round) >> (constBits - passBits)
	}
	for y := range 2 {
		e, o := a0*ws[2*y], a1*ws[2*y+1]
		row := dst[y*stride : y*stride+2]
		row[0] = clampSample((e + o + pass2Bias) >> (constBits + passBits))
		row[1] = clampSample((e - o + pass2Bias) >> (constBits + passBits))
	}
}

// idct4 is the 4×4 IDCT (scale 1/2); a column of zero AC coefficients,
// the common case, is its mean.
func idct4(b *[64]int32, dst []byte, stride int) {
	t := &cosines[4]
	a00, a02, a01, a03 := t[0], t[2], t[1], t[3]
	a10, a12, a11, a13 := t[4], t[6], t[5], t[7]
	var ws [16]int32
	const sh = constBits - passBits
	for u := range 4 {
		x0, x1, x2, x3 := b[u], b[4+u], b[8+u], b[12+u]
		if x1|x2|x3 == 0 {
			v := (a00*x0 + pass1Round) >> sh
			ws[u], ws[4+u], ws[8+u], ws[12+u] = v, v, v, v
			continue
		}
		e0, e1 := a00*x0+a02*x2, a10*x0+a12*x2
		o0, o1 := a01*x1+a03*x3, a11*x1+a13*x3
		ws[u] = (e0 + o0 + pass1Round) >> sh
		ws[4+u] = (e1 + o1 + pass1Round) >> sh
		ws[8+u] = (e1 - o1 + pass1Round) >> sh
		ws[12+u] = (e0 - o0 + pass1Round) >> sh
	}
	const sh2 = constBits + passBits
	for y := range 4 {
		x0, x1, x2, x3 := ws[4*y], ws[4*y+1], ws[4*y+2], ws[4*y+3]
		e0, e1 := a00*x0+a02*x2, a10*x0+a12*x2
		o0, o1 := a01*x1+a03*x3, a11*x1+a13*x3
		row := dst[y*stride : y*stride+4 : y*stride+4]
		row[0] = clampSample((e0 + o0 + pass2Bias) >> sh2)
		row[1] = clampSample((e1 + o1 + pass2Bias) >> sh2)
		row[2] = clampSample((e1 - o1 + pass2Bias) >> sh2)
		row[3] = clampSample((e0 - o0 + pass2Bias) >> sh2)
	}
}

// idct8 is the full-size 8×8 IDCT.
func idct8(b *[64]int32, dst []byte, stride int) {
	var ws [64]int32
	const sh = constBits - passBits
	for u := range 8 {
		x0, x1, x2, x3 := b[u], b[8+u], b[16+u], b[24+u]
		x4, x5, x6, x7 := b[32+u], b[40+u], b[48+u], b[56+u]
		if x1|x2|x3|x4|x5|x6|x7 == 0 {
			v := (c8.c0*x0 + pass1Round) >> sh
			for y := range 8 {
				ws[8*y+u] = v
			}
			continue
		}
		o0, o1, o2, o3, o4, o5, o6, o7 := idct1D8(x0, x1, x2, x3, x4, x5, x6, x7)
		ws[u] = (o0 + pass1Round) >> sh
		ws[8+u] = (o1 + pass1Round) >> sh
		ws[16+u] = (o2 + pass1Round) >> sh
		ws[24+u] = (o3 + pass1Round) >> sh
		ws[32+u] = (o4 + pass1Round) >> sh
		ws[40+u] = (o5 + pass1Round) >> sh
		ws[48+u] = (o6 + pass1Round) >> sh
		ws[56+u] = (o7 + pass1Round) >> sh
	}
	const sh2 = constBits + passBits
	for y := range 8 {
		r := ws[8*y : 8*y+8 : 8*y+8]
		o0, o1, o2, o3, o4, o5, o6, o7 := idct1D8(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7])
		row := dst[y*stride : y*stride+8 : y*stride+8]
		row[0] = clampSample((o0 + pass2Bias) >> sh2)
		row[1] = clampSample((o1 + pass2Bias) >> sh2)
		row[2] = clampSample((o2 + pass2Bias) >> sh2)
		row[3] = clampSample((o3 + pass2Bias) >> sh2)
		row[4] = clampSample((o4 + pass2Bias) >> sh2)
		row[5] = clampSample((o5 + pass2Bias) >> sh2)
		row[6] = clampSample((o6 + pass2Bias) >> sh2)
		row[7] = clampSample((o7 + pass2Bias) >> sh2)
	}
}

// c8 are the distinct values of a(x, u) for M = 8: ck = a(0, k) for the
// even k (a(x, 0) and ±a(x, 4) are the same for every x, a(x, 2) and
// a(x, 6) take the values ±c2, ±c6), and the odd columns' 4×4.
var c8 = struct {
	c0, c2, c4, c6 int32
	odd            [4][4]int32 // odd[x][j] = a(x, 2j+1)
}{
	c0: cosines[8][0], c2: cosines[8][2], c4: cosines[8][4], c6: cosines[8][6],
	odd: func() (o [4][4]int32) {
		for x := range 4 {
			for j := range 4 {
				o[x][j] = cosines[8][8*x+2*j+1]
			}
		}
		return o
	}(),
}

// idct1D8 is the 8-point transform, before descaling: the even
// coefficients' half, the same for x and 7−x, plus or minus the odd ones'.
func idct1D8(x0, x1, x2, x3, x4, x5, x6, x7 int32) (o0, o1, o2, o3, o4, o5, o6, o7 int32) {
	ee0, ee1 := c8.c0*x0+c8.c4*x4, c8.c0*x0-c8.c4*x4
	eo0, eo1 := c8.c2*x2+c8.c6*x6, c8.c6*x2-c8.c2*x6
	e0, e1, e2, e3 := ee0+eo0, ee1+eo1, ee1-eo1, ee0-eo0
	k := &c8.odd
	d0 := k[0][0]*x1 + k[0][1]*x3 + k[0][2]*x5 + k[0][3]*x7
	d1 := k[1][0]*x1 + k[1][1]*x3 + k[1][2]*x5 + k[1][3]*x7
	d2 := k[2][0]*x1 + k[2][1]*x3 + k[2][2]*x5 + k[2][3]*x7
	d3 := k[3][0]*x1 + k[3][1]*x3 + k[3][2]*x5 + k[3][3]*x7
	return e0 + d0, e1 + d1, e2 + d2, e3 + d3, e3 - d3, e2 - d2, e1 - d1, e0 - d0
}
