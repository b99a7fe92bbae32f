package imaging

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"testing"

	"github.com/segview/segview/internal/imagetest"
	"github.com/segview/segview/internal/jpegturbo/turbotest"
)

// filterReference resamples src to w×h with the same separable filter
// as Resize, in float64 with no intermediate rounding, from an RGBA copy
// whose chroma (for a YCbCr source) image/color has already upsampled.
func filterReference(src image.Image, w, h int) [][3]float64 {
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	px := make([][3]float64, sw*sh)
	for y := range sh {
		for x := range sw {
			r, g, bl, _ := src.At(b.Min.X+x, b.Min.Y+y).RGBA()
			px[y*sw+x] = [3]float64{float64(r) / 257, float64(g) / 257, float64(bl) / 257}
		}
	}
	weights := func(i, dst, n int) (int, []float64) {
		scale := float64(n) / float64(dst)
		fs := max(scale, 1)
		c := (float64(i) + 0.5) * scale
		lo := max(int(math.Floor(c-filterSupport*fs+0.5)), 0)
		hi := min(int(math.Floor(c+filterSupport*fs+0.5)), n)
		var ws []float64
		var sum float64
		for j := lo; j < hi; j++ {
			v := filter((float64(j) + 0.5 - c) / fs)
			ws = append(ws, v)
			sum += v
		}
		for j := range ws {
			ws[j] /= sum
		}
		return lo, ws
	}
	mid := make([][3]float64, sw*h)
	for y := range h {
		lo, ws := weights(y, h, sh)
		for x := range sw {
			var acc [3]float64
			for k, wt := range ws {
				for c := range 3 {
					acc[c] += wt * px[(lo+k)*sw+x][c]
				}
			}
			mid[y*sw+x] = acc
		}
	}
	out := make([][3]float64, w*h)
	for x := range w {
		lo, ws := weights(x, w, sw)
		for y := range h {
			var acc [3]float64
			for k, wt := range ws {
				for c := range 3 {
					acc[c] += wt * mid[y*sw+lo+k][c]
				}
			}
			out[y*w+x] = acc
		}
	}
	return out
}

// psnr compares got with want (0..255 floats, clamped first) over RGB.
func psnr(got *image.RGBA, want [][3]float64) (db float64, largest float64) {
	w := got.Rect.Dx()
	var se float64
	for i, p := range want {
		x, y := i%w, i/w
		q := got.RGBAAt(x, y)
		for c, v := range [3]uint8{q.R, q.G, q.B} {
			d := float64(v) - min(max(p[c], 0), 255)
			se += d * d
			largest = max(largest, math.Abs(d))
		}
	}
	mse := se / float64(3*len(want))
	if mse == 0 {
		return math.Inf(1), 0
	}
	return 10 * math.Log10(255*255/mse), largest
}

func ycbcrOf(t *testing.T, src image.Image, ratio image.YCbCrSubsampleRatio) *image.YCbCr {
	t.Helper()
	b := src.Bounds()
	m := image.NewYCbCr(b, ratio)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := src.At(x, y).RGBA()
			yy, cb, cr := color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(bl>>8))
			m.Y[m.YOffset(x, y)] = yy
			// The chroma sample takes the value of the last pixel it
			// covers: good enough for the smooth test images.
			m.Cb[m.COffset(x, y)], m.Cr[m.COffset(x, y)] = cb, cr
		}
	}
	return m
}

