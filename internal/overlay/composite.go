package overlay

import (
	"encoding/binary"
	"image/color"
)

// Compositing a segment's coverage masks into the image. gg's rasterizer
// draws the masks (see segments.go and raster.go), one byte a pixel, and
// compositeRow8 (maskcache.go) blends them, a row at a time:
//
//   - Fill and outline of a segment are composited in one step, each pixel
//     weighted by the areas the fill and the outline cover in it.
//   - Segments do not conflate. Drawing one anti-aliased shape after another
//     lets the background show through where they meet: two halves of a
//     pixel each covered by an opaque segment would leave a quarter of the
//     background. So the band being drawn remembers how much of each pixel
//     is covered and what was under it, and a segment's partial coverage
//     goes to the uncovered part first. Two segments sharing an edge then
//     leave no seam, while a segment inside another still tints over it.

// pixel composites one pixel that the segment covers by f/255 (its fill
// mask) and whose outline covers o/255 (the stroke mask) over px, keeping
// covered (the part of the pixel covered since it was last uniform, when
// under was its colour) up to date.
func (b *blender) pixel(px, under []byte, covered *uint8, f, o uint8) {
	// The outline's share of the pixel is the part of it within the
	// outline width of the boundary (the stroke mask), as far as it is
	// inside the polygon (the fill mask).
	cf := float32(f) / 255
	co := float32(min(f, o)) / 255
	// The segment's opacity averaged over the whole pixel.
	a := b.alpha*(cf-co) + co
	if f == 255 {
		// A whole pixel: plain source-over, whatever is under it, and
		// the pixel is uniform again.
		b.blend(px, a)
		*covered = 0
		return
	}
	if c := *covered; c == 0 {
		copy(under, px)
		b.blend(px, a)
		*covered = f
	} else {
		u := 1 - float32(c)/255
		b.share(px, under, u, cf, a)
		*covered = uint8((1-max(0, u-cf))*255 + 0.5)
	}
	if *covered == 255 {
		// Covered all over by parts of segments: as good as uniform.
		*covered = 0
	}
}

// blender composites one colour over premultiplied RGBA pixels with
// source-over, so that drawing on a transparent canvas gives a layer that,
// composited over the photo, matches drawing on the photo.
type blender struct {
	c     [3]uint32 // the colour, 0..255
	alpha float32
	// The fill at alpha, for fillRun: the colour's red and blue (and green
	// and alpha) times alpha in 8.8 fixed point, two 16-bit lanes each, and
	// 1−alpha on the same scale.
	rb, ga, keep uint32
}

func newBlender(c color.NRGBA, alpha float64) *blender {
	a := uint32(min(max(alpha, 0), 1)*256 + 0.5)
	return &blender{
		c:     [3]uint32{uint32(c.R), uint32(c.G), uint32(c.B)},
		alpha: float32(alpha),
		rb:    (uint32(c.R) | uint32(c.B)<<16) * a,
		ga:    (uint32(c.G) | 255<<16) * a,
		keep:  256 - a,
	}
}

// fillRun blends the fill into whole pixels, two pixels and four channels
// per multiplication: in each 16-bit lane, dst·(1−alpha) + c·alpha never
// exceeds 255·256, so lanes do not carry into each other.
func (b *blender) fillRun(pix []byte) {
	const lo, half = 0x00ff00ff00ff00ff, 0x0080008000800080
	keep, rb, ga := uint64(b.keep), uint64(b.rb)<<32|uint64(b.rb), uint64(b.ga)<<32|uint64(b.ga)
	i := 0
	for ; i+8 <= len(pix); i += 8 {
		p := binary.LittleEndian.Uint64(pix[i:])
		p = ((p&lo)*keep+rb+half)>>8&lo | ((p>>8&lo)*keep+ga+half)&^lo
		binary.LittleEndian.PutUint64(pix[i:], p)
	}
	if i+4 <= len(pix) {
		p := uint64(binary.LittleEndian.Uint32(pix[i:]))
		p = ((p&lo)*keep+rb+half)>>8&lo | ((p>>8&lo)*keep+ga+half)&^lo
		binary.LittleEndian.PutUint32(pix[i:], uint32(p))
	}
}

// solidRun sets whole pixels to the opaque colour: what blend does at
// opacity one.
func (b *blender) solidRun(pix []byte) {
	c := uint64(b.c[0]) | uint64(b.c[1])<<8 | uint64(b.c[2])<<16 | 255<<24
	c |= c << 32
	i := 0
	for ; i+8 <= len(pix); i += 8 {
		binary.LittleEndian.PutUint64(pix[i:], c)
	}
	if i+4 <= len(pix) {
		binary.LittleEndian.PutUint32(pix[i:], uint32(c))
	}
}

func (b *blender) blend(px []byte, a float32) {
	w := weight(float64(a))
	px[0] = mix(uint32(px[0]), b.c[0], w)
	px[1] = mix(uint32(px[1]), b.c[1], w)
	px[2] = mix(uint32(px[2]), b.c[2], w)
	px[3] = mix(uint32(px[3]), 255, w)
}

// share blends a segment covering the fraction cf of a pixel at average
// opacity a into a pixel of which the fraction u is still uncovered and
// showed under before any segment: the coverage takes the uncovered part
// first, and only the rest goes over what earlier segments drew.
func (b *blender) share(px, under []byte, u, cf, a float32) {
	cu := min(cf, u) // over the uncovered part
	ct := cf - cu    // over earlier segments
	k := a / cf      // opacity over the part covered
	src := [4]float32{float32(b.c[0]), float32(b.c[1]), float32(b.c[2]), 255}
	for ch := range 4 {
		p, bg := float32(px[ch]), float32(under[ch])
		// What earlier segments made of the covered part of the pixel.
		t := min(max((p-u*bg)/(1-u), 0), 255)
		v := p + a*src[ch] - k*(cu*bg+ct*t)
		px[ch] = uint8(min(max(v, 0), 255) + 0.5)
	}
}

// weight converts an opacity to 16-bit fixed point, 0..65536.
func weight(a float64) uint32 {
	return uint32(min(max(a, 0), 1)*65536 + 0.5)
}

// mix returns dst·(1−a) + src·a for a in 16-bit fixed point, rounded.
func mix(dst, src, a uint32) uint8 {
	return uint8((dst*(65536-a) + src*a + 32768) >> 16)
}
