package app

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segview/segview/internal/cdfsim"
)

// Ids of the file and jobs added for these tests.
const (
	cacheFileID   int64 = 880001
	otherFileID   int64 = 880002
	completedJob  int64 = 880010
	runningJob    int64 = 880011
	otherFilesJob int64 = 880012
)

// addCacheFixtures adds a 1000×600 grey PNG, a completed and a running job
// with one segment over the middle of it (x and y in 0.25..0.75), and a job
// over a second file.
func addCacheFixtures(t *testing.T, s *stack) {
	t.Helper()
	s.sim.AddFile(cdfsim.File{ID: cacheFileID, Name: "grey.png", Data: greyPNG(t, 1000, 600)})
	s.sim.AddFile(cdfsim.File{ID: otherFileID, Name: "other.png", Data: greyPNG(t, 800, 600)})
	square := []cdfsim.Segment{{Score: 0.9, Polygons: [][]cdfsim.Vertex{{{X: 0.25, Y: 0.25}, {X: 0.75, Y: 0.25}, {X: 0.75, Y: 0.75}, {X: 0.25, Y: 0.75}}}}}
	now := time.Now()
	s.sim.AddJob(cdfsim.Job{ID: completedJob, Status: cdfsim.StatusCompleted, Created: now, Items: []cdfsim.JobItem{{FileID: cacheFileID, Segments: square}}})
	s.sim.AddJob(cdfsim.Job{ID: runningJob, Status: cdfsim.StatusRunning, Created: now, Items: []cdfsim.JobItem{{FileID: cacheFileID, Segments: square}}})
	s.sim.AddJob(cdfsim.Job{ID: otherFilesJob, Status: cdfsim.StatusCompleted, Created: now, Items: []cdfsim.JobItem{{FileID: otherFileID, Segments: square}}})
}

func greyPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func imagePath(job, file int64, name string) string {
	return fmt.Sprintf("/projects/%s/jobs/%d/files/%d/%s", testProject, job, file, name)
}

func (s *stack) getWith(t *testing.T, path string, header http.Header) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: buf.Bytes()}
}

