package imaging

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/segview/segview/internal/jpegscale"
	"github.com/segview/segview/internal/jpegturbo"
)

// jpegscale's scaled decodes against libjpeg-turbo's at the same scale,
// plane by plane. At 1/1 and 1/8 both compute the same thing (the T.81
// IDCT; a block's mean) in different fixed point: ≥ 55 dB (about 61
// measured). At 1/2 and 1/4 they differ by design: libjpeg-turbo's 4×4 and
// 2×2 IDCTs give the mean of each 2×2 or 4×4 square of the full IDCT, so
// they fold in the frequencies M..7 (aliased) and soften those below
// (by cos(uπ/16)); jpegscale keeps the M lowest as they are. On the
// fixtures' noise and hard edges that is 33–41 dB apart; a misplaced block
// or coefficient costs far more.
func TestJPEGScaleMatchesTurbo(t *testing.T) {
	t.Parallel()
	if !jpegturbo.Available() {
		t.Skip("libjpeg-turbo is not available: " + jpegturbo.Status())
	}
	minPSNR := map[int]float64{1: 55, 2: 30, 4: 30, 8: 55}
	for _, name := range []string{"420-big", "420-big-progressive", "444-big-progressive-restart", "gray-big", "422", "440"} {
		data, err := os.ReadFile(filepath.Join("..", "jpegscale", "testdata", name+".jpg"))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := DecodeConfig(data, Options{IgnoreEXIF: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []int{1, 2, 4, 8} {
			t.Run(name+"/"+string(rune('0'+m))+"of8", func(t *testing.T) {
				t.Parallel()
				minW := jpegscale.Scaled(cfg.Width, m)
				got, err := jpegscale.Decode(data, jpegscale.Options{MinWidth: minW})
				if err != nil {
					t.Fatal(err)
				}
				want, err := jpegturbo.DecodePlanes(data, jpegturbo.Options{MinWidth: minW})
				if err != nil {
					t.Fatal(err)
				}
				if got.Bounds() != want.Bounds() {
					t.Fatalf("bounds %v, libjpeg-turbo %v", got.Bounds(), want.Bounds())
				}
				gp, wp := scalePlanes(t, got), scalePlanes(t, want)
				for i := range gp {
					if p := planePSNR(gp[i], wp[i]); p < minPSNR[m] {
						t.Errorf("plane %d: PSNR %.1f dB against libjpeg-turbo, want >= %g", i, p, minPSNR[m])
					}
				}
			})
		}
	}
}

// scalePlane is one plane of a decode: its pixels, stride and size.
type scalePlane struct {
	pix       []byte
	stride    int
	width, hi int
}

func scalePlanes(t *testing.T, img image.Image) []scalePlane {
	t.Helper()
	b := img.Bounds()
	switch m := img.(type) {
	case *image.Gray:
		return []scalePlane{{m.Pix, m.Stride, b.Dx(), b.Dy()}}
	case *image.YCbCr:
		cw, ch, ok := chromaExtent(m.SubsampleRatio, b.Dx(), b.Dy())
		if !ok {
			t.Fatalf("ratio %v", m.SubsampleRatio)
		}
		c := scalePlane{m.Cb, m.CStride, int(math.Ceil(cw)), int(math.Ceil(ch))}
		cr := c
		cr.pix = m.Cr
		return []scalePlane{{m.Y, m.YStride, b.Dx(), b.Dy()}, c, cr}
	}
	t.Fatalf("decoded a %T", img)
	return nil
}

func planePSNR(a, b scalePlane) float64 {
	var sum float64
	for y := range a.hi {
		for x := range a.width {
			d := float64(a.pix[y*a.stride+x]) - float64(b.pix[y*b.stride+x])
			sum += d * d
		}
	}
	if sum == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255*float64(a.width*a.hi)/sum)
}

// What jpegscale refuses, the pure-Go path decodes with image/jpeg: the
// same image as image/jpeg's, flattened as Decode flattens.
func TestDecodeGoFallsBackToImageJPEG(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, path string }{
		{"CMYK (Adobe)", "testdata/cmyk.jpg"},
		{"RGB components", "../jpegscale/testdata/rgb.jpg"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := jpegscale.Decode(data, jpegscale.Options{}); err == nil {
				t.Fatal("jpegscale decodes it: no fallback to test")
			}
			got, info, err := Decode(data, Options{Decoder: DecoderGo, MinWidth: 8})
			if err != nil {
				t.Fatal(err)
			}
			want, err := jpeg.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			want = flatten(want)
			if info.Decoder != DecoderGo || got.Bounds() != want.Bounds() {
				t.Fatalf("Decoder %q, bounds %v; want go, %v (image/jpeg, full size)", info.Decoder, got.Bounds(), want.Bounds())
			}
			b := want.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					if got.At(x, y) != want.At(x, y) {
						t.Fatalf("pixel (%d, %d) %v, image/jpeg %v", x, y, got.At(x, y), want.At(x, y))
					}
				}
			}
		})
	}
	// Damaged data jpegscale refuses and image/jpeg too: an error, as before.
	data, err := os.ReadFile("../jpegscale/testdata/420-big-progressive.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Decode(data[:len(data)/2], Options{Decoder: DecoderGo}); err == nil {
		t.Error("a truncated progressive JPEG decoded without error")
	}
}
