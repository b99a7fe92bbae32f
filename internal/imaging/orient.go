package imaging

import (
	"encoding/binary"
	"image"

	"golang.org/x/image/draw"
)

// Orient returns img transformed by EXIF orientation o, so that an image
// stored with Orientation o comes out as viewers display it:
//
//	1 as stored                    5 transposed (mirrored across the main diagonal)
//	2 mirrored left–right          6 rotated 90° clockwise
//	3 rotated 180°                 7 transversed (mirrored across the anti-diagonal)
//	4 mirrored top–bottom          8 rotated 90° counter-clockwise
//
// For 1 or an invalid value it returns img itself. Otherwise the result is a
// new image with its origin at (0, 0); images with a flat pixel buffer keep
// their type (a JPEG's *image.Gray stays gray), others, such as the
// *image.YCbCr of most JPEGs, become *image.RGBA.
func Orient(img image.Image, o int) image.Image {
	if img == nil || o < 2 || o > 8 {
		return img
	}
	src, ok := pixelsOf(img)
	if !ok {
		rgba := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
		draw.Draw(rgba, rgba.Rect, img, img.Bounds().Min, draw.Src)
		src, _ = pixelsOf(rgba)
	}

	w, h := src.rect.Dx(), src.rect.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst, dpix, ds := src.alloc(image.Rect(0, 0, dw, dh))
	bpp := src.bpp

	// Stored pixel (sx, sy) goes to byte offset base + sx*stepX + sy*stepY of
	// the result. Reading the source in order and scattering the writes keeps
	// the loop the same for all seven transforms.
	var base, stepX, stepY int
	switch o {
	case 2: // x = w-1-sx, y = sy
		base, stepX, stepY = (w-1)*bpp, -bpp, ds
	case 3: // x = w-1-sx, y = h-1-sy
		base, stepX, stepY = (h-1)*ds+(w-1)*bpp, -bpp, -ds
	case 4: // x = sx, y = h-1-sy
		base, stepX, stepY = (h-1)*ds, bpp, -ds
	case 5: // x = sy, y = sx
		base, stepX, stepY = 0, ds, bpp
	case 6: // x = h-1-sy, y = sx
		base, stepX, stepY = (h-1)*bpp, ds, -bpp
	case 7: // x = h-1-sy, y = w-1-sx
		base, stepX, stepY = (w-1)*ds+(h-1)*bpp, -ds, -bpp
	case 8: // x = sy, y = w-1-sx
		base, stepX, stepY = (w-1)*ds, -ds, bpp
	}

	// Rotations write down columns of the result; working in tiles keeps
	// the rows being written in cache.
	const tile = 32
	for ty := 0; ty < h; ty += tile {
		for tx := 0; tx < w; tx += tile {
			tw := min(tile, w-tx)
			for sy := ty; sy < min(ty+tile, h); sy++ {
				off := sy*src.stride + tx*bpp
				row := src.pix[off : off+tw*bpp]
				d := base + sy*stepY + tx*stepX
				switch bpp {
				case 4:
					for s := 0; s < len(row); s += 4 {
						// One 32-bit move per pixel; byte order is irrelevant.
						binary.LittleEndian.PutUint32(dpix[d:], binary.LittleEndian.Uint32(row[s:]))
						d += stepX
					}
				case 1:
					for _, v := range row {
						dpix[d] = v
						d += stepX
					}
				default:
					for s := 0; s < len(row); s += bpp {
						copy(dpix[d:d+bpp], row[s:s+bpp])
						d += stepX
					}
				}
			}
		}
	}
	return dst
}

// pixels is a view of an image with a flat, fixed-size-per-pixel buffer whose
// first byte is the pixel at rect.Min.
type pixels struct {
	pix    []byte
	stride int
	bpp    int
	rect   image.Rectangle
	// alloc makes an empty image of the same type.
	alloc func(r image.Rectangle) (img image.Image, pix []byte, stride int)
}

func pixelsOf(img image.Image) (pixels, bool) {
	switch m := img.(type) {
	case *image.RGBA:
		return pixels{m.Pix, m.Stride, 4, m.Rect, func(r image.Rectangle) (image.Image, []byte, int) {
			d := image.NewRGBA(r)
			return d, d.Pix, d.Stride
		}}, true
	case *image.NRGBA:
		return pixels{m.Pix, m.Stride, 4, m.Rect, func(r image.Rectangle) (image.Image, []byte, int) {
			d := image.NewNRGBA(r)
			return d, d.Pix, d.Stride
		}}, true
	case *image.Gray:
		return pixels{m.Pix, m.Stride, 1, m.Rect, func(r image.Rectangle) (image.Image, []byte, int) {
			d := image.NewGray(r)
			return d, d.Pix, d.Stride
		}}, true
	case *image.CMYK:
		return pixels{m.Pix, m.Stride, 4, m.Rect, func(r image.Rectangle) (image.Image, []byte, int) {
			d := image.NewCMYK(r)
			return d, d.Pix, d.Stride
		}}, true
	case *image.Gray16:
		return pixels{m.Pix, m.Stride, 2, m.Rect, func(r image.Rectangle) (image.Image, []byte, int) {
			d := image.NewGray16(r)
			return d, d.Pix, d.Stride
		}}, true
	case *image.RGBA64:
		return pixels{m.Pix, m.Stride, 8, m.Rect, func(r image.Rectangle) (image.Image, []byte, int) {
			d := image.NewRGBA64(r)
			return d, d.Pix, d.Stride
		}}, true
	case *image.NRGBA64:
		return pixels{m.Pix, m.Stride, 8, m.Rect, func(r image.Rectangle) (image.Image, []byte, int) {
			d := image.NewNRGBA64(r)
			return d, d.Pix, d.Stride
		}}, true
	}
	return pixels{}, false
}
