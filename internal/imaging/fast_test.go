package imaging

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"sync"
	"testing"

	"golang.org/x/image/draw"

	"github.com/segview/segview/internal/imagetest"
	"github.com/segview/segview/internal/jpegturbo"
	"github.com/segview/segview/internal/jpegturbo/turbotest"
)

// codecs are the two JPEG paths, by the Options.Decoder that selects them.
var codecs = []struct {
	name    string
	decoder string // Options.Decoder
	turbo   bool
}{
	{"go", DecoderGo, false},
	{"turbo", "", true},
}

// blocks is displayed() at any size: grey, a red block in the top-left
// third and a blue one in the top-right third, so that both orientation
// and scale can be checked at a few points.
func blocks(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := gray
			switch {
			case y < h/2 && x < w/3:
				c = red
			case y < h/2 && x >= w-w/3:
				c = blue
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// checkBlocks checks that img shows blocks() upright, at any size.
func checkBlocks(t *testing.T, img image.Image) {
	t.Helper()
	b := img.Bounds()
	for _, p := range []struct {
		fx, fy float64
		want   color.RGBA
	}{{1. / 6, 1. / 4, red}, {5. / 6, 1. / 4, blue}, {1. / 6, 3. / 4, gray}, {5. / 6, 3. / 4, gray}, {1. / 2, 1. / 4, gray}} {
		x, y := b.Min.X+int(p.fx*float64(b.Dx())), b.Min.Y+int(p.fy*float64(b.Dy()))
		if c := img.At(x, y); !near(c, p.want, 24) {
			t.Errorf("pixel at (%.2f, %.2f) of %v = %v, want about %v", p.fx, p.fy, b.Size(), c, p.want)
		}
	}
}

// meanDiff returns the mean absolute difference of the channels of two
// images of the same size.
func meanDiff(t *testing.T, a, b image.Image) float64 {
	t.Helper()
	ra, rb := rgbaCopy(a), rgbaCopy(b)
	if ra.Rect != rb.Rect {
		t.Fatalf("sizes differ: %v and %v", ra.Rect.Size(), rb.Rect.Size())
	}
	var sum int
	for i := range ra.Pix {
		d := int(ra.Pix[i]) - int(rb.Pix[i])
		sum += max(d, -d)
	}
	return float64(sum) / float64(len(ra.Pix))
}

// junkBeforeMarker inserts a few bytes of junk after the first marker
// segment, as some cameras do: image/jpeg skips them, libjpeg-turbo warns
// ("extraneous bytes before marker").
func junkBeforeMarker(data []byte) []byte {
	end := 4 + int(data[4])<<8 | int(data[5]) // SOI, marker, length
	out := append([]byte{}, data[:end]...)
	out = append(out, 0x00, 0x00, 0x00)
	return append(out, data[end:]...)
}

func TestDecodeBothPaths(t *testing.T) {
	t.Parallel()
	grayImg := image.NewGray(image.Rect(0, 0, 97, 61))
	draw.Draw(grayImg, grayImg.Rect, imagetest.Photo(97, 61, 2), image.Point{}, draw.Src)
	sideways, err := WithOrientation(encodeJPEG(t, imagetest.Stored(blocks(90, 60), 6)), 6)
	if err != nil {
		t.Fatal(err)
	}
	baseline := encodeJPEG(t, imagetest.Photo(301, 199, 3))

	tests := []struct {
		name string
		data []byte
		size image.Point
		// turboDecoder is Info.Decoder when libjpeg-turbo may be used.
		turboDecoder string
	}{
		{"jpeg baseline", baseline, image.Pt(301, 199), DecoderTurbo},
		{"jpeg grayscale", encodeJPEG(t, grayImg), image.Pt(97, 61), DecoderTurbo},
		{"jpeg orientation 6", sideways, image.Pt(90, 60), DecoderTurbo},
		{"jpeg junk before a marker falls back to go", junkBeforeMarker(baseline), image.Pt(301, 199), DecoderGo},
		{"png", encodePNG(t, imagetest.Photo(30, 20, 4)), image.Pt(30, 20), DecoderGo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			results := map[string]image.Image{}
			for _, c := range codecs {
				t.Run(c.name, func(t *testing.T) {
					if c.turbo {
						turbotest.Need(t)
					}
					img, info, err := Decode(tt.data, Options{Decoder: c.decoder})
					if err != nil {
						t.Fatal(err)
					}
					want := DecoderGo
					if c.turbo {
						want = tt.turboDecoder
					}
					if info.Decoder != want {
						t.Errorf("Info.Decoder = %q, want %q", info.Decoder, want)
					}
					if got := img.Bounds().Size(); got != tt.size || image.Pt(info.Width, info.Height) != tt.size {
						t.Errorf("size %v, Info %d×%d; want %v", got, info.Width, info.Height, tt.size)
					}
					results[c.name] = img
				})
			}
			if len(results) == 2 {
				// Pixels agree within the decoders' rounding and chroma
				// upsampling differences.
				if d := meanDiff(t, results["go"], results["turbo"]); d > 1.5 {
					t.Errorf("the two paths differ by %.2f on average", d)
				}
			}
		})
	}
}

func TestDecodeTurboAppliesEXIFOrientation(t *testing.T) {
	t.Parallel()
	turbotest.Need(t)
	for o := 1; o <= 8; o++ {
		t.Run(fmt.Sprint(o), func(t *testing.T) {
			t.Parallel()
			data, err := WithOrientation(encodeJPEG(t, imagetest.Stored(displayed(), o)), o)
			if err != nil {
				t.Fatal(err)
			}
			img, info, err := Decode(data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := Info{Format: "jpeg", Width: 48, Height: 32, Orientation: o, Decoder: DecoderTurbo}
			if info != want {
				t.Errorf("Info = %+v, want %+v", info, want)
			}
			checkBlocks(t, img)
		})
	}
}

func TestDecodeMinWidth(t *testing.T) {
	t.Parallel()
	// Displayed 800×600; stored 600×800 under orientations 5–8.
	upright := encodeJPEG(t, blocks(800, 600))
	sideways := map[int][]byte{}
	for _, o := range []int{5, 6, 7, 8} {
		data, err := WithOrientation(encodeJPEG(t, imagetest.Stored(blocks(800, 600), o)), o)
		if err != nil {
			t.Fatal(err)
		}
		sideways[o] = data
	}
	tests := []struct {
		name  string
		data  []byte
		opts  Options
		turbo bool
		want  image.Point
	}{
		{"full size", upright, Options{}, true, image.Pt(800, 600)},
		{"quarter", upright, Options{MinWidth: 200}, true, image.Pt(200, 150)},
		{"just over a quarter", upright, Options{MinWidth: 201}, true, image.Pt(300, 225)},
		{"just over three eighths", upright, Options{MinWidth: 301}, true, image.Pt(400, 300)},
		{"just over a half", upright, Options{MinWidth: 401}, true, image.Pt(500, 375)},
		{"just over five eighths", upright, Options{MinWidth: 501}, true, image.Pt(800, 600)},
		{"as wide as the image", upright, Options{MinWidth: 800}, true, image.Pt(800, 600)},
		{"wider than the image", upright, Options{MinWidth: 5000}, true, image.Pt(800, 600)},
		{"orientation 5 scales the stored height", sideways[5], Options{MinWidth: 200}, true, image.Pt(200, 150)},
		{"orientation 6 scales the stored height", sideways[6], Options{MinWidth: 200}, true, image.Pt(200, 150)},
		{"orientation 7 scales the stored height", sideways[7], Options{MinWidth: 200}, true, image.Pt(200, 150)},
		{"orientation 8 scales the stored height", sideways[8], Options{MinWidth: 100}, true, image.Pt(100, 75)},
		{"orientation 6 ignored scales the stored width", sideways[6], Options{MinWidth: 200, IgnoreEXIF: true}, true, image.Pt(225, 300)},
		// The pure-Go path (jpegscale) scales by 1/8, 1/4, 1/2 or 1/1.
		{"go quarter", upright, Options{MinWidth: 200, Decoder: DecoderGo}, false, image.Pt(200, 150)},
		{"go just over a quarter", upright, Options{MinWidth: 201, Decoder: DecoderGo}, false, image.Pt(400, 300)},
		{"go just over a half", upright, Options{MinWidth: 401, Decoder: DecoderGo}, false, image.Pt(800, 600)},
		{"go eighth", upright, Options{MinWidth: 100, Decoder: DecoderGo}, false, image.Pt(100, 75)},
		{"go orientation 6 scales the stored height", sideways[6], Options{MinWidth: 200, Decoder: DecoderGo}, false, image.Pt(200, 150)},
		{"go orientation 6 ignored scales the stored width", sideways[6], Options{MinWidth: 200, IgnoreEXIF: true, Decoder: DecoderGo}, false, image.Pt(300, 400)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.turbo {
				turbotest.Need(t)
			}
			img, info, err := Decode(tt.data, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := img.Bounds().Size(); got != tt.want || image.Pt(info.Width, info.Height) != tt.want {
				t.Fatalf("size %v, Info %d×%d; want %v", got, info.Width, info.Height, tt.want)
			}
			if !tt.opts.IgnoreEXIF {
				checkBlocks(t, img)
			}
		})
	}
}

func TestEncodeJPEG(t *testing.T) {
	t.Parallel()
	src := imagetest.Photo(120, 90, 5)
	nrgba := image.NewNRGBA(src.Rect)
	draw.Draw(nrgba, nrgba.Rect, src, image.Point{}, draw.Src)
	grayImg := image.NewGray(src.Rect)
	draw.Draw(grayImg, grayImg.Rect, src, image.Point{}, draw.Src)
	ycbcr, err := jpeg.Decode(bytes.NewReader(encodeJPEG(t, src)))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		img  image.Image
	}{
		{"rgba", src},
		{"rgba sub-image", src.SubImage(image.Rect(10, 20, 100, 70))},
		{"nrgba", nrgba},
		{"gray", grayImg},
		{"ycbcr", ycbcr},
	}
	for _, tt := range tests {
		for _, c := range codecs {
			t.Run(tt.name+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				if c.turbo {
					turbotest.Need(t)
				}
				var buf bytes.Buffer
				if err := encodeJPEGWith(&buf, tt.img, 90, c.turbo); err != nil {
					t.Fatal(err)
				}
				got, err := jpeg.Decode(&buf)
				if err != nil {
					t.Fatal(err)
				}
				if d := meanDiff(t, got, tt.img); d > 3 {
					t.Errorf("decoded output differs from the input by %.2f on average", d)
				}
			})
		}
	}
}