func TestResizeMatchesReference(t *testing.T) {
	t.Parallel()
	photo := imagetest.Photo(643, 481, 3)
	grey := image.NewGray(photo.Rect)
	draw.Draw(grey, grey.Rect, photo, image.Point{}, draw.Src)
	nrgba := image.NewNRGBA(photo.Rect)
	draw.Draw(nrgba, nrgba.Rect, photo, image.Point{}, draw.Src)
	// A JPEG as image/jpeg decodes it: the YCbCr layout of the pure-Go path.
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, photo, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	decoded, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		src  image.Image
		w, h int
		// minDB is the PSNR against the float reference; maxDiff the
		// largest difference of one sample.
		minDB, maxDiff float64
	}{
		{"rgba 1/4", photo, 161, 120, 50, 2},
		{"rgba 2.6:1", photo, 247, 185, 50, 2},
		{"rgba 1.32:1", photo, 487, 364, 50, 2},
		{"rgba one pixel less", photo, 642, 480, 50, 2},
		{"rgba to one pixel", photo, 1, 1, 50, 2},
		{"rgba sub-image", photo.SubImage(image.Rect(100, 50, 500, 450)), 150, 150, 50, 2},
		{"gray 1/3", grey, 214, 160, 50, 2},
		{"nrgba 1/2", nrgba, 322, 241, 50, 2},
		{"ycbcr 4:4:4", ycbcrOf(t, photo, image.YCbCrSubsampleRatio444), 250, 187, 45, 4},
		{"ycbcr 4:2:2", ycbcrOf(t, photo, image.YCbCrSubsampleRatio422), 250, 187, 38, 12},
		{"ycbcr 4:2:0", ycbcrOf(t, photo, image.YCbCrSubsampleRatio420), 250, 187, 38, 12},
		{"ycbcr 4:4:0", ycbcrOf(t, photo, image.YCbCrSubsampleRatio440), 250, 187, 38, 12},
		{"ycbcr 4:1:1", ycbcrOf(t, photo, image.YCbCrSubsampleRatio411), 250, 187, 36, 16},
		{"ycbcr 4:1:0", ycbcrOf(t, photo, image.YCbCrSubsampleRatio410), 250, 187, 36, 16},
		{"decoded jpeg 1.32:1", decoded, 487, 364, 38, 16},
		{"decoded jpeg sub-image", decoded.(*image.YCbCr).SubImage(image.Rect(101, 51, 501, 451)), 150, 150, 38, 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Resize(tt.src, tt.w, tt.h)
			if got.Rect != image.Rect(0, 0, tt.w, tt.h) {
				t.Fatalf("bounds %v, want %dx%d at the origin", got.Rect, tt.w, tt.h)
			}
			db, largest := psnr(got, filterReference(tt.src, tt.w, tt.h))
			if db < tt.minDB || largest > tt.maxDiff {
				t.Errorf("PSNR %.1f dB, largest difference %.0f; want ≥ %.0f dB and ≤ %.0f", db, largest, tt.minDB, tt.maxDiff)
			}
			for i := 3; i < len(got.Pix); i += 4 {
				if got.Pix[i] != 255 {
					t.Fatalf("alpha %d at byte %d, want opaque", got.Pix[i], i)
				}
			}
		})
	}
}

func TestResizeUniform(t *testing.T) {
	t.Parallel()
	// A uniform image stays exactly uniform at every size and in every
	// layout: the weights add up to exactly one, and the filter's negative
	// lobes cancel.
	c := color.RGBA{200, 100, 50, 255}
	rgba := image.NewRGBA(image.Rect(0, 0, 333, 211))
	draw.Draw(rgba, rgba.Rect, image.NewUniform(c), image.Point{}, draw.Src)
	translucent := image.NewRGBA(image.Rect(0, 0, 333, 211))
	tc := color.RGBA{100, 50, 25, 128} // premultiplied
	draw.Draw(translucent, translucent.Rect, image.NewUniform(tc), image.Point{}, draw.Src)
	grey := image.NewGray(image.Rect(0, 0, 333, 211))
	draw.Draw(grey, grey.Rect, image.NewUniform(color.Gray{77}), image.Point{}, draw.Src)
	yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
	ycc := image.NewYCbCr(image.Rect(0, 0, 333, 211), image.YCbCrSubsampleRatio420)
	for i := range ycc.Y {
		ycc.Y[i] = yy
	}
	for i := range ycc.Cb {
		ycc.Cb[i], ycc.Cr[i] = cb, cr
	}
	r, g, b, _ := color.YCbCr{Y: yy, Cb: cb, Cr: cr}.RGBA()
	yccWant := color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 255}
	tests := []struct {
		name string
		src  image.Image
		want color.RGBA
		tol  int
	}{
		{"rgba", rgba, c, 0},
		{"translucent rgba", translucent, tc, 0},
		{"gray", grey, color.RGBA{77, 77, 77, 255}, 0},
		{"ycbcr", ycc, yccWant, 1},
	}
	sizes := []image.Point{{332, 210}, {200, 100}, {100, 67}, {17, 3}, {1, 1}, {333, 1}, {1, 211}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, s := range sizes {
				got := Resize(tt.src, s.X, s.Y)
				for y := range s.Y {
					for x := range s.X {
						if p := got.RGBAAt(x, y); !near(p, tt.want, tt.tol) {
							t.Fatalf("%v: pixel (%d,%d) = %v, want %v", s, x, y, p, tt.want)
						}
					}
				}
			}
		})
	}
}

