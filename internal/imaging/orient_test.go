package imaging

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"testing"

	"github.com/segview/segview/internal/imagetest"
)

func toRGBA(img image.Image) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(out, out.Rect, img, img.Bounds().Min, draw.Src)
	return out
}

// numbered is a 5×3 image whose pixels all differ, so a transform that
// moves any pixel to the wrong place is caught.
func numbered() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 5, 3))
	for y := range 3 {
		for x := range 5 {
			img.SetRGBA(x, y, color.RGBA{uint8(10 * x), uint8(60 * y), uint8(x + 5*y), 255})
		}
	}
	return img
}

func TestOrient(t *testing.T) {
	t.Parallel()
	want := numbered()
	// Each representation exercises a different pixel size or the
	// conversion path; all must agree with the EXIF definition.
	kinds := map[string]func(image.Image) image.Image{
		"RGBA": func(m image.Image) image.Image { return m },
		"NRGBA": func(m image.Image) image.Image {
			n := image.NewNRGBA(m.Bounds())
			draw.Draw(n, n.Rect, m, m.Bounds().Min, draw.Src)
			return n
		},
		"RGBA64": func(m image.Image) image.Image {
			n := image.NewRGBA64(m.Bounds())
			draw.Draw(n, n.Rect, m, m.Bounds().Min, draw.Src)
			return n
		},
		"sub-image at an offset": func(m image.Image) image.Image {
			big := image.NewRGBA(image.Rect(-3, -2, 12, 9))
			r := m.Bounds().Add(image.Pt(2, 4))
			draw.Draw(big, r, m, m.Bounds().Min, draw.Src)
			return big.SubImage(r)
		},
		"Paletted (converted)": func(m image.Image) image.Image {
			var pal color.Palette
			seen := map[color.Color]bool{}
			for y := range m.Bounds().Dy() {
				for x := range m.Bounds().Dx() {
					if c := m.At(x, y); !seen[c] {
						seen[c] = true
						pal = append(pal, c)
					}
				}
			}
			p := image.NewPaletted(m.Bounds(), pal)
			draw.Draw(p, p.Rect, m, m.Bounds().Min, draw.Src)
			return p
		},
	}
	for name, convert := range kinds {
		for o := 1; o <= 8; o++ {
			t.Run(fmt.Sprintf("%s/%d", name, o), func(t *testing.T) {
				t.Parallel()
				got := toRGBA(Orient(convert(imagetest.Stored(want, o)), o))
				if got.Rect != want.Rect {
					t.Fatalf("bounds %v, want %v", got.Rect, want.Rect)
				}
				for y := range want.Rect.Dy() {
					for x := range want.Rect.Dx() {
						if g, w := got.RGBAAt(x, y), want.RGBAAt(x, y); g != w {
							t.Errorf("pixel (%d,%d) = %v, want %v", x, y, g, w)
						}
					}
				}
			})
		}
	}
}

func TestOrientKeepsType(t *testing.T) {
	t.Parallel()
	r := image.Rect(0, 0, 4, 2)
	tests := []struct {
		in   image.Image
		want string
	}{
		{image.NewGray(r), "*image.Gray"},
		{image.NewGray16(r), "*image.Gray16"},
		{image.NewNRGBA(r), "*image.NRGBA"},
		{image.NewCMYK(r), "*image.CMYK"},
		{image.NewYCbCr(r, image.YCbCrSubsampleRatio420), "*image.RGBA"},
	}
	for _, tt := range tests {
		got := Orient(tt.in, 6)
		if typ := fmt.Sprintf("%T", got); typ != tt.want {
			t.Errorf("Orient(%T, 6) is %s, want %s", tt.in, typ, tt.want)
		}
		if got.Bounds() != image.Rect(0, 0, 2, 4) {
			t.Errorf("Orient(%T, 6) bounds %v, want 2×4", tt.in, got.Bounds())
		}
	}
}

func TestOrientIdentity(t *testing.T) {
	t.Parallel()
	img := numbered()
	for _, o := range []int{1, 0, 9, -4} {
		if got := Orient(img, o); got != image.Image(img) {
			t.Errorf("Orient(img, %d) returned a different image", o)
		}
	}
	if Orient(nil, 6) != nil {
		t.Error("Orient(nil) is not nil")
	}
	empty := image.NewRGBA(image.Rect(0, 0, 0, 5))
	if got := Orient(empty, 6).Bounds(); got != image.Rect(0, 0, 5, 0) {
		t.Errorf("Orient(empty) bounds %v", got)
	}
}

func BenchmarkOrient6(b *testing.B) {
	r := image.Rect(0, 0, 4000, 3000)
	for name, img := range map[string]image.Image{
		"RGBA":  image.NewRGBA(r),
		"YCbCr": image.NewYCbCr(r, image.YCbCrSubsampleRatio420),
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				Orient(img, 6)
			}
		})
	}
}
