// Package jpegscale decodes JPEGs in pure Go straight to their YCbCr (or
// gray) planes at a DCT scale of 1/1, 1/2, 1/4 or 1/8: each 8×8 block's
// lowest frequencies go through an 8×8, 4×4, 2×2 or 1×1 inverse DCT, so a
// photo shown at half its width costs a quarter of the IDCT and of the
// output memory of a full decode, as libjpeg's DCT scaling does.
//
// It is written from the standard (ITU-T T.81 and JFIF) and handles what
// photos use: 8-bit baseline and progressive Huffman coding (spectral
// selection and successive approximation), restart intervals, one or
// three components, and the subsamplings image.YCbCr can hold (4:4:4,
// 4:2:2, 4:2:0, 4:4:0, 4:1:1, 4:1:0). Anything else (arithmetic coding,
// 12-bit samples, lossless and hierarchical modes, CMYK, RGB, other
// samplings) is refused with ErrUnsupported, always from the headers,
// before any scan data is decoded or pixel memory allocated, so that a
// caller can decode those with image/jpeg instead; Memory refuses the same
// files. Damaged data is refused with an error wrapping ErrFormat, which
// image/jpeg would refuse too.
//
// The work a progressive JPEG asks for is bounded: each scan walks every
// block it covers, so a few bytes a scan could make a small file take
// minutes. Decode counts the blocks of each scan as its header arrives and
// refuses, with ErrTooManyScans, a file whose scans cover more than
// MaxScanWork times the image's blocks.
//
// It runs on untrusted input: every length, index and dimension is checked
// before use and allocation, and it never panics.
package jpegscale

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"strings"

	"github.com/segview/segview/internal/jpegspec"
)

var (
	// ErrUnsupported is wrapped by the error for a valid JPEG this package
	// does not decode.
	ErrUnsupported = errors.New("jpegscale: unsupported JPEG")
	// ErrFormat is wrapped by the error for data that is not a valid JPEG.
	ErrFormat = errors.New("jpegscale: invalid JPEG")
	// ErrTooLarge is wrapped, with the dimensions, when the frame header
	// declares more pixels than Options.MaxPixels. It is detected before
	// any pixel memory is allocated.
	ErrTooLarge = errors.New("jpegscale: image is above the pixel limit")
	// ErrTooManyScans is wrapped when the scans of a JPEG cover more than
	// MaxScanWork times its blocks. It is detected from a scan's header,
	// before the scan's data is decoded. image/jpeg would take as long on
	// such a file, so callers should not retry with it.
	ErrTooManyScans = errors.New("jpegscale: too many scans for the image's size")
)

func formatError(msg string) error      { return fmt.Errorf("%w: %s", ErrFormat, msg) }
func unsupportedError(msg string) error { return fmt.Errorf("%w: %s", ErrUnsupported, msg) }

// MaxScanWork bounds the work of a decode: the blocks of all its scans
// together (a scan of one component covers that component's blocks, an
// interleaved scan those of its components) may be at most MaxScanWork
// times the blocks of the image. A sequential JPEG covers each block once
// (1×); libjpeg's default progressive scripts cover 4.7× the blocks of a
// 4:4:4 image (ten scans), 5 to 5.3× those of a 4:2:0 or 4:2:2 one (ten
// scans) and 6× those of a grey one (six scans), as measured on the
// photos of testdata and of the benchmarks. Beyond the bound, each scan
// can cost as much as a whole baseline decode for a few bytes of file.
const MaxScanWork = 24

// Options configure Decode.
type Options struct {
	// MinWidth and MinHeight ask for a scaled decode: the image is decoded
	// at the smallest of 1/8, 1/4, 1/2 and 1/1 that is still at least this
	// wide and this high (see Scale). Zero means no bound in that
	// direction.
	MinWidth, MinHeight int
	// MaxPixels is the largest width×height accepted, from the frame
	// header; <= 0 means no limit.
	MaxPixels int64
}

// Scales are the numerators M of the scales M/8 Decode decodes at.
var Scales = []int{1, 2, 4, 8}

// Scale returns the numerator M of the scale M/8 Decode uses for a w×h
// image with the bounds minW×minH: the smallest that still gives at least
// minW×minH, or 8 (full size) when none does or neither bound is set.
func Scale(w, h, minW, minH int) int {
	if minW <= 0 && minH <= 0 {
		return 8
	}
	for _, m := range Scales {
		if Scaled(w, m) >= minW && Scaled(h, m) >= minH {
			return m
		}
	}
	return 8
}

