package jpegspec

import "testing"

// TestZigzag checks Zigzag against the first and last rows of T.81 figure
// A.6, written out by hand, and that it visits every coefficient once.
func TestZigzag(t *testing.T) {
	t.Parallel()
	head := []uint8{0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48}
	tail := []uint8{61, 54, 47, 55, 62, 63}
	for k, want := range head {
		if Zigzag[k] != want {
			t.Errorf("Zigzag[%d] = %d, want %d", k, Zigzag[k], want)
		}
	}
	for i, want := range tail {
		if k := 64 - len(tail) + i; Zigzag[k] != want {
			t.Errorf("Zigzag[%d] = %d, want %d", k, Zigzag[k], want)
		}
	}
	var seen [64]bool
	for _, n := range Zigzag {
		if n > 63 || seen[n] {
			t.Fatalf("Zigzag is not a permutation of 0..63: %v", Zigzag)
		}
		seen[n] = true
	}
}
