package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/cdf"
)

// statusReader answers SegmentJob from a map and counts the calls.
type statusReader struct {
	jobs  map[int64]cdf.JobStatus
	calls int
}

func (r *statusReader) SegmentJob(_ context.Context, id int64) (*cdf.SegmentJob, error) {
	r.calls++
	s, ok := r.jobs[id]
	if !ok {
		return nil, &cdf.APIError{Status: http.StatusNotFound, Message: "no such job"}
	}
	return &cdf.SegmentJob{JobID: id, Status: s}, nil
}

func TestJobStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, project, job string
		want               *jobStatus
		wantErr            any
		wantCalls          int
	}{
		{name: "running", project: "demo", job: "1", want: &jobStatus{Status: "Running"}, wantCalls: 1},
		{name: "queued", project: "demo", job: "2", want: &jobStatus{Status: "Queued"}, wantCalls: 1},
		{name: "completed", project: "demo", job: "3", want: &jobStatus{Status: "Completed", Terminal: true}, wantCalls: 1},
		{name: "failed", project: "demo", job: "4", want: &jobStatus{Status: "Failed", Terminal: true}, wantCalls: 1},
		{name: "unknown job", project: "demo", job: "5", wantErr: new(*cdf.APIError), wantCalls: 1},
		{name: "other project", project: "other", job: "1", wantErr: new(*notFoundError)},
		{name: "bad id", project: "demo", job: "0", wantErr: new(*inputError)},
		{name: "id not a number", project: "demo", job: "1.json", wantErr: new(*inputError)},
	}
	e := echo.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reader := &statusReader{jobs: map[int64]cdf.JobStatus{
				1: cdf.StatusRunning, 2: cdf.StatusQueued, 3: cdf.StatusCompleted, 4: cdf.StatusFailed}}
			h := &JobStatus{Reader: readerOf(reader), Project: "demo"}
			rec := httptest.NewRecorder()
			c := e.NewContext(httptest.NewRequest(http.MethodGet, "/x", nil), rec)
			c.SetParamNames("project", "jobId")
			c.SetParamValues(tt.project, tt.job)
			err := h.Show(c)
			if reader.calls != tt.wantCalls {
				t.Errorf("CDF calls = %d, want %d", reader.calls, tt.wantCalls)
			}
			if tt.wantErr != nil {
				if !errors.As(err, tt.wantErr) {
					t.Fatalf("error = %v, want %T", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rec.Code != http.StatusOK {
				t.Errorf("status = %d", rec.Code)
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
			var got jobStatus
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if diff := cmp.Diff(*tt.want, got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}
