package handlers

import (
	"fmt"
	"strings"

	"github.com/segview/segview/internal/overlay"
	"github.com/segview/segview/internal/render"
)

// cropDecimals is the most digits a crop coordinate may have after the
// point: a millionth of the image, finer than any pixel segview draws.
const cropDecimals = 6

// parseCrop parses the optional crop query value of an overlay image,
// "x0,y0,x1,y1": the rectangle of the image to show, normalized (0..1,
// decimals only, at most cropDecimals after the point), x0 < x1 and
// y0 < y1, each side at least render.MinCrop of the image's. nil when
// absent or empty. The bounds are checked on whole millionths, exactly.
func parseCrop(raw string) (*overlay.Crop, error) {
	if raw == "" {
		return nil, nil
	}
	bad := func(why string) error {
		return &inputError{msg: fmt.Sprintf("The crop value %q is not valid: %s.", clip(raw), why)}
	}
	parts := strings.Split(raw, ",")
	if len(parts) != 4 || len(raw) > 4*(2+cropDecimals)+3 {
		return nil, bad("it must be four numbers x0,y0,x1,y1 from 0 to 1, the rectangle's left, top, right and bottom edges")
	}
	var m [4]int // millionths
	for i, p := range parts {
		n, ok := parseMillionths(p)
		if !ok {
			return nil, bad(fmt.Sprintf("each edge must be a number from 0 to 1 with at most %d decimals", cropDecimals))
		}
		m[i] = n
	}
	if m[0] >= m[2] || m[1] >= m[3] {
		return nil, bad("x0 must be less than x1, and y0 less than y1")
	}
	minSide := int(render.MinCrop * 1e6)
	if m[2]-m[0] < minSide || m[3]-m[1] < minSide {
		return nil, bad(fmt.Sprintf("each side must be at least %g of the image's", render.MinCrop))
	}
	return &overlay.Crop{X0: float64(m[0]) / 1e6, Y0: float64(m[1]) / 1e6, X1: float64(m[2]) / 1e6, Y1: float64(m[3]) / 1e6}, nil
}

// parseMillionths parses a number from 0 to 1 written as "0", "1", "0.25",
// ".25" or "1.0" (no sign, no exponent, at most cropDecimals decimals) into
// millionths.
func parseMillionths(s string) (int, bool) {
	whole, frac, dot := strings.Cut(s, ".")
	if (whole != "0" && whole != "1" && !(whole == "" && dot)) || (dot && (frac == "" || len(frac) > cropDecimals)) {
		return 0, false
	}
	n := 0
	if whole == "1" {
		n = 1_000_000
	}
	scale := 100_000
	for _, r := range frac {
		if r < '0' || r > '9' {
			return 0, false
		}
		n += int(r-'0') * scale
		scale /= 10
	}
	if n > 1_000_000 {
		return 0, false
	}
	return n, true
}
