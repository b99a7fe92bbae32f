package imaging

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"testing"
)

// FuzzDecodeHeader feeds arbitrary bytes to Decode with a small pixel
// limit: no panic, and nothing larger than the limit is ever returned.
func FuzzDecodeHeader(f *testing.F) {
	img := image.NewRGBA(image.Rect(0, 0, 8, 6))
	var p, j bytes.Buffer
	_ = png.Encode(&p, img)
	_ = jpeg.Encode(&j, img, nil)
	f.Add(p.Bytes())
	f.Add(j.Bytes())
	f.Add(pngHeaderClaiming(30000, 30000))
	f.Add([]byte("<!doctype html><html>"))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xe1, 0x00, 0x08, 'E', 'x', 'i', 'f', 0, 0})
	const limit = 1 << 16
	f.Fuzz(func(t *testing.T, data []byte) {
		out, info, err := Decode(data, Options{Limits: Limits{MaxPixels: limit}})
		if err != nil {
			return
		}
		b := out.Bounds()
		if int64(b.Dx())*int64(b.Dy()) > limit || b.Dx() != info.Width || b.Dy() != info.Height {
			t.Fatalf("decoded %v (info %dx%d) past the %d pixel limit", b, info.Width, info.Height, limit)
		}
	})
}

// pngHeaderClaiming is a PNG signature and IHDR chunk for a w×h RGBA image
// with no pixel data.
func pngHeaderClaiming(w, h uint32) []byte {
	var b bytes.Buffer
	b.Write([]byte("\x89PNG\r\n\x1a\n"))
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6
	var chunk bytes.Buffer
	_ = binary.Write(&chunk, binary.BigEndian, uint32(len(ihdr)))
	chunk.WriteString("IHDR")
	chunk.Write(ihdr)
	crc := crc32.ChecksumIEEE(chunk.Bytes()[4:])
	_ = binary.Write(&chunk, binary.BigEndian, crc)
	b.Write(chunk.Bytes())
	return b.Bytes()
}
