package verdict_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/httptestclient"
	"github.com/segview/segview/internal/segment"
	"github.com/segview/segview/internal/verdict"
)

// The store against the CDF simulator, through the real CDF client: what
// it writes is what CDF would hold.

const (
	fileA int64 = 4_000_001
	fileB int64 = 4_000_002
	jobA  int64 = 77
	jobB  int64 = 78
)

// clock is the simulator's clock, moved by the tests that order updates.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

type env struct {
	sim   *cdfsim.Server
	cdf   *cdf.Client
	clock *clock
}

// newEnv starts a simulator holding fileA and fileB and returns a client
// of it.
func newEnv(t *testing.T) *env {
	t.Helper()
	clk := &clock{now: time.Now().Truncate(time.Millisecond)}
	sim, err := cdfsim.New(cdfsim.Options{Project: "proj", ClientID: "cid", ClientSecret: "secret", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{fileA, fileB} {
		sim.AddFile(cdfsim.File{ID: id, MimeType: "image/png", Data: []byte("png")})
	}
	ctx, cancel := context.WithCancel(context.Background())
	base, err := sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); sim.Close() })
	hc, err := cdf.HTTPClient(context.Background(), cdf.Credentials{Flow: cdf.FlowClientCredentials,
		TokenURL: sim.TokenURL(base), ClientID: "cid", ClientSecret: "secret"}, httptestclient.Client(t, nil, false))
	if err != nil {
		t.Fatal(err)
	}
	fast := cdf.DefaultRetryPolicy()
	fast.Base, fast.Cap = time.Millisecond, 2*time.Millisecond
	c, err := cdf.New(base, "proj", hc, cdf.WithRetry(fast))
	if err != nil {
		t.Fatal(err)
	}
	return &env{sim: sim, cdf: c, clock: clk}
}

func (e *env) store() *verdict.Store { return &verdict.Store{CDF: e.cdf, AppVersion: "1.2.3"} }

// writes counts the create and update requests that reached the simulator.
func (e *env) writes() int {
	return e.sim.APIRequests("/annotations") - e.sim.APIRequests("/annotations/list")
}

