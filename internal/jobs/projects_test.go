package jobs

import (
	"testing"

	"github.com/segview/segview/internal/cdf"
)

// TestProjectViews reads job 1 and its page files in two projects through
// views of one Reader: each project's finished job is read from its own
// CDF once and kept apart, although both have the same id.
func TestProjectViews(t *testing.T) {
	t.Parallel()
	a, b := newFake(), newFake()
	b.jobs[1] = cdf.StatusFailed // the same id, another job
	b.files[9] = 5000
	r := New(a, &sizes{}, Options{Project: "one"})
	v := r.ForProject("two", b, &sizes{})
	if v.jobs != r.jobs || v.pageFiles != r.pageFiles || v.flights != r.flights {
		t.Fatal("the view does not share the Reader's caches and flights")
	}
	tests := []struct {
		reader  *Reader
		fake    *fakeCDF
		status  cdf.JobStatus
		updated cdf.Millis
	}{
		{r, a, cdf.StatusCompleted, 1000},
		{v, b, cdf.StatusFailed, 5000},
	}
	for range 2 {
		for _, tt := range tests {
			j, err := tt.reader.SegmentJob(t.Context(), 1)
			if err != nil || j.Status != tt.status {
				t.Fatalf("project %s: job 1 is %+v (%v), want status %s", tt.reader.project, j, err, tt.status)
			}
			files, err := tt.reader.PageFiles(t.Context(), j, []int64{9})
			if err != nil || files[9].LastUpdatedTime != tt.updated {
				t.Errorf("project %s: page files %v (%v), want file 9 updated %d", tt.reader.project, files, err, tt.updated)
			}
		}
	}
	for _, tt := range tests {
		if jobs, files := tt.fake.calls(); jobs != 1 || files != 1 {
			t.Errorf("project %s: %d job reads and %d files reads, want one each (then cached)", tt.reader.project, jobs, files)
		}
	}
}
