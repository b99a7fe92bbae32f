package render

import (
	"context"
	"errors"
	"image"
	"testing"

	"github.com/segview/segview/internal/cdf"
)

func TestImageSize(t *testing.T) {
	t.Parallel()
	f := newFake(t, cdf.StatusCompleted, 40, 30)
	s := New(f, Options{})
	decodes := countDecodes(s)
	ctx := context.Background()
	for range 2 {
		got, err := s.ImageSize(ctx, 9)
		if err != nil || got != image.Pt(40, 30) {
			t.Fatalf("ImageSize = %v, %v; want (40,30)", got, err)
		}
	}
	// The size is read from the header once; the file's version every time.
	if got, want := f.counts(decodes()), (counts{Metas: 2, Downloads: 1}); got != want {
		t.Errorf("counts = %+v, want %+v", got, want)
	}
	var api *cdf.APIError
	if _, err := s.ImageSize(ctx, 77); !errors.As(err, &api) || len(api.Missing) == 0 {
		t.Errorf("unknown file: err = %v, want CDF's missing-item error", err)
	}
}
