package imaging

import (
	"bytes"
	"cmp"
	"errors"
	"image"
	"image/png"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/segview/segview/internal/imagetest"
)

// TestDamaged: data that starts as a JPEG or PNG but cannot be decoded is
// a *DamagedError with both decoders and both entry points, which
// segview's error page shows as 422 "Damaged image" without the decoders'
// own words; a header that cannot be read is one too, and a progressive
// JPEG with far too many scans says so.
func TestDamaged(t *testing.T) {
	t.Parallel()
	jpg := imagetest.ProgressiveGray(640, 480, 2, false)
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, imagetest.Photo(320, 240, 1)); err != nil {
		t.Fatal(err)
	}
	photo, err := os.ReadFile("../jpegscale/testdata/420-big-progressive.jpg")
	if err != nil {
		t.Fatal(err)
	}
	// A SOF0 segment whose length runs past the end of the file.
	badHeader := []byte{0xff, 0xd8, 0xff, 0xc0, 0x7f, 0xff, 0x08, 0x00, 0x10}
	tests := []struct {
		name, format string
		data         []byte
		header       bool
		mention      string
	}{
		{"JPEG cut in its scans", "jpeg", jpg[:len(jpg)/2], false, "cut short"},
		{"JPEG without its end", "jpeg", jpg[:len(jpg)-200], false, "cut short"},
		{"PNG cut in its data", "png", pngBuf.Bytes()[:pngBuf.Len()/2], false, "cut short"},
		{"JPEG header cut", "jpeg", badHeader, true, "header"},
		{"JPEG with too many scans", "jpeg", withDCScanRepeated(t, photo, 20), false, "scans"},
	}
	for _, tt := range tests {
		for _, decoder := range []string{"", DecoderGo} {
			name := tt.name + ", decoder " + cmp.Or(decoder, "default")
			opts := Options{Decoder: decoder}
			_, _, err1 := Decode(tt.data, opts)
			_, _, err2 := DecodeSize(tt.data, Options{Decoder: decoder, MinWidth: 100}, image.Pt(100, 75))
			for _, err := range []error{err1, err2} {
				var d *DamagedError
				if !errors.As(err, &d) {
					t.Errorf("%s: error %T %v, want a *DamagedError", name, err, err)
					continue
				}
				if d.Format != tt.format || d.Header != tt.header {
					t.Errorf("%s: format %q, header %v; want %q, %v", name, d.Format, d.Header, tt.format, tt.header)
				}
				msg := d.PublicMessage()
				if d.HTTPStatus() != http.StatusUnprocessableEntity || !strings.Contains(msg, tt.mention) ||
					!strings.Contains(msg, strings.ToUpper(tt.format)) {
					t.Errorf("%s: %d %q, want 422 naming %s and mentioning %q", name, d.HTTPStatus(), msg, strings.ToUpper(tt.format), tt.mention)
				}
				for _, internal := range []string{"jpegscale", "imaging:", "turbo", "invalid"} {
					if strings.Contains(msg, internal) {
						t.Errorf("%s: public message %q has the decoder's words %q", name, msg, internal)
					}
				}
			}
		}
	}
}
