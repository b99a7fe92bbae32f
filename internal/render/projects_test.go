package render

import (
	"bytes"
	"context"
	"image"
	"testing"
)

// TestProjectViews renders the same job, file id and file version in two
// projects, whose photos differ, through views of one Service: each view
// downloads and draws its own project's photo, ETags differ, and the
// views share the one set of caches (memory does not grow with projects).
func TestProjectViews(t *testing.T) {
	t.Parallel()
	a, b := newFake(t, "Completed", 400, 300), newFake(t, "Completed", 200, 100)
	s := New(a, Options{Project: "one", Limits: Limits{MaxWidth: 2048}})
	v := s.ForProject("two", b)
	if v.images != s.images || v.outputs != s.outputs || v.sizes != s.sizes || v.limiter != s.limiter || v.flights != s.flights || v.draws != s.draws {
		t.Fatal("the view does not share the Service's caches, limiter and flights")
	}
	tests := []struct {
		name   string
		format Format
	}{
		{"png", FormatPNG},
		{"jpeg", FormatJPEG},
		{"layer", FormatLayer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var bodies [2][]byte
			var etags [2]string
			for round := range 2 {
				for i, svc := range []*Service{s, v} {
					res, err := svc.renderRead(context.Background(), Request{JobID: 5, FileID: 9, Format: tt.format})
					if err != nil {
						t.Fatal(err)
					}
					if round == 1 && (res.ETag != etags[i] || !bytes.Equal(res.Body, bodies[i])) {
						t.Errorf("project %s: another answer the second time", svc.project)
					}
					bodies[i], etags[i] = res.Body, res.ETag
				}
			}
			if etags[0] == "" || etags[0] == etags[1] {
				t.Errorf("ETags %q and %q, want two", etags[0], etags[1])
			}
			for i, want := range []image.Point{{400, 300}, {200, 100}} {
				cfg, _, err := image.DecodeConfig(bytes.NewReader(bodies[i]))
				if err != nil || cfg.Width != want.X || cfg.Height != want.Y {
					t.Errorf("project %d: %dx%d (%v), want its own photo's %v", i, cfg.Width, cfg.Height, err, want)
				}
			}
		})
	}
	for _, f := range []*fakeCDF{a, b} {
		if c := f.counts(0); c.Downloads != 1 {
			t.Errorf("%d downloads of the project's photo, want 1", c.Downloads)
		}
	}
	for i, svc := range []*Service{s, v} {
		size, err := svc.ImageSize(context.Background(), 9, 1000)
		if want := []image.Point{{400, 300}, {200, 100}}[i]; err != nil || size != want {
			t.Errorf("project %s: ImageSize %v (%v), want %v", svc.project, size, err, want)
		}
	}
}
