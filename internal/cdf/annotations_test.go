package cdf

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

// testAnnotation is a valid annotation to create on file.
func testAnnotation(file int64) Annotation {
	return Annotation{
		AnnotatedResourceType: "file",
		AnnotatedResourceID:   file,
		AnnotationType:        AnnotationTypeObjectDetection,
		CreatingApp:           "segview",
		CreatingAppVersion:    "1.0.0",
		Status:                AnnotationApproved,
		Data: ObjectDetection{
			Label:      "crack",
			Confidence: ptr(1.0),
			Polygon:    &AnnotationPolygon{Vertices: []AnnotationPoint{{0.1, 0.1}, {0.5, 0.1}, {0.3, 0.4}}},
			Attributes: map[string]AnnotationAttribute{"score": NumericAttribute(0.75)},
		},
	}
}

// jsonValue decodes a JSON text for comparison regardless of key order.
func jsonValue(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("decoding %q: %v", s, err)
	}
	return v
}

// The request bodies of the three calls, exactly as CDF documents them.
func TestAnnotationRequestBodies(t *testing.T) {
	t.Parallel()
	created := testAnnotation(7)
	created.ID, created.CreatedTime, created.LastUpdatedTime = 11, 1000, 1000
	tests := []struct {
		name     string
		pattern  string
		call     func(ctx context.Context, c *Client) (any, error)
		response string
		wantBody string
		want     any
	}{
		{
			name: "create", pattern: "POST /annotations",
			call: func(ctx context.Context, c *Client) (any, error) {
				a := testAnnotation(7)
				a.AnnotatedResourceType = "" // sent as "file"
				a.ID = 99                    // never sent on create
				a.CreatingUser = ptr("alice@example.com")
				return c.CreateAnnotations(ctx, []Annotation{a})
			},
			response: `{"items":[{"id":11,"createdTime":1000,"lastUpdatedTime":1000,"annotatedResourceType":"file","annotatedResourceId":7,
				"annotationType":"images.ObjectDetection","creatingApp":"segview","creatingAppVersion":"1.0.0","creatingUser":null,
				"status":"approved","data":{"label":"crack","confidence":1,"polygon":{"vertices":[{"x":0.1,"y":0.1},{"x":0.5,"y":0.1},{"x":0.3,"y":0.4}]},
				"attributes":{"score":{"type":"numerical","value":0.75}}}}]}`,
			wantBody: `{"items":[{"annotatedResourceType":"file","annotatedResourceId":7,"annotationType":"images.ObjectDetection",
				"creatingApp":"segview","creatingAppVersion":"1.0.0","creatingUser":"alice@example.com","status":"approved",
				"data":{"label":"crack","confidence":1,"polygon":{"vertices":[{"x":0.1,"y":0.1},{"x":0.5,"y":0.1},{"x":0.3,"y":0.4}]},
				"attributes":{"score":{"type":"numerical","value":0.75}}}}]}`,
			want: []Annotation{created},
		},
		{
			name: "create with a box", pattern: "POST /annotations",
			call: func(ctx context.Context, c *Client) (any, error) {
				a := testAnnotation(7)
				a.Data = ObjectDetection{Label: "dent", BoundingBox: &AnnotationBoundingBox{XMin: 0.1, XMax: 0.2, YMin: 0.3, YMax: 0.4}}
				return c.CreateAnnotations(ctx, []Annotation{a})
			},
			response: `{"items":[]}`,
			wantBody: `{"items":[{"annotatedResourceType":"file","annotatedResourceId":7,"annotationType":"images.ObjectDetection",
				"creatingApp":"segview","creatingAppVersion":"1.0.0","creatingUser":null,"status":"approved",
				"data":{"label":"dent","boundingBox":{"xMin":0.1,"xMax":0.2,"yMin":0.3,"yMax":0.4}}}]}`,
			want: []Annotation{},
		},
		{
			name: "list", pattern: "POST /annotations/list",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListAnnotations(ctx, AnnotationFilter{FileIDs: []int64{1, 2}}, 10)
			},
			response: `{"items":[]}`,
			wantBody: `{"filter":{"annotatedResourceType":"file","annotatedResourceIds":[{"id":1},{"id":2}]},"limit":1000}`,
			want:     []Annotation(nil),
		},
		{
			name: "list with every filter", pattern: "POST /annotations/list",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListAnnotations(ctx, AnnotationFilter{FileIDs: []int64{1}, AnnotationType: AnnotationTypeObjectDetection,
					CreatingApp: "segview", Status: AnnotationRejected}, 10)
			},
			response: `{"items":[]}`,
			wantBody: `{"filter":{"annotatedResourceType":"file","annotatedResourceIds":[{"id":1}],"annotationType":"images.ObjectDetection",
				"creatingApp":"segview","status":"rejected"},"limit":1000}`,
			want: []Annotation(nil),
		},
		{
			name: "update", pattern: "POST /annotations/update",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateAnnotationStatus(ctx, []int64{11, 12}, AnnotationRejected)
			},
			response: `{"items":[{"id":11,"status":"rejected","data":{"label":"a"}}]}`,
			wantBody: `{"items":[{"id":11,"update":{"status":{"set":"rejected"}}},{"id":12,"update":{"status":{"set":"rejected"}}}]}`,
			want:     []Annotation{{ID: 11, Status: AnnotationRejected, Data: ObjectDetection{Label: "a"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			bodies := make(chan []byte, 1)
			mux.HandleFunc(tt.pattern, func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				bodies <- b
				if ct := r.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, tt.response)
			})
			got, err := tt.call(t.Context(), c)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(jsonValue(t, tt.wantBody), jsonValue(t, string(<-bodies))); diff != "" {
				t.Errorf("request body (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
		})
	}
}