func TestOverlayCaching(t *testing.T) {
	t.Parallel()
	clock := &offsetClock{}
	s := newStackWith(t, nil, func(o *cdfsim.Options) { o.Now = clock.Now })
	addCacheFixtures(t, s)
	downloads := func() int { return s.sim.APIRequests("/download/") }
	jobCalls := func() int { return s.sim.APIRequests("/context/vision/segment/") }

	t.Run("completed job: strong ETag, cacheable, 304 without rendering", func(t *testing.T) {
		for _, name := range []string{"overlay.jpg?width=1600", "overlay.png?width=300", "layer.png"} {
			path := imagePath(completedJob, cacheFileID, name)
			r := s.get(t, path)
			wantStatus(t, r, http.StatusOK)
			etag := r.header.Get("ETag")
			if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 10 {
				t.Fatalf("%s: ETag %q, want a strong tag", name, etag)
			}
			if cc := r.header.Get("Cache-Control"); cc != "private, max-age=86400" {
				t.Errorf("%s: Cache-Control %q", name, cc)
			}
			if again := s.get(t, path); again.header.Get("ETag") != etag || !bytes.Equal(again.body, r.body) {
				t.Errorf("%s: a second render has ETag %q and %d bytes, want the same tag and bytes", name, again.header.Get("ETag"), len(again.body))
			}

			d, j := downloads(), jobCalls()
			nm := s.getWith(t, path, http.Header{"If-None-Match": {etag}})
			wantStatus(t, nm, http.StatusNotModified)
			if len(nm.body) != 0 || nm.header.Get("ETag") != etag || nm.header.Get("Cache-Control") != "private, max-age=86400" {
				t.Errorf("%s: 304 with %d bytes, ETag %q, Cache-Control %q", name, len(nm.body), nm.header.Get("ETag"), nm.header.Get("Cache-Control"))
			}
			if downloads() != d || jobCalls() != j {
				t.Errorf("%s: the 304 made %d downloads and %d job calls, want none", name, downloads()-d, jobCalls()-j)
			}
			other := s.getWith(t, path, http.Header{"If-None-Match": {`"something-else"`}})
			wantStatus(t, other, http.StatusOK)
		}
	})

	t.Run("outputs have distinct tags", func(t *testing.T) {
		seen := map[string]string{}
		for _, name := range []string{"overlay.jpg", "overlay.jpg?width=1600", "overlay.png", "layer.png", "overlay.png?export=1"} {
			tag := s.get(t, imagePath(completedJob, cacheFileID, name)).header.Get("ETag")
			if prev, ok := seen[tag]; ok {
				t.Errorf("%s has the ETag of %s", name, prev)
			}
			seen[tag] = name
		}
	})

	t.Run("running job: no-store, no ETag", func(t *testing.T) {
		for _, name := range []string{"overlay.jpg", "overlay.png", "layer.png"} {
			path := imagePath(runningJob, cacheFileID, name)
			j := jobCalls()
			r := s.get(t, path)
			wantStatus(t, r, http.StatusOK)
			if r.header.Get("Cache-Control") != "no-store" || r.header.Get("ETag") != "" {
				t.Errorf("%s: Cache-Control %q, ETag %q", name, r.header.Get("Cache-Control"), r.header.Get("ETag"))
			}
			wantStatus(t, s.getWith(t, path, http.Header{"If-None-Match": {"*"}}), http.StatusOK)
			if n := jobCalls() - j; n != 2 {
				t.Errorf("%s: %d job calls for two requests, want 2: a running job is never cached", name, n)
			}
		}
	})

	t.Run("overlay.jpg is a JPEG", func(t *testing.T) {
		r := s.get(t, imagePath(completedJob, cacheFileID, "overlay.jpg?width=500"))
		wantStatus(t, r, http.StatusOK)
		img, err := jpeg.Decode(bytes.NewReader(r.body))
		if err != nil {
			t.Fatalf("not a JPEG: %v", err)
		}
		if r.header.Get("Content-Type") != "image/jpeg" || img.Bounds().Dx() != 500 || img.Bounds().Dy() != 300 {
			t.Errorf("Content-Type %q, size %v", r.header.Get("Content-Type"), img.Bounds().Size())
		}
	})

	t.Run("layer.png is transparent but for the overlay", func(t *testing.T) {
		r := s.get(t, imagePath(completedJob, cacheFileID, "layer.png"))
		wantStatus(t, r, http.StatusOK)
		img, err := png.Decode(bytes.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		if got := img.Bounds().Size(); got != image.Pt(1000, 600) {
			t.Fatalf("size %v, want the image's 1000×600", got)
		}
		alpha := func(x, y int) uint8 { return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA).A }
		for _, p := range []image.Point{{10, 10}, {990, 590}, {100, 300}, {900, 300}, {500, 50}} {
			if a := alpha(p.X, p.Y); a != 0 {
				t.Errorf("pixel %v away from the segment has alpha %d, want 0", p, a)
			}
		}
		// The outline runs along x = 250; the largest alpha across it is
		// the opaque line's.
		var edge uint8
		for x := 245; x <= 255; x++ {
			edge = max(edge, alpha(x, 300))
		}
		if edge < 230 {
			t.Errorf("outline alpha %d, want nearly opaque", edge)
		}
		if a := alpha(500, 300); a < 60 || a > 150 {
			t.Errorf("fill alpha %d, want about 40 %%", a)
		}
	})

	t.Run("export is full size and a download", func(t *testing.T) {
		s := newStack(t, map[string]string{"SEGVIEW_MAX_OVERLAY_WIDTH": "300"})
		addCacheFixtures(t, s)
		capped := s.get(t, imagePath(completedJob, cacheFileID, "overlay.png"))
		export := s.get(t, imagePath(completedJob, cacheFileID, "overlay.png?export=1"))
		wantStatus(t, export, http.StatusOK)
		for _, c := range []struct {
			r    response
			want int
		}{{capped, 300}, {export, 1000}} {
			cfg, err := png.DecodeConfig(bytes.NewReader(c.r.body))
			if err != nil || cfg.Width != c.want {
				t.Errorf("width %d (%v), want %d", cfg.Width, err, c.want)
			}
		}
		if cd := export.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "overlay.png") {
			t.Errorf("Content-Disposition %q", cd)
		}
	})

	t.Run("a replaced file is drawn again", func(t *testing.T) {
		path := imagePath(completedJob, cacheFileID, "overlay.png?width=320")
		before := s.get(t, path)
		wantStatus(t, before, http.StatusOK)
		clock.offset.Add(int64(time.Second)) // the new file's lastUpdatedTime is later, whatever the clock's resolution
		s.sim.AddFile(cdfsim.File{ID: cacheFileID, Name: "grey.png", Data: greyPNG(t, 1000, 500)})
		d := downloads()
		after := s.getWith(t, path, http.Header{"If-None-Match": {before.header.Get("ETag")}})
		wantStatus(t, after, http.StatusOK)
		if after.header.Get("ETag") == before.header.Get("ETag") || downloads() != d+1 {
			t.Errorf("after the file changed: ETag %q (was %q), %d downloads", after.header.Get("ETag"), before.header.Get("ETag"), downloads()-d)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(after.body))
		if err != nil || cfg.Height != 160 {
			t.Errorf("height %d (%v), want 160 from the new 1000×500 image", cfg.Height, err)
		}
	})
}

