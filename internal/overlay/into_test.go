package overlay

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
)

// TestRenderInto pins that Spec.Into changes nothing but where the pixels
// go: a buffer reused from earlier views (holding their pixels) gives the
// same output as a fresh one, and one of another size is not used.
func TestRenderInto(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 11))
	var all []Segment
	for i := range 8 {
		all = append(all, Segment{Polygons: randomSegment(rng), Color: Color(i + 1), Label: "x"})
	}
	img := photo(320, 240)
	into := image.NewRGBA(img.Rect)
	for i := range into.Pix {
		into.Pix[i] = uint8(i * 31) // leftovers of an earlier render
	}
	cache := NewMaskCache(16 << 20)
	views := []struct {
		name  string
		segs  []Segment
		style Style
	}{
		{"all", all, Style{}},
		{"a threshold", everyOther(all), Style{FillAlpha: 0.7}},
		{"no fill", all, Style{NoFill: true}},
		{"all again", all, Style{}},
		{"no segments", nil, Style{}}, // the photo copied all the same
	}
	for _, v := range views {
		spec := Spec{Image: img, Segments: v.segs, Style: v.style, Masks: cache,
			Points: []PromptPoint{{X: 0.4, Y: 0.6, Label: LabelBackground}}, Box: &Box{XMin: 0.1, YMin: 0.1, XMax: 0.9, YMax: 0.9}}
		want, err := Render(spec)
		if err != nil {
			t.Fatal(err)
		}
		spec.Into = into
		got, err := Render(spec)
		if err != nil {
			t.Fatal(err)
		}
		if got != into {
			t.Errorf("%s: Render did not draw into Spec.Into", v.name)
		}
		if !bytes.Equal(got.Pix, want.Pix) {
			n, _ := comparePixels(want, got, 0)
			t.Errorf("%s: %d pixels differ when drawn into a reused buffer", v.name, n)
		}
	}
	other := image.NewRGBA(image.Rect(0, 0, 100, 100))
	got, err := Render(Spec{Image: img, Segments: all, Into: other})
	if err != nil {
		t.Fatal(err)
	}
	if got == other || got.Rect != image.Rect(0, 0, 320, 240) {
		t.Errorf("a %v buffer was used for a %v image", other.Rect, got.Rect)
	}
}

// TestFillRun pins fillRun to the per-pixel blend it computes two pixels
// at a time, for runs of every length up to a few blocks of four pixels,
// at several opacities.
func TestFillRun(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, alpha := range []float64{0, 0.01, 0.35, 0.5, 0.99, 1} {
		b := newBlender(color.NRGBA{R: 200, G: 17, B: 99, A: 255}, alpha)
		for n := range 23 {
			pix := make([]byte, 4*n+4) // one more pixel, which must stay
			for i := range pix {
				pix[i] = uint8(rng.Uint32())
			}
			want := bytes.Clone(pix)
			for x := range n {
				p := uint64(binary.LittleEndian.Uint32(want[4*x:]))
				const lo, half = 0x00ff00ff00ff00ff, 0x0080008000800080
				p = ((p&lo)*uint64(b.keep)+uint64(b.rb)+half)>>8&lo | ((p>>8&lo)*uint64(b.keep)+uint64(b.ga)+half)&^lo
				binary.LittleEndian.PutUint32(want[4*x:], uint32(p))
			}
			b.fillRun(pix[:4*n])
			if !bytes.Equal(pix, want) {
				t.Errorf("alpha %g, %d pixels: got %v, want %v", alpha, n, pix, want)
			}
		}
	}
}

