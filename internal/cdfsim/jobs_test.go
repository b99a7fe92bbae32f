package cdfsim

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func jobsEnv(t *testing.T, configure ...func(*Options)) *testEnv {
	t.Helper()
	e := newEnv(t, configure...)
	e.sim.AddFile(File{ID: 21, ExternalID: "img-21", Name: "scene.png", Data: pngBytes(t, 64, 48)})
	e.sim.AddFile(File{ID: 22, Space: "site_a", InstanceExternalID: "img_22", Name: "photo.JPEG", MimeType: "image/jpeg", Data: jpegBytes(t, 30, 40)})
	e.sim.AddFile(File{ID: 23, ExternalID: "doc-23", Name: "report.pdf", MimeType: "application/pdf", Data: []byte("%PDF-1.4")})
	e.sim.AddFile(File{ID: 24, Name: "image.gif", MimeType: "image/png", Data: pngBytes(t, 4, 4)})
	e.sim.AddFile(File{ID: 25, Name: "broken.png", MimeType: "image/png", Data: []byte("\x89PNG\r\n\x1a\nnot really")})
	return e
}

func TestPostSegmentValidation(t *testing.T) {
	t.Parallel()
	e := jobsEnv(t)
	const pts = `"points":[{"x":0.5,"y":0.5}]`
	tests := []struct {
		name, body  string
		wantMsg     string // substring
		wantMissing []wireErrorBodyItem
	}{
		{name: "zero items", body: `{"items":[],` + pts + `}`, wantMsg: "exactly 1"},
		{name: "no items key", body: `{` + pts + `}`, wantMsg: "exactly 1"},
		{name: "two items", body: `{"items":[{"fileId":21},{"fileId":22}],` + pts + `}`, wantMsg: "exactly 1"},
		{name: "item with two references", body: `{"items":[{"fileId":21,"fileExternalId":"img-21"}],` + pts + `}`, wantMsg: "exactly one of"},
		{name: "empty item", body: `{"items":[{}],` + pts + `}`, wantMsg: "exactly one of"},
		{name: "files-API style id", body: `{"items":[{"id":21}],` + pts + `}`, wantMsg: `Unrecognized field "id"`},
		{name: "negative file id", body: `{"items":[{"fileId":-3}],` + pts + `}`, wantMsg: "fileId"},
		{name: "bad instance space", body: `{"items":[{"fileInstanceId":{"space":"9site","externalId":"img_22"}}],` + pts + `}`, wantMsg: "space"},
		{name: "bad instance external id", body: `{"items":[{"fileInstanceId":{"space":"site_a","externalId":"img-22"}}],` + pts + `}`, wantMsg: "externalId"},
		{name: "no prompt", body: `{"items":[{"fileId":21}]}`, wantMsg: "points, boundingBox or both"},
		{name: "empty points", body: `{"items":[{"fileId":21}],"points":[]}`, wantMsg: "points, boundingBox or both"},
		{name: "x out of range", body: `{"items":[{"fileId":21}],"points":[{"x":1.2,"y":0.5}]}`, wantMsg: "between 0 and 1"},
		{name: "negative y", body: `{"items":[{"fileId":21}],"points":[{"x":0.2,"y":-0.01}]}`, wantMsg: "between 0 and 1"},
		{name: "missing y", body: `{"items":[{"fileId":21}],"points":[{"x":0.2}]}`, wantMsg: "x and y"},
		{name: "label 2", body: `{"items":[{"fileId":21}],"points":[{"x":0.2,"y":0.2,"label":2}]}`, wantMsg: "label"},
		{name: "label 0.5", body: `{"items":[{"fileId":21}],"points":[{"x":0.2,"y":0.2,"label":0.5}]}`, wantMsg: "label"},
		{name: "duplicate points", body: `{"items":[{"fileId":21}],"points":[{"x":0.2,"y":0.2},{"x":0.2,"y":0.2,"label":1}]}`, wantMsg: "unique"},
		{name: "inverted box", body: `{"items":[{"fileId":21}],"boundingBox":{"xMin":0.6,"yMin":0.1,"xMax":0.2,"yMax":0.5}}`, wantMsg: "xMin < xMax"},
		{name: "flat box", body: `{"items":[{"fileId":21}],"boundingBox":{"xMin":0.1,"yMin":0.5,"xMax":0.2,"yMax":0.5}}`, wantMsg: "yMin < yMax"},
		{name: "box out of range", body: `{"items":[{"fileId":21}],"boundingBox":{"xMin":0.1,"yMin":0.1,"xMax":1.5,"yMax":0.5}}`, wantMsg: "between 0 and 1"},
		{name: "box missing a side", body: `{"items":[{"fileId":21}],"boundingBox":{"xMin":0.1,"yMin":0.1,"xMax":0.5}}`, wantMsg: "xMin, yMin, xMax and yMax"},
		{name: "unknown field", body: `{"items":[{"fileId":21}],` + pts + `,"threshold":0.5}`, wantMsg: `Unrecognized field "threshold"`},
		{name: "unknown file id", body: `{"items":[{"fileId":404}],` + pts + `}`, wantMsg: "not found",
			wantMissing: []wireErrorBodyItem{{"fileId": float64(404)}}},
		{name: "unknown external id", body: `{"items":[{"fileExternalId":"nope"}],` + pts + `}`, wantMsg: "not found",
			wantMissing: []wireErrorBodyItem{{"fileExternalId": "nope"}}},
		{name: "unknown instance id", body: `{"items":[{"fileInstanceId":{"space":"site_a","externalId":"nope"}}],` + pts + `}`, wantMsg: "not found",
			wantMissing: []wireErrorBodyItem{{"fileInstanceId": map[string]any{"space": "site_a", "externalId": "nope"}}}},
		{name: "unsupported mime type", body: `{"items":[{"fileExternalId":"doc-23"}],` + pts + `}`, wantMsg: "application/pdf"},
		{name: "unsupported extension", body: `{"items":[{"fileId":24}],` + pts + `}`, wantMsg: "extension"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := e.call(http.MethodPost, "/context/vision/segment", tt.body)
			if res.status != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400; body %s", res.status, res.body)
			}
			got := res.cdfError(t)
			if !strings.Contains(got.Message, tt.wantMsg) {
				t.Errorf("message %q does not contain %q", got.Message, tt.wantMsg)
			}
			var m struct {
				Error struct {
					Missing []wireErrorBodyItem `json:"missing"`
				} `json:"error"`
			}
			res.decode(t, &m)
			if diff := cmp.Diff(tt.wantMissing, m.Error.Missing); diff != "" {
				t.Errorf("missing (-want +got):\n%s", diff)
			}
		})
	}
	if n := len(e.sim.mustProject(e.sim.project).jobs); n != 0 {
		t.Errorf("%d jobs created by invalid requests", n)
	}
}

