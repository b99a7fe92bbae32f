package export

import (
	"github.com/segview/segview/internal/overlay"
)

// RLE is a binary mask in COCO's run-length encoding, its compressed form
// (pycocotools' RLE with "counts" a string): Size is [height, width], and
// Counts the lengths of the runs of the mask's pixels in column-major
// order (down the first column, then the next), alternating between runs
// out of the mask and runs in it, starting with a run out (of length 0
// when the first pixel is in).
type RLE struct {
	Size   [2]int `json:"size"`
	Counts string `json:"counts"`
}

// EncodeRLE encodes a mask as COCO RLE.
func EncodeRLE(m *overlay.Mask) RLE {
	return RLE{Size: [2]int{m.H, m.W}, Counts: compressCounts(runs(m))}
}

// runs returns the mask's runs in column-major order, the first one a run
// out of the mask. Only the mask's bounds are visited: the columns beside
// them and the rows above and below are out.
func runs(m *overlay.Mask) []int {
	var out []int
	cur, in := 0, false // the run being counted, and whether it is in
	add := func(n int, v bool) {
		if n == 0 {
			return
		}
		if v != in {
			out = append(out, cur)
			cur, in = 0, v
		}
		cur += n
	}
	r := m.Rect
	if r.Empty() {
		return []int{m.W * m.H}
	}
	add(r.Min.X*m.H, false)
	for x := r.Min.X; x < r.Max.X; x++ {
		add(r.Min.Y, false)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			add(1, m.Pix[(y-r.Min.Y)*r.Dx()+x-r.Min.X] != 0)
		}
		add(m.H-r.Max.Y, false)
	}
	add((m.W-r.Max.X)*m.H, false)
	return append(out, cur)
}

// compressCounts writes run lengths as COCO's counts string (pycocotools'
// rleToString): from the fourth on, each count is written as its
// difference from the count two before it (the previous run of the same
// kind); each number, in two's complement, is cut into 5-bit groups, least
// significant first, each written as one character: the group, plus 0x20
// when more groups follow, plus 48. The last group is the one after which
// the remaining bits are all copies of its top bit (0x10), the sign.
func compressCounts(counts []int) string {
	buf := make([]byte, 0, 2*len(counts))
	for i, c := range counts {
		x := int64(c)
		if i > 2 {
			x -= int64(counts[i-2])
		}
		for {
			g := byte(x & 0x1f)
			x >>= 5 // arithmetic: keeps the sign
			more := x != 0
			if g&0x10 != 0 {
				more = x != -1
			}
			if more {
				g |= 0x20
			}
			buf = append(buf, g+48)
			if !more {
				break
			}
		}
	}
	return string(buf)
}
