package handlers

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/imaging"
	"github.com/segview/segview/internal/render"
)

// heldReader is a fake of CDF whose SegmentJob reports each call on entered
// and then holds it until a token arrives on release: an export it serves
// stays inside the gate for as long as the test wants.
type heldReader struct {
	entered chan int64
	release chan struct{}
}

func (r *heldReader) SegmentJob(ctx context.Context, id int64) (*cdf.SegmentJob, error) {
	r.entered <- id
	select {
	case <-r.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &cdf.SegmentJob{JobID: id, Status: cdf.StatusCompleted, Items: []cdf.SegmentItem{{FileID: 7, Segments: []cdf.Segment{
		{Score: 0.9, Polygons: []cdf.Polygon{{Vertices: []cdf.Vertex{{X: 0, Y: 0}, {X: 1, Y: 0}, {X: 1, Y: 1}}}}},
	}}}}, nil
}

func (r *heldReader) FilesByIDs(_ context.Context, ids []cdf.FileIdentifier, _ bool) ([]cdf.File, error) {
	out := make([]cdf.File, len(ids))
	for i, id := range ids {
		out[i] = cdf.File{ID: id.ID, Name: "photo.jpg", LastUpdatedTime: 1}
	}
	return out, nil
}

// TestExportGate holds two exports inside a gate of two turns and a queue
// of one, queues a third, and checks that further exports, hit areas,
// overlay.svg (also embed=1), the job JSON, YOLO labels, the instance mask
// and the review ZIP are refused at once with 503 and Retry-After, without a call to CDF, and
// that the queued export proceeds when a turn frees.
func TestExportGate(t *testing.T) {
	t.Parallel()
	reader := &heldReader{entered: make(chan int64), release: make(chan struct{})}
	queued := make(chan struct{}, 1)
	gate := newExportGate(2, 1)
	gate.queued = func() { queued <- struct{}{} }
	exports := &Export{Reader: readerOf(reader), Project: "demo", Gate: gate}
	hits := &Hits{Reader: readerOf(reader), Project: "demo", Gate: gate}
	svg := &OverlaySVG{Reader: readerOf(reader), Project: "demo", Gate: gate}
	e := echo.New()
	e.HTTPErrorHandler = ErrorHandler(Page{Project: "demo"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.GET("/projects/:project/jobs/:jobId/export/geojson", exports.GeoJSON, plainErrors)
	e.GET("/projects/:project/jobs/:jobId/export/coco.json", exports.COCO, plainErrors)
	e.GET("/projects/:project/jobs/:jobId/files/:fileId/hits.json", hits.Show, plainErrors)
	e.GET("/projects/:project/jobs/:jobId/files/:fileId/overlay.svg", svg.SVG, plainErrors)
	e.GET("/projects/:project/jobs/:jobId", exports.JobJSON, plainErrors)
	e.GET("/projects/:project/jobs/:jobId/files/:fileId/yolo.txt", exports.YOLO, plainErrors)
	e.GET("/projects/:project/jobs/:jobId/files/:fileId/mask.png", exports.Mask, plainErrors)
	e.GET("/projects/:project/review/export.zip", exports.ZIP, plainErrors)

	serve := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	type answer struct {
		job int64
		rec *httptest.ResponseRecorder
	}
	done := make(chan answer, 3)
	start := func(job int64, path string) {
		go func() { done <- answer{job, serve(path)} }()
	}

	// Two exports take the two turns and wait inside, in CDF.
	start(1, "/projects/demo/jobs/1/export/geojson?min_score=0.1")
	start(2, "/projects/demo/jobs/2/export/coco.json")
	inside := map[int64]bool{<-reader.entered: true, <-reader.entered: true}
	if !inside[1] || !inside[2] {
		t.Fatalf("inside the gate: %v, want jobs 1 and 2", inside)
	}
	// The third waits in the queue.
	start(3, "/projects/demo/jobs/3/export/geojson")
	<-queued

	// Any further export, or hit areas, is refused at once.
	for _, path := range []string{
		"/projects/demo/jobs/4/export/geojson", "/projects/demo/jobs/4/export/coco.json", "/projects/demo/jobs/4/files/7/hits.json",
		"/projects/demo/jobs/4/files/7/overlay.svg", "/projects/demo/jobs/4/files/7/overlay.svg?embed=1", "/projects/demo/jobs/4.json",
		"/projects/demo/jobs/4/files/7/yolo.txt", "/projects/demo/jobs/4/files/7/mask.png", "/projects/demo/review/export.zip?jobs=4,5",
	} {
		rec := serve(path)
		if rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("%s: status %d, want 503: %s", path, rec.Code, rec.Body)
		}
		if got := rec.Header().Get("Retry-After"); got != "5" {
			t.Errorf("%s: Retry-After %q, want 5", path, got)
		}
		if body := rec.Body.String(); !strings.Contains(body, "SEGVIEW_MAX_EXPORTS") || !strings.Contains(body, "queue of 1 waiting exports") {
			t.Errorf("%s: body %q does not say why", path, body)
		}
		if rec.Header().Get("Content-Disposition") != "" {
			t.Errorf("%s: the refusal is sent as a download", path)
		}
	}

	// One turn frees: that export ends, and the queued one enters CDF.
	reader.release <- struct{}{}
	first := <-done
	if id := <-reader.entered; id != 3 {
		t.Fatalf("job %d entered after a turn freed, want the queued job 3", id)
	}
	reader.release <- struct{}{}
	reader.release <- struct{}{}
	answers := []answer{first, <-done, <-done}
	for _, a := range answers {
		if a.rec.Code != http.StatusOK {
			t.Errorf("job %d: status %d, want 200: %s", a.job, a.rec.Code, a.rec.Body)
		}
	}
	select {
	case id := <-reader.entered:
		t.Errorf("job %d reached CDF: a refused export must not", id)
	default:
	}
}

func TestExportGateAcquire(t *testing.T) {
	t.Parallel()
	expired, cancelExpired := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancelExpired()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name         string
		slots, queue int
		held         int // turns taken first
		ctx          context.Context
		want         error // nil: a turn
		timedOut     bool
	}{
		{name: "free turn", slots: 1, queue: 0, ctx: context.Background()},
		{name: "no queue refuses at once", slots: 1, queue: 0, held: 1, ctx: context.Background(), want: &exportsBusyError{}},
		{name: "queue full refuses at once", slots: 1, queue: 1, held: 2, ctx: context.Background(), want: &exportsBusyError{}},
		{name: "deadline while queued", slots: 1, queue: 1, held: 1, ctx: expired, want: &exportsBusyError{}, timedOut: true},
		{name: "cancelled while queued", slots: 1, queue: 1, held: 1, ctx: canceled, want: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newExportGate(tt.slots, tt.queue)
			waiting := make(chan struct{})
			g.queued = func() { waiting <- struct{}{} }
			var releases []func()
			for i := range tt.held {
				if i < tt.slots {
					r, err := g.acquire(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					releases = append(releases, r)
					continue
				}
				// The rest wait in the queue until the test ends.
				go func() {
					if r, err := g.acquire(t.Context()); err == nil {
						r()
					}
				}()
				<-waiting
			}
			g.queued = nil
			release, err := g.acquire(tt.ctx)
			var busy *exportsBusyError
			switch want := tt.want.(type) {
			case nil:
				if err != nil {
					t.Fatalf("err = %v, want a turn", err)
				}
				release()
			case *exportsBusyError:
				if !errors.As(err, &busy) || busy.TimedOut != tt.timedOut || busy.Slots != tt.slots || busy.Queue != tt.queue {
					t.Fatalf("err = %#v, want *exportsBusyError{Slots: %d, Queue: %d, TimedOut: %v}", err, tt.slots, tt.queue, tt.timedOut)
				}
			default:
				if !errors.Is(err, want) {
					t.Fatalf("err = %v, want %v", err, want)
				}
			}
			for _, r := range releases {
				r()
			}
		})
	}
	if r, err := (*exportGate)(nil).acquire(canceled); err != nil {
		t.Errorf("a nil gate refused: %v", err)
	} else {
		r()
	}
	if g := newExportGate(0, 5); g != nil {
		t.Errorf("newExportGate(0, 5) = %+v, want nil (no bound)", g)
	}
}

func TestSkipReason(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string // "" means not skipped
	}{
		{"no error", nil, ""},
		{"not an image", &render.ImageHeaderError{FileID: 3, Err: errors.Join(imaging.ErrUnsupported)}, "its data is not a JPEG or PNG image segview can read (unsupported image format)"},
		{"too many bytes", &cdf.LimitError{What: "download", Limit: 4096}, "its image is larger than 4096 bytes (SEGVIEW_MAX_IMAGE_BYTES)"},
		{"no link", render.ErrNoDownloadLink, "CDF returned no download link for it"},
		{"JSON too large fails the export", &cdf.LimitError{What: "JSON response", Limit: 10}, ""},
		{"access refused fails the export", &cdf.APIError{Status: 403}, ""},
		{"storage busy fails the export", &cdf.APIError{Status: 503, Path: cdf.DownloadPath}, ""},
		{"deadline fails the export", context.DeadlineExceeded, ""},
	}
	for _, tt := range tests {
		got, skip := skipReason(tt.err)
		if got != tt.want || skip != (tt.want != "") {
			t.Errorf("%s: skipReason = %q, %v; want %q", tt.name, got, skip, tt.want)
		}
	}
}