type wireErrorBodyItem = map[string]any

func TestPostSegmentResponseShape(t *testing.T) {
	t.Parallel()
	e := jobsEnv(t)
	now := float64(e.clock.Now().UnixMilli())
	tests := []struct {
		name      string
		body      string
		wantItems []any
		wantExtra map[string]any // points / boundingBox echoed at top level
	}{
		{
			name:      "by file id, points with default label",
			body:      `{"items":[{"fileId":21}],"points":[{"x":0.25,"y":0.75},{"x":0.9,"y":0.1,"label":0}]}`,
			wantItems: []any{map[string]any{"fileId": float64(21), "fileExternalId": "img-21"}},
			wantExtra: map[string]any{"points": []any{
				map[string]any{"x": 0.25, "y": 0.75, "label": float64(1)},
				map[string]any{"x": 0.9, "y": 0.1, "label": float64(0)},
			}},
		},
		{
			name:      "by instance id echoes fileInstanceId, box only",
			body:      `{"items":[{"fileInstanceId":{"space":"site_a","externalId":"img_22"}}],"boundingBox":{"xMin":0.1,"yMin":0.2,"xMax":0.5,"yMax":0.6}}`,
			wantItems: []any{map[string]any{"fileId": float64(22), "fileInstanceId": map[string]any{"space": "site_a", "externalId": "img_22"}}},
			wantExtra: map[string]any{"boundingBox": map[string]any{"xMin": 0.1, "yMin": 0.2, "xMax": 0.5, "yMax": 0.6}},
		},
		{
			name:      "by external id, points and box",
			body:      `{"items":[{"fileExternalId":"img-21"}],"points":[{"x":0.3,"y":0.3,"label":1}],"boundingBox":{"xMin":0,"yMin":0,"xMax":1,"yMax":1}}`,
			wantItems: []any{map[string]any{"fileId": float64(21), "fileExternalId": "img-21"}},
			wantExtra: map[string]any{
				"points":      []any{map[string]any{"x": 0.3, "y": 0.3, "label": float64(1)}},
				"boundingBox": map[string]any{"xMin": float64(0), "yMin": float64(0), "xMax": float64(1), "yMax": float64(1)},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.call(http.MethodPost, "/context/vision/segment", tt.body)
			if res.status != http.StatusOK {
				t.Fatalf("status = %d; body %s", res.status, res.body)
			}
			got := res.object(t)
			jobID, _ := got["jobId"].(float64)
			if jobID < 1 {
				t.Fatalf("jobId = %v", got["jobId"])
			}
			want := map[string]any{
				"status": "Queued", "createdTime": now, "startTime": now, "statusTime": now,
				"jobId": jobID, "items": tt.wantItems, "errorMessage": nil,
			}
			for k, v := range tt.wantExtra {
				want[k] = v
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("POST response (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSegmentJobProgression(t *testing.T) {
	t.Parallel()
	const phase = 5 * time.Second
	e := jobsEnv(t, func(o *Options) { o.JobPhase = phase })
	tok := e.token()
	created := e.clock.Now()
	res := e.callWithToken(tok, http.MethodPost, "/context/vision/segment",
		`{"items":[{"fileId":21}],"points":[{"x":0.4,"y":0.5},{"x":0.9,"y":0.9,"label":0}],"boundingBox":{"xMin":0.2,"yMin":0.3,"xMax":0.7,"yMax":0.8}}`)
	var post wireSegmentPostResponse
	res.decode(t, &post)
	path := "/context/vision/segment/" + itoa64(post.JobID)

	ms := func(d time.Duration) int64 { return created.Add(d).UnixMilli() }
	steps := []struct {
		at                  time.Duration
		status              string
		startTime, statusAt int64
		wantSegments        bool
	}{
		{0, StatusQueued, ms(0), ms(0), false},
		{phase - time.Millisecond, StatusQueued, ms(0), ms(0), false},
		{phase, StatusRunning, ms(phase), ms(phase), false},
		{2*phase - time.Millisecond, StatusRunning, ms(phase), ms(phase), false},
		{2 * phase, StatusCompleted, ms(phase), ms(2 * phase), true},
		{50 * time.Minute, StatusCompleted, ms(phase), ms(2 * phase), true},
	}
	var completed []byte
	for _, s := range steps {
		e.clock.Advance(created.Add(s.at).Sub(e.clock.Now()))
		res := e.callWithToken(tok, http.MethodGet, path, nil)
		if res.status != http.StatusOK {
			t.Fatalf("at %v: %d %s", s.at, res.status, res.body)
		}
		var got wireSegmentGetResponse
		res.decode(t, &got)
		if got.Status != s.status || got.CreatedTime != ms(0) || got.StartTime != s.startTime || got.StatusTime != s.statusAt || got.ErrorMessage != nil {
			t.Errorf("at %v: status %s created %d start %d statusTime %d err %v; want %s %d %d %d nil",
				s.at, got.Status, got.CreatedTime, got.StartTime, got.StatusTime, got.ErrorMessage, s.status, ms(0), s.startTime, s.statusAt)
		}
		if len(got.Items) != 1 || got.Items[0].FileID != 21 || got.Items[0].FileExternalID != "img-21" {
			t.Fatalf("at %v: items %+v", s.at, got.Items)
		}
		if n := len(got.Items[0].Segments); (n > 0) != s.wantSegments {
			t.Errorf("at %v: %d segments, want some: %v", s.at, n, s.wantSegments)
		}
		// "segments" is required: an empty array, never null or absent.
		if !strings.Contains(string(res.body), `"segments":[`) {
			t.Errorf("at %v: segments not sent as an array: %s", s.at, res.body)
		}
		if s.wantSegments {
			if completed != nil && string(completed) != string(res.body) {
				t.Errorf("completed result changed between polls")
			}
			completed = res.body
		}
	}
}

func TestSegmentJobOnUndecodableImageFails(t *testing.T) {
	t.Parallel()
	e := jobsEnv(t)
	res := e.call(http.MethodPost, "/context/vision/segment", `{"items":[{"fileId":25}],"points":[{"x":0.5,"y":0.5}]}`)
	if res.status != http.StatusOK {
		t.Fatalf("POST: %d %s", res.status, res.body)
	}
	var post wireSegmentPostResponse
	res.decode(t, &post)
	if post.ErrorMessage != nil {
		t.Errorf("a queued job already has an error: %q", *post.ErrorMessage)
	}
	e.clock.Advance(2 * DefaultJobPhase)
	var got wireSegmentGetResponse
	e.call(http.MethodGet, "/context/vision/segment/"+itoa64(post.JobID), nil).decode(t, &got)
	if got.Status != StatusFailed || got.ErrorMessage == nil || !strings.Contains(*got.ErrorMessage, "could not be processed") {
		t.Errorf("status %s errorMessage %v, want Failed with a message", got.Status, got.ErrorMessage)
	}
	if len(got.Items) != 1 || len(got.Items[0].Segments) != 0 {
		t.Errorf("items = %+v, want the file without segments", got.Items)
	}
}

func TestSegmentResultsAreDeterministic(t *testing.T) {
	t.Parallel()
	body := `{"items":[{"fileId":22}],"points":[{"x":0.3,"y":0.6}],"boundingBox":{"xMin":0.1,"yMin":0.2,"xMax":0.8,"yMax":0.9}}`
	var results []wireSegmentGetResponse
	for range 2 {
		e := jobsEnv(t)
		var post wireSegmentPostResponse
		e.call(http.MethodPost, "/context/vision/segment", body).decode(t, &post)
		e.clock.Advance(time.Minute)
		var got wireSegmentGetResponse
		e.call(http.MethodGet, "/context/vision/segment/"+itoa64(post.JobID), nil).decode(t, &got)
		results = append(results, got)
	}
	if diff := cmp.Diff(results[0].Items, results[1].Items); diff != "" {
		t.Errorf("same file and prompt, different segments (-first +second):\n%s", diff)
	}
}

func TestGetSegmentJobErrors(t *testing.T) {
	t.Parallel()
	e := jobsEnv(t)
	tests := []struct {
		id          string
		wantMissing []wireErrorBodyItem
	}{
		{id: "abc"},
		{id: "0"},
		{id: "-5"},
		{id: "1.5"},
		{id: "99999999999999999999"},
		{id: "424242", wantMissing: []wireErrorBodyItem{{"jobId": float64(424242)}}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			t.Parallel()
			res := e.call(http.MethodGet, "/context/vision/segment/"+tt.id, nil)
			if res.status != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400; body %s", res.status, res.body)
			}
			res.cdfError(t)
			var m struct {
				Error struct {
					Message string              `json:"message"`
					Missing []wireErrorBodyItem `json:"missing"`
				} `json:"error"`
			}
			res.decode(t, &m)
			if diff := cmp.Diff(tt.wantMissing, m.Error.Missing); diff != "" {
				t.Errorf("missing (-want +got):\n%s", diff)
			}
			if tt.wantMissing != nil && m.Error.Message != "Could not find job with id 424242" {
				t.Errorf("message = %q", m.Error.Message)
			}
		})
	}
}

func TestGetStoredJobWireShape(t *testing.T) {
	t.Parallel()
	e := jobsEnv(t)
	created := e.clock.Now().Add(-time.Hour)
	e.sim.AddJob(Job{
		ID: 77, Status: StatusCompleted, Created: created, Started: created.Add(time.Second), StatusAt: created.Add(3 * time.Second),
		Items: []JobItem{{FileID: 21, FileExternalID: "img-21", Segments: []Segment{{
			Score: 0.5, Polygons: [][]Vertex{{{0.1, 0.1}, {0.2, 0.1}, {0.2, 0.2}}},
		}}}},
		Box: &Box{0.1, 0.1, 0.3, 0.3},
		Failed: []FailedBatch{{ErrorMessage: "boom", Items: []FailedRef{
			{FileID: 23, FileExternalID: "doc-23"},
			{FileID: 22, Space: "site_a", InstanceExternalID: "img_22"},
		}}},
	})
	e.sim.AddJob(Job{ID: 78, Status: StatusFailed, Created: created, Items: []JobItem{{FileID: 21}}, Points: []Point{{0.5, 0.5, 0}}, ErrorMessage: "nope"})
	e.clock.Advance(24 * time.Hour) // stored jobs do not move

	ms := float64(created.UnixMilli())
	tests := []struct {
		id   string
		want map[string]any
	}{
		{"77", map[string]any{
			"status": "Completed", "jobId": float64(77), "errorMessage": nil,
			"createdTime": ms, "startTime": ms + 1000, "statusTime": ms + 3000,
			"items": []any{map[string]any{"fileId": float64(21), "fileExternalId": "img-21", "segments": []any{map[string]any{
				"score": 0.5,
				"polygons": []any{map[string]any{"confidence": nil, "vertices": []any{
					map[string]any{"x": 0.1, "y": 0.1, "confidence": nil},
					map[string]any{"x": 0.2, "y": 0.1, "confidence": nil},
					map[string]any{"x": 0.2, "y": 0.2, "confidence": nil},
				}}},
			}}}},
			"prompt": map[string]any{"boundingBox": map[string]any{"xMin": 0.1, "yMin": 0.1, "xMax": 0.3, "yMax": 0.3}},
			"failedItems": []any{map[string]any{"errorMessage": "boom", "items": []any{
				map[string]any{"fileId": float64(23), "fileExternalId": "doc-23"},
				map[string]any{"fileId": float64(22), "fileInstanceId": map[string]any{"space": "site_a", "externalId": "img_22"}},
			}}},
		}},
		{"78", map[string]any{
			"status": "Failed", "jobId": float64(78), "errorMessage": "nope",
			"createdTime": ms, "startTime": ms, "statusTime": ms,
			"items":  []any{map[string]any{"fileId": float64(21), "segments": []any{}}},
			"prompt": map[string]any{"points": []any{map[string]any{"x": 0.5, "y": 0.5, "label": float64(0)}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			t.Parallel()
			res := e.call(http.MethodGet, "/context/vision/segment/"+tt.id, nil)
			if diff := cmp.Diff(tt.want, res.object(t)); diff != "" {
				t.Errorf("GET response (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJobAccessorCopies(t *testing.T) {
	t.Parallel()
	e := jobsEnv(t)
	e.sim.AddJob(Job{ID: 5, Status: StatusCompleted, Items: []JobItem{{FileID: 21, Segments: []Segment{{Score: 0.5, Polygons: [][]Vertex{{{0.1, 0.1}, {0.2, 0.1}, {0.2, 0.2}}}}}}}})
	j, ok := e.sim.Job(5)
	if !ok {
		t.Fatal("job 5 not found")
	}
	j.Items[0].Segments[0].Polygons[0][0].X = 0.9
	if again, _ := e.sim.Job(5); again.Items[0].Segments[0].Polygons[0][0].X != 0.1 {
		t.Error("Job returned shared memory")
	}
	if _, ok := e.sim.Job(6); ok {
		t.Error("Job(6) found a job that does not exist")
	}
}

func itoa64(v int64) string { return strconv.FormatInt(v, 10) }