// all lists every annotation of the file, whoever created it.
func (e *env) all(t *testing.T, fileID int64) []cdf.Annotation {
	t.Helper()
	anns, err := e.cdf.ListAnnotations(context.Background(), cdf.AnnotationFilter{FileIDs: []int64{fileID}}, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	return anns
}

func poly(xy ...float64) cdf.Polygon {
	var p cdf.Polygon
	for i := 0; i+1 < len(xy); i += 2 {
		p.Vertices = append(p.Vertices, cdf.Vertex{X: xy[i], Y: xy[i+1]})
	}
	return p
}

// Ranks of testJob's segments in fileA, by decreasing score.
const (
	rankOverscored = 1 // score 1.2, one triangle
	rankTwoRings   = 2 // score 0.9: a square, a two-vertex ring, a triangle
	rankClamped    = 3 // score 0.5: vertices off the image and a NaN
	rankSmall      = 4 // score 0.3, one triangle
	rankNoPolygon  = 5 // score 0.2: only rings CDF cannot hold
	segmentsInA    = 5
)

// testJob is a completed job with the segments above in fileA (listed out
// of rank order) and one triangle in fileB.
// results are the file's results in the job, as the handlers give them to
// Set.
func results(t testing.TB, job *cdf.SegmentJob, fileID int64) segment.FileResults {
	t.Helper()
	r, err := segment.Results(job, fileID, segment.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func testJob(id int64) *cdf.SegmentJob {
	return &cdf.SegmentJob{JobID: id, Status: cdf.StatusCompleted, Items: []cdf.SegmentItem{
		{FileID: fileA, Segments: []cdf.Segment{
			{Score: 0.3, Polygons: []cdf.Polygon{poly(0.1, 0.1, 0.2, 0.1, 0.2, 0.2)}},
			{Score: 0.9, Polygons: []cdf.Polygon{
				poly(0.1, 0.1, 0.4, 0.1, 0.4, 0.4, 0.1, 0.4),
				poly(0.5, 0.5, 0.6, 0.6),
				poly(0.7, 0.7, 0.8, 0.7, 0.8, 0.8),
			}},
			{Score: 0.2, Polygons: []cdf.Polygon{poly(0.1, 0.1, 0.2, 0.2), poly(0.3, 0.3, math.NaN(), 0.4, 0.5, 0.5)}},
			{Score: 1.2, Polygons: []cdf.Polygon{poly(0.5, 0.1, 0.6, 0.1, 0.6, 0.2)}},
			{Score: 0.5, Polygons: []cdf.Polygon{poly(-0.5, 0.2, 1.5, 0.2, math.NaN(), 0.3, 0.5, math.Inf(1), 0.5, 1.3)}},
		}},
		{FileID: fileB, Segments: []cdf.Segment{{Score: 0.8, Polygons: []cdf.Polygon{poly(0.1, 0.1, 0.9, 0.1, 0.5, 0.9)}}}},
	}}
}

// stored is what a test checks of one stored annotation.
type stored struct {
	Job, Rank, Polygon float64
	Status             string
	Confidence         float64
	User               string // "<nil>" when CDF holds none
	App, Version       string
	Type, Label        string
	Vertices           []cdf.AnnotationPoint
}

func storedOf(t *testing.T, anns []cdf.Annotation) []stored {
	t.Helper()
	num := func(a cdf.Annotation, key string) float64 {
		v, ok := a.Data.Attributes[key].Number()
		if !ok {
			t.Errorf("annotation %d: attribute %s = %+v, want a number", a.ID, key, a.Data.Attributes[key])
		}
		return v
	}
	var out []stored
	for _, a := range anns {
		s := stored{Job: num(a, "segviewJob"), Rank: num(a, "segviewRank"), Polygon: num(a, "segviewPolygon"),
			Status: a.Status, User: "<nil>", App: a.CreatingApp, Version: a.CreatingAppVersion,
			Type: a.AnnotationType, Label: a.Data.Label}
		if a.CreatingUser != nil {
			s.User = *a.CreatingUser
		}
		if a.Data.Confidence == nil {
			t.Errorf("annotation %d has no confidence", a.ID)
		} else {
			s.Confidence = *a.Data.Confidence
		}
		if a.Data.Polygon == nil {
			t.Errorf("annotation %d has no polygon", a.ID)
		} else {
			s.Vertices = a.Data.Polygon.Vertices
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b stored) int {
		if a.Rank != b.Rank {
			return int(a.Rank - b.Rank)
		}
		return int(a.Polygon - b.Polygon)
	})
	return out
}

func pts(xy ...float64) []cdf.AnnotationPoint {
	var out []cdf.AnnotationPoint
	for i := 0; i+1 < len(xy); i += 2 {
		out = append(out, cdf.AnnotationPoint{X: xy[i], Y: xy[i+1]})
	}
	return out
}

func TestSetCreatesOneAnnotationPerPolygon(t *testing.T) {
	t.Parallel()
	ann := func(rank, polygon float64, status, user string, confidence float64, vs []cdf.AnnotationPoint) stored {
		return stored{Job: float64(jobA), Rank: rank, Polygon: polygon, Status: status, Confidence: confidence, User: user,
			App: verdict.App, Version: "1.2.3", Type: cdf.AnnotationTypeObjectDetection, Label: verdict.Label, Vertices: vs}
	}
	square, triangle := pts(0.1, 0.1, 0.4, 0.1, 0.4, 0.4, 0.1, 0.4), pts(0.7, 0.7, 0.8, 0.7, 0.8, 0.8)
	tests := []struct {
		name     string
		verdicts map[int]string
		user     string
		want     []stored
		wantSet  map[int]string
	}{
		{"rings of under three vertices are skipped", map[int]string{rankTwoRings: verdict.Approved}, "",
			[]stored{ann(2, 1, verdict.Approved, "<nil>", 0.9, square), ann(2, 3, verdict.Approved, "<nil>", 0.9, triangle)},
			map[int]string{rankTwoRings: verdict.Approved}},
		{"a person's verdict names them", map[int]string{rankSmall: verdict.Rejected}, "ana@example.com",
			[]stored{ann(4, 1, verdict.Rejected, "ana@example.com", 0.3, pts(0.1, 0.1, 0.2, 0.1, 0.2, 0.2))},
			map[int]string{rankSmall: verdict.Rejected}},
		{"score clamped to a confidence", map[int]string{rankOverscored: verdict.Approved}, "",
			[]stored{ann(1, 1, verdict.Approved, "<nil>", 1, pts(0.5, 0.1, 0.6, 0.1, 0.6, 0.2))},
			map[int]string{rankOverscored: verdict.Approved}},
		{"vertices clamped to the image, non-finite ones dropped", map[int]string{rankClamped: verdict.Rejected}, "",
			[]stored{ann(3, 1, verdict.Rejected, "<nil>", 0.5, pts(0, 0.2, 1, 0.2, 0.5, 1))},
			map[int]string{rankClamped: verdict.Rejected}},
		{"several segments in one call", map[int]string{rankOverscored: verdict.Rejected, rankSmall: verdict.Approved, rankClamped: verdict.Suggested}, "",
			[]stored{ann(1, 1, verdict.Rejected, "<nil>", 1, pts(0.5, 0.1, 0.6, 0.1, 0.6, 0.2)),
				ann(4, 1, verdict.Approved, "<nil>", 0.3, pts(0.1, 0.1, 0.2, 0.1, 0.2, 0.2))},
			map[int]string{rankOverscored: verdict.Rejected, rankSmall: verdict.Approved}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			got, err := e.store().Set(context.Background(), results(t, testJob(jobA), fileA), tt.verdicts, tt.user)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantSet, got); diff != "" {
				t.Errorf("Set returned (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, storedOf(t, e.all(t, fileA))); diff != "" {
				t.Errorf("stored annotations (-want +got):\n%s", diff)
			}
			if n := e.sim.APIRequests("/annotations") - e.sim.APIRequests("/annotations/list") - e.sim.APIRequests("/annotations/update"); n != 1 {
				t.Errorf("%d create requests, want 1", n)
			}
			if anns := e.all(t, fileB); len(anns) != 0 {
				t.Errorf("the job's other file got %d annotations", len(anns))
			}
		})
	}
}

func TestSetRefusesBadInputWithoutWriting(t *testing.T) {
	t.Parallel()
	long := make([]float64, 0, 2*1001)
	for i := range 1001 {
		a := 2 * math.Pi * float64(i) / 1001
		long = append(long, 0.5+0.4*math.Cos(a), 0.5+0.4*math.Sin(a))
	}
	tooLong := testJob(jobA)
	tooLong.Items[0].Segments = append(tooLong.Items[0].Segments, cdf.Segment{Score: 0.01, Polygons: []cdf.Polygon{poly(long...)}})
	tests := []struct {
		name     string
		job      *cdf.SegmentJob
		fileID   int64
		verdicts map[int]string
	}{
		{"rank zero", testJob(jobA), fileA, map[int]string{0: verdict.Approved}},
		{"negative rank", testJob(jobA), fileA, map[int]string{-1: verdict.Approved}},
		{"rank past the last segment", testJob(jobA), fileA, map[int]string{segmentsInA + 1: verdict.Approved}},
		{"rank of another file's segment count", testJob(jobA), fileB, map[int]string{2: verdict.Approved}},
		{"unknown status", testJob(jobA), fileA, map[int]string{1: "maybe"}},
		{"empty status", testJob(jobA), fileA, map[int]string{1: ""}},
		{"status in capitals", testJob(jobA), fileA, map[int]string{1: "Approved"}},
		{"one bad rank among good ones", testJob(jobA), fileA, map[int]string{1: verdict.Approved, 2: verdict.Rejected, 99: verdict.Approved}},
		{"segment without a storable polygon", testJob(jobA), fileA, map[int]string{rankNoPolygon: verdict.Approved}},
		{"storable segment with an unstorable one", testJob(jobA), fileA, map[int]string{1: verdict.Approved, rankNoPolygon: verdict.Rejected}},
		{"polygon over CDF's vertex limit", tooLong, fileA, map[int]string{1: verdict.Approved, segmentsInA + 1: verdict.Approved}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			got, err := e.store().Set(context.Background(), results(t, tt.job, tt.fileID), tt.verdicts, "")
			var in *verdict.InputError
			if !errors.As(err, &in) || in.Msg == "" {
				t.Fatalf("Set = %v, %v; want an *InputError", got, err)
			}
			if n := e.writes(); n != 0 {
				t.Errorf("%d write requests reached CDF", n)
			}
			if st := e.sim.AnnotationStatuses(fileA); len(st) != 0 {
				t.Errorf("annotations stored: %v", st)
			}
		})
	}
}

func TestSetUpdatesExistingVerdicts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	s := e.store()
	steps := []struct {
		name     string
		verdicts map[int]string
		want     map[int]string
		status   string // of both annotations of rankTwoRings afterwards
		creates  int    // create requests so far
	}{
		{"approve", map[int]string{rankTwoRings: verdict.Approved}, map[int]string{rankTwoRings: verdict.Approved}, verdict.Approved, 1},
		{"approve again", map[int]string{rankTwoRings: verdict.Approved}, map[int]string{rankTwoRings: verdict.Approved}, verdict.Approved, 1},
		{"change to rejected", map[int]string{rankTwoRings: verdict.Rejected}, map[int]string{rankTwoRings: verdict.Rejected}, verdict.Rejected, 1},
		{"take back", map[int]string{rankTwoRings: verdict.Suggested}, map[int]string{}, verdict.Suggested, 1},
		{"approve after taking back", map[int]string{rankTwoRings: verdict.Approved, rankSmall: verdict.Rejected},
			map[int]string{rankTwoRings: verdict.Approved, rankSmall: verdict.Rejected}, verdict.Approved, 2},
	}
	var ids []int64
	for _, st := range steps {
		got, err := s.Set(ctx, results(t, testJob(jobA), fileA), st.verdicts, "")
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Errorf("%s: Set returned (-want +got):\n%s", st.name, diff)
		}
		var two []int64
		for _, a := range e.all(t, fileA) {
			if r, _ := a.Data.Attributes["segviewRank"].Number(); r == rankTwoRings {
				two = append(two, a.ID)
				if a.Status != st.status {
					t.Errorf("%s: annotation %d is %s, want %s", st.name, a.ID, a.Status, st.status)
				}
			}
		}
		if ids == nil {
			ids = two
		}
		if !slices.Equal(two, ids) || len(ids) != 2 {
			t.Errorf("%s: rank %d has annotations %v, want the first two %v again", st.name, rankTwoRings, two, ids)
		}
		creates := e.sim.APIRequests("/annotations") - e.sim.APIRequests("/annotations/list") - e.sim.APIRequests("/annotations/update")
		if creates != st.creates {
			t.Errorf("%s: %d create requests so far, want %d", st.name, creates, st.creates)
		}
	}
}

func TestSetSuggestedWithoutAnnotationsWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	got, err := e.store().Set(context.Background(), results(t, testJob(jobA), fileA),
		map[int]string{rankSmall: verdict.Suggested, rankNoPolygon: verdict.Suggested}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("Set = %v, want no verdicts", got)
	}
	if n := e.writes(); n != 0 {
		t.Errorf("%d write requests reached CDF", n)
	}
	if st := e.sim.AnnotationStatuses(fileA); len(st) != 0 {
		t.Errorf("annotations stored: %v", st)
	}
}

// create stores annotations as another client of CDF would.
func (e *env) create(t *testing.T, anns ...cdf.Annotation) []cdf.Annotation {
	t.Helper()
	out, err := e.cdf.CreateAnnotations(context.Background(), anns)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// raw is an annotation of fileID with segview's attributes (those not nil).
func raw(app string, fileID int64, job, rank any, status string) cdf.Annotation {
	attrs := map[string]cdf.AnnotationAttribute{"segviewPolygon": cdf.NumericAttribute(1)}
	for k, v := range map[string]any{"segviewJob": job, "segviewRank": rank} {
		switch v := v.(type) {
		case int64:
			attrs[k] = cdf.NumericAttribute(float64(v))
		case int:
			attrs[k] = cdf.NumericAttribute(float64(v))
		case float64:
			attrs[k] = cdf.NumericAttribute(v)
		case bool:
			attrs[k] = cdf.AnnotationAttribute{Type: "boolean", Value: []byte(fmt.Sprint(v))}
		}
	}
	return cdf.Annotation{AnnotatedResourceID: fileID, AnnotationType: cdf.AnnotationTypeObjectDetection,
		CreatingApp: app, CreatingAppVersion: "1.0.0", Status: status,
		Data: cdf.ObjectDetection{Label: "segment", Polygon: &cdf.AnnotationPolygon{Vertices: pts(0.1, 0.1, 0.2, 0.1, 0.2, 0.2)}, Attributes: attrs}}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	s := e.store()
	if _, err := s.Set(ctx, results(t, testJob(jobA), fileA), map[int]string{rankTwoRings: verdict.Approved, rankSmall: verdict.Rejected, rankOverscored: verdict.Approved}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Set(ctx, results(t, testJob(jobA), fileA), map[int]string{rankOverscored: verdict.Suggested}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Set(ctx, results(t, testJob(jobB), fileA), map[int]string{rankTwoRings: verdict.Rejected, rankClamped: verdict.Approved}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Set(ctx, results(t, testJob(jobA), fileB), map[int]string{1: verdict.Rejected}, ""); err != nil {
		t.Fatal(err)
	}
	// Annotations that look like segview's but are not, or name no segment.
	e.create(t,
		raw("other-app", fileA, jobA, rankClamped, verdict.Approved),
		raw(verdict.App, fileA, jobA, nil, verdict.Approved),
		raw(verdict.App, fileA, jobA, 0, verdict.Approved),
		raw(verdict.App, fileA, jobA, 2.5, verdict.Approved),
		raw(verdict.App, fileA, jobA, true, verdict.Approved),
		raw(verdict.App, fileA, nil, rankClamped, verdict.Approved),
	)
	tests := []struct {
		name  string
		job   int64
		files []int64
		want  map[verdict.Key]string
	}{
		{"one file", jobA, []int64{fileA}, map[verdict.Key]string{
			{FileID: fileA, Rank: rankTwoRings}: verdict.Approved, {FileID: fileA, Rank: rankSmall}: verdict.Rejected}},
		{"two files", jobA, []int64{fileA, fileB}, map[verdict.Key]string{
			{FileID: fileA, Rank: rankTwoRings}: verdict.Approved, {FileID: fileA, Rank: rankSmall}: verdict.Rejected,
			{FileID: fileB, Rank: 1}: verdict.Rejected}},
		{"the other job on the same file", jobB, []int64{fileA}, map[verdict.Key]string{
			{FileID: fileA, Rank: rankTwoRings}: verdict.Rejected, {FileID: fileA, Rank: rankClamped}: verdict.Approved}},
		{"the other job's other file", jobB, []int64{fileB}, map[verdict.Key]string{}},
		{"a job without verdicts", 79, []int64{fileA, fileB}, map[verdict.Key]string{}},
		{"no files", jobA, nil, map[verdict.Key]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Load(ctx, tt.job, tt.files)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Load (-want +got):\n%s", diff)
			}
		})
	}
}

// A segment's verdict is its most recently updated annotation's status,
// the larger id on a tie, whatever the order CDF lists them in.
func TestLoadLatestUpdatedWins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	s := e.store()
	load := func(rank int) string {
		t.Helper()
		got, err := s.Load(ctx, jobA, []int64{fileA})
		if err != nil {
			t.Fatal(err)
		}
		return got[verdict.Key{FileID: fileA, Rank: rank}]
	}
	first := e.create(t, raw(verdict.App, fileA, jobA, 1, verdict.Approved))[0]
	e.clock.Add(time.Second)
	e.create(t, raw(verdict.App, fileA, jobA, 1, verdict.Rejected))
	if got := load(1); got != verdict.Rejected {
		t.Errorf("after a newer rejection: %q, want rejected", got)
	}
	e.clock.Add(time.Second)
	if _, err := e.cdf.UpdateAnnotationStatus(ctx, []int64{first.ID}, verdict.Approved); err != nil {
		t.Fatal(err)
	}
	if got := load(1); got != verdict.Approved {
		t.Errorf("after the older one was updated to approved: %q, want approved", got)
	}
	e.clock.Add(time.Second)
	if _, err := e.cdf.UpdateAnnotationStatus(ctx, []int64{first.ID}, verdict.Suggested); err != nil {
		t.Fatal(err)
	}
	if got := load(1); got != "" {
		t.Errorf("after the latest was taken back: %q, want no verdict", got)
	}

	// Created in one request: the same time, and the larger id wins.
	tie := e.create(t, raw(verdict.App, fileA, jobA, 2, verdict.Approved), raw(verdict.App, fileA, jobA, 2, verdict.Rejected))
	if tie[0].LastUpdatedTime != tie[1].LastUpdatedTime || tie[1].ID < tie[0].ID {
		t.Fatalf("tie set-up: %+v", tie)
	}
	if got := load(2); got != verdict.Rejected {
		t.Errorf("tie: %q, want rejected (the larger id)", got)
	}
}

func TestTriage(t *testing.T) {
	t.Parallel()
	segs := func(scores ...float64) []cdf.Segment {
		out := make([]cdf.Segment, len(scores))
		for i, s := range scores {
			out[i] = cdf.Segment{Score: s}
		}
		return out
	}
	five := segs(0.9, 0.75, 0.5, 0.25, 0.1)
	tests := []struct {
		name      string
		segs      []cdf.Segment
		high, low float64
		want      map[int]string
		wantErr   bool
	}{
		{"defaults, boundaries included", five, verdict.DefaultHigh, verdict.DefaultLow,
			map[int]string{1: verdict.Approved, 2: verdict.Approved, 5: verdict.Rejected}, false},
		{"just above low is untouched", segs(0.2500001, 0.2499999), 0.75, 0.25, map[int]string{2: verdict.Rejected}, false},
		{"just below high is untouched", segs(0.75, 0.7499999), 0.75, 0.25, map[int]string{1: verdict.Approved}, false},
		{"low equal to high decides every segment", five, 0.5, 0.5,
			map[int]string{1: verdict.Approved, 2: verdict.Approved, 3: verdict.Approved, 4: verdict.Rejected, 5: verdict.Rejected}, false},
		{"widest: approve only 1, reject nothing", segs(1, 0.99, 0), 1, 0, map[int]string{1: verdict.Approved}, false},
		{"ranks follow scores, not CDF's order", segs(0.1, 0.9, 0.5), 0.75, 0.25,
			map[int]string{1: verdict.Approved, 3: verdict.Rejected}, false},
		{"everything approved", five, 0, 0, map[int]string{1: verdict.Approved, 2: verdict.Approved, 3: verdict.Approved, 4: verdict.Approved, 5: verdict.Approved}, false},
		{"no segments", nil, 0.75, 0.25, map[int]string{}, false},
		{"low above high", five, 0.4, 0.6, nil, true},
		{"negative low", five, 0.5, -0.1, nil, true},
		{"high above 1", five, 1.1, 0.2, nil, true},
		{"NaN high", five, math.NaN(), 0.2, nil, true},
		{"NaN low", five, 0.8, math.NaN(), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := verdict.Triage(segment.Rank(tt.segs), tt.high, tt.low)
			if tt.wantErr {
				var in *verdict.InputError
				if !errors.As(err, &in) {
					t.Fatalf("Triage = %v, %v; want an *InputError", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Triage (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRefusedByCDF(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	wantErr := func(t *testing.T, err error, op verdict.Op) {
		t.Helper()
		var ve *verdict.Error
		if !errors.As(err, &ve) || ve.Op != op {
			t.Fatalf("err = %v (%T), want a *verdict.Error of op %s", err, err, op)
		}
		if !verdict.IsRefused(err) {
			t.Errorf("IsRefused(%v) = false", err)
		}
	}
	t.Run("write revoked, nothing stored", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		restore := e.sim.RevokeCapability(cdfsim.CapAnnotationsWrite)
		defer restore()
		got, err := e.store().Set(ctx, results(t, testJob(jobA), fileA), map[int]string{rankTwoRings: verdict.Approved}, "")
		if got != nil {
			t.Errorf("Set returned %v", got)
		}
		wantErr(t, err, verdict.OpWrite)
		if st := e.sim.AnnotationStatuses(fileA); len(st) != 0 {
			t.Errorf("annotations stored: %v", st)
		}
	})
	t.Run("write revoked, existing verdict kept", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		s := e.store()
		if _, err := s.Set(ctx, results(t, testJob(jobA), fileA), map[int]string{rankTwoRings: verdict.Approved}, ""); err != nil {
			t.Fatal(err)
		}
		before := e.sim.AnnotationStatuses(fileA)
		restore := e.sim.RevokeCapability(cdfsim.CapAnnotationsWrite)
		defer restore()
		_, err := s.Set(ctx, results(t, testJob(jobA), fileA), map[int]string{rankTwoRings: verdict.Rejected, rankSmall: verdict.Approved}, "")
		wantErr(t, err, verdict.OpWrite)
		if diff := cmp.Diff(before, e.sim.AnnotationStatuses(fileA)); diff != "" {
			t.Errorf("annotations changed (-before +after):\n%s", diff)
		}
	})
	t.Run("read revoked on Load", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		restore := e.sim.RevokeCapability(cdfsim.CapAnnotationsRead)
		defer restore()
		got, err := e.store().Load(ctx, jobA, []int64{fileA})
		if got != nil {
			t.Errorf("Load returned %v", got)
		}
		wantErr(t, err, verdict.OpRead)
	})
	// Set reads before it writes: a refused read is a verdict not saved.
	t.Run("read revoked on Set, nothing stored", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		restore := e.sim.RevokeCapability(cdfsim.CapAnnotationsRead)
		defer restore()
		_, err := e.store().Set(ctx, results(t, testJob(jobA), fileA), map[int]string{rankTwoRings: verdict.Approved}, "")
		wantErr(t, err, verdict.OpWrite)
		if n := e.writes(); n != 0 {
			t.Errorf("%d write requests reached CDF", n)
		}
		if st := e.sim.AnnotationStatuses(fileA); len(st) != 0 {
			t.Errorf("annotations stored: %v", st)
		}
	})
	t.Run("a failure that is no refusal", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.sim.InjectFault(cdfsim.Fault{Match: "/annotations/list", Status: http.StatusInternalServerError})
		_, err := e.store().Load(ctx, jobA, []int64{fileA})
		var ve *verdict.Error
		if !errors.As(err, &ve) || ve.Op != verdict.OpRead {
			t.Fatalf("err = %v, want a *verdict.Error of op read", err)
		}
		if verdict.IsRefused(err) {
			t.Errorf("IsRefused(%v) = true for a 500", err)
		}
	})
}

func TestIsRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"403", &cdf.APIError{Status: 403}, true},
		{"403 wrapped", &verdict.Error{Op: verdict.OpWrite, Err: fmt.Errorf("x: %w", &cdf.APIError{Status: 403})}, true},
		{"401", &cdf.APIError{Status: 401}, false},
		{"404", &verdict.Error{Op: verdict.OpRead, Err: &cdf.APIError{Status: 404}}, false},
		{"plain", errors.New("forbidden 403"), false},
	}
	for _, tt := range tests {
		if got := verdict.IsRefused(tt.err); got != tt.want {
			t.Errorf("%s: IsRefused = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// More annotations than MaxAnnotations fail the call rather than hide
// verdicts.
func TestMaxAnnotations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	// Three annotations: two for rank 2, one for rank 4.
	if _, err := e.store().Set(ctx, results(t, testJob(jobA), fileA), map[int]string{rankTwoRings: verdict.Approved, rankSmall: verdict.Rejected}, ""); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		max     int
		wantErr bool
	}{
		{0, false}, // the default
		{3, false},
		{100, false},
		{2, true},
		{1, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.max), func(t *testing.T) {
			s := &verdict.Store{CDF: e.cdf, MaxAnnotations: tt.max}
			got, err := s.Load(ctx, jobA, []int64{fileA})
			if !tt.wantErr {
				if err != nil || len(got) != 2 {
					t.Errorf("Load = %v, %v; want two verdicts", got, err)
				}
				return
			}
			var ve *verdict.Error
			var limit *cdf.LimitError
			if !errors.As(err, &ve) || ve.Op != verdict.OpRead || !errors.As(err, &limit) {
				t.Fatalf("Load = %v, %v; want a *verdict.Error of op read wrapping a *cdf.LimitError", got, err)
			}
			writes := e.writes()
			if _, err := s.Set(ctx, results(t, testJob(jobA), fileA), map[int]string{rankTwoRings: verdict.Rejected}, ""); !errors.As(err, &limit) {
				t.Errorf("Set = %v, want a *cdf.LimitError", err)
			}
			if e.writes() != writes {
				t.Errorf("Set over the limit wrote to CDF")
			}
		})
	}
}

// fakeAnnotations is CDF's Annotations API in memory, refusing requests of
// more than CDF's 1000 items, and recording the size of each.
type fakeAnnotations struct {
	mu     sync.Mutex
	anns   []cdf.Annotation
	nextID int64
	calls  []string // "list 3", "create 1000", "update approved 1000"
}

func (f *fakeAnnotations) ListAnnotations(_ context.Context, filter cdf.AnnotationFilter, max int) ([]cdf.Annotation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("list %d", len(filter.FileIDs)))
	if n := len(filter.FileIDs); n < 1 || n > cdf.MaxAnnotationsPerRequest || max < 1 {
		return nil, fmt.Errorf("fake: list of %d files, max %d", n, max)
	}
	var out []cdf.Annotation
	for _, a := range f.anns {
		if slices.Contains(filter.FileIDs, a.AnnotatedResourceID) && a.CreatingApp == filter.CreatingApp {
			out = append(out, a)
		}
	}
	if len(out) > max {
		return nil, &cdf.LimitError{What: "annotations", Limit: int64(max)}
	}
	return out, nil
}

