package jpegenc

import (
	"math/rand/v2"
	"testing"
)

// TestConvertRows: the two-lane conversion gives, for every pixel and 2×2
// square, the values of luma and chroma, at the extremes of each component
// and on random pixels, for even and odd widths, with the last column
// repeated into the padding.
func TestConvertRows(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, w := range []int{1, 2, 3, 16, 33, 1600} {
		padW := (w + 15) &^ 15
		for trial := range 20 {
			a, b := make([]byte, 4*w), make([]byte, 4*w)
			for i := range a {
				switch trial {
				case 0:
					a[i], b[i] = 0, 0
				case 1:
					a[i], b[i] = 255, 255
				case 2:
					a[i], b[i] = byte(255*(i/4%2)), byte(255*(1-i/4%2))
				default:
					a[i], b[i] = byte(rng.UintN(256)), byte(rng.UintN(256))
				}
			}
			ya, yb := make([]int16, padW), make([]int16, padW)
			cb, cr := make([]int16, padW/2), make([]int16, padW/2)
			convertRows(a, b, w, ya, yb, cb, cr)
			px := func(p []byte, x int) (int, int, int) {
				x = min(x, w-1)
				return int(p[4*x]), int(p[4*x+1]), int(p[4*x+2])
			}
			for x := range padW {
				if got, want := ya[x], luma(px(a, x)); got != want {
					t.Fatalf("w %d trial %d: ya[%d] = %d, want %d", w, trial, x, got, want)
				}
				if got, want := yb[x], luma(px(b, x)); got != want {
					t.Fatalf("w %d trial %d: yb[%d] = %d, want %d", w, trial, x, got, want)
				}
			}
			for x := range padW / 2 {
				var r, g, bl int
				for _, p := range [][]byte{a, b} {
					for dx := range 2 {
						pr, pg, pb := px(p, 2*x+dx)
						r, g, bl = r+pr, g+pg, bl+pb
					}
				}
				wantCb, wantCr := chroma(r, g, bl)
				if cb[x] != wantCb || cr[x] != wantCr {
					t.Fatalf("w %d trial %d: cb, cr[%d] = %d, %d, want %d, %d", w, trial, x, cb[x], cr[x], wantCb, wantCr)
				}
			}
		}
	}
}
