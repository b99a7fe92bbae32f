package overlay

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata/ instead of comparing against them")

// Golden images are compared by decoded pixels, not bytes, so that a
// different PNG encoder or a rounding change in the rasterizer does not fail
// the tests, while anything a person would notice does.
const (
	goldenChannelTolerance = 3     // per 8-bit channel
	goldenMaxDiffFraction  = 0.001 // of all pixels, each beyond the tolerance
)

// checkGolden compares got with testdata/name.png, or rewrites that file
// when the -update flag is set. On a mismatch it saves the rendered image
// and a diff image, differing pixels in magenta over a faded copy of the
// golden, and logs where they are.
func checkGolden(t *testing.T, name string, got *image.RGBA) {
	t.Helper()
	path := filepath.Join("testdata", name+".png")
	if *update {
		var buf bytes.Buffer
		if err := png.Encode(&buf, got); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
		return
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/overlay -run %s -update to create it)", err, t.Name())
	}
	decoded, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decoding %s: %v", path, err)
	}
	want := toRGBA(decoded)
	if want.Rect.Size() != got.Rect.Size() {
		saveFailure(t, name, got, nil)
		t.Fatalf("rendered %v, golden %s is %v", got.Rect.Size(), path, want.Rect.Size())
	}
	n, diff := comparePixels(want, got, goldenChannelTolerance)
	if total := want.Rect.Dx() * want.Rect.Dy(); float64(n) > goldenMaxDiffFraction*float64(total) {
		saveFailure(t, name, got, diff)
		t.Errorf("%d of %d pixels differ from %s by more than %d per channel (at most %.1f%% may)",
			n, total, path, goldenChannelTolerance, 100*goldenMaxDiffFraction)
	}
}

// comparePixels counts the pixels of got that differ from want by more than
// tol in any channel and returns a diff image showing them.
func comparePixels(want, got *image.RGBA, tol int) (int, *image.RGBA) {
	diff := image.NewRGBA(want.Rect)
	n := 0
	for i := 0; i < len(want.Pix); i += 4 {
		differs := false
		for c := range 4 {
			if d := int(want.Pix[i+c]) - int(got.Pix[i+c]); d > tol || d < -tol {
				differs = true
			}
		}
		if differs {
			n++
			copy(diff.Pix[i:i+4], []byte{255, 0, 255, 255})
			continue
		}
		for c := range 3 {
			diff.Pix[i+c] = 192 + want.Pix[i+c]/4
		}
		diff.Pix[i+3] = 255
	}
	return n, diff
}

// saveFailure writes the rendered image and the diff where a person can
// look at them after the test. Not t.TempDir: that is deleted as soon as the
// test ends, which would leave the logged paths pointing at nothing.
func saveFailure(t *testing.T, name string, got, diff *image.RGBA) {
	t.Helper()
	dir, err := os.MkdirTemp("", "segview-overlay-golden-")
	if err != nil {
		t.Logf("cannot save the failed render: %v", err)
		return
	}
	for suffix, img := range map[string]*image.RGBA{"got": got, "diff": diff} {
		if img == nil {
			continue
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Logf("encoding %s: %v", suffix, err)
			continue
		}
		p := filepath.Join(dir, fmt.Sprintf("%s.%s.png", name, suffix))
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Logf("saving %s: %v", p, err)
			continue
		}
		t.Logf("%s image: %s", suffix, p)
	}
}

func toRGBA(img image.Image) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(out, out.Rect, img, img.Bounds().Min, draw.Src)
	return out
}

func TestComparePixels(t *testing.T) {
	t.Parallel()
	a := image.NewRGBA(image.Rect(0, 0, 4, 1))
	b := image.NewRGBA(image.Rect(0, 0, 4, 1))
	b.SetRGBA(1, 0, color.RGBA{3, 0, 0, 0}) // within tolerance
	b.SetRGBA(2, 0, color.RGBA{0, 0, 4, 0}) // beyond it
	n, diff := comparePixels(a, b, 3)
	if n != 1 {
		t.Errorf("%d pixels differ, want 1", n)
	}
	if got := diff.RGBAAt(2, 0); got != (color.RGBA{255, 0, 255, 255}) {
		t.Errorf("diff pixel = %v, want magenta", got)
	}
	if got := diff.RGBAAt(1, 0); got == (color.RGBA{255, 0, 255, 255}) {
		t.Error("pixel within tolerance marked as different")
	}
}
