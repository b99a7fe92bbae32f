//go:build ignore

// Command gen writes the JPEG fixtures of package jpegscale with
// libjpeg-turbo's cjpeg (Debian's libjpeg-turbo-progs): one textured
// picture, drawn here, in each layout the decoder handles and in some it
// refuses. The tests only read the files. From the repository root:
//
//	go run internal/jpegscale/testdata/gen/main.go
package main

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
)

// picture is a w×h PPM: gradients, a ring, hard edges and noise, so that
// every DCT frequency is used.
func picture(w, h int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "P6\n%d %d\n255\n", w, h)
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			d := math.Hypot(fx-0.5, fy-0.5)
			r := 255 * fx
			g := 255 * fy
			bl := 128 + 100*math.Sin(d*40)
			if (x/13+y/11)%2 == 0 {
				r = 255 - r
			}
			n := rng.Float64()*40 - 20
			for _, c := range []float64{r + n, g - n, bl + n/2} {
				b.WriteByte(uint8(max(0, min(255, c))))
			}
		}
	}
	return b.Bytes()
}

func main() {
	dir := "internal/jpegscale/testdata"
	sizes := map[string][2]int{"odd": {61, 43}, "big": {203, 131}}
	fixtures := []struct {
		name, size string
		args       []string
	}{
		{"444", "odd", []string{"-sample", "1x1"}},
		{"422", "odd", []string{"-sample", "2x1"}},
		{"420", "odd", []string{"-sample", "2x2"}},
		{"440", "odd", []string{"-sample", "1x2"}},
		{"411", "odd", []string{"-sample", "4x1"}},
		{"410", "odd", []string{"-sample", "4x2"}},
		{"gray", "odd", []string{"-grayscale"}},
		{"420-restart", "odd", []string{"-sample", "2x2", "-restart", "1B"}},
		{"420-progressive", "odd", []string{"-sample", "2x2", "-progressive"}},
		{"444-progressive", "odd", []string{"-sample", "1x1", "-progressive"}},
		{"422-progressive-restart", "odd", []string{"-sample", "2x1", "-progressive", "-restart", "1"}},
		{"gray-progressive", "odd", []string{"-grayscale", "-progressive"}},
		{"420-big", "big", []string{"-sample", "2x2", "-quality", "90"}},
		{"420-big-progressive", "big", []string{"-sample", "2x2", "-quality", "90", "-progressive"}},
		{"444-big-progressive-restart", "big", []string{"-sample", "1x1", "-progressive", "-restart", "3"}},
		{"gray-big", "big", []string{"-grayscale"}},
		{"arithmetic", "odd", []string{"-arithmetic"}},
		{"rgb", "odd", []string{"-rgb"}},
		{"420-multiscan", "odd", []string{"-sample", "2x2", "-scans", "SCANS"}},
	}
	// A scan script for a sequential JPEG with one scan a component,
	// non-interleaved.
	scans := filepath.Join(os.TempDir(), "jpegscale-scans.txt")
	if err := os.WriteFile(scans, []byte("0;\n1;\n2;\n"), 0o644); err != nil {
		panic(err)
	}
	defer os.Remove(scans)
	for _, f := range fixtures {
		wh := sizes[f.size]
		for i, a := range f.args {
			if a == "SCANS" {
				f.args[i] = scans
			}
		}
		cmd := exec.Command("cjpeg", append(f.args, "-outfile", filepath.Join(dir, f.name+".jpg"))...)
		cmd.Stdin = bytes.NewReader(picture(wh[0], wh[1]))
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, f.name, err)
		}
	}
	// image/jpeg refuses 422-progressive-restart.jpg ("missing 0xff00
	// sequence"); its sequential twin, transcoded losslessly by jpegtran
	// (the same coefficients), is what the tests compare it with.
	out, err := exec.Command("jpegtran", filepath.Join(dir, "422-progressive-restart.jpg")).Output()
	if err != nil {
		panic(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "422-progressive-restart-twin.jpg"), out, 0o644); err != nil {
		panic(err)
	}
}
