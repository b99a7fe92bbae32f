package jpegenc

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"golang.org/x/image/draw"

	"github.com/segview/segview/internal/imagetest"
	"github.com/segview/segview/internal/jpegscale"
	"github.com/segview/segview/internal/jpegspec"
	"github.com/segview/segview/internal/jpegturbo"
	"github.com/segview/segview/internal/jpegturbo/turbotest"
	"github.com/segview/segview/internal/pycheck"
)

// encodeBytes encodes img with Encode.
func encodeBytes(t testing.TB, img *image.RGBA, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, img, quality); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// toRGBA copies any image into an *image.RGBA at the origin.
func toRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
	return rgba
}

// stdDecode decodes data with image/jpeg.
func stdDecode(t testing.TB, data []byte) *image.RGBA {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return toRGBA(img)
}

// psnr is the peak signal-to-noise ratio, in dB, of got against want
// over their R, G and B channels (+Inf when equal). got is at the origin,
// want is read within its Rect.
func psnr(want, got *image.RGBA) float64 {
	w, h := want.Rect.Dx(), want.Rect.Dy()
	var se float64
	for y := range h {
		a := want.Pix[want.PixOffset(want.Rect.Min.X, want.Rect.Min.Y+y):][:4*w]
		b := got.Pix[got.PixOffset(0, y):][:4*w]
		for i := range a {
			if i%4 == 3 {
				continue
			}
			d := float64(a[i]) - float64(b[i])
			se += d * d
		}
	}
	return 10 * math.Log10(255*255*float64(3*w*h)/se)
}

// maxDiff is the largest difference of an R, G or B value.
func maxDiff(want, got *image.RGBA) int {
	w, h := want.Rect.Dx(), want.Rect.Dy()
	worst := 0
	for y := range h {
		a := want.Pix[want.PixOffset(want.Rect.Min.X, want.Rect.Min.Y+y):][:4*w]
		b := got.Pix[got.PixOffset(0, y):][:4*w]
		for i := range a {
			if i%4 != 3 {
				worst = max(worst, int(a[i])-int(b[i]), int(b[i])-int(a[i]))
			}
		}
	}
	return worst
}

// segments returns the marker segments of a JPEG before its scan data:
// marker → the bodies (after the length) of each segment with it.
func segments(t *testing.T, data []byte) map[byte][][]byte {
	t.Helper()
	segs := map[byte][][]byte{}
	for i := 2; ; {
		if i+4 > len(data) || data[i] != 0xff {
			t.Fatalf("no marker segment at %d", i)
		}
		m, n := data[i+1], int(binary.BigEndian.Uint16(data[i+2:]))
		segs[m] = append(segs[m], data[i+4:i+2+n])
		if m == 0xda {
			return segs
		}
		i += 2 + n
	}
}

// dqtTables splits DQT segments into their tables, by destination.
func dqtTables(t *testing.T, segs [][]byte) map[byte][]byte {
	t.Helper()
	tables := map[byte][]byte{}
	for _, s := range segs {
		for len(s) > 0 {
			if s[0]>>4 != 0 || len(s) < 65 {
				t.Fatalf("DQT: not an 8-bit table: % x", s[:1])
			}
			tables[s[0]] = s[1:65]
			s = s[65:]
		}
	}
	return tables
}

// dhtTables splits DHT segments into their tables, by class and
// destination.
func dhtTables(t *testing.T, segs [][]byte) map[byte][]byte {
	t.Helper()
	tables := map[byte][]byte{}
	for _, s := range segs {
		for len(s) > 0 {
			n := 17
			for _, c := range s[1:17] {
				n += int(c)
			}
			tables[s[0]] = s[1:n]
			s = s[n:]
		}
	}
	return tables
}

