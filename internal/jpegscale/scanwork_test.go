package jpegscale

import (
	"errors"
	"testing"

	"github.com/segview/segview/internal/imagetest"
)

// The scans may cover at most MaxScanWork times the image's blocks; the
// scan that goes past is refused from its header, before its data is
// decoded (its data here is damaged, which would be ErrFormat).
func TestScanWorkBound(t *testing.T) {
	t.Parallel()
	const w, h = 400, 300 // 50×38 blocks
	tests := []struct {
		name    string
		data    []byte
		want    error
		decodes bool
	}{
		{"two AC scans", imagetest.ProgressiveGray(w, h, 2, false), nil, true},
		{"at the bound: the DC scan and MaxScanWork-1 AC scans", imagetest.ProgressiveGray(w, h, MaxScanWork-1, false), nil, true},
		{"damaged AC scan within the bound", imagetest.ProgressiveGray(w, h, 3, true), ErrFormat, false},
		{"one scan past the bound, damaged: refused before its data", imagetest.ProgressiveGray(w, h, MaxScanWork, true), ErrTooManyScans, false},
		{"499 scans", imagetest.ProgressiveGray(w, h, 499, false), ErrTooManyScans, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, minWidth := range []int{0, 50} {
				img, err := Decode(tt.data, Options{MinWidth: minWidth})
				if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
					t.Fatalf("MinWidth %d: error %v, want %v", minWidth, err, tt.want)
				}
				if (img != nil) != tt.decodes {
					t.Fatalf("MinWidth %d: image %v, want one: %v", minWidth, img != nil, tt.decodes)
				}
				if errors.Is(err, ErrUnsupported) {
					t.Fatalf("MinWidth %d: %v is ErrUnsupported: a caller would retry with image/jpeg", minWidth, err)
				}
			}
			// Memory reads the headers before the first scan only: the
			// bound is not its business.
			if _, err := Memory(tt.data, Options{}); err != nil {
				t.Fatalf("Memory: %v", err)
			}
		})
	}
}

// ErrUnsupported comes from the headers only, before any scan data: so
// Memory, which reads no further, refuses the same files, and a caller
// that falls back to image/jpeg on it never decodes twice. A marker
// jpegscale does not support after the first scan is damage (image/jpeg
// refuses it too).
func TestUnsupportedOnlyBeforeScans(t *testing.T) {
	t.Parallel()
	multiscan := readFixture(t, "420-multiscan")
	first := segment(t, multiscan, 0xda)
	second := first + 2 + segment(t, multiscan[first+2:], 0xda)
	dnl := []byte{0xff, 0xdc, 0x00, 0x04, 0x00, 0x2b}
	insert := func(at int, seg []byte) []byte {
		return append(append(append([]byte{}, multiscan[:at]...), seg...), multiscan[at:]...)
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"DNL before the first scan", insert(first, dnl), ErrUnsupported},
		{"DNL after the first scan", insert(second, dnl), ErrFormat},
		{"SOF9 after the first scan", insert(second, []byte{0xff, 0xc9, 0x00, 0x02}), ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Decode(tt.data, Options{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode: error %v, want %v", err, tt.want)
			}
			_, merr := Memory(tt.data, Options{})
			if errors.Is(err, ErrUnsupported) != errors.Is(merr, ErrUnsupported) {
				t.Fatalf("Decode: %v; Memory: %v", err, merr)
			}
		})
	}
}
