package segment

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/overlay"
)

func poly(x0, y0, x1, y1 float64) cdf.Polygon {
	return cdf.Polygon{Vertices: []cdf.Vertex{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}}
}

func TestRank(t *testing.T) {
	t.Parallel()
	type want struct {
		Rank     int
		Score    float64
		Area     float64
		Vertices int
	}
	tests := []struct {
		name string
		segs []cdf.Segment
		want []want
	}{
		{name: "none", segs: nil, want: []want{}},
		{
			name: "best first, ties keep CDF order",
			segs: []cdf.Segment{
				{Score: 0.2, Polygons: []cdf.Polygon{poly(0, 0, 1, 1)}},
				{Score: 0.9, Polygons: []cdf.Polygon{poly(0, 0, 0.5, 0.5), poly(0.1, 0.1, 0.2, 0.2)}},
				{Score: 0.2, Polygons: []cdf.Polygon{poly(0, 0, 0.1, 0.1)}},
			},
			want: []want{{1, 0.9, 0.25 - 0.01, 8}, {2, 0.2, 1, 4}, {3, 0.2, 0.01, 4}},
		},
		{
			name: "a segment without polygons",
			segs: []cdf.Segment{{Score: 0.5}, {Score: 0.7, Polygons: []cdf.Polygon{poly(0, 0, 0.5, 1)}}},
			want: []want{{1, 0.7, 0.5, 4}, {2, 0.5, 0, 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ranked := Rank(tt.segs)
			got := []want{}
			for i, r := range ranked {
				got = append(got, want{r.Rank, r.Score, math.Round(r.Area*1e9) / 1e9, r.Vertices})
				if r.Color != overlay.Color(i+1) {
					t.Errorf("rank %d colour %v, want overlay.Color(%d) %v", r.Rank, r.Color, i+1, overlay.Color(i+1))
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Rank (-want +got):\n%s", diff)
			}
			n := 0
			for _, w := range tt.want {
				n += w.Vertices
			}
			if got := Vertices(ranked); got != n {
				t.Errorf("Vertices = %d, want %d", got, n)
			}
		})
	}
}

func TestRankCopiesVertices(t *testing.T) {
	t.Parallel()
	segs := []cdf.Segment{{Score: 1, Polygons: []cdf.Polygon{poly(0, 0, 1, 1)}}}
	ranked := Rank(segs)
	ranked[0].Polygons[0][0].X = 0.5
	if x := segs[0].Polygons[0].Vertices[0].X; x != 0 {
		t.Errorf("changing a ranked vertex changed the job's to %v", x)
	}
}

func TestResults(t *testing.T) {
	t.Parallel()
	prompt := cdf.Prompt{Points: []cdf.PromptPoint{{X: 0.5, Y: 0.5, Label: cdf.LabelForeground}}}
	job := &cdf.SegmentJob{JobID: 5, Status: cdf.StatusRunning, Prompt: prompt, Items: []cdf.SegmentItem{
		{FileID: 9, Segments: []cdf.Segment{
			{Score: 0.3, Polygons: []cdf.Polygon{poly(0, 0, 1, 1)}},
			{Score: 0.8, Polygons: []cdf.Polygon{poly(0, 0, 0.5, 0.5)}},
		}},
		{FileID: 10},
		// A second item of file 9: the first one counts, as on the page.
		{FileID: 9, Segments: []cdf.Segment{{Score: 1}}},
	}}
	tests := []struct {
		name         string
		fileID       int64
		limits       Limits
		wantScores   []float64
		wantVertices int
		wantErr      error
	}{
		{name: "no limit", fileID: 9, wantScores: []float64{0.8, 0.3}, wantVertices: 8},
		{name: "at the limit", fileID: 9, limits: Limits{MaxVertices: 8}, wantScores: []float64{0.8, 0.3}, wantVertices: 8},
		{name: "above the limit", fileID: 9, limits: Limits{MaxVertices: 7},
			wantErr: &TooManyVerticesError{FileID: 9, Vertices: 8, Limit: 7}},
		{name: "no segments", fileID: 10, limits: Limits{MaxVertices: 1}, wantScores: []float64{}},
		{name: "not in the job", fileID: 11, wantErr: &FileNotInJobError{JobID: 5, FileID: 11}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Results(job, tt.fileID, tt.limits)
			if tt.wantErr != nil {
				if diff := cmp.Diff(tt.wantErr, err); diff != "" {
					t.Fatalf("error (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			scores := []float64{}
			for _, r := range got.Ranked {
				scores = append(scores, r.Score)
			}
			if diff := cmp.Diff(tt.wantScores, scores); diff != "" {
				t.Errorf("scores (-want +got):\n%s", diff)
			}
			if got.JobID != 5 || got.FileID != tt.fileID || got.Status != cdf.StatusRunning || got.Vertices != tt.wantVertices {
				t.Errorf("job %d file %d status %s vertices %d, want 5, %d, Running, %d",
					got.JobID, got.FileID, got.Status, got.Vertices, tt.fileID, tt.wantVertices)
			}
			if diff := cmp.Diff(prompt, got.Prompt); diff != "" {
				t.Errorf("prompt (-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrorMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string
	}{
		{&FileNotInJobError{JobID: 5, FileID: 9}, "file 9 has no results in job 5"},
		{&TooManyVerticesError{FileID: 9, Vertices: 10, Limit: 5}, "file 9 has 10 polygon vertices, above the limit of 5 (SEGVIEW_MAX_VERTICES)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%T: %q, want %q", tt.err, got, tt.want)
		}
	}
}
