// Package jpegspec holds what ITU-T T.81 defines that segview's JPEG
// decoder (package jpegscale) and encoder (package jpegenc) both use.
package jpegspec

// Zigzag[k] is the natural (row-major) index v·8+u of the k-th coefficient
// of an 8×8 block in zig-zag order (T.81 figure A.6): the anti-diagonals
// u+v = s in turn, even ones from bottom left to top right, odd ones from
// top right to bottom left, starting with the DC term.
var Zigzag = func() (z [64]uint8) {
	k := 0
	for s := range 15 {
		for i := max(0, s-7); i <= min(s, 7); i++ {
			u, v := i, s-i
			if s%2 == 1 {
				u, v = s-i, i
			}
			z[k] = uint8(v*8 + u)
			k++
		}
	}
	return z
}()