// Scaled is n at the scale m/8, rounded up: the size of the decoded image.
func Scaled(n, m int) int { return (n*m + 7) / 8 }

// Decode decodes the JPEG data at the scale Scale picks for opts and
// returns its planes as stored: an *image.YCbCr for three components, an
// *image.Gray for one. Its bounds are the scaled size, with the origin at
// (0, 0).
func Decode(data []byte, opts Options) (image.Image, error) {
	d := decoder{data: data, opts: opts}
	if err := d.decode(); err != nil {
		return nil, err
	}
	return d.image(), nil
}

// Memory returns the bytes Decode allocates for data with opts (its
// planes at the scale, and a progressive JPEG's coefficients: 2 bytes for
// each of the m×m kept of a block and 8 for the block), read from the
// headers before the first scan, or the error Decode returns for those
// headers: ErrUnsupported exactly when Decode returns it. Decode allocates
// the planes at the first scan, so it allocates nothing when Memory fails;
// a decode that fails later, in the scan data, allocates at most this.
func Memory(data []byte, opts Options) (int64, error) {
	d := decoder{data: data, opts: opts, headerOnly: true}
	if err := d.decode(); err != errHeaderRead {
		if err == nil {
			err = formatError("no frame")
		}
		return 0, err
	}
	var n int64
	for i := range d.comps {
		c := &d.comps[i]
		blocks := int64(c.bw) * int64(c.bh)
		n += blocks * int64(d.m*d.m)
		if d.progressive {
			n += blocks * int64(2*d.m*d.m+8)
		}
	}
	return n, nil
}

// errHeaderRead stops Memory's parse after the frame header.
var errHeaderRead = errors.New("jpegscale: header read")

// component is one component of the frame.
type component struct {
	id   uint8
	h, v int // sampling factors
	tq   int // quantization table
	// bw×bh blocks cover the component in whole MCUs; a non-interleaved
	// scan codes only the first nbw×nbh of them (T.81 A.2.2).
	bw, bh, nbw, nbh int
	pred             int32 // DC prediction
	seen             bool  // a scan has coded this component
	// A progressive frame's coefficients: the scale's m×m of each block,
	// as int16, and which of its 64 (zigzag order) are non-zero.
	coefs []int16
	nz    []uint64
	// The output plane: m×m samples a block.
	pix    []byte
	stride int
}

type decoder struct {
	data []byte
	opts Options
	pos  int
	// headerOnly stops the decode at the first scan, before any
	// allocation, with errHeaderRead.
	headerOnly bool

	width, height int
	m             int // the scale, M/8
	progressive   bool
	frame         bool
	comps         []component
	hmax, vmax    int
	mcux, mcuy    int
	ratio         image.YCbCrSubsampleRatio

	quant   [4][64]int32 // in zigzag order
	dc, ac  [4]huffman
	restart int
	adobe   bool
	// transform is the Adobe APP14 colour transform; 0 for three
	// components means RGB.
	transform int
	scans     int
	// blocks is the number of blocks of the frame, work the blocks of its
	// scans so far (MaxScanWork).
	blocks, work int64
	eobrun       int32
	br           bitReader

	// slot[k] is where zigzag coefficient k goes in an m×m block, -1
	// when the scale does not use it.
	slot [64]int8
}

