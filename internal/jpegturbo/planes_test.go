package jpegturbo

import (
	"bytes"
	"errors"
	"image"
	"image/draw"
	"testing"

	"github.com/segview/segview/internal/imagetest"
)

// DecodePlanes returns the JPEG's planes as stored, at the scale Decode
// picks; converted to RGB they are the picture Decode gives (libjpeg-turbo
// interpolates the chroma where image/draw repeats it, hence the tolerance).
func TestDecodePlanes(t *testing.T) {
	t.Parallel()
	needTurbo(t)
	src := imagetest.Photo(301, 199, 3) // odd sizes: partial MCUs on both edges
	tests := []struct {
		name    string
		subsamp int
		flags   int
		opts    Options
		ratio   image.YCbCrSubsampleRatio
		gray    bool
		size    image.Point
	}{
		{"4:4:4", tjsamp444, 0, Options{}, image.YCbCrSubsampleRatio444, false, image.Pt(301, 199)},
		{"4:2:2", tjsamp422, 0, Options{}, image.YCbCrSubsampleRatio422, false, image.Pt(301, 199)},
		{"4:2:0", tjsamp420, 0, Options{}, image.YCbCrSubsampleRatio420, false, image.Pt(301, 199)},
		{"4:4:0", tjsamp440, 0, Options{}, image.YCbCrSubsampleRatio440, false, image.Pt(301, 199)},
		{"4:1:1", tjsamp411, 0, Options{}, image.YCbCrSubsampleRatio411, false, image.Pt(301, 199)},
		{"grey", tjsampGray, 0, Options{}, 0, true, image.Pt(301, 199)},
		{"progressive 4:2:0", tjsamp420, tjflagProgressive, Options{}, image.YCbCrSubsampleRatio420, false, image.Pt(301, 199)},
		{"4:2:0 at 1/2", tjsamp420, 0, Options{MinWidth: 150}, image.YCbCrSubsampleRatio420, false, image.Pt(151, 100)},
		{"4:2:2 at 3/8", tjsamp422, 0, Options{MinWidth: 100}, image.YCbCrSubsampleRatio422, false, image.Pt(113, 75)},
		{"4:2:0 at 5/8", tjsamp420, 0, Options{MinWidth: 160}, image.YCbCrSubsampleRatio420, false, image.Pt(189, 125)},
		{"grey at 1/4", tjsampGray, 0, Options{MinWidth: 70}, 0, true, image.Pt(76, 50)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := turboEncode(t, src, tt.subsamp, tt.flags)
			got, err := DecodePlanes(data, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got.Bounds() != (image.Rectangle{Max: tt.size}) {
				t.Fatalf("bounds %v, want %v at the origin", got.Bounds(), tt.size)
			}
			switch m := got.(type) {
			case *image.Gray:
				if !tt.gray {
					t.Fatal("got *image.Gray for a colour JPEG")
				}
			case *image.YCbCr:
				if tt.gray || m.SubsampleRatio != tt.ratio {
					t.Fatalf("got %v, want %v", m.SubsampleRatio, tt.ratio)
				}
			default:
				t.Fatalf("got %T", got)
			}
			want, err := Decode(data, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			rgb := image.NewRGBA(want.Rect)
			draw.Draw(rgb, rgb.Rect, got, image.Point{}, draw.Src)
			if mean, _ := difference(t, rgb, want); mean > 3 {
				t.Errorf("mean difference %.2f from Decode's RGBA, want ≤ 3", mean)
			}
		})
	}
}

func TestDecodePlanesRefuses(t *testing.T) {
	t.Parallel()
	needTurbo(t)
	// TurboJPEG writes CMYK input as a YCCK JPEG with an Adobe marker.
	src := imagetest.Photo(40, 24, 8)
	var ycck bytes.Buffer
	if err := encode(&ycck, src.Pix, 40, 24, src.Stride, tjpfCMYK, tjsamp420, 90, 0); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		opts Options
		want error // nil: any error
	}{
		{"YCCK", ycck.Bytes(), Options{}, ErrColorSpace},
		{"above the limit", turboEncode(t, imagetest.Photo(64, 64, 1), tjsamp420, 0), Options{MaxPixels: 100}, ErrTooLarge},
		{"not a JPEG", []byte("not a jpeg"), Options{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := DecodePlanes(tt.data, tt.opts)
			if err == nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
		})
	}
}
