package overlay

import (
	"image/color"
	"slices"
)

// palette is the categorical palette of Okabe and Ito (2008), which stays
// distinguishable under the common forms of colour blindness, in its
// canonical order. Its eighth colour, black, is left out: as a 40% fill it
// reads as shadow rather than as a mask, and its outline vanishes on dark
// photos. Segments beyond the seventh reuse the colours, in the same order.
var palette = [...]color.NRGBA{
	{0xE6, 0x9F, 0x00, 0xFF}, // orange
	{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
	{0x00, 0x9E, 0x73, 0xFF}, // bluish green
	{0xF0, 0xE4, 0x42, 0xFF}, // yellow
	{0x00, 0x72, 0xB2, 0xFF}, // blue
	{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
	{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
}

// Palette returns the segment colours in rank order, a fresh copy on each
// call: the categorical palette of Okabe and Ito (2008) without its black.
func Palette() []color.NRGBA { return slices.Clone(palette[:]) }

// Color returns the palette colour for a 1-based rank: Palette()[(rank-1) %
// len(Palette())]. Ranks below 1 wrap around the same way instead of
// panicking.
func Color(rank int) color.NRGBA {
	n := len(palette)
	return palette[((rank-1)%n+n)%n]
}