// TestRenderBusy holds the only decode turn with a download held at CDF: a
// cold request for another image answers 503 with Retry-After once
// SEGVIEW_RENDER_WAIT has passed, and the held one still succeeds.
func TestRenderBusy(t *testing.T) {
	t.Parallel()
	const wait = 100 * time.Millisecond
	s := newStack(t, map[string]string{"SEGVIEW_RENDER_CONCURRENCY": "1", "SEGVIEW_RENDER_WAIT": wait.String()})
	addCacheFixtures(t, s)
	hold, held := make(chan struct{}), make(chan string)
	release := sync.OnceFunc(func() { close(hold) })
	defer release()
	remove := s.sim.InjectFault(cdfsim.Fault{Match: "/download/", Hold: hold, Held: held, Times: 1})
	defer remove()

	var wg sync.WaitGroup
	var slow response
	wg.Go(func() { slow = s.get(t, imagePath(completedJob, cacheFileID, "overlay.jpg")) })
	<-held // the turn is taken before the download link is asked for

	start := time.Now()
	r := s.get(t, imagePath(otherFilesJob, otherFileID, "overlay.jpg"))
	wantStatus(t, r, http.StatusServiceUnavailable)
	if waited := time.Since(start); waited < wait {
		t.Errorf("answered after %v, before SEGVIEW_RENDER_WAIT (%v)", waited, wait)
	}
	if ra := r.header.Get("Retry-After"); ra != "1" {
		t.Errorf("Retry-After %q, want 1", ra)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || !strings.Contains(string(r.body), "SEGVIEW_RENDER_CONCURRENCY") {
		t.Errorf("body %q (%s), want plain text naming the setting", r.body, ct)
	}
	if !strings.Contains(s.logs.String(), `"error_kind":"render_busy"`) {
		t.Errorf("the log does not classify the 503 as render_busy")
	}

	release()
	wg.Wait()
	wantStatus(t, slow, http.StatusOK)
	wantStatus(t, s.get(t, imagePath(otherFilesJob, otherFileID, "overlay.jpg")), http.StatusOK)
}

// TestJobPageUsesFinishedJobCache: a finished job's page is built from the
// cache after the first view; an unfinished job is read from CDF each time.
func TestJobPageUsesFinishedJobCache(t *testing.T) {
	s := newStack(t, nil)
	now := time.Now()
	s.sim.AddJob(cdfsim.Job{ID: 9101, Status: cdfsim.StatusCompleted, Created: now, Started: now, StatusAt: now})
	s.sim.AddJob(cdfsim.Job{ID: 9102, Status: cdfsim.StatusRunning, Created: now, Started: now, StatusAt: now})
	for _, tt := range []struct {
		id        int64
		wantCalls int
	}{{9101, 1}, {9102, 3}} {
		path := fmt.Sprintf("/context/vision/segment/%d", tt.id)
		before := s.sim.APIRequests(path)
		for range 3 {
			wantStatus(t, s.get(t, fmt.Sprintf("/projects/%s/jobs/%d", testProject, tt.id)), http.StatusOK)
		}
		if got := s.sim.APIRequests(path) - before; got != tt.wantCalls {
			t.Errorf("job %d: %d CDF reads for 3 page views, want %d", tt.id, got, tt.wantCalls)
		}
	}
}
