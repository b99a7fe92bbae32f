package render

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/segview/segview/internal/imagetest"
	"github.com/segview/segview/internal/overlay"
	"github.com/segview/segview/internal/segment"
)

// TestExportDrawnInPlace: a full-size export of an image wider than every
// bucket is drawn on its own decode, in place, and gives the bytes drawing
// on a copy gives, alone or with a second export of another view sharing
// the decode (which is then not drawn on in place); the export's masks
// are not kept, while a display width's are.
func TestExportDrawnInPlace(t *testing.T) {
	t.Parallel()
	var file bytes.Buffer
	if err := png.Encode(&file, imagetest.Photo(2100, 300, 5)); err != nil {
		t.Fatal(err)
	}
	views := []*segment.View{nil, {MinScore: 0.8, Opacity: 0.7, Layers: segment.AllLayers}}
	newFake := func() *fakeCDF {
		return &fakeCDF{job: benchJob(), files: map[int64]*fakeFile{9: {data: file.Bytes(), updated: 1000}}}
	}
	// want is the export drawn on a copy of the decode.
	want := func(t *testing.T, v *segment.View) []byte {
		job, err := newFake().SegmentJob(context.Background(), 5)
		if err != nil {
			t.Fatal(err)
		}
		results, err := segment.Results(job, 9, segment.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		view := segment.DefaultView()
		if v != nil {
			view = *v
		}
		img, err := decodeDisplay(file.Bytes(), decodeOptions{Size: image.Pt(2100, 300)})
		if err != nil {
			t.Fatal(err)
		}
		out, err := overlay.Render(view.Spec(img, results.Ranked, results.Prompt))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := encode(&buf, out, FormatPNG); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	export := func(v *segment.View) Request {
		return Request{JobID: 5, FileID: 9, Format: FormatPNG, Export: true, View: v}
	}

	t.Run("alone", func(t *testing.T) {
		s := New(newFake(), Options{Limits: Limits{MaxWidth: 2048}})
		for i, v := range views {
			res, err := s.renderRead(context.Background(), export(v))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(res.Body, want(t, v)) {
				t.Errorf("view %d: the export differs from drawing on a copy", i)
			}
		}
		if n := s.masks.Len(); n != 0 {
			t.Errorf("%d segments' masks kept after exports, want none", n)
		}
		if _, err := s.renderRead(context.Background(), Request{JobID: 5, FileID: 9, Format: FormatPNG, Width: 1600}); err != nil {
			t.Fatal(err)
		}
		if s.masks.Len() == 0 {
			t.Error("no masks kept for a display width")
		}
	})
	t.Run("two views share the decode", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			f := newFake()
			f.block = make(chan struct{})
			s := New(f, Options{Limits: Limits{MaxWidth: 2048}})
			decodes := countDecodes(s)
			bodies := make([][]byte, len(views))
			var wg sync.WaitGroup
			for i, v := range views {
				wg.Go(func() {
					res, err := s.renderRead(context.Background(), export(v))
					if err != nil {
						t.Error(err)
					}
					bodies[i] = res.Body
				})
			}
			synctest.Wait() // one download blocked, the other export waiting for it
			close(f.block)
			wg.Wait()
			if n := decodes(); n != 1 {
				t.Fatalf("%d decodes, want the two exports to share one", n)
			}
			for i, v := range views {
				if !bytes.Equal(bodies[i], want(t, v)) {
					t.Errorf("view %d: the export differs from drawing on a copy", i)
				}
			}
		})
	})
}

// TestMaskPrep: a preparation started for a source's size gives masks for
// the output's size (the source fitted to the target) and none for
// another; without one in the context, or not started, there are none.
func TestMaskPrep(t *testing.T) {
	t.Parallel()
	job := benchJob()
	results, err := segment.Results(job, 9, segment.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	p := &maskPrep{view: segment.DefaultView(), results: results, target: 2100, done: make(chan struct{})}
	if p.wait(image.Pt(2100, 1400)) != nil {
		t.Error("masks before the preparation started")
	}
	startMaskPrep(context.Background(), image.Pt(3000, 2000)) // none in the context: nothing
	ctx := withMaskPrep(context.Background(), p)
	startMaskPrep(ctx, image.Pt(3000, 2000))
	startMaskPrep(ctx, image.Pt(30, 20)) // started once only
	masks := p.wait(image.Pt(2100, 1400))
	if masks == nil || masks.Len() != len(results.Ranked) {
		t.Fatalf("prepared masks %v, want those of the %d segments", masks, len(results.Ranked))
	}
	if p.wait(image.Pt(3000, 2000)) != nil {
		t.Error("masks for another size than the output's")
	}
	var none *maskPrep
	if none.wait(image.Pt(1, 1)) != nil {
		t.Error("masks from no preparation")
	}
}
