package jobs

import (
	"context"
	"errors"
	"image"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/segment"
)

// fakeCDF serves jobs and files from memory and counts the calls. A job
// read waits for hold, when set.
type fakeCDF struct {
	mu    sync.Mutex
	jobs  map[int64]cdf.JobStatus
	files map[int64]cdf.Millis
	hold  chan struct{}
	// omit, when set, makes FilesByIDs answer without the files, as if
	// CDF had none, instead of failing.
	omit bool

	jobCalls, fileCalls int
}

func (f *fakeCDF) SegmentJob(ctx context.Context, id int64) (*cdf.SegmentJob, error) {
	f.mu.Lock()
	f.jobCalls++
	status, ok := f.jobs[id]
	hold := f.hold
	f.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if !ok {
		return nil, &cdf.APIError{Status: http.StatusBadRequest, Message: "no such job"}
	}
	seg := []cdf.Segment{{Score: 0.9, Polygons: []cdf.Polygon{{Vertices: []cdf.Vertex{{X: 0, Y: 0}, {X: 1, Y: 0}, {X: 1, Y: 1}}}}}}
	return &cdf.SegmentJob{JobID: id, Status: status, Items: []cdf.SegmentItem{{FileID: 9, Segments: seg}}}, nil
}

func (f *fakeCDF) SegmentJobJSON(context.Context, int64) ([]byte, error) { return []byte("{}"), nil }

func (f *fakeCDF) FilesByIDs(_ context.Context, ids []cdf.FileIdentifier, ignoreUnknown bool) ([]cdf.File, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fileCalls++
	var out []cdf.File
	for _, id := range ids {
		updated, ok := f.files[id.ID]
		if !ok || f.omit {
			if ignoreUnknown || f.omit {
				continue
			}
			return nil, &cdf.APIError{Status: http.StatusBadRequest, Message: "Files ids not found", Missing: []map[string]any{{"id": id.ID}}}
		}
		out = append(out, cdf.File{ID: id.ID, LastUpdatedTime: updated})
	}
	return out, nil
}

func (f *fakeCDF) calls() (jobs, files int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.jobCalls, f.fileCalls
}

// sizes answers every size as 40×30 and records the version asked.
type sizes struct{ asked []cdf.Millis }

func (s *sizes) ImageSize(_ context.Context, _ int64, updated cdf.Millis) (image.Point, error) {
	s.asked = append(s.asked, updated)
	return image.Pt(40, 30), nil
}

func (s *sizes) HeaderSize(ctx context.Context, id int64, updated cdf.Millis) (image.Point, error) {
	return s.ImageSize(ctx, id, updated)
}

func newFake() *fakeCDF {
	return &fakeCDF{
		jobs:  map[int64]cdf.JobStatus{1: cdf.StatusCompleted, 2: cdf.StatusFailed, 3: cdf.StatusRunning, 4: cdf.StatusQueued},
		files: map[int64]cdf.Millis{9: 1000, 10: 2000},
	}
}

// TestSegmentJobCache reads each job three times and counts CDF's calls:
// a finished job is read once, unless reads are per person or the cache
// is off; a queued or running job every time.
func TestSegmentJobCache(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		job  int64
		opts Options
		want int
	}{
		{name: "completed", job: 1, want: 1},
		{name: "failed", job: 2, want: 1},
		{name: "running", job: 3, want: 3},
		{name: "queued", job: 4, want: 3},
		{name: "completed, per person", job: 1, opts: Options{PerPerson: true}, want: 3},
		{name: "completed, cache off", job: 1, opts: Options{JobCacheBytes: -1}, want: 3},
		{name: "unknown job", job: 5, want: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake()
			r := New(f, &sizes{}, tt.opts)
			for range 3 {
				j, err := r.SegmentJob(t.Context(), tt.job)
				if tt.job == 5 {
					var api *cdf.APIError
					if !errors.As(err, &api) {
						t.Fatalf("err = %v, want CDF's error", err)
					}
					continue
				}
				if err != nil || j.JobID != tt.job {
					t.Fatalf("SegmentJob = %+v, %v", j, err)
				}
			}
			if got, _ := f.calls(); got != tt.want {
				t.Errorf("%d job calls, want %d", got, tt.want)
			}
		})
	}
}

