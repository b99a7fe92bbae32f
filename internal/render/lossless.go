package render

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
)

// The decoded sources that replicas share (see shared.go) travel and are
// cached as bytes. They must come back with exactly the pixels the owner
// decoded: a strong ETag names an output's bytes, and every replica must
// draw the same bytes for it, so a lossy re-encoding (JPEG) is out; PNG is
// lossless only for opaque images, as it stores alpha unpremultiplied
// while the cache holds premultiplied *image.RGBA. losslessRGBA keeps the
// premultiplied bytes: each row's bytes minus those of the pixel to their
// left (PNG's Sub filter, which turns smooth photos into small numbers and
// an opaque alpha channel into zeros), deflated at the fastest level. A
// 1600-pixel photo takes about half its RGBA size.
//
// Layout: "sgvR" and, big-endian uint32, the file's full displayed width
// and height (so that the receiver learns the size too), the image's width
// and height, then the deflated rows.
const losslessMagic = "sgvR"

// encodeLossless encodes img (at the origin), a decode of an image whose
// full displayed size is full.
func encodeLossless(img *image.RGBA, full image.Point) ([]byte, error) {
	var buf bytes.Buffer
	w, h := img.Rect.Dx(), img.Rect.Dy()
	buf.Grow(w*h*2 + 32)
	buf.WriteString(losslessMagic)
	for _, n := range []int{full.X, full.Y, w, h} {
		binary.Write(&buf, binary.BigEndian, uint32(n))
	}
	zw, err := flate.NewWriter(&buf, flate.BestSpeed)
	if err != nil {
		return nil, err
	}
	row := make([]byte, 4*w)
	for y := range h {
		pix := img.Pix[y*img.Stride : y*img.Stride+4*w]
		copy(row, pix[:min(4, len(pix))])
		for i := 4; i < len(pix); i++ {
			row[i] = pix[i] - pix[i-4]
		}
		if _, err := zw.Write(row); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeLossless reverses encodeLossless. maxPixels (> 0) bounds the
// image's size before anything is allocated.
func decodeLossless(data []byte, maxPixels int64) (*image.RGBA, image.Point, error) {
	const header = len(losslessMagic) + 16
	if len(data) < header || string(data[:len(losslessMagic)]) != losslessMagic {
		return nil, image.Point{}, errors.New("render: not a shared source")
	}
	u := func(i int) int { return int(binary.BigEndian.Uint32(data[len(losslessMagic)+4*i:])) }
	full, w, h := image.Pt(u(0), u(1)), u(2), u(3)
	if w <= 0 || h <= 0 || w > full.X || (maxPixels > 0 && int64(w)*int64(h) > maxPixels) {
		return nil, image.Point{}, fmt.Errorf("render: a shared source of %d×%d (full %v) is out of bounds", w, h, full)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	zr := flate.NewReader(bytes.NewReader(data[header:]))
	if _, err := io.ReadFull(zr, img.Pix); err != nil {
		return nil, image.Point{}, fmt.Errorf("render: a shared source is cut short: %w", err)
	}
	// The stream must end where the pixels do, with its final block whole.
	if n, err := zr.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		return nil, image.Point{}, errors.New("render: a shared source is cut short or too long")
	}
	for y := range h {
		pix := img.Pix[y*img.Stride : (y+1)*img.Stride]
		for i := 4; i < len(pix); i++ {
			pix[i] += pix[i-4]
		}
	}
	return img, full, nil
}
