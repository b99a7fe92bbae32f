package overlay

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/segview/segview/internal/geom"
	"github.com/segview/segview/internal/imagetest"
	"github.com/segview/segview/internal/imaging"
)

// These tests follow files through imaging.Decode to Render, as the
// service does. Goldens are made with image/jpeg (imaging.DecoderGo), so
// that they are the same whether libjpeg-turbo is installed or not: its
// smoother chroma upsampling changes pixels along colour edges, which the
// imaging tests compare with the source for both decoders. The checks other
// than the goldens run with both decoders.

var decoders = []string{imaging.DecoderGo, ""}

// TestRenderEXIFOrientations stores a picture the way cameras do for each
// of the eight orientations and draws the model's polygon, in displayed
// coordinates, on the decoded file: the tint must land exactly on the
// object, as in a browser's rendering of the file (checked by hand against
// headless Chromium).
func TestRenderEXIFOrientations(t *testing.T) {
	t.Parallel()
	const w, h = 192, 128 // as displayed
	magenta := color.RGBA{220, 0, 200, 255}
	// The object, in displayed pixels: away from every axis of symmetry of
	// the image (the middle lines and, normalized, the diagonals), so that
	// any wrong transform moves it off itself.
	obj := image.Rect(144, 36, 168, 52)
	norm := rect(float64(obj.Min.X)/w, float64(obj.Min.Y)/h, float64(obj.Max.X)/w, float64(obj.Max.Y)/h)
	displayed := scene(w, h)
	draw.Draw(displayed, obj, image.NewUniform(magenta), image.Point{}, draw.Src)
	seg := Segment{Polygons: []geom.Polygon{norm}, Color: Color(2)}
	tinted := blend(magenta, Color(2), DefaultFillAlpha)

	for o := 1; o <= 8; o++ {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, imagetest.Stored(displayed, o), &jpeg.Options{Quality: 95}); err != nil {
			t.Fatal(err)
		}
		data, err := imaging.WithOrientation(buf.Bytes(), o)
		if err != nil {
			t.Fatal(err)
		}
		for _, decoder := range decoders {
			t.Run(fmt.Sprintf("%d/%s", o, decoderName(decoder)), func(t *testing.T) {
				t.Parallel()
				img, info, err := imaging.Decode(data, imaging.Options{Decoder: decoder})
				if err != nil {
					t.Fatal(err)
				}
				if info.Width != w || info.Height != h || info.Orientation != o {
					t.Fatalf("decoded %+v, want %d×%d with orientation %d", info, w, h, o)
				}
				src := toRGBA(img)
				got := render(t, Spec{Image: img, Segments: []Segment{seg}})
				// Inside the polygon, beyond its 1 px outline and JPEG's
				// smearing of the object's edge, the object is tinted.
				for y := obj.Min.Y + 3; y < obj.Max.Y-3; y++ {
					for x := obj.Min.X + 3; x < obj.Max.X-3; x++ {
						if c := got.RGBAAt(x, y); !near(c, tinted, 12) {
							t.Fatalf("pixel (%d,%d) = %v, want the object tinted, about %v", x, y, c, tinted)
						}
					}
				}
				// Outside the polygon nothing is drawn.
				for y := range h {
					for x := range w {
						if !image.Pt(x, y).In(obj) && got.RGBAAt(x, y) != src.RGBAAt(x, y) {
							t.Fatalf("pixel (%d,%d) outside the polygon changed", x, y)
						}
					}
				}
				if decoder == imaging.DecoderGo {
					checkGolden(t, fmt.Sprintf("exif_orientation_%d", o), got)
				}

				// The bug this guards against: drawn on the pixels as
				// stored, the polygon misses the object.
				if o == 1 {
					return
				}
				raw, _, err := imaging.Decode(data, imaging.Options{Decoder: decoder, IgnoreEXIF: true})
				if err != nil {
					t.Fatal(err)
				}
				wrong := render(t, Spec{Image: raw, Segments: []Segment{seg}})
				rw, rh := float64(wrong.Rect.Dx()), float64(wrong.Rect.Dy())
				hits := 0
				for y := int(norm[0].Y * rh); y < int(norm[2].Y*rh); y++ {
					for x := int(norm[0].X * rw); x < int(norm[2].X*rw); x++ {
						if near(wrong.RGBAAt(x, y), tinted, 40) {
							hits++
						}
					}
				}
				if hits > 0 {
					t.Errorf("drawn on the stored pixels, the polygon still covers %d object pixels; the test proves nothing", hits)
				}
			})
		}
	}
}

func decoderName(d string) string {
	if d == "" {
		return "default"
	}
	return d
}

