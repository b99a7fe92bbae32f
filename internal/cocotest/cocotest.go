// Package cocotest reads COCO run-length encoded masks back, for tests. It
// is written from the format's definition (the COCO data format and
// pycocotools' compressed "counts" strings), apart from segview's encoder
// in package export, so that a test of one against the other can fail.
//
// The format: a mask of height h and width w is read in column-major
// order (down each column, left to right), as runs of alternating value,
// the first a run of 0s (empty when the first pixel is 1). The compressed
// counts string writes each run length as a sequence of characters, 5 bits
// a character, least significant first: character − 48 holds the 5 bits
// in its low bits and 0x20 when another character follows; the value is
// signed, its sign the top bit (0x10) of the last group. From the fourth
// run on, the value written is the run's length minus the length of the
// run two before it.
package cocotest

import "fmt"

// DecodeCounts returns the run lengths of a compressed counts string.
func DecodeCounts(s string) ([]int, error) {
	var out []int
	for p := 0; p < len(s); {
		var x int64
		for k := 0; ; k++ {
			if p >= len(s) {
				return nil, fmt.Errorf("counts %q end inside a number", s)
			}
			c := int64(s[p]) - 48
			p++
			if c < 0 || c > 63 {
				return nil, fmt.Errorf("counts %q: character %q outside 48..111", s, s[p-1])
			}
			x |= (c & 0x1f) << (5 * k)
			if c&0x20 == 0 {
				if c&0x10 != 0 {
					x |= -1 << (5 * (k + 1)) // negative: extend the sign
				}
				break
			}
			if k > 12 {
				return nil, fmt.Errorf("counts %q: a number longer than 64 bits", s)
			}
		}
		if len(out) > 2 {
			x += int64(out[len(out)-2])
		}
		if x < 0 {
			return nil, fmt.Errorf("counts %q: negative run %d", s, x)
		}
		out = append(out, int(x))
	}
	return out, nil
}

// Mask is a decoded mask: In[y*W+x] tells whether pixel (x, y) is in it.
type Mask struct {
	W, H int
	In   []bool
	// Ones is the number of pixels in the mask: the lengths of its runs
	// of 1s added up.
	Ones int
}

// Count is the number of pixels in the mask, counted in In.
func (m Mask) Count() int {
	n := 0
	for _, v := range m.In {
		if v {
			n++
		}
	}
	return n
}

// Decode returns the mask of an RLE of size [h, w] with a compressed
// counts string. The runs must cover the mask exactly.
func Decode(size [2]int, counts string) (Mask, error) {
	h, w := size[0], size[1]
	runs, err := DecodeCounts(counts)
	if err != nil {
		return Mask{}, err
	}
	m := Mask{W: w, H: h, In: make([]bool, w*h)}
	pos := 0 // column-major index
	for i, n := range runs {
		if pos+n > w*h {
			return Mask{}, fmt.Errorf("runs cover more than the %d×%d mask", h, w)
		}
		if i%2 == 1 {
			m.Ones += n
			for j := pos; j < pos+n; j++ {
				x, y := j/h, j%h
				m.In[y*w+x] = true
			}
		}
		pos += n
	}
	if pos != w*h {
		return Mask{}, fmt.Errorf("runs cover %d of the %d×%d mask's %d pixels", pos, h, w, w*h)
	}
	return m, nil
}
