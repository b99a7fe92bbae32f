package imaging

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// byteOrder is what binary.BigEndian and binary.LittleEndian both are.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// app1 wraps payload in an APP1 segment.
func app1(payload []byte) []byte {
	seg := []byte{0xff, markerAPP1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	return append(seg, payload...)
}

// tiffWith builds "Exif\0\0" plus a TIFF header and an IFD0 holding the
// given 12-byte entries, in byte order bo.
func tiffWith(bo byteOrder, entries ...[]byte) []byte {
	b := append([]byte{}, exifHeader...)
	if bo == binary.LittleEndian {
		b = append(b, "II"...)
	} else {
		b = append(b, "MM"...)
	}
	b = bo.AppendUint16(b, 42)
	b = bo.AppendUint32(b, 8)
	b = bo.AppendUint16(b, uint16(len(entries)))
	for _, e := range entries {
		b = append(b, e...)
	}
	return bo.AppendUint32(b, 0)
}

// entry builds one IFD entry whose value fits in the entry itself.
func entry(bo byteOrder, tag, typ uint16, count uint32, value uint16) []byte {
	e := bo.AppendUint16(nil, tag)
	e = bo.AppendUint16(e, typ)
	e = bo.AppendUint32(e, count)
	e = bo.AppendUint16(e, value)
	return append(e, 0, 0)
}

// jpegWith is SOI, the given segments, then a minimal SOS and EOI. The image
// data is irrelevant to Orientation.
func jpegWith(segs ...[]byte) []byte {
	b := []byte{0xff, markerSOI}
	for _, s := range segs {
		b = append(b, s...)
	}
	return append(b, 0xff, markerSOS, 0, 2, 0xff, markerEOI)
}

func TestOrientation(t *testing.T) {
	t.Parallel()
	be, le := binary.BigEndian, binary.LittleEndian
	orient := func(bo byteOrder, o uint16) []byte {
		return app1(tiffWith(bo, entry(bo, tagOrientation, typeShort, 1, o)))
	}
	xmp := app1([]byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>"))
	badIFD := tiffWith(be, entry(be, tagOrientation, typeShort, 1, 6))
	binary.BigEndian.PutUint32(badIFD[6+4:], 0xffffffff)
	manyEntries := tiffWith(be, entry(be, tagOrientation, typeShort, 1, 6))
	binary.BigEndian.PutUint16(manyEntries[6+8:], 0xffff)
	manyEntries = manyEntries[:len(manyEntries)-4-12] // claims 65535, holds none

	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"big-endian", jpegWith(orient(be, 6)), 6},
		{"little-endian", jpegWith(orient(le, 8)), 8},
		{"among other tags", jpegWith(app1(tiffWith(le,
			entry(le, 0x010f, 2, 4, 0), entry(le, tagOrientation, typeShort, 1, 3), entry(le, 0x8769, 4, 1, 0)))), 3},
		{"after JFIF APP0 and XMP APP1", jpegWith([]byte{0xff, 0xe0, 0, 4, 'J', 'F'}, xmp, orient(be, 5)), 5},
		{"fill bytes before a marker", append([]byte{0xff, markerSOI, 0xff, 0xff}, orient(be, 7)...), 7},
		{"first Exif segment wins", jpegWith(orient(be, 2), orient(be, 4)), 2},
		{"no EXIF", jpegWith(), 1},
		{"not a JPEG", orient(be, 6), 1},
		{"empty", nil, 1},
		{"EXIF after start of scan is not metadata", append(jpegWith()[:6], orient(be, 6)...), 1},
		{"orientation 0", jpegWith(orient(be, 0)), 1},
		{"orientation 9", jpegWith(orient(be, 9)), 1},
		{"orientation as LONG", jpegWith(app1(tiffWith(be, entry(be, tagOrientation, 4, 1, 6)))), 1},
		{"orientation count 2", jpegWith(app1(tiffWith(be, entry(be, tagOrientation, typeShort, 2, 6)))), 1},
		{"bad byte order mark", jpegWith(app1(append(append([]byte{}, exifHeader...), "XX\x00\x2a\x00\x00\x00\x08"...))), 1},
		{"bad TIFF magic", jpegWith(app1(append(append([]byte{}, exifHeader...), "MM\x00\x2b\x00\x00\x00\x08"...))), 1},
		{"IFD offset past the end", jpegWith(app1(badIFD)), 1},
		{"entry count past the end", jpegWith(app1(manyEntries)), 1},
		{"segment length 0", []byte{0xff, markerSOI, 0xff, markerAPP1, 0, 0, 'E', 'x'}, 1},
		{"segment length past the end", []byte{0xff, markerSOI, 0xff, markerAPP1, 0xff, 0xff, 'E', 'x'}, 1},
		{"Exif header only", jpegWith(app1(exifHeader)), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Orientation(tt.data); got != tt.want {
				t.Errorf("Orientation = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestOrientationTruncated(t *testing.T) {
	t.Parallel()
	for _, bo := range []binary.ByteOrder{binary.BigEndian, binary.LittleEndian} {
		data, err := withOrientation(encodeJPEG(t, displayed()), 6, bo)
		if err != nil {
			t.Fatal(err)
		}
		for n := range len(data) + 1 {
			if got := Orientation(data[:n]); got != 1 && got != 6 {
				t.Fatalf("Orientation(first %d bytes) = %d, want 1 or 6", n, got)
			}
		}
		// Decoding the truncated files must fail cleanly too; a sample of
		// lengths keeps this quick.
		for n := 0; n < len(data); n += 97 {
			if _, _, err := Decode(data[:n], Options{}); err == nil && n < len(data)/2 {
				t.Errorf("Decode(first %d of %d bytes) succeeded", n, len(data))
			}
		}
	}
}

func TestOrientationGarbage(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	valid := jpegWith(app1(tiffWith(binary.LittleEndian, entry(binary.LittleEndian, tagOrientation, typeShort, 1, 6))))
	for range 5000 {
		// Flip random bytes of a valid header, or append random bytes to a
		// plausible prefix, to reach the deeper branches.
		data := append([]byte{}, valid...)
		if rng.IntN(2) == 0 {
			for range 1 + rng.IntN(4) {
				data[2+rng.IntN(len(data)-2)] = byte(rng.Uint32())
			}
		} else {
			data = data[:2+rng.IntN(len(data)-2)]
			for range rng.IntN(64) {
				data = append(data, byte(rng.Uint32()))
			}
		}
		if got := Orientation(data); got < 1 || got > 8 {
			t.Fatalf("Orientation(% x) = %d, outside 1..8", data, got)
		}
	}
}

func FuzzOrientation(f *testing.F) {
	f.Add(jpegWith(app1(tiffWith(binary.BigEndian, entry(binary.BigEndian, tagOrientation, typeShort, 1, 6)))))
	f.Add(jpegWith(app1(tiffWith(binary.LittleEndian, entry(binary.LittleEndian, tagOrientation, typeShort, 1, 3)))))
	f.Add([]byte{0xff, markerSOI, 0xff, markerAPP1, 0, 8, 'E', 'x', 'i', 'f', 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if got := Orientation(data); got < 1 || got > 8 {
			t.Fatalf("Orientation = %d, outside 1..8", got)
		}
	})
}

func TestWithOrientation(t *testing.T) {
	t.Parallel()
	plain := encodeJPEG(t, displayed())
	first, err := WithOrientation(plain, 3)
	if err != nil {
		t.Fatal(err)
	}
	second, err := WithOrientation(first, 6)
	if err != nil {
		t.Fatal(err)
	}
	if got := Orientation(second); got != 6 {
		t.Errorf("Orientation after rewriting 3 to 6 = %d, want 6", got)
	}
	if n := bytes.Count(second, exifHeader); n != 1 {
		t.Errorf("%d Exif segments after rewriting, want 1", n)
	}
	if len(second) != len(first) {
		t.Errorf("rewritten length %d, want %d: the old segment should be replaced", len(second), len(first))
	}

	// The pixels are untouched: decoding as stored gives the original image.
	want, _, err := Decode(plain, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := Decode(second, Options{IgnoreEXIF: true})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(toRGBA(want).Pix, toRGBA(got).Pix) {
		t.Error("pixels changed by WithOrientation")
	}

	for _, bad := range []int{0, 9, -1} {
		if _, err := WithOrientation(plain, bad); err == nil {
			t.Errorf("WithOrientation(%d) succeeded", bad)
		}
	}
	if _, err := WithOrientation(encodePNG(t, displayed()), 6); err == nil {
		t.Error("WithOrientation accepted a PNG")
	}
}
