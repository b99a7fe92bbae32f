package imaging

import (
	"image"
	"image/color"
	"testing"
)

func TestFitWidthSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		w, h     int
		maxWidth int
		want     image.Point // zero means img returned unchanged
	}{
		{name: "4:3 photo", w: 4000, h: 3000, maxWidth: 1000, want: image.Pt(1000, 750)},
		{name: "less than 2:1", w: 4000, h: 3000, maxWidth: 2048, want: image.Pt(2048, 1536)},
		{name: "portrait", w: 3000, h: 4000, maxWidth: 1000, want: image.Pt(1000, 1333)},
		{name: "one pixel too wide", w: 1001, h: 10, maxWidth: 1000, want: image.Pt(1000, 10)},
		{name: "odd sizes", w: 999, h: 333, maxWidth: 100, want: image.Pt(100, 33)},
		{name: "very wide keeps one row", w: 10000, h: 1, maxWidth: 100, want: image.Pt(100, 1)},
		{name: "tall and narrow", w: 3, h: 1000, maxWidth: 1, want: image.Pt(1, 333)},
		{name: "never upscales", w: 100, h: 100, maxWidth: 200},
		{name: "exactly fits", w: 200, h: 100, maxWidth: 200},
		{name: "no limit", w: 5000, h: 100, maxWidth: 0},
		{name: "negative limit", w: 5000, h: 100, maxWidth: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			img := image.NewGray(image.Rect(0, 0, tt.w, tt.h))
			got := FitWidth(img, tt.maxWidth)
			if tt.want == (image.Point{}) {
				if got != image.Image(img) {
					t.Errorf("got a new %v image, want the input unchanged", got.Bounds())
				}
				return
			}
			if got.Bounds() != (image.Rectangle{Max: tt.want}) {
				t.Errorf("bounds %v, want %v", got.Bounds(), tt.want)
			}
		})
	}
}

func TestFitWidthColours(t *testing.T) {
	t.Parallel()
	// A uniform translucent colour stays exactly the same at any scale and
	// from any source representation.
	c := color.NRGBA{200, 100, 50, 128}
	r := image.Rect(10, 10, 1010, 510)
	nrgba := image.NewNRGBA(r)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			nrgba.SetNRGBA(x, y, c)
		}
	}
	want := color.RGBAModel.Convert(c).(color.RGBA)
	for _, maxWidth := range []int{700, 250, 33} {
		got := toRGBA(FitWidth(nrgba, maxWidth))
		for y := range got.Rect.Dy() {
			for x := range got.Rect.Dx() {
				if p := got.RGBAAt(x, y); !near(p, want, 1) {
					t.Fatalf("maxWidth %d: pixel (%d,%d) = %v, want %v", maxWidth, x, y, p, want)
				}
			}
		}
	}
}

func TestFitWidthDoesNotAlias(t *testing.T) {
	t.Parallel()
	// One-pixel black and white columns shrunk 4:1 must average to grey.
	// Sampling only the nearest 2×2 pixels would give black, white or
	// stripes instead.
	src := image.NewRGBA(image.Rect(0, 0, 4000, 40))
	for y := range 40 {
		for x := 0; x < 4000; x += 2 {
			src.SetRGBA(x, y, color.RGBA{255, 255, 255, 255})
			src.SetRGBA(x+1, y, color.RGBA{0, 0, 0, 255})
		}
	}
	got := toRGBA(FitWidth(src, 1000))
	for x := range 1000 {
		// At the edges the filter's window is cut and renormalized (as
		// Pillow does), which leans a little towards the edge column.
		tol := 2
		if x == 0 || x == 999 {
			tol = 12
		}
		if p := got.RGBAAt(x, 5); !near(p, color.RGBA{128, 128, 128, 255}, tol) {
			t.Fatalf("pixel (%d,5) = %v, want mid grey ± %d", x, p, tol)
		}
	}
}

func BenchmarkFitWidth(b *testing.B) {
	src := image.NewRGBA(image.Rect(0, 0, 4000, 3000))
	for i := range src.Pix {
		src.Pix[i] = byte(i * 7)
	}
	for _, w := range []struct {
		name string
		px   int
	}{{"to2048", 2048}, {"to1000", 1000}} {
		b.Run(w.name, func(b *testing.B) {
			for b.Loop() {
				FitWidth(src, w.px)
			}
		})
	}
}
