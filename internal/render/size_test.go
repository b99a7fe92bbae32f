package render

import (
	"context"
	"errors"
	"image"
	"testing"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/imaging"
)

func TestImageSize(t *testing.T) {
	t.Parallel()
	f := newFake(t, cdf.StatusCompleted, 40, 30)
	s := New(f, Options{})
	decodes := countDecodes(s)
	ctx := context.Background()
	for range 2 {
		got, err := s.ImageSize(ctx, 9, 1000)
		if err != nil || got != image.Pt(40, 30) {
			t.Fatalf("ImageSize = %v, %v; want (40,30)", got, err)
		}
	}
	// The size is read from the header once, for the version given: no
	// metadata is read.
	if got, want := f.counts(decodes()), (counts{Downloads: 1}); got != want {
		t.Errorf("counts = %+v, want %+v", got, want)
	}
	if _, err := s.ImageSize(ctx, 77, 1000); !errors.Is(err, ErrNoDownloadLink) {
		t.Errorf("unknown file: err = %v, want ErrNoDownloadLink", err)
	}
}

// TestHeaderSize checks that an export's size read takes the file's
// version from the caller (no files/byids call), reads the header once per
// version, ignores the pixel limit, and that a size cached above the limit
// still fails the routes that would draw on the image.
func TestHeaderSize(t *testing.T) {
	t.Parallel()
	f := newFake(t, cdf.StatusCompleted, 40, 30)
	f.files[11] = &fakeFile{data: []byte("GIF89a not one of ours"), updated: 1000}
	s := New(f, Options{Limits: Limits{MaxPixels: 100}}) // 40×30 is over it
	decodes := countDecodes(s)
	ctx := context.Background()
	for range 2 {
		got, err := s.HeaderSize(ctx, 9, 1000)
		if err != nil || got != image.Pt(40, 30) {
			t.Fatalf("HeaderSize = %v, %v; want (40,30)", got, err)
		}
	}
	if got, want := f.counts(decodes()), (counts{Downloads: 1}); got != want {
		t.Errorf("counts = %+v, want %+v (no metadata read, one header, no decode)", got, want)
	}
	// Another version of the file is read again.
	if _, err := s.HeaderSize(ctx, 9, 2000); err != nil {
		t.Fatal(err)
	}
	if got := f.counts(decodes()).Downloads; got != 2 {
		t.Errorf("downloads = %d after a new version, want 2", got)
	}

	var tooLarge *imaging.TooLargeError
	if _, err := s.ImageSize(ctx, 9, 1000); !errors.As(err, &tooLarge) || tooLarge.MaxPixels != 100 {
		t.Errorf("ImageSize of a cached size over the limit: err = %v, want *imaging.TooLargeError", err)
	}
	if _, err := s.renderRead(ctx, Request{JobID: f.job.JobID, FileID: 9, Format: FormatLayer, Export: true}); !errors.As(err, &tooLarge) {
		t.Errorf("layer of an image over the limit: err = %v, want *imaging.TooLargeError", err)
	}

	var header *ImageHeaderError
	if _, err := s.HeaderSize(ctx, 11, 1000); !errors.As(err, &header) || header.FileID != 11 || !errors.Is(err, imaging.ErrUnsupported) {
		t.Errorf("HeaderSize of a GIF: err = %v, want *ImageHeaderError wrapping imaging.ErrUnsupported", err)
	}
}