// photo12MP is a 4000×3000 photo-like image, its JPEG at quality 90, made
// once for the benchmarks.
var photo12MP = sync.OnceValues(func() (*image.RGBA, []byte) {
	img := imagetest.Photo(4000, 3000, 42)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return img, buf.Bytes()
})

// BenchmarkDecode12MP decodes a 12 MP JPEG with image/jpeg, in pure Go
// (jpegscale) and with libjpeg-turbo, at full size and scaled for a
// 1600 px wide result.
func BenchmarkDecode12MP(b *testing.B) {
	_, data := photo12MP()
	b.Run("image_jpeg", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, bc := range []struct {
		name  string
		opts  Options
		turbo bool
	}{
		{"go", Options{Decoder: DecoderGo}, false},
		{"go_scaled_1600", Options{Decoder: DecoderGo, MinWidth: 1600}, false},
		{"turbo", Options{}, true},
		{"turbo_scaled_1600", Options{MinWidth: 1600}, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if bc.turbo {
				turbotest.Need(b)
			}
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, _, err := Decode(data, bc.opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncode12MP encodes a 12 MP RGBA image at quality 85 with each
// codec: pure Go (jpegenc) and libjpeg-turbo.
func BenchmarkEncode12MP(b *testing.B) {
	img, _ := photo12MP()
	for _, c := range codecs {
		b.Run(c.name, func(b *testing.B) {
			if c.turbo {
				turbotest.Need(b)
			}
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := encodeJPEGWith(&buf, img, 85, c.turbo); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestDecodeWithoutTurbo(t *testing.T) {
	t.Parallel()
	if jpegturbo.Available() {
		t.Skip("libjpeg-turbo is available; the fallback is tested with SEGVIEW_JPEG=go")
	}
	t.Logf("libjpeg-turbo: %s", jpegturbo.Status())
	img, info, err := Decode(encodeJPEG(t, blocks(80, 60)), Options{MinWidth: 10})
	if err != nil {
		t.Fatal(err)
	}
	if info.Decoder != DecoderGo || img.Bounds().Size() != image.Pt(10, 8) {
		t.Errorf("Decoder %q, size %v; want go at 1/8", info.Decoder, img.Bounds().Size())
	}
	var buf bytes.Buffer
	if err := EncodeJPEG(&buf, img, 85); err != nil {
		t.Fatal(err)
	}
	if _, err := jpeg.Decode(&buf); err != nil {
		t.Errorf("EncodeJPEG output: %v", err)
	}
}
