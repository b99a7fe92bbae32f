package cdf

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// readFixture returns testdata/name.
func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSegmentJobUnmarshal(t *testing.T) {
	t.Parallel()
	docsBox := &BoundingBox{XMin: 0.1, YMin: 0.2, XMax: 0.5, YMax: 0.6}
	docsPoints := []PromptPoint{{X: 0.8, Y: 0.8, Label: 1}}
	tests := []struct {
		fixture string
		want    SegmentJob
	}{
		{
			fixture: "segment_get_docs.json",
			want: SegmentJob{
				JobID: 123, Status: StatusQueued,
				CreatedTime: 1730204346000, StartTime: 1730204346000, StatusTime: 1730204346000,
				Items: []SegmentItem{{
					FileID: 1234, FileExternalID: "1234",
					Segments: []Segment{{Score: 0.8, Polygons: []Polygon{{Vertices: []Vertex{{X: 0.5, Y: 0.5}}}}}},
				}},
				Prompt: Prompt{Points: docsPoints, BoundingBox: docsBox},
				FailedItems: []FailedBatch{{
					ErrorMessage: "<string>",
					Items: []FileRef{{
						FileID: 1234, FileExternalID: "1234",
						FileInstanceID: &InstanceID{Space: "space", ExternalID: "externalId"},
					}},
				}},
			},
		},
		{
			fixture: "segment_post_docs.json",
			want: SegmentJob{
				JobID: 123, Status: StatusQueued,
				CreatedTime: 1730204346000, StartTime: 1730204346000, StatusTime: 1730204346000,
				Items: []SegmentItem{{
					FileID: 1234, FileExternalID: "1234",
					FileInstanceID: &InstanceID{Space: "space", ExternalID: "externalId"},
				}},
				Prompt: Prompt{Points: docsPoints, BoundingBox: docsBox},
			},
		},
		{
			// Unknown fields, null and absent confidences, a missing label
			// (defaults to 1), label 1.0, and a nested prompt that wins over
			// a top-level one.
			fixture: "segment_get_completed.json",
			want: SegmentJob{
				JobID: 987654321012, Status: StatusCompleted,
				CreatedTime: 1730204346000, StartTime: 1730204347500, StatusTime: 1730204352250,
				Items: []SegmentItem{{
					FileID: 42, FileExternalID: "site-a/pump-7.jpg",
					Segments: []Segment{
						{Score: 0.93, Polygons: []Polygon{
							{
								Vertices:   []Vertex{{X: 0.1, Y: 0.2, Confidence: new(0.9)}, {X: 0.4, Y: 0.2}, {X: 0.4, Y: 0.6}},
								Confidence: new(0.75),
							},
							{Vertices: []Vertex{{X: 0.6, Y: 0.6}, {X: 0.7, Y: 0.6}, {X: 0.7, Y: 0.7}}},
						}},
						{Score: 0.41, Polygons: []Polygon{}},
					},
				}},
				Prompt: Prompt{Points: []PromptPoint{{X: 0.25, Y: 0.4, Label: 1}, {X: 0.9, Y: 0.1, Label: 0}, {X: 0.3, Y: 0.35, Label: 1}}},
			},
		},
		{
			fixture: "segment_get_failed.json",
			want: SegmentJob{
				JobID: 7, Status: StatusFailed,
				CreatedTime: 1730204346000, StartTime: 1730204346000, StatusTime: 1730204349000,
				Items:        []SegmentItem{},
				Prompt:       Prompt{BoundingBox: &BoundingBox{XMax: 1, YMax: 1}},
				ErrorMessage: "Image could not be decoded",
				FailedItems:  []FailedBatch{{ErrorMessage: "Unsupported mime type image/tiff", Items: []FileRef{{FileID: 5}}}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			var got SegmentJob
			if err := json.Unmarshal(readFixture(t, tt.fixture), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decoded job mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// A job marshalled by this package (as a fake server would) decodes to
// the same value.
func TestSegmentJobRoundTrip(t *testing.T) {
	t.Parallel()
	var job SegmentJob
	if err := json.Unmarshal(readFixture(t, "segment_get_completed.json"), &job); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	var again SegmentJob
	if err := json.Unmarshal(b, &again); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(job, again); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
}

func TestPromptPointUnmarshal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want PromptPoint
	}{
		{`{"x":0.1,"y":0.2}`, PromptPoint{X: 0.1, Y: 0.2, Label: 1}},
		{`{"x":0.1,"y":0.2,"label":null}`, PromptPoint{X: 0.1, Y: 0.2, Label: 1}},
		{`{"x":0.1,"y":0.2,"label":0}`, PromptPoint{X: 0.1, Y: 0.2, Label: 0}},
		{`{"x":0.1,"y":0.2,"label":1.0}`, PromptPoint{X: 0.1, Y: 0.2, Label: 1}},
		{`{"x":0.1,"y":0.2,"label":1,"extra":"ignored"}`, PromptPoint{X: 0.1, Y: 0.2, Label: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			var got PromptPoint
			if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJobStatusTerminal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    JobStatus
		want bool
	}{
		{StatusQueued, false},
		{StatusRunning, false},
		{StatusCompleted, true},
		{StatusFailed, true},
		{"Distributing", false},
	}
	for _, tt := range tests {
		if got := tt.s.Terminal(); got != tt.want {
			t.Errorf("%q.Terminal() = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestMillisTime(t *testing.T) {
	t.Parallel()
	if got := Millis(0).Time(); !got.IsZero() {
		t.Errorf("Millis(0).Time() = %v, want zero time", got)
	}
	want := time.Date(2024, 10, 29, 12, 19, 6, 0, time.UTC)
	got := Millis(1730204346000).Time()
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("Millis(1730204346000).Time() = %v, want %v", got, want)
	}
}

func TestFileIdentifierJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		id      FileIdentifier
		want    string
		wantErr bool
	}{
		{"id", ByID(1234), `{"id":1234}`, false},
		{"external id", ByExternalID("site-a/pump-7.jpg"), `{"externalId":"site-a/pump-7.jpg"}`, false},
		{"instance id", ByInstanceID("site-a", "img_001"), `{"instanceId":{"space":"site-a","externalId":"img_001"}}`, false},
		{"empty", FileIdentifier{}, "", true},
		{"two forms", FileIdentifier{ID: 1, ExternalID: "x"}, "", true},
		{"negative id", ByID(-1), "", true},
		{"instance without space", ByInstanceID("", "img"), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tt.id)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Marshal(%+v) error = %v, wantErr %v", tt.id, err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if string(b) != tt.want {
				t.Errorf("Marshal = %s, want %s", b, tt.want)
			}
			var back FileIdentifier
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.id, back); diff != "" {
				t.Errorf("round trip mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSegmentRequestMarshalGolden(t *testing.T) {
	t.Parallel()
	req := SegmentRequest{
		Items:       []FileIdentifier{ByID(1234)},
		Points:      []PromptPoint{{X: 0.8, Y: 0.8, Label: LabelForeground}},
		BoundingBox: &BoundingBox{XMin: 0.1, YMin: 0.2, XMax: 0.5, YMax: 0.6},
	}
	got, err := json.MarshalIndent(req, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	// The golden file is the request sample from the API docs.
	const golden = "segment_request_docs.json"
	if *update {
		if err := os.WriteFile(filepath.Join("testdata", golden), append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(decodeAny(t, readFixture(t, golden)), decodeAny(t, got)); diff != "" {
		t.Errorf("request JSON mismatch (-want +got):\n%s", diff)
	}
	var back SegmentRequest
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(req, back); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
}

func TestSegmentRequestItemForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   FileIdentifier
		want string
	}{
		{ByID(1), `{"items":[{"fileId":1}],"boundingBox":{"xMin":0,"yMin":0,"xMax":1,"yMax":1}}`},
		{ByExternalID("a"), `{"items":[{"fileExternalId":"a"}],"boundingBox":{"xMin":0,"yMin":0,"xMax":1,"yMax":1}}`},
		{ByInstanceID("s", "e"), `{"items":[{"fileInstanceId":{"space":"s","externalId":"e"}}],"boundingBox":{"xMin":0,"yMin":0,"xMax":1,"yMax":1}}`},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(SegmentRequest{Items: []FileIdentifier{tt.id}, BoundingBox: &BoundingBox{XMax: 1, YMax: 1}})
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("Marshal = %s, want %s", b, tt.want)
			}
		})
	}
}

func TestSegmentRequestValidate(t *testing.T) {
	t.Parallel()
	box := &BoundingBox{XMin: 0.1, YMin: 0.1, XMax: 0.5, YMax: 0.5}
	pts := []PromptPoint{{X: 0.5, Y: 0.5, Label: 1}}
	items := []FileIdentifier{ByID(1)}
	tests := []struct {
		name    string
		req     SegmentRequest
		wantErr bool
	}{
		{"points", SegmentRequest{Items: items, Points: pts}, false},
		{"box", SegmentRequest{Items: items, BoundingBox: box}, false},
		{"both", SegmentRequest{Items: items, Points: pts, BoundingBox: box}, false},
		{"no items", SegmentRequest{Points: pts}, true},
		{"bad item", SegmentRequest{Items: []FileIdentifier{{}}, Points: pts}, true},
		{"no prompt", SegmentRequest{Items: items}, true},
		{"point outside", SegmentRequest{Items: items, Points: []PromptPoint{{X: 1.5, Y: 0.5, Label: 1}}}, true},
		{"bad label", SegmentRequest{Items: items, Points: []PromptPoint{{X: 0.5, Y: 0.5, Label: 2}}}, true},
		{"box inverted", SegmentRequest{Items: items, BoundingBox: &BoundingBox{XMin: 0.6, XMax: 0.5, YMax: 1}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := tt.req.Validate(); (err != nil) != tt.wantErr {
				t.Errorf("Validate() = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}

func TestDownloadLinkJSON(t *testing.T) {
	t.Parallel()
	in := `{"items":[{"id":1234,"downloadUrl":"https://files.example/a?sig=1"},` +
		`{"instanceId":{"space":"site-a","externalId":"img_001"},"downloadUrl":"https://files.example/b?sig=2"}]}`
	var got struct{ Items []DownloadLink }
	if err := json.Unmarshal([]byte(in), &got); err != nil {
		t.Fatal(err)
	}
	want := []DownloadLink{
		{FileIdentifier: ByID(1234), URL: "https://files.example/a?sig=1"},
		{FileIdentifier: ByInstanceID("site-a", "img_001"), URL: "https://files.example/b?sig=2"},
	}
	if diff := cmp.Diff(want, got.Items); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	b, err := json.Marshal(want[0])
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"id":1234,"downloadUrl":"https://files.example/a?sig=1"}` {
		t.Errorf("Marshal = %s", b)
	}
}

// decodeAny decodes b into generic JSON values for semantic comparison.
func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	return v
}
