package jpegscale

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// benchPhotos are the real photos bench/run.sh fetches, when present.
var benchPhotos = []string{"Dragonfly_by_Bolly-baseline.jpg", "Elephants_5640x3172.jpg"}

// synthetic is bench/'s kind of image: 4000×3000, smooth, by image/jpeg
// at quality 90 (4:2:0).
func synthetic(b *testing.B) []byte {
	b.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4000, 3000))
	for y := range 3000 {
		for x := range 4000 {
			img.Set(x, y, color.RGBA{uint8(x / 16), uint8(y / 12), uint8((x + y) / 28), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func BenchmarkDecode(b *testing.B) {
	inputs := map[string][]byte{"synthetic": synthetic(b)}
	dir := os.Getenv("SEGVIEW_BENCH_CACHE")
	if dir == "" {
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, ".cache", "segview-bench")
		}
	}
	for _, name := range benchPhotos {
		if data, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			inputs[name] = data
		}
	}
	for name, data := range inputs {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range Scales {
			b.Run(name+"/"+strconv.Itoa(m)+"of8", func(b *testing.B) {
				b.ReportAllocs()
				opts := Options{MinWidth: Scaled(cfg.Width, m)}
				for b.Loop() {
					if _, err := Decode(data, opts); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(name+"/image-jpeg", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