// TestTablesAsOtherEncoders: the quantization tables Encode writes at a
// quality are those image/jpeg and libjpeg-turbo write at that quality
// (the Annex K tables, scaled by the IJG formula), and its Huffman tables
// are the Annex K.3 tables both write.
func TestTablesAsOtherEncoders(t *testing.T) {
	t.Parallel()
	img := imagetest.Photo(48, 40, 1)
	for _, q := range []int{1, 10, 25, 49, 50, 51, 75, 85, 95, 100} {
		ours := segments(t, encodeBytes(t, img, q))
		var std bytes.Buffer
		if err := jpeg.Encode(&std, img, &jpeg.Options{Quality: q}); err != nil {
			t.Fatal(err)
		}
		others := map[string][]byte{"image/jpeg": std.Bytes()}
		if jpegturbo.Available() {
			var turbo bytes.Buffer
			if err := jpegturbo.Encode(&turbo, img, q); err != nil {
				t.Fatal(err)
			}
			others["libjpeg-turbo"] = turbo.Bytes()
		}
		for name, data := range others {
			theirs := segments(t, data)
			if got, want := dqtTables(t, ours[0xdb]), dqtTables(t, theirs[0xdb]); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("quality %d: DQT tables\n%v, %s writes\n%v", q, got, name, want)
			}
			if got, want := dhtTables(t, ours[0xc4]), dhtTables(t, theirs[0xc4]); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("quality %d: DHT tables\n%v, %s writes\n%v", q, got, name, want)
			}
		}
	}
}

// TestFDCT compares fdct, with a table of ones, with the DCT as T.81
// defines it (A.3.3), computed in floating point, on random blocks and
// the extremes: within one step after rounding.
func TestFDCT(t *testing.T) {
	t.Parallel()
	var ones [64]uint8
	for i := range ones {
		ones[i] = 1
	}
	q := newQuantizer(&ones)
	rng := rand.New(rand.NewPCG(1, 2))
	blocks := [][64]int{}
	for range 200 {
		var b [64]int
		for i := range b {
			b[i] = rng.IntN(256) - 128
		}
		blocks = append(blocks, b)
	}
	var lo, hi, checker [64]int
	for i := range lo {
		lo[i], hi[i] = -128, 127
		checker[i] = 127 - 255*((i/8+i%8)%2)
	}
	blocks = append(blocks, lo, hi, checker)
	for _, b := range blocks {
		var src [64]int16
		for i, v := range b {
			src[i] = int16(v << fracBits)
		}
		var coef [64]int32
		var blk [64]int64
		mask := fdct(src[:], 8, &q, &coef, &blk)
		for k, n := range jpegspec.Zigzag {
			got := coef[colZigzag[k]]
			v, u := float64(n/8), float64(n%8)
			var sum float64
			for y := range 8 {
				for x := range 8 {
					sum += float64(b[y*8+x]) * math.Cos((2*float64(x)+1)*u*math.Pi/16) * math.Cos((2*float64(y)+1)*v*math.Pi/16)
				}
			}
			cu, cv := 1.0, 1.0
			if u == 0 {
				cu = math.Sqrt2 / 2
			}
			if v == 0 {
				cv = math.Sqrt2 / 2
			}
			want := sum * cu * cv / 4
			if math.Abs(float64(got)-want) > 1 {
				t.Fatalf("coefficient %d (u %v, v %v): %d, want %.2f", k, u, v, got, want)
			}
			if k > 0 && (mask>>k&1 == 1) != (got != 0) {
				t.Fatalf("mask bit %d is %d for coefficient %d", k, mask>>k&1, got)
			}
		}
	}
}

