// Command resampleout writes what segview draws on for a photo at a width:
// the decode scaled by each codec segview has (libjpeg-turbo at M/8, or the
// pure-Go jpegscale at 1/8, 1/4, 1/2 or 1/1, to YCbCr planes, then one
// resample), as PNGs,
// for bench/quality.py to compare with Pillow's thumbnail.
//
//	go run ./bench/resampleout -in photo.jpg -width 1600 -out dir
package main

import (
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"

	"github.com/segview/segview/internal/imaging"
)

func main() {
	in := flag.String("in", "", "a JPEG photo")
	width := flag.Int("width", 1600, "output width")
	out := flag.String("out", ".", "directory for default.png and go.png")
	flag.Parse()
	if err := run(*in, *width, *out); err != nil {
		fmt.Fprintln(os.Stderr, "resampleout:", err)
		os.Exit(1)
	}
}

func run(in string, width int, out string) error {
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	info, err := imaging.DecodeConfig(data, imaging.Options{})
	if err != nil {
		return err
	}
	size := image.Pt(width, max(1, int((int64(info.Height)*int64(width)+int64(info.Width)/2)/int64(info.Width))))
	for _, c := range []struct{ name, decoder string }{{"default", ""}, {"go", imaging.DecoderGo}} {
		img, got, err := imaging.DecodeSize(data, imaging.Options{MinWidth: width, Decoder: c.decoder}, size)
		if err != nil {
			return err
		}
		f, err := os.Create(filepath.Join(out, c.name+".png"))
		if err != nil {
			return err
		}
		if err := png.Encode(f, img); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Printf("%s %s %dx%d\n", c.name, got.Decoder, got.Width, got.Height)
	}
	return nil
}