func TestResizeKeepsPremultipliedValid(t *testing.T) {
	t.Parallel()
	// Sharp edges between opaque white and transparent make the cubic ring;
	// no colour may exceed its alpha, or the image is not valid
	// premultiplied RGBA.
	src := image.NewRGBA(image.Rect(0, 0, 300, 300))
	for y := range 300 {
		for x := range 300 {
			if (x/7+y/5)%2 == 0 {
				src.SetRGBA(x, y, color.RGBA{255, 255, 255, 255})
			}
		}
	}
	got := Resize(src, 113, 97)
	for i := 0; i < len(got.Pix); i += 4 {
		p := got.Pix[i : i+4]
		if p[0] > p[3] || p[1] > p[3] || p[2] > p[3] {
			t.Fatalf("pixel %v at byte %d has a colour above its alpha", p, i)
		}
	}
}

func TestNewKernel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		dst      int
		extent   float64
		n        int
		maxTaps  int
		firstLo  int
		lastHigh int
	}{
		{"halve", 100, 200, 200, 9, 0, 200},
		{"reduce 3.5", 1600, 5600, 5600, 15, 0, 5600},
		{"same size", 50, 50, 50, 5, 0, 50},
		{"chroma of an odd width", 10, 10.5, 11, 9, 0, 11},
		{"one output", 1, 1000, 1000, 1000, 0, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k := newKernel(tt.dst, tt.extent, tt.n)
			if k.n > tt.maxTaps {
				t.Errorf("%d taps, want at most %d", k.n, tt.maxTaps)
			}
			for i := range tt.dst {
				var sum int32
				for _, w := range k.w[i*k.n : i*k.n+k.count[i]] {
					sum += w
				}
				if sum != 1<<weightBits {
					t.Fatalf("output %d: weights add up to %d, want %d", i, sum, 1<<weightBits)
				}
				if k.start[i] < 0 || k.start[i]+k.count[i] > tt.n || k.count[i] < 1 {
					t.Fatalf("output %d: window [%d, %d) outside [0, %d)", i, k.start[i], k.start[i]+k.count[i], tt.n)
				}
			}
			// The fixed kernel of the horizontal pass: the same taps for
			// every output, the same weights on the same samples.
			f := k.fixed(tt.n)
			for i := range tt.dst {
				if f.count[i] != f.n || f.start[i] < 0 || f.start[i]+f.n > tt.n {
					t.Fatalf("fixed output %d: window [%d, %d) of %d taps outside [0, %d)", i, f.start[i], f.start[i]+f.count[i], f.n, tt.n)
				}
				for j := range tt.n {
					var a, b int32
					if o := j - k.start[i]; o >= 0 && o < k.count[i] {
						a = k.w[i*k.n+o]
					}
					if o := j - f.start[i]; o >= 0 && o < f.n {
						b = f.w[i*f.n+o]
					}
					if a != b {
						t.Fatalf("fixed output %d: weight of sample %d is %d, want %d", i, j, b, a)
					}
				}
			}
			if k.start[0] != tt.firstLo || k.start[tt.dst-1]+k.count[tt.dst-1] != tt.lastHigh {
				t.Errorf("windows span [%d, %d), want [%d, %d)", k.start[0], k.start[tt.dst-1]+k.count[tt.dst-1], tt.firstLo, tt.lastHigh)
			}
		})
	}
}