// inputs are the reference picture of package imaging's fixtures in every
// kind of file segview accepts: 64×48, grey, with a red block at the top
// left, a blue one at the top right, a green one at the bottom in the middle
// and a brown one at the bottom left.
func inputs(t *testing.T) map[string][]byte {
	t.Helper()
	fixture := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("..", "imaging", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	refImg, err := png.Decode(bytes.NewReader(fixture("reference.png")))
	if err != nil {
		t.Fatal(err)
	}
	ref := toRGBA(refImg)
	encode := func(img image.Image) []byte {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	convert := func(dst draw.Image) image.Image {
		draw.Draw(dst, dst.Bounds(), ref, image.Point{}, draw.Src)
		return dst
	}
	// Transparent from the middle rightwards: grey there once decoded.
	alpha := image.NewNRGBA(ref.Rect)
	draw.Draw(alpha, alpha.Rect, ref, image.Point{}, draw.Src)
	for y := range 48 {
		for x := 32; x < 64; x++ {
			alpha.Pix[alpha.PixOffset(x, y)+3] = uint8(255 - (x-32)*8)
		}
	}
	var pal color.Palette
	seen := map[color.RGBA]bool{}
	for i := 0; i < len(ref.Pix); i += 4 {
		if c := (color.RGBA{ref.Pix[i], ref.Pix[i+1], ref.Pix[i+2], 255}); !seen[c] {
			seen[c] = true
			pal = append(pal, c)
		}
	}
	var gray bytes.Buffer
	if err := jpeg.Encode(&gray, convert(image.NewGray(ref.Rect)), &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		"jpeg_baseline":    fixture("baseline.jpg"),
		"jpeg_progressive": fixture("progressive.jpg"),
		"jpeg_cmyk":        fixture("cmyk.jpg"),
		"jpeg_gray":        gray.Bytes(),
		"png_8bit":         fixture("reference.png"),
		"png_16bit":        encode(convert(image.NewRGBA64(ref.Rect))),
		"png_paletted":     encode(convert(image.NewPaletted(ref.Rect, pal))),
		"png_alpha":        encode(alpha),
	}
}

// TestRenderDecodedInputs draws the same overlay on the reference picture
// decoded from every kind of file: polygons over the red and green blocks
// must tint those blocks, whatever the file.
func TestRenderDecodedInputs(t *testing.T) {
	t.Parallel()
	red := rect(0, 0, 0.25, 1.0/3)
	green := rect(0.25, 2.0/3, 0.75, 1)
	spec := Spec{
		Segments: []Segment{{Polygons: []geom.Polygon{red}, Color: Color(2)}, {Polygons: []geom.Polygon{green}, Color: Color(6)}},
		Points:   []PromptPoint{{X: 0.125, Y: 1.0 / 6, Label: LabelForeground}},
		Box:      &Box{XMin: 0.2, YMin: 0.6, XMax: 0.8, YMax: 1},
	}
	for name, data := range inputs(t) {
		for _, decoder := range decoders {
			t.Run(name+"/"+decoderName(decoder), func(t *testing.T) {
				t.Parallel()
				img, info, err := imaging.Decode(data, imaging.Options{Decoder: decoder})
				if err != nil {
					t.Fatal(err)
				}
				if info.Width != 64 || info.Height != 48 {
					t.Fatalf("decoded %+v, want 64×48", info)
				}
				s := spec
				s.Image = img
				got := render(t, s)
				src := toRGBA(img)
				for _, p := range []struct {
					x, y  int
					block color.RGBA
					c     color.NRGBA
				}{
					{12, 4, color.RGBA{230, 20, 20, 255}, Color(2)},
					{24, 40, color.RGBA{30, 180, 60, 255}, Color(6)},
				} {
					// The file holds the block's colour, unless it is gray.
					if c := src.RGBAAt(p.x, p.y); name != "jpeg_gray" && !near(c, p.block, 6) {
						t.Errorf("decoded pixel (%d,%d) = %v, want about %v", p.x, p.y, c, p.block)
					}
					if c, want := got.RGBAAt(p.x, p.y), blend(src.RGBAAt(p.x, p.y), p.c, DefaultFillAlpha); !near(c, want, 2) {
						t.Errorf("pixel (%d,%d) = %v, want the block tinted, %v", p.x, p.y, c, want)
					}
				}
				if name == "png_alpha" {
					if c := got.RGBAAt(63, 20); !near(c, color.RGBA{128, 128, 128, 255}, 2) {
						t.Errorf("transparent pixel = %v, want the grey matte", c)
					}
				}
				if decoder == imaging.DecoderGo {
					checkGolden(t, "input_"+name, got)
				}
			})
		}
	}
}
