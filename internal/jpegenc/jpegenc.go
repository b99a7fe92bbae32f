// Package jpegenc is segview's own JPEG encoder, written from ITU-T T.81:
// baseline sequential, YCbCr 4:2:0 in a JFIF file, the example tables of
// Annex K scaled for a quality as the IJG library scales them. It encodes
// a large image in strips on several cores, joined by restart markers,
// into the same bytes whatever the number of cores.
package jpegenc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/segview/segview/internal/jpegspec"
)

// mcuSize is the side of an MCU in pixels: 4:2:0 has two by two luminance
// blocks for one block of each chrominance.
const mcuSize = 16

// Strips. An image of at least minStripPixels is cut into strips of
// stripMCURows MCU rows (64 pixel rows), each a restart interval: its DC
// predictions start at zero and its bits at a byte, so the strips are
// encoded at the same time and joined by RSTn markers. The plan depends
// on the image's size only, never on the number of cores, so that every
// machine writes the same bytes (responses carry strong ETags that
// replicas share). A 1600×1200 image has 19 strips: enough to keep 2 to 8
// cores busy, for about 4 bytes each of padding, marker and restarted DC
// prediction.
const (
	minStripPixels = 1 << 18
	stripMCURows   = 4
	maxInterval    = 65535 // DRI's 16 bits
)

// stripPlan cuts an image into count strips of rows MCU rows (the last
// one shorter), interval MCUs each. An interval of 0 means one strip and
// no restart markers.
type stripPlan struct {
	count, rows, interval int
}

// planStrips plans a width×height image: one strip if small, or if a row
// of MCUs is longer than a restart interval can be; fewer MCU rows a strip
// if stripMCURows of them would be longer.
func planStrips(width, height int) stripPlan {
	mcuRows := (height + mcuSize - 1) / mcuSize
	perRow := (width + mcuSize - 1) / mcuSize
	if width*height < minStripPixels || perRow > maxInterval {
		return stripPlan{count: 1, rows: mcuRows}
	}
	r := min(stripMCURows, maxInterval/perRow)
	count := (mcuRows + r - 1) / r
	if count < 2 {
		return stripPlan{count: 1, rows: mcuRows}
	}
	return stripPlan{count: count, rows: r, interval: r * perRow}
}

// ErrSize is returned for an image JPEG cannot hold: empty, or wider or
// higher than 65535 pixels.
var ErrSize = errors.New("jpegenc: image size not encodable")

// Encode writes img (its Rect: a sub-image is encoded as it is bounded) to
// w as a baseline JFIF JPEG of the given quality (clamped to 1..100, the
// scale of image/jpeg and libjpeg), with 4:2:0 chroma subsampling. Alpha
// is ignored: the RGBA values as stored are encoded. The right and bottom
// edges are padded to whole MCUs by repeating the last column and row.
// Large images are encoded in strips on up to GOMAXPROCS goroutines (see
// stripMCURows); the bytes written do not depend on how many.
func Encode(w io.Writer, img *image.RGBA, quality int) error {
	width, height := img.Rect.Dx(), img.Rect.Dy()
	if width <= 0 || height <= 0 || width > 65535 || height > 65535 {
		return fmt.Errorf("%w: %d×%d", ErrSize, width, height)
	}
	return encode(w, img, quality, planStrips(width, height))
}

// encode is Encode with a given plan.
func encode(w io.Writer, img *image.RGBA, quality int, plan stripPlan) error {
	width, height := img.Rect.Dx(), img.Rect.Dy()
	t := newTables(min(max(quality, 1), 100))

	// Each goroutine converts and transforms in one encoder's planes;
	// each strip's bytes go to a buffer of its own, written out in order.
	strips := make([]*[]byte, plan.count)
	var next atomic.Int64
	run := func() {
		e := encoders.Get().(*stripEncoder)
		defer encoders.Put(e)
		for i := int(next.Add(1) - 1); i < plan.count; i = int(next.Add(1) - 1) {
			buf := buffers.Get().(*[]byte)
			e.out = (*buf)[:0]
			e.encode(img, &t, plan, i)
			*buf, e.out = e.out, nil
			strips[i] = buf
		}
	}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), plan.count) - 1 {
		wg.Go(run)
	}
	run()
	wg.Wait()
	defer func() {
		for _, buf := range strips {
			buffers.Put(buf)
		}
	}()

	if _, err := w.Write(t.header(width, height, plan.interval)); err != nil {
		return err
	}
	for _, buf := range strips {
		if _, err := w.Write(*buf); err != nil {
			return err
		}
	}
	return nil
}

// tables are what one quality needs: the quantization tables, luminance
// and chrominance, as written, and their quantizers.
type tables struct {
	quant [2][64]uint8
	q     [2]quantizer
}

func newTables(quality int) tables {
	var t tables
	for i := range t.quant {
		t.quant[i] = scaleQuant(&baseQuant[i], quality)
		t.q[i] = newQuantizer(&t.quant[i])
	}
	return t
}