func (d *decoder) decode() error {
	data := d.data
	if len(data) < 4 || data[0] != 0xff || data[1] != 0xd8 {
		return formatError("no SOI marker")
	}
	d.pos = 2
	for {
		marker, err := d.nextMarker()
		if err != nil {
			return err
		}
		if marker == 0xd9 { // EOI
			break
		}
		if marker == 0xd8 || marker >= 0xd0 && marker <= 0xd7 || marker == 0x01 {
			return formatError(fmt.Sprintf("unexpected marker %#x", marker))
		}
		if d.pos+2 > len(data) {
			return formatError("truncated marker segment")
		}
		n := int(binary.BigEndian.Uint16(data[d.pos:]))
		if n < 2 || d.pos+n > len(data) {
			return formatError("bad marker segment length")
		}
		seg := data[d.pos+2 : d.pos+n]
		d.pos += n
		switch {
		case marker == 0xc0 || marker == 0xc1 || marker == 0xc2:
			err = d.parseFrame(seg, marker == 0xc2)
		case marker >= 0xc3 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc:
			err = unsupportedError(fmt.Sprintf("SOF%d coding", marker-0xc0))
		case marker == 0xcc:
			err = unsupportedError("arithmetic coding")
		case marker == 0xc4:
			err = d.parseDHT(seg)
		case marker == 0xdb:
			err = d.parseDQT(seg)
		case marker == 0xdd:
			if len(seg) != 2 {
				err = formatError("bad DRI length")
			} else {
				d.restart = int(binary.BigEndian.Uint16(seg))
			}
		case marker == 0xee:
			if len(seg) >= 12 && string(seg[:5]) == "Adobe" {
				d.adobe, d.transform = true, int(seg[11])
			}
		case marker == 0xda:
			err = d.parseScan(seg)
		case marker == 0xdc:
			err = unsupportedError("DNL marker")
		}
		if err != nil {
			if d.scans > 0 && errors.Is(err, ErrUnsupported) {
				// Only the headers decide ErrUnsupported (see the
				// package comment); after scan data, image/jpeg
				// refuses such a marker as well.
				return formatError(strings.TrimPrefix(err.Error(), ErrUnsupported.Error()+": ") + " after the first scan")
			}
			return err
		}
	}
	if !d.frame {
		return formatError("no frame")
	}
	for i := range d.comps {
		if !d.comps[i].seen {
			return formatError("a component has no scan")
		}
	}
	if d.progressive {
		d.finishProgressive()
	}
	return nil
}

// nextMarker returns the next marker at or after d.pos, skipping fill
// bytes, and leaves d.pos past it. After a scan it skips whatever the
// entropy decoder left, as stray bytes before a marker are tolerated.
func (d *decoder) nextMarker() (uint8, error) {
	data := d.data
	for d.pos+1 < len(data) {
		if data[d.pos] != 0xff {
			d.pos++
			continue
		}
		m := data[d.pos+1]
		if m == 0xff || m == 0 {
			d.pos++
			continue
		}
		d.pos += 2
		return m, nil
	}
	return 0, formatError("missing EOI marker")
}

func (d *decoder) parseFrame(seg []byte, progressive bool) error {
	if d.frame {
		return formatError("more than one frame")
	}
	if len(seg) < 6 {
		return formatError("short SOF")
	}
	if seg[0] != 8 {
		return unsupportedError(fmt.Sprintf("%d-bit samples", seg[0]))
	}
	d.height = int(binary.BigEndian.Uint16(seg[1:]))
	d.width = int(binary.BigEndian.Uint16(seg[3:]))
	nc := int(seg[5])
	if d.height == 0 {
		return unsupportedError("height defined by DNL")
	}
	if d.width == 0 {
		return formatError("zero width")
	}
	if nc != 1 && nc != 3 {
		return unsupportedError(fmt.Sprintf("%d components", nc))
	}
	if len(seg) != 6+3*nc {
		return formatError("bad SOF length")
	}
	if limit := d.opts.MaxPixels; limit > 0 && int64(d.width)*int64(d.height) > limit {
		return fmt.Errorf("%w: %d×%d", ErrTooLarge, d.width, d.height)
	}
	d.progressive = progressive
	d.comps = make([]component, nc)
	d.hmax, d.vmax = 1, 1
	for i := range d.comps {
		c := &d.comps[i]
		p := seg[6+3*i:]
		c.id, c.h, c.v, c.tq = p[0], int(p[1]>>4), int(p[1]&15), int(p[2])
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 || c.tq > 3 {
			return formatError("bad component parameters")
		}
		for j := range i {
			if d.comps[j].id == c.id {
				return formatError("duplicate component id")
			}
		}
		if nc == 1 {
			// One component: the scan is non-interleaved, one block an
			// MCU, whatever the factors say (T.81 A.2.2).
			c.h, c.v = 1, 1
		}
		d.hmax, d.vmax = max(d.hmax, c.h), max(d.vmax, c.v)
	}
	if nc == 3 {
		if d.adobe && d.transform == 0 || d.comps[0].id == 'R' && d.comps[1].id == 'G' && d.comps[2].id == 'B' {
			return unsupportedError("RGB colour")
		}
		ratio, ok := subsampling(d.comps, d.hmax, d.vmax)
		if !ok {
			return unsupportedError("sampling factors")
		}
		d.ratio = ratio
	}
	d.frame = true
	d.m = Scale(d.width, d.height, d.opts.MinWidth, d.opts.MinHeight)
	for k := range d.slot {
		u, v := int(jpegspec.Zigzag[k]%8), int(jpegspec.Zigzag[k]/8)
		d.slot[k] = -1
		if u < d.m && v < d.m {
			d.slot[k] = int8(v*d.m + u)
		}
	}
	d.mcux = (d.width + 8*d.hmax - 1) / (8 * d.hmax)
	d.mcuy = (d.height + 8*d.vmax - 1) / (8 * d.vmax)
	for i := range d.comps {
		c := &d.comps[i]
		c.bw, c.bh = d.mcux*c.h, d.mcuy*c.v
		cw := (d.width*c.h + d.hmax - 1) / d.hmax
		ch := (d.height*c.v + d.vmax - 1) / d.vmax
		c.nbw, c.nbh = (cw+7)/8, (ch+7)/8
		c.stride = c.bw * d.m
		d.blocks += int64(c.bw) * int64(c.bh)
	}
	return nil
}