func BenchmarkResize(b *testing.B) {
	photo := imagetest.Photo(4224, 3168, 1)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, photo, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	ycc, err := jpeg.Decode(&buf)
	if err != nil {
		b.Fatal(err)
	}
	half := Resize(photo, 2112, 1584)
	for _, bm := range []struct {
		name string
		src  image.Image
	}{{"ycbcr-4224-to-1600", ycc}, {"rgba-2112-to-1600", half}, {"rgba-4224-to-1600", photo}} {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				Resize(bm.src, 1600, 1200)
			}
		})
	}
}

// DecodeSize gives the picture Decode gives, scaled to exactly the size
// asked for, upright, whichever decoder and orientation.
func TestDecodeSize(t *testing.T) {
	t.Parallel()
	upright := imagetest.Photo(640, 480, 9)
	jpegOf := func(o int) []byte {
		data := encodeJPEG(t, imagetest.Stored(upright, o))
		if o == 1 {
			return data
		}
		data, err := WithOrientation(data, o)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	grey := image.NewGray(upright.Rect)
	draw.Draw(grey, grey.Rect, upright, image.Point{}, draw.Src)
	tests := []struct {
		name    string
		data    []byte
		opts    Options
		size    image.Point
		want    image.Image // upright, at full size
		decoder string
	}{
		{"turbo, scaled decode", jpegOf(1), Options{MinWidth: 200}, image.Pt(200, 150), upright, DecoderTurbo},
		{"go", jpegOf(1), Options{MinWidth: 200, Decoder: DecoderGo}, image.Pt(200, 150), upright, DecoderGo},
		{"turbo, orientation 6", jpegOf(6), Options{MinWidth: 300}, image.Pt(300, 225), upright, DecoderTurbo},
		{"go, orientation 6", jpegOf(6), Options{MinWidth: 300, Decoder: DecoderGo}, image.Pt(300, 225), upright, DecoderGo},
		{"turbo, orientation 3", jpegOf(3), Options{MinWidth: 300}, image.Pt(300, 225), upright, DecoderTurbo},
		{"go, orientation 8", jpegOf(8), Options{MinWidth: 500, Decoder: DecoderGo}, image.Pt(500, 375), upright, DecoderGo},
		{"orientation 6 ignored", jpegOf(6), Options{MinWidth: 240, IgnoreEXIF: true}, image.Pt(240, 320), imagetest.Stored(upright, 6), DecoderTurbo},
		{"no scaling: the decode as it is", jpegOf(1), Options{}, image.Pt(640, 480), upright, DecoderTurbo},
		{"zero size: full size", jpegOf(6), Options{Decoder: DecoderGo}, image.Point{}, upright, DecoderGo},
		{"grey JPEG", encodeJPEG(t, grey), Options{MinWidth: 320}, image.Pt(320, 240), grey, DecoderTurbo},
		{"PNG", encodePNG(t, upright), Options{MinWidth: 320}, image.Pt(321, 241), upright, DecoderGo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.decoder == DecoderTurbo {
				turbotest.Need(t)
			}
			got, info, err := DecodeSize(tt.data, tt.opts, tt.size)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.size
			if want == (image.Point{}) {
				want = tt.want.Bounds().Size()
			}
			if got.Rect != (image.Rectangle{Max: want}) || image.Pt(info.Width, info.Height) != want {
				t.Fatalf("bounds %v, Info %d×%d; want %v at the origin", got.Rect, info.Width, info.Height, want)
			}
			if info.Decoder != tt.decoder {
				t.Errorf("decoder %q, want %q", info.Decoder, tt.decoder)
			}
			ref := Resize(tt.want, want.X, want.Y)
			if db, largest := psnr(got, toFloat(ref)); db < 30 {
				t.Errorf("PSNR %.1f dB (largest difference %.0f) against the upright image resized, want ≥ 30", db, largest)
			}
		})
	}
}

// toFloat lists an RGBA image's colours for psnr.
func toFloat(m *image.RGBA) [][3]float64 {
	out := make([][3]float64, 0, m.Rect.Dx()*m.Rect.Dy())
	for y := range m.Rect.Dy() {
		for x := range m.Rect.Dx() {
			p := m.RGBAAt(x, y)
			out = append(out, [3]float64{float64(p.R), float64(p.G), float64(p.B)})
		}
	}
	return out
}