// header returns the file up to the scan: SOI, the JFIF APP0 segment, the
// quantization and Huffman tables, the frame (three components, Y at 2×2,
// Cb and Cr at 1×1), the restart interval when there is one, and the scan
// header.
func (t *tables) header(width, height, interval int) []byte {
	h := make([]byte, 0, 640)
	h = append(h, 0xff, 0xd8) // SOI
	// APP0 JFIF 1.01, no units, 1:1 aspect, no thumbnail.
	h = append(h, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0)
	// DQT: two 8-bit tables, in zig-zag order.
	h = append(h, 0xff, 0xdb, 0, 2+2*65)
	for i := range t.quant {
		h = append(h, byte(i))
		for _, n := range jpegspec.Zigzag {
			h = append(h, t.quant[i][n])
		}
	}
	// SOF0: 8-bit samples, height, width, three components (id, HV
	// sampling, table).
	h = append(h, 0xff, 0xc0, 0, 17, 8)
	h = binary.BigEndian.AppendUint16(h, uint16(height))
	h = binary.BigEndian.AppendUint16(h, uint16(width))
	h = append(h, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1)
	// DHT: the four tables of K.3.
	n := 2
	specs := [4]*huffSpec{&dcLuma, &acLuma, &dcChroma, &acChroma}
	for _, s := range specs {
		n += 17 + len(s.values)
	}
	h = append(h, 0xff, 0xc4)
	h = binary.BigEndian.AppendUint16(h, uint16(n))
	for i, s := range specs {
		class, id := i%2, i/2
		h = append(h, byte(class<<4|id))
		h = append(h, s.counts[:]...)
		h = append(h, s.values...)
	}
	if interval > 0 {
		h = append(h, 0xff, 0xdd, 0, 4)
		h = binary.BigEndian.AppendUint16(h, uint16(interval))
	}
	// SOS: the three components, Y with tables 0, Cb and Cr with 1; the
	// whole spectrum, no successive approximation.
	return append(h, 0xff, 0xda, 0, 12, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0)
}

// encoders keeps strip encoders and their planes between calls, buffers
// the strips' bytes.
var (
	encoders = sync.Pool{New: func() any { return new(stripEncoder) }}
	buffers  = sync.Pool{New: func() any { return new([]byte) }}
)

// stripEncoder encodes strips one after the other, through the planes of
// one MCU row: Y at full width, Cb and Cr at half, padded to whole MCUs.
type stripEncoder struct {
	y, cb, cr []int16
	blk       [64]int64 // the DCT's work
	coef      [64]int32 // quantized, column by column
	bitWriter
}

// encode appends strip i of img under plan to e.out, ending with the
// marker that follows it: RSTn, or EOI after the last strip.
func (e *stripEncoder) encode(img *image.RGBA, t *tables, plan stripPlan, i int) {
	width, height := img.Rect.Dx(), img.Rect.Dy()
	perRow := (width + mcuSize - 1) / mcuSize
	padW := perRow * mcuSize
	e.y = grow(e.y, mcuSize*padW)
	e.cb = grow(e.cb, mcuSize/2*padW/2)
	e.cr = grow(e.cr, mcuSize/2*padW/2)
	e.acc, e.nbits = 0, 0

	row := func(y int) []byte {
		y = min(y, height-1) // the last row repeats into the padding
		return img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y):]
	}
	var pred [3]int32
	first := i * plan.rows
	last := min(first+plan.rows, (height+mcuSize-1)/mcuSize)
	cw := padW / 2
	for my := first; my < last; my++ {
		y0 := my * mcuSize
		for k := range mcuSize / 2 {
			convertRows(row(y0+2*k), row(y0+2*k+1), width,
				e.y[2*k*padW:][:padW], e.y[(2*k+1)*padW:][:padW],
				e.cb[k*cw:][:cw], e.cr[k*cw:][:cw])
		}
		for mx := range perRow {
			x := mx * mcuSize
			for _, off := range [4]int{x, x + 8, 8*padW + x, 8*padW + x + 8} {
				mask := fdct(e.y[off:], padW, &t.q[0], &e.coef, &e.blk)
				e.block(&e.coef, mask, &pred[0], &dcLumaCodes, &acLumaCodes)
			}
			mask := fdct(e.cb[mx*8:], cw, &t.q[1], &e.coef, &e.blk)
			e.block(&e.coef, mask, &pred[1], &dcChromaCodes, &acChromaCodes)
			mask = fdct(e.cr[mx*8:], cw, &t.q[1], &e.coef, &e.blk)
			e.block(&e.coef, mask, &pred[2], &dcChromaCodes, &acChromaCodes)
		}
	}
	e.pad()
	if i == plan.count-1 {
		e.out = append(e.out, 0xff, 0xd9) // EOI
	} else {
		e.out = append(e.out, 0xff, 0xd0+byte(i%8)) // RSTn
	}
}

// grow returns s with length n, reallocated if too short.
func grow(s []int16, n int) []int16 {
	if cap(s) < n {
		return make([]int16, n)
	}
	return s[:n]
}
