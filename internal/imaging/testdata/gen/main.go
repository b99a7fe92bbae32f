//go:build ignore

// Command gen writes the image fixtures that Go's encoders cannot make:
// a progressive JPEG and a CMYK JPEG, and the reference picture and the
// baseline JPEG they are made from. The tests only read them, so running
// this needs Debian's libjpeg-turbo-progs (jpegtran) and python3-pil, but
// CI does not. From the repository root:
//
//	go run internal/imaging/testdata/gen/main.go
//
// reference.png is the picture every fixture holds: 64×48, mid-grey, with
// a red block top left, a blue one top right, a green one at the bottom
// in the middle and a dark brown one bottom left. The blocks are aligned
// to the 16×16 blocks of JPEG's subsampled chroma, so that the JPEGs stay
// within a few levels of it.
//
//   - baseline.jpg: reference.png by image/jpeg at quality 95.
//   - progressive.jpg: baseline.jpg made progressive by jpegtran, a lossless
//     transcoding: it decodes to exactly the same pixels.
//   - cmyk.jpg: reference.png converted to CMYK (K = 1 − max(R, G, B), no
//     colour profile) and saved by Pillow at quality 95, which writes an
//     Adobe APP14 segment and inverted CMYK, as Photoshop does.
package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"log"
	"os"
	"os/exec"
	"path/filepath"
)

const dir = "internal/imaging/testdata"

func main() {
	ref := reference()
	var buf bytes.Buffer
	if err := png.Encode(&buf, ref); err != nil {
		log.Fatal(err)
	}
	write("reference.png", buf.Bytes())

	buf.Reset()
	if err := jpeg.Encode(&buf, ref, &jpeg.Options{Quality: 95}); err != nil {
		log.Fatal(err)
	}
	write("baseline.jpg", buf.Bytes())

	prog, err := exec.Command("jpegtran", "-progressive", "-copy", "none", filepath.Join(dir, "baseline.jpg")).Output()
	if err != nil {
		log.Fatalf("jpegtran (apt-get install libjpeg-turbo-progs): %v", err)
	}
	write("progressive.jpg", prog)

	// Pillow's RGB-to-CMYK conversion leaves K at 0; this one uses K.
	script := `
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
px = []
for r, g, b in im.getdata():
    k = 255 - max(r, g, b)
    if k == 255:
        px.append((0, 0, 0, 255))
        continue
    ink = lambda v: round((255 - v - k) * 255 / (255 - k))
    px.append((ink(r), ink(g), ink(b), k))
out = Image.new("CMYK", im.size)
out.putdata(px)
out.save(sys.argv[2], quality=95)
`
	cmd := exec.Command("/usr/bin/python3", "-c", script, filepath.Join(dir, "reference.png"), filepath.Join(dir, "cmyk.jpg"))
	if out, err := cmd.CombinedOutput(); err != nil {
		log.Fatalf("python3 with PIL (apt-get install python3-pil): %v\n%s", err, out)
	}
	fmt.Println("wrote", filepath.Join(dir, "cmyk.jpg"))
}

func write(name string, data []byte) {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote", p)
}

func reference() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			c := color.RGBA{128, 128, 128, 255}
			switch {
			case y < 16 && x < 16:
				c = color.RGBA{230, 20, 20, 255}
			case y < 16 && x >= 48:
				c = color.RGBA{20, 20, 230, 255}
			case y >= 32 && x >= 16 && x < 48:
				c = color.RGBA{30, 180, 60, 255}
			case y >= 32 && x < 16:
				c = color.RGBA{90, 60, 30, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}