// TestThirdPartyDecoders decodes Encode's output with decoders written
// elsewhere (image/jpeg, libjpeg-turbo) and with segview's own jpegscale:
// each gives the size and pixels close to the source.
func TestThirdPartyDecoders(t *testing.T) {
	t.Parallel()
	decoders := []struct {
		name   string
		decode func([]byte) (image.Image, error)
		turbo  bool
	}{
		{"image/jpeg", func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }, false},
		{"libjpeg-turbo", func(b []byte) (image.Image, error) {
			img, err := jpegturbo.Decode(b, jpegturbo.Options{})
			return img, err
		}, true},
		{"jpegscale", func(b []byte) (image.Image, error) { return jpegscale.Decode(b, jpegscale.Options{}) }, false},
	}
	images := []struct {
		name    string
		w, h    int
		minPSNR float64 // at quality 90
	}{
		{"one strip", 300, 200, 36},
		{"strips", 1600, 1200, 36},
		{"odd edges", 650, 487, 36}, // partial MCUs right and bottom, strips
		{"small odd", 33, 31, 30},
	}
	for _, im := range images {
		src := imagetest.Photo(im.w, im.h, 7)
		data := encodeBytes(t, src, 90)
		for _, d := range decoders {
			t.Run(im.name+"/"+d.name, func(t *testing.T) {
				if d.turbo {
					turbotest.Need(t)
				}
				img, err := d.decode(data)
				if err != nil {
					t.Fatal(err)
				}
				if b := img.Bounds(); b.Dx() != im.w || b.Dy() != im.h {
					t.Fatalf("decoded %v, want %d×%d", b, im.w, im.h)
				}
				if p := psnr(src, toRGBA(img)); p < im.minPSNR {
					t.Errorf("PSNR %.2f dB, want at least %.0f", p, im.minPSNR)
				}
			})
		}
	}
}