func (f *fakeAnnotations) CreateAnnotations(_ context.Context, items []cdf.Annotation) ([]cdf.Annotation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("create %d", len(items)))
	if len(items) < 1 || len(items) > cdf.MaxAnnotationsPerRequest {
		return nil, &cdf.APIError{Status: http.StatusBadRequest, Message: fmt.Sprintf("%d items", len(items))}
	}
	for _, a := range items {
		f.nextID++
		a.ID, a.LastUpdatedTime = f.nextID, 1
		f.anns = append(f.anns, a)
	}
	return items, nil
}

func (f *fakeAnnotations) UpdateAnnotationStatus(_ context.Context, ids []int64, status string) ([]cdf.Annotation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("update %s %d", status, len(ids)))
	if len(ids) < 1 || len(ids) > cdf.MaxAnnotationsPerRequest {
		return nil, &cdf.APIError{Status: http.StatusBadRequest, Message: fmt.Sprintf("%d items", len(ids))}
	}
	for i := range f.anns {
		if slices.Contains(ids, f.anns[i].ID) {
			f.anns[i].Status = status
			f.anns[i].LastUpdatedTime++
		}
	}
	return nil, nil
}

// A bulk triage of a file of more than 1000 polygons takes several
// requests, each within CDF's limit; updates go before creates.
func TestSetSplitsLargeWrites(t *testing.T) {
	t.Parallel()
	const n = 2501
	segs := make([]cdf.Segment, n)
	for i := range segs {
		segs[i] = cdf.Segment{Score: 1 - float64(i)/n, Polygons: []cdf.Polygon{poly(0.1, 0.1, 0.2, 0.1, 0.2, 0.2)}}
	}
	job := &cdf.SegmentJob{JobID: jobA, Status: cdf.StatusCompleted, Items: []cdf.SegmentItem{{FileID: fileA, Segments: segs}}}
	all := func(status string, from, to int) map[int]string {
		out := map[int]string{}
		for r := from; r <= to; r++ {
			out[r] = status
		}
		return out
	}
	fake := &fakeAnnotations{}
	s := &verdict.Store{CDF: fake}
	ctx := context.Background()

	// One list before writing; the answer is worked out from it and the
	// writes, not read again.
	steps := []struct {
		name      string
		verdicts  map[int]string
		wantCalls []string
		want      map[int]string
	}{
		{"create 2400", all(verdict.Approved, 1, 2400),
			[]string{"list 1", "create 1000", "create 1000", "create 400"}, all(verdict.Approved, 1, 2400)},
		{"update 2400 and create 101", all(verdict.Rejected, 1, n),
			[]string{"list 1", "update rejected 1000", "update rejected 1000", "update rejected 400", "create 101"},
			all(verdict.Rejected, 1, n)},
		{"updates grouped by status", func() map[int]string {
			m := all(verdict.Approved, 1, 1500)
			maps.Copy(m, all(verdict.Suggested, 1501, n))
			return m
		}(), []string{"list 1", "update approved 1000", "update approved 500", "update suggested 1000", "update suggested 1"},
			all(verdict.Approved, 1, 1500)},
	}
	for _, st := range steps {
		fake.calls = nil
		got, err := s.Set(ctx, results(t, job, fileA), st.verdicts, "")
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if diff := cmp.Diff(st.wantCalls, fake.calls); diff != "" {
			t.Errorf("%s: calls (-want +got):\n%s", st.name, diff)
		}
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Errorf("%s: Set returned (-want +got):\n%s", st.name, diff)
		}
	}
	if len(fake.anns) != n {
		t.Errorf("%d annotations stored, want %d", len(fake.anns), n)
	}
}