// TestRenderInPlace: Spec.Into set to Spec.Image draws on the image itself,
// with the same pixels as drawing on a copy; with Spec.Once the masks
// drawn are not kept, and masks kept before are still used, to the same
// pixels.
func TestRenderInPlace(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 13))
	var segs []Segment
	for i := range 8 {
		segs = append(segs, Segment{Polygons: randomSegment(rng), Color: Color(i + 1), Label: "x"})
	}
	img := photo(320, 240)
	spec := Spec{Image: img, Segments: segs, Points: []PromptPoint{{X: 0.4, Y: 0.6, Label: LabelForeground}},
		Box: &Box{XMin: 0.1, YMin: 0.1, XMax: 0.9, YMax: 0.9}}
	want, err := Render(spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		cache   *MaskCache
		prewarm bool // masks kept by an earlier render of the same segments
	}{
		{"no cache", nil, false},
		{"a cache, once", NewMaskCache(16 << 20), false},
		{"a warm cache, once", NewMaskCache(16 << 20), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.prewarm {
				if _, err := Render(Spec{Image: img, Segments: segs, Masks: tc.cache}); err != nil {
					t.Fatal(err)
				}
			}
			kept := 0
			if tc.cache != nil {
				kept = tc.cache.Len()
			}
			own := image.NewRGBA(img.Rect)
			copy(own.Pix, img.Pix)
			s := spec
			s.Image, s.Into, s.Masks, s.Once = own, own, tc.cache, true
			got, err := Render(s)
			if err != nil {
				t.Fatal(err)
			}
			if got != own {
				t.Error("not drawn in place")
			}
			if !bytes.Equal(got.Pix, want.Pix) {
				n, _ := comparePixels(want, got, 0)
				t.Errorf("%d pixels differ from drawing on a copy", n)
			}
			if tc.cache != nil && tc.cache.Len() != kept {
				t.Errorf("the cache holds %d segments' masks after a render once, %d before", tc.cache.Len(), kept)
			}
		})
	}
}

// TestCompositeRow8 pins compositeRow8's runs to its per-pixel steps: each
// pixel the fill reaches is fillRun's blend when whole and off the outline,
// else pixel's, over rows of random masks with runs of every kind (none,
// whole, whole outline, partial) and both flips, with and without outline.
func TestCompositeRow8(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(23, 29))
	levels := []uint8{0, 0, 255, 255, 255, 1, 128, 254}
	for round := range 400 {
		n := 1 + rng.IntN(40)
		fill, outline := make([]byte, n), make([]byte, n)
		for x := 0; x < n; {
			run := 1 + rng.IntN(12)
			f, o := levels[rng.IntN(len(levels))], levels[rng.IntN(len(levels))]
			for ; run > 0 && x < n; run, x = run-1, x+1 {
				fill[x], outline[x] = f, o
			}
		}
		flip := uint8(0)
		if round%2 == 1 {
			flip = 255
			for x := range fill {
				fill[x] ^= 255
			}
		}
		if round%3 == 2 {
			outline = nil
		}
		b := newBlender(Color(round%10+1), []float64{0.4, 0.75, 1}[round%3])
		pix := make([]byte, 4*n)
		for i := range pix {
			pix[i] = uint8(rng.Uint32())
		}
		covered := make([]uint8, n)
		for x := range covered {
			covered[x] = uint8(rng.IntN(3) * 100)
		}
		under := make([]uint8, 4*n)
		for i := range under {
			under[i] = uint8(rng.Uint32())
		}
		wantPix, wantCovered, wantUnder := bytes.Clone(pix), bytes.Clone(covered), bytes.Clone(under)
		for x := range n {
			f := fill[x] ^ flip
			var o uint8
			if outline != nil {
				o = outline[x]
			}
			switch {
			case f == 0:
			case f == 255 && o == 0:
				b.fillRun(wantPix[4*x : 4*x+4])
				wantCovered[x] = 0
			default:
				b.pixel(wantPix[4*x:4*x+4], wantUnder[4*x:4*x+4], &wantCovered[x], f, o)
			}
		}
		b.compositeRow8(pix, fill, flip, outline, covered, under)
		if !bytes.Equal(pix, wantPix) || !bytes.Equal(covered, wantCovered) || !bytes.Equal(under, wantUnder) {
			t.Fatalf("round %d (fill %v, flip %d, outline %v): pixels %v, covered %v; want %v, %v",
				round, fill, flip, outline, pix, covered, wantPix, wantCovered)
		}
	}
}