// TestSegmentJobShared holds a job read at CDF while a second request for
// the same job arrives: with one identity it joins the read, per person it
// makes its own.
func TestSegmentJobShared(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		perPerson bool
		want      int
	}{{"one identity shares", false, 1}, {"per person does not", true, 2}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := newFake()
				f.hold = make(chan struct{})
				r := New(f, &sizes{}, Options{PerPerson: tt.perPerson})
				var wg sync.WaitGroup
				// A running job is never cached: only a shared flight can
				// serve the second read without a call.
				for range 2 {
					wg.Go(func() {
						if j, err := r.SegmentJob(t.Context(), 3); err != nil || j.JobID != 3 {
							t.Errorf("SegmentJob = %+v, %v", j, err)
						}
					})
				}
				synctest.Wait() // both wait: at CDF, or for the flight
				close(f.hold)
				wg.Wait()
				if got, _ := f.calls(); got != tt.want {
					t.Errorf("%d job calls, want %d", got, tt.want)
				}
			})
		})
	}
}

// TestFileResults checks the one read of a job's file the overlays make:
// the results and the file's version, and which failure is reported when
// several happen.
func TestFileResults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		job, file   int64
		limits      segment.Limits
		wantUpdated cdf.Millis
		wantErr     any
	}{
		{name: "a file of the job", job: 1, file: 9, wantUpdated: 1000},
		{name: "unknown job", job: 5, file: 9, wantErr: new(*cdf.APIError)},
		{name: "unknown job and file", job: 5, file: 77, wantErr: new(*cdf.APIError)},
		{name: "file not in the job", job: 1, file: 10, wantErr: new(*segment.FileNotInJobError)},
		{name: "file not in the job nor in CDF", job: 1, file: 77, wantErr: new(*segment.FileNotInJobError)},
		{name: "vertex limit", job: 1, file: 9, limits: segment.Limits{MaxVertices: 2}, wantErr: new(*segment.TooManyVerticesError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake()
			r := New(f, &sizes{}, Options{})
			results, file, err := r.FileResults(t.Context(), tt.job, tt.file, tt.limits)
			if tt.wantErr != nil {
				if !errors.As(err, tt.wantErr) {
					t.Fatalf("err = %T %v, want %T", err, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if results.FileID != tt.file || results.JobID != tt.job || len(results.Ranked) != 1 || file.LastUpdatedTime != tt.wantUpdated {
				t.Errorf("results %+v, file %+v", results, file)
			}
		})
	}
	// A job that has the file, which CDF does not have: CDF's refusal of
	// the unknown id, or an answer without it.
	f := newFake()
	delete(f.files, 9)
	var api *cdf.APIError
	if _, _, err := New(f, &sizes{}, Options{}).FileResults(t.Context(), 1, 9, segment.Limits{}); !errors.As(err, &api) || len(api.Missing) != 1 {
		t.Errorf("err = %v, want CDF's missing-item error", err)
	}
	f.omit = true
	var nf *FileNotFoundError
	if _, _, err := New(f, &sizes{}, Options{}).FileResults(t.Context(), 1, 9, segment.Limits{}); !errors.As(err, &nf) || nf.FileID != 9 {
		t.Errorf("err = %v, want *FileNotFoundError for file 9", err)
	}
}

// TestFilesAndSizes checks that Files reads all ids in one call to the
// client (which batches them per 1000), leaves unknown ids out and makes
// no call for none, and that sizes are asked for the version read.
func TestFilesAndSizes(t *testing.T) {
	t.Parallel()
	f := newFake()
	sz := &sizes{}
	r := New(f, sz, Options{})
	files, err := r.Files(t.Context(), []int64{9, 10, 77})
	if err != nil || len(files) != 2 || files[10].LastUpdatedTime != 2000 {
		t.Fatalf("Files = %v, %v", files, err)
	}
	if _, err := r.Files(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	if _, got := f.calls(); got != 1 {
		t.Errorf("%d files/byids calls, want 1", got)
	}
	if _, err := r.ImageSize(t.Context(), files[9]); err != nil {
		t.Fatal(err)
	}
	if _, err := r.HeaderSize(t.Context(), files[10]); err != nil {
		t.Fatal(err)
	}
	if len(sz.asked) != 2 || sz.asked[0] != 1000 || sz.asked[1] != 2000 {
		t.Errorf("sizes asked for versions %v, want [1000 2000]", sz.asked)
	}
}

// TestPageFilesTTL reads a job's files for its page as the clock moves: a
// finished job's are reused within PageFilesTTL and read again after it,
// for the same ids only; a running job's, per person or with the cache
// off, every time; and Files, which exports use, always reads.
func TestPageFilesTTL(t *testing.T) {
	t.Parallel()
	type step struct {
		at        time.Duration // since the first read
		ids       []int64
		files     bool // read with Files instead of PageFiles
		wantCalls int  // files/byids calls so far
	}
	within, after := PageFilesTTL-time.Millisecond, PageFilesTTL
	ids := []int64{9, 10}
	tests := []struct {
		name  string
		job   int64
		opts  Options
		steps []step
	}{
		{name: "completed", job: 1, steps: []step{
			{at: 0, ids: ids, wantCalls: 1},
			{at: within, ids: ids, wantCalls: 1},
			{at: within, ids: []int64{9}, wantCalls: 2}, // other ids: read, and kept instead
			{at: within, ids: ids, wantCalls: 3},
			{at: within, ids: ids, files: true, wantCalls: 4},
			{at: within + after - 1, ids: ids, wantCalls: 4},
			{at: within + after, ids: ids, wantCalls: 5},
			{at: within + after, ids: ids, wantCalls: 5},
		}},
		{name: "failed", job: 2, steps: []step{
			{at: 0, ids: ids, wantCalls: 1},
			{at: within, ids: ids, wantCalls: 1},
			{at: after, ids: ids, wantCalls: 2},
		}},
		{name: "running", job: 3, steps: []step{
			{at: 0, ids: ids, wantCalls: 1},
			{at: 0, ids: ids, wantCalls: 2},
		}},
		{name: "completed, per person", job: 1, opts: Options{PerPerson: true}, steps: []step{
			{at: 0, ids: ids, wantCalls: 1},
			{at: 0, ids: ids, wantCalls: 2},
		}},
		{name: "completed, cache off", job: 1, opts: Options{JobCacheBytes: -1}, steps: []step{
			{at: 0, ids: ids, wantCalls: 1},
			{at: 0, ids: ids, wantCalls: 2},
		}},
		{name: "no ids", job: 1, steps: []step{
			{at: 0, wantCalls: 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake()
			start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			now := start
			tt.opts.Now = func() time.Time { return now }
			r := New(f, &sizes{}, tt.opts)
			job, err := r.SegmentJob(t.Context(), tt.job)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range tt.steps {
				now = start.Add(s.at)
				// The file changes after every read: a read from CDF shows
				// the change, a reuse the version read before.
				f.mu.Lock()
				f.files[9] = cdf.Millis(1000 + i)
				f.mu.Unlock()
				_, before := f.calls()
				var files map[int64]cdf.File
				if s.files {
					files, err = r.Files(t.Context(), s.ids)
				} else {
					files, err = r.PageFiles(t.Context(), job, s.ids)
				}
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				_, calls := f.calls()
				if calls != s.wantCalls {
					t.Errorf("step %d (at %v): %d files/byids calls so far, want %d", i, s.at, calls, s.wantCalls)
				}
				if len(s.ids) > 0 && calls > before && files[9].LastUpdatedTime != cdf.Millis(1000+i) {
					t.Errorf("step %d: read from CDF but file 9 is at version %d, want %d", i, files[9].LastUpdatedTime, 1000+i)
				}
				if len(s.ids) > 0 && calls == before && files[9].LastUpdatedTime == cdf.Millis(1000+i) {
					t.Errorf("step %d: no call to CDF but file 9 is at its current version", i)
				}
				if len(files) != len(s.ids) {
					t.Errorf("step %d: %d files, want %d", i, len(files), len(s.ids))
				}
			}
		})
	}
}