// pagedList serves POST /annotations/list from pages, each answered
// to the cursor the previous one named, and records the cursors asked for.
func pagedList(t *testing.T, mux *http.ServeMux, pages [][]int64) *[]string {
	t.Helper()
	var mu sync.Mutex
	var cursors []string
	mux.HandleFunc("POST /annotations/list", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Limit  int    `json:"limit"`
			Cursor string `json:"cursor"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("decoding request: %v", err)
		}
		mu.Lock()
		cursors = append(cursors, req.Cursor)
		mu.Unlock()
		page := 0
		if req.Cursor != "" {
			page = int(req.Cursor[len("page-")] - '0')
		}
		out := map[string]any{"items": []any{}}
		var items []any
		for _, id := range pages[page] {
			items = append(items, map[string]any{"id": id, "status": "suggested"})
		}
		if items != nil {
			out["items"] = items
		}
		if page+1 < len(pages) {
			out["nextCursor"] = "page-" + string(rune('0'+page+1))
		}
		writeJSON(t, w, http.StatusOK, out)
	})
	return &cursors
}

func TestListAnnotationsPaging(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		pages       [][]int64
		max         int
		want        []int64
		wantCursors []string
		wantLimit   bool
	}{
		{"one page", [][]int64{{1, 2}}, 10, []int64{1, 2}, []string{""}, false},
		{"three pages", [][]int64{{1, 2}, {3, 4}, {5}}, 10, []int64{1, 2, 3, 4, 5}, []string{"", "page-1", "page-2"}, false},
		{"exactly max", [][]int64{{1, 2}, {3}}, 3, []int64{1, 2, 3}, []string{"", "page-1"}, false},
		{"max reached, empty last page", [][]int64{{1, 2}, {}}, 2, []int64{1, 2}, []string{"", "page-1"}, false},
		{"over max on the second page", [][]int64{{1, 2}, {3, 4}, {5}}, 3, nil, []string{"", "page-1"}, true},
		{"over max on the first page", [][]int64{{1, 2, 3}}, 2, nil, []string{""}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			cursors := pagedList(t, mux, tt.pages)
			got, err := c.ListAnnotations(t.Context(), AnnotationFilter{FileIDs: []int64{1}}, tt.max)
			if tt.wantLimit {
				var le *LimitError
				if !errors.As(err, &le) || le.What != "annotations" || le.Limit != int64(tt.max) {
					t.Fatalf("err = %v, want *LimitError for %d annotations", err, tt.max)
				}
				if got != nil {
					t.Errorf("got %d annotations with the limit error", len(got))
				}
				if msg := err.Error(); !strings.Contains(msg, "more than") || strings.Contains(msg, "bytes") {
					t.Errorf("message = %q", msg)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				var ids []int64
				for _, a := range got {
					ids = append(ids, a.ID)
				}
				if diff := cmp.Diff(tt.want, ids); diff != "" {
					t.Errorf("ids (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff(tt.wantCursors, *cursors); diff != "" {
				t.Errorf("cursors sent (-want +got):\n%s", diff)
			}
		})
	}
}

func TestListAnnotationsRepeatedCursor(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var calls atomic.Int32
	mux.HandleFunc("POST /annotations/list", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(t, w, http.StatusOK, map[string]any{"items": []any{}, "nextCursor": "same"})
	})
	if _, err := c.ListAnnotations(t.Context(), AnnotationFilter{FileIDs: []int64{1}}, 10); err == nil || !strings.Contains(err.Error(), "same cursor") {
		t.Errorf("err = %v, want the repeated cursor named", err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("calls = %d, want 2", n)
	}
}

// annotationCalls are the three calls with valid input.
var annotationCalls = []struct {
	name, pattern string
	call          func(ctx context.Context, c *Client) error
}{
	{"create", "POST /annotations", func(ctx context.Context, c *Client) error {
		_, err := c.CreateAnnotations(ctx, []Annotation{testAnnotation(1)})
		return err
	}},
	{"list", "POST /annotations/list", func(ctx context.Context, c *Client) error {
		_, err := c.ListAnnotations(ctx, AnnotationFilter{FileIDs: []int64{1}}, 10)
		return err
	}},
	{"update", "POST /annotations/update", func(ctx context.Context, c *Client) error {
		_, err := c.UpdateAnnotationStatus(ctx, []int64{1}, AnnotationApproved)
		return err
	}},
}

func TestAnnotationRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int // 0: the connection is reset
		// wantCalls per call: create, list, update.
		wantCalls map[string]int32
	}{
		{http.StatusTooManyRequests, map[string]int32{"create": 2, "list": 2, "update": 2}},
		{http.StatusServiceUnavailable, map[string]int32{"create": 1, "list": 2, "update": 2}},
		{http.StatusBadGateway, map[string]int32{"create": 1, "list": 2, "update": 2}},
		{0, map[string]int32{"create": 1, "list": 2, "update": 2}},
		{http.StatusBadRequest, map[string]int32{"create": 1, "list": 1, "update": 1}},
		{http.StatusForbidden, map[string]int32{"create": 1, "list": 1, "update": 1}},
	}
	for _, ac := range annotationCalls {
		for _, tt := range tests {
			name := ac.name + "/" + http.StatusText(tt.status)
			if tt.status == 0 {
				name = ac.name + "/reset"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				c, mux, rec := setup(t)
				var calls atomic.Int32
				mux.HandleFunc(ac.pattern, func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.ReadAll(r.Body)
					if calls.Add(1) == 1 {
						if tt.status == 0 {
							dropConnection(t, w, true)
							return
						}
						writeJSON(t, w, tt.status, map[string]any{"error": map[string]any{"code": tt.status, "message": "no"}})
						return
					}
					writeJSON(t, w, http.StatusOK, map[string]any{"items": []any{}})
				})
				err := ac.call(t.Context(), c)
				want := tt.wantCalls[ac.name]
				if got := calls.Load(); got != want {
					t.Errorf("server saw %d calls, want %d", got, want)
				}
				if want == 2 {
					if err != nil {
						t.Errorf("failed after a retry: %v", err)
					}
					if got := len(rec.got()); got != 1 {
						t.Errorf("slept %d times, want 1", got)
					}
					return
				}
				if err == nil {
					t.Fatal("succeeded, want an error")
				}
				if s := rec.got(); len(s) != 0 {
					t.Errorf("slept %v, want no retry", s)
				}
			})
		}
	}
}

// A 403 reaches callers as the *APIError every other call returns, with
// CDF's message and the call's path.
func TestAnnotationForbidden(t *testing.T) {
	t.Parallel()
	for _, ac := range annotationCalls {
		t.Run(ac.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			mux.HandleFunc(ac.pattern, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-Id", "req-403")
				writeJSON(t, w, http.StatusForbidden, map[string]any{"error": map[string]any{"code": 403, "message": "needs annotationsAcl:WRITE"}})
			})
			err := ac.call(t.Context(), c)
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %T %v, want *APIError", err, err)
			}
			want := &APIError{Status: 403, Code: 403, Message: "needs annotationsAcl:WRITE", RequestID: "req-403",
				Method: http.MethodPost, Path: strings.TrimPrefix(ac.pattern, "POST ")}
			if diff := cmp.Diff(want, ae); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAnnotationInputValidated(t *testing.T) {
	t.Parallel()
	many := func(n int) []int64 {
		ids := make([]int64, n)
		for i := range ids {
			ids[i] = int64(i + 1)
		}
		return ids
	}
	manyAnnotations := make([]Annotation, MaxAnnotationsPerRequest+1)
	for i := range manyAnnotations {
		manyAnnotations[i] = testAnnotation(1)
	}
	with := func(edit func(*Annotation)) []Annotation {
		a := testAnnotation(1)
		edit(&a)
		return []Annotation{a}
	}
	tests := []struct {
		name string
		call func(ctx context.Context, c *Client) error
		want string
	}{
		{"create none", func(ctx context.Context, c *Client) error { _, err := c.CreateAnnotations(ctx, nil); return err }, "no annotations to create"},
		{"create 1001", func(ctx context.Context, c *Client) error {
			_, err := c.CreateAnnotations(ctx, manyAnnotations)
			return err
		}, "1001 annotations to create, at most 1000"},
		{"create bad status", func(ctx context.Context, c *Client) error {
			_, err := c.CreateAnnotations(ctx, with(func(a *Annotation) { a.Status = "Approved" }))
			return err
		}, `annotation 0: invalid annotation status "Approved"`},
		{"create empty status", func(ctx context.Context, c *Client) error {
			_, err := c.CreateAnnotations(ctx, with(func(a *Annotation) { a.Status = "" }))
			return err
		}, "invalid annotation status"},
		{"create without file", func(ctx context.Context, c *Client) error {
			_, err := c.CreateAnnotations(ctx, with(func(a *Annotation) { a.AnnotatedResourceID = 0 }))
			return err
		}, "invalid file id 0"},
		{"create on an asset", func(ctx context.Context, c *Client) error {
			_, err := c.CreateAnnotations(ctx, with(func(a *Annotation) { a.AnnotatedResourceType = "asset" }))
			return err
		}, `annotatedResourceType "asset"`},
		{"list no files", func(ctx context.Context, c *Client) error {
			_, err := c.ListAnnotations(ctx, AnnotationFilter{}, 10)
			return err
		}, "no file ids"},
		{"list 1001 files", func(ctx context.Context, c *Client) error {
			_, err := c.ListAnnotations(ctx, AnnotationFilter{FileIDs: many(1001)}, 10)
			return err
		}, "1001 file ids"},
		{"list bad file id", func(ctx context.Context, c *Client) error {
			_, err := c.ListAnnotations(ctx, AnnotationFilter{FileIDs: []int64{1, -2}}, 10)
			return err
		}, "invalid file id -2"},
		{"list bad status", func(ctx context.Context, c *Client) error {
			_, err := c.ListAnnotations(ctx, AnnotationFilter{FileIDs: []int64{1}, Status: "done"}, 10)
			return err
		}, `invalid annotation status "done"`},
		{"list max 0", func(ctx context.Context, c *Client) error {
			_, err := c.ListAnnotations(ctx, AnnotationFilter{FileIDs: []int64{1}}, 0)
			return err
		}, "maximum must be positive"},
		{"update none", func(ctx context.Context, c *Client) error {
			_, err := c.UpdateAnnotationStatus(ctx, nil, AnnotationApproved)
			return err
		}, "no annotation ids to update"},
		{"update 1001", func(ctx context.Context, c *Client) error {
			_, err := c.UpdateAnnotationStatus(ctx, many(1001), AnnotationApproved)
			return err
		}, "1001 annotation ids to update"},
		{"update bad status", func(ctx context.Context, c *Client) error {
			_, err := c.UpdateAnnotationStatus(ctx, []int64{1}, "yes")
			return err
		}, `invalid annotation status "yes"`},
		{"update bad id", func(ctx context.Context, c *Client) error {
			_, err := c.UpdateAnnotationStatus(ctx, []int64{0}, AnnotationApproved)
			return err
		}, "invalid annotation id 0"},
		{"update duplicate id", func(ctx context.Context, c *Client) error {
			_, err := c.UpdateAnnotationStatus(ctx, []int64{4, 4}, AnnotationApproved)
			return err
		}, "annotation id 4 given twice"},
		{"create NaN attribute", func(ctx context.Context, c *Client) error {
			_, err := c.CreateAnnotations(ctx, with(func(a *Annotation) {
				a.Data.Attributes = map[string]AnnotationAttribute{"score": NumericAttribute(math.NaN())}
			}))
			return err
		}, "encoding request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				t.Errorf("invalid input reached the server: %s %s", r.Method, r.URL.Path)
			})
			err := tt.call(t.Context(), c)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "cdf: ") {
				t.Errorf("err = %v, want a cdf error containing %q", err, tt.want)
			}
		})
	}
}

func TestAnnotationAttribute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		attr   AnnotationAttribute
		want   float64
		wantOK bool
	}{
		{"numeric", NumericAttribute(0.25), 0.25, true},
		{"negative", NumericAttribute(-3), -3, true},
		{"large", NumericAttribute(1e300), 1e300, true},
		{"decoded", AnnotationAttribute{Type: "numerical", Value: json.RawMessage(" 7 ")}, 7, true},
		{"boolean", AnnotationAttribute{Type: "boolean", Value: json.RawMessage("true")}, 0, false},
		{"numerical string", AnnotationAttribute{Type: "numerical", Value: json.RawMessage(`"7"`)}, 0, false},
		{"numerical null", AnnotationAttribute{Type: "numerical", Value: json.RawMessage("null")}, 0, false},
		{"numerical empty", AnnotationAttribute{Type: "numerical"}, 0, false},
		{"other type with a number", AnnotationAttribute{Type: "text", Value: json.RawMessage("7")}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := tt.attr.Number()
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Number() = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
	b, err := json.Marshal(map[string]AnnotationAttribute{"s": NumericAttribute(0.5)})
	if err != nil || string(b) != `{"s":{"type":"numerical","value":0.5}}` {
		t.Errorf("marshalled = %s, %v", b, err)
	}
}