// allocate makes the planes, and a progressive frame's coefficients, at
// the first scan.
func (d *decoder) allocate() {
	for i := range d.comps {
		c := &d.comps[i]
		if c.pix != nil {
			continue
		}
		c.pix = make([]byte, c.stride*c.bh*d.m)
		if d.progressive {
			blocks := c.bw * c.bh
			c.coefs = make([]int16, blocks*d.m*d.m)
			c.nz = make([]uint64, blocks)
		}
	}
}

// subsampling returns the image.YCbCr layout of three components: full
// size luma, and two chroma components of the same size.
func subsampling(c []component, hmax, vmax int) (image.YCbCrSubsampleRatio, bool) {
	if c[0].h != hmax || c[0].v != vmax || c[1].h != c[2].h || c[1].v != c[2].v ||
		hmax%c[1].h != 0 || vmax%c[1].v != 0 {
		return 0, false
	}
	switch [2]int{hmax / c[1].h, vmax / c[1].v} {
	case [2]int{1, 1}:
		return image.YCbCrSubsampleRatio444, true
	case [2]int{2, 1}:
		return image.YCbCrSubsampleRatio422, true
	case [2]int{2, 2}:
		return image.YCbCrSubsampleRatio420, true
	case [2]int{1, 2}:
		return image.YCbCrSubsampleRatio440, true
	case [2]int{4, 1}:
		return image.YCbCrSubsampleRatio411, true
	case [2]int{4, 2}:
		return image.YCbCrSubsampleRatio410, true
	}
	return 0, false
}

func (d *decoder) parseDHT(seg []byte) error {
	for len(seg) > 0 {
		if len(seg) < 17 {
			return formatError("short DHT")
		}
		class, id := seg[0]>>4, int(seg[0]&15)
		if class > 1 || id > 3 {
			return formatError("bad DHT table")
		}
		var counts [16]int
		total := 0
		for i := range counts {
			counts[i] = int(seg[1+i])
			total += counts[i]
		}
		if total == 0 || total > 256 || len(seg) < 17+total {
			return formatError("bad DHT counts")
		}
		h := &d.dc[id]
		if class == 1 {
			h = &d.ac[id]
		}
		if err := h.build(counts, seg[17:17+total]); err != nil {
			return err
		}
		seg = seg[17+total:]
	}
	return nil
}

func (d *decoder) parseDQT(seg []byte) error {
	for len(seg) > 0 {
		p, id := seg[0]>>4, int(seg[0]&15)
		if p > 1 || id > 3 {
			return formatError("bad DQT table")
		}
		n := 64 * (1 + int(p))
		if len(seg) < 1+n {
			return formatError("short DQT")
		}
		q := &d.quant[id]
		for k := range q {
			if p == 0 {
				q[k] = int32(seg[1+k])
			} else {
				q[k] = int32(binary.BigEndian.Uint16(seg[1+2*k:]))
			}
		}
		seg = seg[1+n:]
	}
	return nil
}

// image returns the decoded planes.
func (d *decoder) image() image.Image {
	r := image.Rect(0, 0, Scaled(d.width, d.m), Scaled(d.height, d.m))
	if len(d.comps) == 1 {
		c := &d.comps[0]
		return &image.Gray{Pix: c.pix, Stride: c.stride, Rect: r}
	}
	return &image.YCbCr{
		Y: d.comps[0].pix, Cb: d.comps[1].pix, Cr: d.comps[2].pix,
		YStride: d.comps[0].stride, CStride: d.comps[1].stride,
		SubsampleRatio: d.ratio, Rect: r,
	}
}