// Load of more files than one list request may name splits them.
func TestLoadSplitsManyFiles(t *testing.T) {
	t.Parallel()
	fake := &fakeAnnotations{}
	ids := make([]int64, 2100)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	fake.anns = []cdf.Annotation{raw(verdict.App, 1500, jobA, 3, verdict.Approved), raw(verdict.App, 2100, jobA, 1, verdict.Rejected)}
	got, err := (&verdict.Store{CDF: fake}).Load(context.Background(), jobA, ids)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"list 1000", "list 1000", "list 100"}, fake.calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	want := map[verdict.Key]string{{FileID: 1500, Rank: 3}: verdict.Approved, {FileID: 2100, Rank: 1}: verdict.Rejected}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Load (-want +got):\n%s", diff)
	}
}

// The limit holds across the chunks of a long file list: reaching it
// exactly is fine, passing it is a LimitError, never a shortened answer.
func TestLoadLimitAcrossChunks(t *testing.T) {
	t.Parallel()
	ids := make([]int64, 1001)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	tests := []struct {
		name    string
		anns    []cdf.Annotation
		wantErr bool
	}{
		{"at the limit", []cdf.Annotation{raw(verdict.App, 1, jobA, 1, verdict.Approved), raw(verdict.App, 2, jobA, 1, verdict.Approved)}, false},
		{"over it in the second chunk", []cdf.Annotation{raw(verdict.App, 1, jobA, 1, verdict.Approved), raw(verdict.App, 2, jobA, 1, verdict.Approved),
			raw(verdict.App, 1001, jobA, 1, verdict.Rejected)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeAnnotations{anns: tt.anns}
			got, err := (&verdict.Store{CDF: fake, MaxAnnotations: 2}).Load(context.Background(), jobA, ids)
			var limit *cdf.LimitError
			if tt.wantErr != errors.As(err, &limit) {
				t.Fatalf("Load = %v, %v; want a LimitError: %v", got, err, tt.wantErr)
			}
			if !tt.wantErr && len(got) != 2 {
				t.Errorf("Load = %v, want both verdicts", got)
			}
		})
	}
}