// TestPillow has Pillow open Encode's output, one strip and several:
// JPEG, the size, mode RGB, and pixels close to the source.
func TestPillow(t *testing.T) {
	t.Parallel()
	for _, size := range []image.Point{{120, 90}, {600, 450}} {
		t.Run(fmt.Sprintf("%dx%d", size.X, size.Y), func(t *testing.T) {
			t.Parallel()
			src := imagetest.Photo(size.X, size.Y, 11)
			if size.X*size.Y >= minStripPixels && planStrips(size.X, size.Y).count < 2 {
				t.Fatal("meant to be encoded in strips")
			}
			out := pycheck.Run(t, []string{"PIL"}, `
import sys, io, json, base64
from PIL import Image
im = Image.open(io.BytesIO(sys.stdin.buffer.read()))
fmt = im.format
im.load()
print(json.dumps({"format": fmt, "mode": im.mode, "w": im.size[0], "h": im.size[1], "rgb": base64.b64encode(im.tobytes()).decode()}))
`, encodeBytes(t, src, 90))
			var got struct {
				Format, Mode string
				W, H         int
				RGB          string
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if got.Format != "JPEG" || got.Mode != "RGB" || got.W != size.X || got.H != size.Y {
				t.Fatalf("Pillow reads %s %s %d×%d, want JPEG RGB %d×%d", got.Format, got.Mode, got.W, got.H, size.X, size.Y)
			}
			rgb, err := base64.StdEncoding.DecodeString(got.RGB)
			if err != nil || len(rgb) != 3*size.X*size.Y {
				t.Fatalf("%d bytes of pixels (%v), want %d", len(rgb), err, 3*size.X*size.Y)
			}
			img := image.NewRGBA(image.Rect(0, 0, size.X, size.Y))
			for i := range size.X * size.Y {
				copy(img.Pix[4*i:], rgb[3*i:3*i+3])
				img.Pix[4*i+3] = 0xff
			}
			if p := psnr(src, img); p < 36 {
				t.Errorf("PSNR %.2f dB, want at least 36", p)
			}
		})
	}
}

// TestQualityAsImageJPEG: at a quality, the decoded image is as close to a
// photo-like source as image/jpeg's encode at that quality (within 0.3
// dB) and the file within 15 % of its size.
func TestQualityAsImageJPEG(t *testing.T) {
	t.Parallel()
	src := imagetest.Photo(800, 600, 5)
	for _, q := range []int{50, 85, 95} {
		t.Run(fmt.Sprint(q), func(t *testing.T) {
			ours := encodeBytes(t, src, q)
			var std bytes.Buffer
			if err := jpeg.Encode(&std, src, &jpeg.Options{Quality: q}); err != nil {
				t.Fatal(err)
			}
			pOurs, pStd := psnr(src, stdDecode(t, ours)), psnr(src, stdDecode(t, std.Bytes()))
			ratio := float64(len(ours)) / float64(std.Len())
			t.Logf("jpegenc %.2f dB %d bytes, image/jpeg %.2f dB %d bytes", pOurs, len(ours), pStd, std.Len())
			if pOurs < pStd-0.3 {
				t.Errorf("PSNR %.2f dB, image/jpeg's %.2f", pOurs, pStd)
			}
			if ratio < 0.85 || ratio > 1.15 {
				t.Errorf("%d bytes, %.2f× image/jpeg's %d", len(ours), ratio, std.Len())
			}
		})
	}
}

// flat returns a w×h image of one colour.
func flat(w, h int, c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return img
}

// TestOddSizes encodes sizes that are not whole MCUs, down to one pixel,
// a 16-wide column, and images of several strips: flat colours decode
// within 2 levels, photo-like pixels as close to the source as
// image/jpeg's encode (within 0.5 dB).
func TestOddSizes(t *testing.T) {
	t.Parallel()
	sizes := []struct {
		w, h   int
		strips int
	}{
		{1, 1, 1}, {7, 3, 1}, {17, 9, 1}, {33, 31, 1},
		{16, 5000, 1},    // a column, too small to cut
		{16, 20000, 313}, // a column in strips
		{4001, 70, 2},    // one long MCU row, a strip of 4 and one of 1
		{1000, 300, 5},
	}
	colours := []color.RGBA{{200, 30, 90, 255}, {0, 0, 0, 255}, {255, 255, 255, 255}, {12, 240, 130, 255}}
	for _, s := range sizes {
		t.Run(fmt.Sprintf("%dx%d", s.w, s.h), func(t *testing.T) {
			t.Parallel()
			if got := planStrips(s.w, s.h).count; got != s.strips {
				t.Fatalf("%d strips, want %d", got, s.strips)
			}
			for _, c := range colours {
				src := flat(s.w, s.h, c)
				got := stdDecode(t, encodeBytes(t, src, 85))
				if got.Rect.Dx() != s.w || got.Rect.Dy() != s.h {
					t.Fatalf("decoded %v", got.Rect)
				}
				if d := maxDiff(src, got); d > 2 {
					t.Errorf("colour %v: off by %d", c, d)
				}
			}
			src := imagetest.Photo(s.w, s.h, 3)
			var std bytes.Buffer
			if err := jpeg.Encode(&std, src, &jpeg.Options{Quality: 90}); err != nil {
				t.Fatal(err)
			}
			ours, theirs := psnr(src, stdDecode(t, encodeBytes(t, src, 90))), psnr(src, stdDecode(t, std.Bytes()))
			if ours < theirs-0.5 {
				t.Errorf("photo-like: PSNR %.2f dB, image/jpeg's %.2f", ours, theirs)
			}
		})
	}
}

// TestSubImage encodes a sub-image (its Rect not at the origin) as its
// copy at the origin: the same bytes.
func TestSubImage(t *testing.T) {
	t.Parallel()
	parent := imagetest.Photo(900, 700, 4)
	for _, r := range []image.Rectangle{image.Rect(37, 21, 837, 661), image.Rect(899, 699, 900, 700), image.Rect(5, 3, 40, 31)} {
		sub := parent.SubImage(r).(*image.RGBA)
		if !bytes.Equal(encodeBytes(t, sub, 85), encodeBytes(t, toRGBA(sub), 85)) {
			t.Errorf("%v: the sub-image is encoded other than its copy", r)
		}
	}
}

// TestEncodeErrors: no JPEG for an empty image or one too large for its
// 16-bit sizes.
func TestEncodeErrors(t *testing.T) {
	t.Parallel()
	for _, r := range []image.Rectangle{image.Rect(0, 0, 0, 10), image.Rect(0, 0, 10, 0), image.Rect(0, 0, 65536, 1), image.Rect(0, 0, 1, 65536)} {
		img := &image.RGBA{Rect: r} // the size is refused before pixels are read
		if err := Encode(&bytes.Buffer{}, img, 85); !errors.Is(err, ErrSize) {
			t.Errorf("%v: %v, want ErrSize", r, err)
		}
	}
}

func TestPlanStrips(t *testing.T) {
	t.Parallel()
	cases := []struct {
		w, h int
		want stripPlan
	}{
		{1600, 1200, stripPlan{count: 19, rows: 4, interval: 400}},
		{1600, 16, stripPlan{count: 1, rows: 1}},                      // one MCU row
		{511, 512, stripPlan{count: 1, rows: 32}},                     // under a quarter megapixel
		{512, 512, stripPlan{count: 8, rows: 4, interval: 128}},       // at it
		{1000, 270, stripPlan{count: 5, rows: 4, interval: 252}},      // partial MCUs
		{65535, 1000, stripPlan{count: 16, rows: 4, interval: 16384}}, // widest
		{4224, 3168, stripPlan{count: 50, rows: 4, interval: 1056}},
	}
	for _, tc := range cases {
		if got := planStrips(tc.w, tc.h); got != tc.want {
			t.Errorf("planStrips(%d, %d) = %+v, want %+v", tc.w, tc.h, got, tc.want)
		}
	}
}

// scanMarkers returns the restart interval a JPEG's DRI sets (0 without
// one) and the markers found in its entropy-coded data, in order.
func scanMarkers(t *testing.T, data []byte) (interval int, markers []byte) {
	t.Helper()
	segs := segments(t, data)
	if dri := segs[0xdd]; len(dri) == 1 {
		interval = int(binary.BigEndian.Uint16(dri[0]))
	}
	sos := bytes.Index(data, []byte{0xff, 0xda})
	for i := sos + 2 + int(binary.BigEndian.Uint16(data[sos+2:])); i+1 < len(data); i++ {
		if data[i] == 0xff && data[i+1] != 0 {
			markers = append(markers, data[i+1])
			i++
		}
	}
	return interval, markers
}

// TestStrips: an image encoded in strips decodes to the same pixels as
// encoded in one (restart intervals change no coefficient), carries its
// interval and RST0..RST7 in turn, and is the same bytes whatever
// GOMAXPROCS.
func TestStrips(t *testing.T) {
	// Not parallel: it sets GOMAXPROCS.
	for _, size := range []image.Point{{1600, 1200}, {650, 487}, {4001, 70}} {
		t.Run(fmt.Sprintf("%dx%d", size.X, size.Y), func(t *testing.T) {
			src := imagetest.Photo(size.X, size.Y, 9)
			plan := planStrips(size.X, size.Y)
			if plan.count < 2 {
				t.Fatalf("plan %+v: one strip", plan)
			}
			var whole bytes.Buffer
			if err := encode(&whole, src, 85, stripPlan{count: 1, rows: (size.Y + 15) / 16}); err != nil {
				t.Fatal(err)
			}
			bytesAt := map[int][]byte{}
			for _, procs := range []int{1, 2, 3} {
				prev := runtime.GOMAXPROCS(procs)
				bytesAt[procs] = encodeBytes(t, src, 85)
				runtime.GOMAXPROCS(prev)
			}
			striped := bytesAt[1]
			for procs, b := range bytesAt {
				if !bytes.Equal(b, striped) {
					t.Errorf("GOMAXPROCS=%d writes other bytes than GOMAXPROCS=1", procs)
				}
			}
			interval, markers := scanMarkers(t, striped)
			if interval != plan.interval {
				t.Errorf("restart interval %d, want %d", interval, plan.interval)
			}
			want := []byte{}
			for i := range plan.count - 1 {
				want = append(want, 0xd0+byte(i%8))
			}
			want = append(want, 0xd9)
			if !bytes.Equal(markers, want) {
				t.Errorf("markers % x, want % x", markers, want)
			}
			if interval, markers := scanMarkers(t, whole.Bytes()); interval != 0 || !bytes.Equal(markers, []byte{0xd9}) {
				t.Errorf("whole: interval %d, markers % x", interval, markers)
			}
			if !bytes.Equal(stdDecode(t, striped).Pix, stdDecode(t, whole.Bytes()).Pix) {
				t.Error("image/jpeg decodes the strips to other pixels than the whole encode")
			}
		})
	}
}
