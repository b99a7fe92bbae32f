package cdfsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The tables in this file check the simulator's Annotations API against
// the rules CDF documents (shared/cdf-api.md §4.1, §8 and §8.1, which
// cite the API reference, the Python SDK's documentation of the fields
// and @cognite/sdk's generated request types). Each row's name says the
// rule it breaks; none is taken from what segview happens to send.

// refusal is a request that CDF answers 400 and what its error body
// holds.
type refusal struct {
	name    string
	body    any
	wantMsg string // a part of error.message
	missing []any  // error.missing, exactly
	dup     []any  // error.duplicated, exactly
}

// checkRefusal asserts a 400 CDF error body with tt's message, missing and
// duplicated.
func checkRefusal(t *testing.T, res result, tt refusal) {
	t.Helper()
	if res.status != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400; body %.300s", res.status, res.body)
	}
	got := res.cdfError(t) // also checks error.code == 400
	if !strings.Contains(got.Message, tt.wantMsg) {
		t.Errorf("message = %q, want it to contain %q", got.Message, tt.wantMsg)
	}
	if diff := cmp.Diff(tt.missing, got.Missing); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(tt.dup, got.Duplicated); diff != "" {
		t.Errorf("duplicated (-want +got):\n%s", diff)
	}
}

func missingIDs(ids ...int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = map[string]any{"id": float64(id)}
	}
	return out
}

func vertices(pts ...float64) []any {
	var out []any
	for i := 0; i+1 < len(pts); i += 2 {
		out = append(out, map[string]any{"x": pts[i], "y": pts[i+1]})
	}
	return out
}

// withData returns a create body of one valid item whose data edit
// changes.
func withData(t *testing.T, edit func(d map[string]any)) any {
	t.Helper()
	return items(annotationItem(t, annotatedA, func(_, d map[string]any) { edit(d) }))
}

// withItem returns a create body of one valid item that edit changes.
func withItem(t *testing.T, edit func(it map[string]any)) any {
	t.Helper()
	return items(annotationItem(t, annotatedA, func(it, _ map[string]any) { edit(it) }))
}

func box(xMin, xMax, yMin, yMax float64) map[string]any {
	return map[string]any{"xMin": xMin, "xMax": xMax, "yMin": yMin, "yMax": yMax}
}

func TestCreateAnnotationRules(t *testing.T) {
	t.Parallel()
	e, tok := annotationsEnv(t)
	del := func(key string) any { return withItem(t, func(it map[string]any) { delete(it, key) }) }
	set := func(key string, v any) any { return withItem(t, func(it map[string]any) { it[key] = v }) }
	shape := func(edit func(d map[string]any)) any {
		return withData(t, func(d map[string]any) { delete(d, "polygon"); edit(d) })
	}
	many := make([]any, 1001)
	for i := range many {
		many[i] = annotationItem(t, annotatedA, nil)
	}

	tests := []refusal{
		// §8.1: the body is {items} with 1 to 1000 items.
		{name: "items: none", body: `{"items":[]}`, wantMsg: "items must contain between 1 and 1000 elements, got 0"},
		{name: "items: absent", body: `{}`, wantMsg: "items must contain between 1 and 1000 elements, got 0"},
		{name: "items: 1001", body: items(many...), wantMsg: "got 1001"},
		{name: "body: unknown field", body: `{"items":[` + validAnnotationJSON + `],"ignoreUnknownIds":true}`, wantMsg: `Unrecognized field "ignoreUnknownIds"`},
		{name: "body: not JSON", body: `{"items":`, wantMsg: "Unable to parse the request body as JSON"},

		// §8.1: every field of a create item is required.
		{name: "required: annotatedResourceType", body: del("annotatedResourceType"), wantMsg: "items[0].annotatedResourceType is required"},
		{name: "required: annotatedResourceId", body: del("annotatedResourceId"), wantMsg: "items[0].annotatedResourceId is required"},
		{name: "required: annotationType", body: del("annotationType"), wantMsg: "items[0].annotationType is required"},
		{name: "required: creatingApp", body: del("creatingApp"), wantMsg: "items[0].creatingApp is required"},
		{name: "required: creatingApp not null", body: set("creatingApp", nil), wantMsg: "items[0].creatingApp is required"},
		{name: "required: creatingAppVersion", body: del("creatingAppVersion"), wantMsg: "items[0].creatingAppVersion is required"},
		{name: "required: creatingUser key (null for a service)", body: del("creatingUser"), wantMsg: "items[0].creatingUser is required"},
		{name: "required: status", body: del("status"), wantMsg: "items[0].status is required"},
		{name: "required: status not null", body: set("status", nil), wantMsg: "items[0].status is required"},
		{name: "required: data", body: del("data"), wantMsg: "items[0].data is required"},
		{name: "required: data not null", body: set("data", nil), wantMsg: "items[0].data is required"},
		{name: "creatingUser: a string or null", body: set("creatingUser", 7), wantMsg: "creatingUser must be a string or null"},
		{name: "creatingApp: a string", body: set("creatingApp", 7), wantMsg: "Invalid value"},

		// §8.1: creatingAppVersion must be valid SemVer.
		{name: "SemVer: dev", body: set("creatingAppVersion", "dev"), wantMsg: `creatingAppVersion must be a valid semantic version (SemVer 2.0.0, https://semver.org), got "dev"`},
		{name: "SemVer: empty", body: set("creatingAppVersion", ""), wantMsg: "creatingAppVersion must be a valid semantic version"},
		{name: "SemVer: two numbers", body: set("creatingAppVersion", "1.0"), wantMsg: "creatingAppVersion must be a valid semantic version"},
		{name: "SemVer: v prefix", body: set("creatingAppVersion", "v1.0.0"), wantMsg: "creatingAppVersion must be a valid semantic version"},
		{name: "SemVer: leading zero", body: set("creatingAppVersion", "1.01.0"), wantMsg: "creatingAppVersion must be a valid semantic version"},
		{name: "SemVer: numeric pre-release with leading zero", body: set("creatingAppVersion", "1.0.0-01"), wantMsg: "creatingAppVersion must be a valid semantic version"},
		{name: "SemVer: underscore in build", body: set("creatingAppVersion", "0.0.0-dev+abc_123"), wantMsg: "creatingAppVersion must be a valid semantic version"},

		// §8 and §8.1: status is suggested, approved or rejected.
		{name: "status: enum is lower case", body: set("status", "Approved"), wantMsg: `items[0].status must be suggested, approved or rejected, got "Approved"`},
		{name: "status: not in enum", body: set("status", "done"), wantMsg: "items[0].status must be suggested, approved or rejected"},

		// §8.1: annotatedResourceType is file or threedmodel.
		{name: "annotatedResourceType: not file or threedmodel", body: set("annotatedResourceType", "asset"), wantMsg: `annotatedResourceType must be "file" or "threedmodel", got "asset"`},
		// §8.1: annotatedResourceId is an internal id, 1..2^53-1.
		{name: "annotatedResourceId: 0", body: set("annotatedResourceId", 0), wantMsg: "annotatedResourceId must be between 1 and 9007199254740991"},
		{name: "annotatedResourceId: above 2^53-1", body: set("annotatedResourceId", int64(1)<<53), wantMsg: "annotatedResourceId must be between 1 and"},
		// §8: the annotated resource must exist (missing lists it).
		{name: "annotated file unknown", body: set("annotatedResourceId", 777), wantMsg: "not found", missing: missingIDs(777)},
		{name: "annotated 3D model unknown", body: set("annotatedResourceType", "threedmodel"), wantMsg: "not found", missing: missingIDs(annotatedA)},

		// §8: annotationType is one of CDF's annotation types; the simulator
		// stores images.ObjectDetection only, and says so.
		{name: "annotationType: not a CDF type", body: set("annotationType", "images.Segmentation"), wantMsg: `annotationType "images.Segmentation" is not one of the annotation types CDF knows`},
		{name: "annotationType: a CDF type the simulator lacks", body: set("annotationType", "images.Classification"), wantMsg: "not supported by the simulator"},

		// §4.1 and §8.1: unknown fields are refused, at every level.
		{name: "unknown field: item", body: set("colour", "red"), wantMsg: `Unrecognized field "colour"`},
		{name: "unknown field: data", body: withData(t, func(d map[string]any) { d["text"] = "x" }), wantMsg: `items[0].data: Unrecognized field "text"`},
		{name: "unknown field: boundingBox", body: shape(func(d map[string]any) { b := box(0.1, 0.2, 0.1, 0.2); b["width"] = 0.1; d["boundingBox"] = b }), wantMsg: `Unrecognized field "width"`},
		{name: "unknown field: vertex", body: withData(t, func(d map[string]any) {
			d["polygon"] = map[string]any{"vertices": []any{map[string]any{"x": 0, "y": 0, "z": 0}, map[string]any{"x": 1, "y": 0}, map[string]any{"x": 0, "y": 1}}}
		}), wantMsg: `Unrecognized field "z"`},
		{name: "unknown field: attribute", body: withData(t, func(d map[string]any) {
			d["attributes"] = map[string]any{"k": map[string]any{"type": "boolean", "value": true, "unit": "m"}}
		}), wantMsg: `Unrecognized field "unit"`},

		// §8.1 images.ObjectDetection: label is a required string.
		{name: "data: label required", body: withData(t, func(d map[string]any) { delete(d, "label") }), wantMsg: "items[0].data.label is required"},
		{name: "data: label a string", body: withData(t, func(d map[string]any) { d["label"] = 3 }), wantMsg: "Invalid value"},
		// confidence 0..1.
		{name: "data: confidence above 1", body: withData(t, func(d map[string]any) { d["confidence"] = 1.5 }), wantMsg: "items[0].data.confidence must be between 0 and 1, got 1.5"},
		{name: "data: confidence below 0", body: withData(t, func(d map[string]any) { d["confidence"] = -0.1 }), wantMsg: "data.confidence must be between 0 and 1"},
		// exactly one of boundingBox, polygon and polyline.
		{name: "data: no shape", body: shape(func(map[string]any) {}), wantMsg: "must have exactly one of boundingBox, polygon and polyline, got 0"},
		{name: "data: polygon and boundingBox", body: withData(t, func(d map[string]any) { d["boundingBox"] = box(0.1, 0.2, 0.1, 0.2) }), wantMsg: "exactly one of boundingBox, polygon and polyline, got 2"},
		{name: "data: polygon and polyline", body: withData(t, func(d map[string]any) { d["polyline"] = polygon(3) }), wantMsg: "exactly one of boundingBox, polygon and polyline, got 2"},
		// boundingBox: four coordinates in 0..1, xMin < xMax, yMin < yMax, confidence 0..1.
		{name: "boundingBox: yMax required", body: shape(func(d map[string]any) { d["boundingBox"] = map[string]any{"xMin": 0.1, "xMax": 0.2, "yMin": 0.1} }), wantMsg: "data.boundingBox.yMax is required"},
		{name: "boundingBox: xMax above 1", body: shape(func(d map[string]any) { d["boundingBox"] = box(0.1, 1.1, 0.1, 0.2) }), wantMsg: "data.boundingBox.xMax must be between 0 and 1, got 1.1"},
		{name: "boundingBox: yMin below 0", body: shape(func(d map[string]any) { d["boundingBox"] = box(0.1, 0.2, -0.1, 0.2) }), wantMsg: "data.boundingBox.yMin must be between 0 and 1"},
		{name: "boundingBox: xMin not strictly less than xMax", body: shape(func(d map[string]any) { d["boundingBox"] = box(0.2, 0.2, 0.1, 0.2) }), wantMsg: "xMin < xMax and yMin < yMax"},
		{name: "boundingBox: yMin above yMax", body: shape(func(d map[string]any) { d["boundingBox"] = box(0.1, 0.2, 0.5, 0.2) }), wantMsg: "xMin < xMax and yMin < yMax"},
		{name: "boundingBox: confidence above 1", body: shape(func(d map[string]any) { b := box(0.1, 0.2, 0.1, 0.2); b["confidence"] = 2; d["boundingBox"] = b }), wantMsg: "data.boundingBox.confidence must be between 0 and 1"},
		// polygon: 3..1000 vertices, x and y in 0..1, confidences 0..1.
		{name: "polygon: 2 vertices", body: withData(t, func(d map[string]any) { d["polygon"] = polygon(2) }), wantMsg: "data.polygon.vertices must contain between 3 and 1000 elements, got 2"},
		{name: "polygon: 1001 vertices", body: withData(t, func(d map[string]any) { d["polygon"] = polygon(1001) }), wantMsg: "between 3 and 1000 elements, got 1001"},
		{name: "polygon: vertex x above 1", body: withData(t, func(d map[string]any) {
			d["polygon"] = map[string]any{"vertices": vertices(0, 0, 1.2, 0, 0, 1)}
		}), wantMsg: "data.polygon.vertices[1] (1.2, 0) must be between 0 and 1"},
		{name: "polygon: vertex y below 0", body: withData(t, func(d map[string]any) {
			d["polygon"] = map[string]any{"vertices": vertices(0, 0, 1, 0, 0, -0.5)}
		}), wantMsg: "data.polygon.vertices[2] (0, -0.5) must be between 0 and 1"},
		{name: "polygon: vertex needs y", body: withData(t, func(d map[string]any) {
			d["polygon"] = map[string]any{"vertices": []any{map[string]any{"x": 0, "y": 0}, map[string]any{"x": 1}, map[string]any{"x": 0, "y": 1}}}
		}), wantMsg: "data.polygon.vertices[1] needs x and y"},
		{name: "polygon: vertex confidence below 0", body: withData(t, func(d map[string]any) {
			vs := vertices(0, 0, 1, 0, 0, 1)
			vs[0].(map[string]any)["confidence"] = -0.1
			d["polygon"] = map[string]any{"vertices": vs}
		}), wantMsg: "data.polygon.vertices[0].confidence must be between 0 and 1"},
		{name: "polygon: confidence above 1", body: withData(t, func(d map[string]any) {
			d["polygon"] = map[string]any{"vertices": vertices(0, 0, 1, 0, 0, 1), "confidence": 1.01}
		}), wantMsg: "data.polygon.confidence must be between 0 and 1"},
		// polyline: 2..1000 vertices in 0..1.
		{name: "polyline: 1 vertex", body: shape(func(d map[string]any) { d["polyline"] = map[string]any{"vertices": vertices(0.5, 0.5)} }), wantMsg: "data.polyline.vertices must contain between 2 and 1000 elements, got 1"},
		{name: "polyline: 1001 vertices", body: shape(func(d map[string]any) { d["polyline"] = polygon(1001) }), wantMsg: "data.polyline.vertices must contain between 2 and 1000 elements, got 1001"},
		{name: "polyline: vertex off the image", body: shape(func(d map[string]any) { d["polyline"] = map[string]any{"vertices": vertices(0, 0, 2, 2)} }), wantMsg: "data.polyline.vertices[1] (2, 2) must be between 0 and 1"},
		// attributes: {type:"numerical", value:number} or {type:"boolean", value:bool}, description a string.
		{name: "attributes: type required", body: withData(t, func(d map[string]any) {
			d["attributes"] = map[string]any{"k": map[string]any{"value": 1}}
		}), wantMsg: `data.attributes["k"].type is required`},
		{name: "attributes: type numerical or boolean", body: withData(t, func(d map[string]any) {
			d["attributes"] = map[string]any{"k": map[string]any{"type": "text", "value": "x"}}
		}), wantMsg: `data.attributes["k"].type must be numerical or boolean, got "text"`},
		{name: "attributes: numerical value a number", body: withData(t, func(d map[string]any) {
			d["attributes"] = map[string]any{"k": map[string]any{"type": "numerical", "value": "0.5"}}
		}), wantMsg: `attributes["k"].value must be a number for type numerical`},
		{name: "attributes: numerical value required", body: withData(t, func(d map[string]any) {
			d["attributes"] = map[string]any{"k": map[string]any{"type": "numerical"}}
		}), wantMsg: "must be a number for type numerical"},
		{name: "attributes: boolean value a bool", body: withData(t, func(d map[string]any) {
			d["attributes"] = map[string]any{"k": map[string]any{"type": "boolean", "value": 1}}
		}), wantMsg: `attributes["k"].value must be true or false for type boolean`},
		{name: "attributes: description a string", body: withData(t, func(d map[string]any) {
			d["attributes"] = map[string]any{"k": map[string]any{"type": "boolean", "value": true, "description": 5}}
		}), wantMsg: "Invalid value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkRefusal(t, e.callWithToken(tok, http.MethodPost, "/annotations", tt.body), tt)
		})
	}
	// A refused request stores nothing (all or nothing), checked once all
	// rows have run.
	t.Cleanup(func() {
		if got := len(e.sim.AnnotationStatuses(annotatedA)); got != 0 {
			t.Errorf("%d annotations stored by refused requests", got)
		}
	})
}

// TestCreateAnnotationAccepts checks what the rules allow: each row is a
// valid create that CDF documents, stored and answered as sent.
func TestCreateAnnotationAccepts(t *testing.T) {
	t.Parallel()
	e, tok := annotationsEnv(t)
	tests := []struct {
		name     string
		edit     func(it, d map[string]any)
		wantData map[string]any // data as answered; nil: as sent
	}{
		{"creatingUser null: a service created it", func(it, _ map[string]any) { it["creatingUser"] = nil }, nil},
		{"creatingUser a string", func(it, _ map[string]any) { it["creatingUser"] = "alice@example.com" }, nil},
		{"SemVer with pre-release and build", func(it, _ map[string]any) { it["creatingAppVersion"] = "0.0.0-dev+abc123" }, nil},
		{"SemVer with numeric pre-release", func(it, _ map[string]any) { it["creatingAppVersion"] = "2.10.0-rc.1" }, nil},
		{"status approved", func(it, _ map[string]any) { it["status"] = "approved" }, nil},
		{"status rejected", func(it, _ map[string]any) { it["status"] = "rejected" }, nil},
		{"label only a string", func(_, d map[string]any) { d["label"] = "" }, nil},
		{"no confidence, no attributes", func(_, d map[string]any) { delete(d, "confidence"); delete(d, "attributes") }, nil},
		{"boundingBox with confidence, edges included", func(_, d map[string]any) {
			delete(d, "polygon")
			b := box(0, 1, 0, 1)
			b["confidence"] = 0.5
			d["boundingBox"] = b
		}, nil},
		{"polygon of 1000 vertices", func(_, d map[string]any) { d["polygon"] = polygon(1000) }, nil},
		{"polygon and vertex confidences", func(_, d map[string]any) {
			vs := vertices(0, 0, 1, 0, 0, 1)
			vs[1].(map[string]any)["confidence"] = 0.25
			d["polygon"] = map[string]any{"vertices": vs, "confidence": 1}
		}, nil},
		{"polyline of 2 vertices", func(_, d map[string]any) {
			delete(d, "polygon")
			d["polyline"] = map[string]any{"vertices": vertices(0.1, 0.2, 0.3, 0.4)}
		}, nil},
		{"attributes of both types", func(_, d map[string]any) {
			d["attributes"] = map[string]any{
				"score":    map[string]any{"type": "numerical", "value": 1e-3, "description": ""},
				"occluded": map[string]any{"type": "boolean", "value": false},
			}
		}, nil},
		{"numerical value compacted", func(_, d map[string]any) {
			d["attributes"] = map[string]any{"n": map[string]any{"type": "numerical", "value": json.RawMessage("1.50")}}
		}, map[string]any{
			"label": "crack", "confidence": 0.9, "polygon": map[string]any{"vertices": vertices(0.1, 0.1, 0.5, 0.1, 0.3, 0.4)},
			"attributes": map[string]any{"n": map[string]any{"type": "numerical", "value": 1.5}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			item := annotationItem(t, annotatedA, tt.edit)
			res := e.callWithToken(tok, http.MethodPost, "/annotations", items(item))
			if res.status != http.StatusCreated {
				t.Fatalf("status = %d, want 201; body %.300s", res.status, res.body)
			}
			var out wireItems[map[string]any]
			res.decode(t, &out)
			if len(out.Items) != 1 {
				t.Fatalf("%d items answered, want 1", len(out.Items))
			}
			got := out.Items[0]
			for _, k := range []string{"id", "createdTime", "lastUpdatedTime"} {
				if _, ok := got[k].(float64); !ok {
					t.Errorf("%s = %v, want a number", k, got[k])
				}
				delete(got, k)
			}
			var want map[string]any // item as JSON would carry it
			b, _ := json.Marshal(item)
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			if tt.wantData != nil {
				want["data"] = tt.wantData
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("answered (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSuggestAnnotations checks POST /annotations/suggest (§8.1): the
// create item without status, stored as suggested.
func TestSuggestAnnotations(t *testing.T) {
	t.Parallel()
	e, tok := annotationsEnv(t)
	suggestion := func(edit func(it map[string]any)) map[string]any {
		return annotationItem(t, annotatedA, func(it, _ map[string]any) {
			delete(it, "status")
			if edit != nil {
				edit(it)
			}
		})
	}
	res := e.callWithToken(tok, http.MethodPost, "/annotations/suggest", items(suggestion(nil)))
	if res.status != http.StatusCreated {
		t.Fatalf("status = %d, want 201; body %s", res.status, res.body)
	}
	var out wireItems[wireAnnotation]
	res.decode(t, &out)
	if len(out.Items) != 1 || out.Items[0].Status != "suggested" {
		t.Fatalf("answered %+v, want one suggested annotation", out.Items)
	}
	if diff := cmp.Diff(map[int64]string{out.Items[0].ID: "suggested"}, e.sim.AnnotationStatuses(annotatedA)); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}

	for _, tt := range []refusal{
		{name: "status is not a suggest field", body: items(annotationItem(t, annotatedA, nil)), wantMsg: `Unrecognized field "status"`},
		{name: "SemVer required as on create", body: items(suggestion(func(it map[string]any) { it["creatingAppVersion"] = "dev" })), wantMsg: "creatingAppVersion must be a valid semantic version"},
		{name: "creatingUser required as on create", body: items(suggestion(func(it map[string]any) { delete(it, "creatingUser") })), wantMsg: "items[0].creatingUser is required"},
		{name: "annotated file must exist", body: items(suggestion(func(it map[string]any) { it["annotatedResourceId"] = 9 })), wantMsg: "not found", missing: missingIDs(9)},
		{name: "items: none", body: `{"items":[]}`, wantMsg: "between 1 and 1000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkRefusal(t, e.callWithToken(tok, http.MethodPost, "/annotations/suggest", tt.body), tt)
		})
	}
	if got := len(e.sim.AnnotationStatuses(annotatedA)); got != 1 {
		t.Errorf("%d annotations after refused suggestions, want 1", got)
	}
}

// fileFilter is a list filter for files with the given extra keys.
func fileFilter(extra map[string]any, files ...int64) map[string]any {
	refs := make([]any, len(files))
	for i, f := range files {
		refs[i] = map[string]any{"id": f}
	}
	f := map[string]any{"annotatedResourceType": "file", "annotatedResourceIds": refs}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func TestListAnnotationRules(t *testing.T) {
	t.Parallel()
	e, tok := annotationsEnv(t)
	refs := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{"id": i + 1}
		}
		return out
	}
	onlyType := func(ids []any) map[string]any {
		return map[string]any{"filter": map[string]any{"annotatedResourceType": "file", "annotatedResourceIds": ids}}
	}
	tests := []refusal{
		// §8.1: filter is required, with annotatedResourceType and annotatedResourceIds.
		{name: "filter required", body: map[string]any{"limit": 10}, wantMsg: "filter is required"},
		{name: "filter: annotatedResourceType required", body: map[string]any{"filter": map[string]any{"annotatedResourceIds": refs(1)}}, wantMsg: "filter.annotatedResourceType is required"},
		{name: "filter: annotatedResourceType file or threedmodel", body: map[string]any{"filter": map[string]any{"annotatedResourceType": "asset", "annotatedResourceIds": refs(1)}}, wantMsg: `must be "file" or "threedmodel", got "asset"`},
		{name: "filter: annotatedResourceIds required", body: map[string]any{"filter": map[string]any{"annotatedResourceType": "file"}}, wantMsg: "filter.annotatedResourceIds must contain between 1 and 1000 elements, got 0"},
		{name: "filter: annotatedResourceIds at most 1000", body: onlyType(refs(1001)), wantMsg: "got 1001"},
		// §8.1: each annotatedResourceIds item is {id} or {externalId}.
		{name: "filter: resource ref needs id or externalId", body: onlyType([]any{map[string]any{}}), wantMsg: "filter.annotatedResourceIds[0] must have exactly one of id and externalId"},
		{name: "filter: resource ref not both", body: onlyType([]any{map[string]any{"id": 1, "externalId": "a"}}), wantMsg: "exactly one of id and externalId"},
		{name: "filter: resource id 0", body: onlyType([]any{map[string]any{"id": 0}}), wantMsg: "filter.annotatedResourceIds[0].id must be between 1 and"},
		{name: "filter: resource externalId empty", body: onlyType([]any{map[string]any{"externalId": ""}}), wantMsg: "externalId must be 1 to 255 characters long"},
		{name: "filter: status enum", body: map[string]any{"filter": fileFilter(map[string]any{"status": "done"}, 1)}, wantMsg: `filter.status must be suggested, approved or rejected, got "done"`},
		{name: "filter: creatingUser a string or null", body: map[string]any{"filter": fileFilter(map[string]any{"creatingUser": 3}, 1)}, wantMsg: "filter.creatingUser must be a string or null"},
		{name: "filter: data an object", body: map[string]any{"filter": fileFilter(map[string]any{"data": []any{1}}, 1)}, wantMsg: "filter.data must be an object"},
		{name: "filter: unknown field", body: map[string]any{"filter": fileFilter(map[string]any{"label": "x"}, 1)}, wantMsg: `Unrecognized field "label"`},
		// §8.1: limit and cursor as in every CDF list: limit 1..1000, cursor 1..255 characters, one CDF issued.
		{name: "limit 0", body: map[string]any{"filter": fileFilter(nil, 1), "limit": 0}, wantMsg: "limit must be between 1 and 1000, got 0"},
		{name: "limit 1001", body: map[string]any{"filter": fileFilter(nil, 1), "limit": 1001}, wantMsg: "limit must be between 1 and 1000, got 1001"},
		{name: "limit an integer", body: map[string]any{"filter": fileFilter(nil, 1), "limit": 2.5}, wantMsg: "Invalid value"},
		{name: "cursor not issued", body: map[string]any{"filter": fileFilter(nil, 1), "cursor": "not-a-cursor"}, wantMsg: "Invalid cursor"},
		{name: "cursor forged", body: map[string]any{"filter": fileFilter(nil, 1), "cursor": "YWJj"}, wantMsg: "Invalid cursor"},
		{name: "cursor empty", body: map[string]any{"filter": fileFilter(nil, 1), "cursor": ""}, wantMsg: "Invalid cursor"},
		{name: "cursor longer than 255", body: map[string]any{"filter": fileFilter(nil, 1), "cursor": strings.Repeat("A", 256)}, wantMsg: "Invalid cursor"},
		{name: "unknown field", body: map[string]any{"filter": fileFilter(nil, 1), "partition": "1/10"}, wantMsg: `Unrecognized field "partition"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkRefusal(t, e.callWithToken(tok, http.MethodPost, "/annotations/list", tt.body), tt)
		})
	}
}

// TestListAnnotationFilters checks the optional filter fields of §8.1
// that segview does not send: creatingAppVersion, creatingUser (null for
// a service), data, externalId references and threedmodel.
func TestListAnnotationFilters(t *testing.T) {
	t.Parallel()
	e, tok := annotationsEnv(t)
	e.sim.AddFile(File{ID: 44, ExternalID: "site-7/photo-3", Data: pngBytes(t, 4, 4)})
	created := e.createAnnotations(tok,
		annotationItem(t, annotatedA, nil), // creatingUser null, label crack
		annotationItem(t, annotatedA, func(it, d map[string]any) {
			it["creatingUser"] = "bob"
			it["creatingAppVersion"] = "2.0.0"
			d["label"] = "rust"
		}),
		annotationItem(t, 44, nil),
	)
	id := func(i ...int) []int64 {
		var out []int64
		for _, n := range i {
			out = append(out, created[n].ID)
		}
		return out
	}
	tests := []struct {
		name   string
		filter map[string]any
		want   []int64
	}{
		{"creatingUser null: made by a service", fileFilter(map[string]any{"creatingUser": nil}, annotatedA), id(0)},
		{"creatingUser", fileFilter(map[string]any{"creatingUser": "bob"}, annotatedA), id(1)},
		{"creatingAppVersion", fileFilter(map[string]any{"creatingAppVersion": "2.0.0"}, annotatedA), id(1)},
		{"data: label", fileFilter(map[string]any{"data": map[string]any{"label": "rust"}}, annotatedA), id(1)},
		{"data: nested part", fileFilter(map[string]any{"data": map[string]any{"attributes": map[string]any{"score": map[string]any{"type": "numerical"}}}}, annotatedA), id(0, 1)},
		{"data: no match", fileFilter(map[string]any{"data": map[string]any{"label": "dent"}}, annotatedA), nil},
		{"externalId reference", map[string]any{"annotatedResourceType": "file", "annotatedResourceIds": []any{map[string]any{"externalId": "site-7/photo-3"}}}, id(2)},
		{"unknown externalId matches nothing", map[string]any{"annotatedResourceType": "file", "annotatedResourceIds": []any{map[string]any{"externalId": "nope"}}}, nil},
		{"threedmodel: the simulator has none", map[string]any{"annotatedResourceType": "threedmodel", "annotatedResourceIds": []any{map[string]any{"id": annotatedA}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, cursor := listAnnotations(t, e, tok, map[string]any{"filter": tt.filter})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if cursor != "" {
				t.Errorf("nextCursor = %q with nothing left", cursor)
			}
		})
	}
}

func TestUpdateAnnotationRules(t *testing.T) {
	t.Parallel()
	e, tok := annotationsEnv(t)
	created := e.createAnnotations(tok, annotationItem(t, annotatedA, nil), annotationItem(t, annotatedA, nil))
	a, b := created[0], created[1]
	setStatus := func(id int64, st string) map[string]any {
		return map[string]any{"id": id, "update": map[string]any{"status": map[string]any{"set": st}}}
	}
	update := func(id int64, u map[string]any) map[string]any { return map[string]any{"id": id, "update": u} }
	goodData := map[string]any{"label": "rust", "boundingBox": box(0, 1, 0, 0.5)}

	tests := []refusal{
		// §8.1: unknown ids answer missing, ids named twice duplicated.
		{name: "id unknown", body: items(setStatus(b.ID, "approved"), setStatus(424242, "approved"), setStatus(424243, "approved")), wantMsg: "not found", missing: missingIDs(424242, 424243)},
		{name: "id twice", body: items(setStatus(b.ID, "approved"), setStatus(a.ID, "approved"), setStatus(b.ID, "rejected"), setStatus(b.ID, "suggested")), wantMsg: "Duplicate", dup: missingIDs(b.ID)},
		// §8.1: {items:[{id, update}]}, 1 to 1000 items.
		{name: "items: none", body: `{"items":[]}`, wantMsg: "items must contain between 1 and 1000 elements"},
		{name: "id required", body: items(update(0, nil)), wantMsg: "items[0].id must be between 1 and"},
		{name: "id required (absent)", body: items(map[string]any{"update": map[string]any{"status": map[string]any{"set": "approved"}}}), wantMsg: "items[0].id is required"},
		{name: "update required", body: items(map[string]any{"id": b.ID}), wantMsg: "items[0].update must set status, data or annotationType"},
		{name: "update sets something", body: items(update(b.ID, map[string]any{})), wantMsg: "must set status, data or annotationType"},
		// §8.1: status.set is suggested, approved or rejected.
		{name: "status: enum", body: items(setStatus(b.ID, "approved"), setStatus(a.ID, "maybe")), wantMsg: `items[1].update.status.set must be suggested, approved or rejected, got "maybe"`},
		{name: "status: set required", body: items(update(b.ID, map[string]any{"status": map[string]any{}})), wantMsg: "items[0].update.status.set is required"},
		// §8.1: data is validated as on create.
		{name: "data: as on create", body: items(update(b.ID, map[string]any{"data": map[string]any{"set": map[string]any{"label": "x"}}})), wantMsg: "items[0].update.data.set must have exactly one of boundingBox, polygon and polyline"},
		{name: "data: set required", body: items(update(b.ID, map[string]any{"data": map[string]any{}})), wantMsg: "items[0].update.data.set is required"},
		{name: "data: vertices in 0..1", body: items(update(b.ID, map[string]any{"data": map[string]any{"set": map[string]any{"label": "x", "polygon": map[string]any{"vertices": vertices(0, 0, 1, 0, 1, 1.5)}}}})), wantMsg: "update.data.set.polygon.vertices[2] (1, 1.5) must be between 0 and 1"},
		// §8.1: annotationType and data change together.
		{name: "annotationType: only with data", body: items(update(b.ID, map[string]any{"annotationType": map[string]any{"set": "images.ObjectDetection"}})), wantMsg: "items[0].update.annotationType must be set together with data"},
		{name: "annotationType: a CDF type", body: items(update(b.ID, map[string]any{"annotationType": map[string]any{"set": "images.Mask"}, "data": map[string]any{"set": goodData}})), wantMsg: `annotationType.set "images.Mask" is not one of the annotation types CDF knows`},
		{name: "annotationType: one the simulator stores", body: items(update(b.ID, map[string]any{"annotationType": map[string]any{"set": "images.Classification"}, "data": map[string]any{"set": map[string]any{"label": "x"}}})), wantMsg: "not supported by the simulator"},
		// §4.1: unknown fields refused; CDF offers only set here.
		{name: "unknown update field", body: items(update(b.ID, map[string]any{"label": map[string]any{"set": "x"}})), wantMsg: `Unrecognized field "label"`},
		{name: "setNull is not offered", body: items(update(b.ID, map[string]any{"status": map[string]any{"setNull": true}})), wantMsg: `Unrecognized field "setNull"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkRefusal(t, e.callWithToken(tok, http.MethodPost, "/annotations/update", tt.body), tt)
		})
	}
	t.Cleanup(func() {
		// All or nothing: no refused update changed either annotation.
		if diff := cmp.Diff([]wireAnnotation{a, b}, e.sim.annotationsOf(annotatedA)); diff != "" {
			t.Errorf("changed by refused updates (-want +got):\n%s", diff)
		}
	})
}

// TestUpdateAnnotationTypeWithData checks that annotationType may be set
// together with data (§8.1).
func TestUpdateAnnotationTypeWithData(t *testing.T) {
	t.Parallel()
	e, tok := annotationsEnv(t)
	a := e.createAnnotations(tok, annotationItem(t, annotatedA, nil))[0]
	data := map[string]any{"label": "rust", "polyline": map[string]any{"vertices": vertices(0, 0, 1, 1)}}
	res := e.callWithToken(tok, http.MethodPost, "/annotations/update", items(map[string]any{"id": a.ID, "update": map[string]any{
		"annotationType": map[string]any{"set": "images.ObjectDetection"}, "data": map[string]any{"set": data},
	}}))
	if res.status != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", res.status, res.body)
	}
	got := e.sim.annotationsOf(annotatedA)[0]
	want := wireObjectDetection{Label: "rust", Polyline: &wireAnnotationPoly{Vertices: []wireAnnotationPoint{{X: 0, Y: 0}, {X: 1, Y: 1}}}}
	if diff := cmp.Diff(want, got.Data); diff != "" || got.AnnotationType != annotationTypeObjectDetection {
		t.Errorf("type %q; data (-want +got):\n%s", got.AnnotationType, diff)
	}
}

func TestRetrieveAnnotations(t *testing.T) {
	t.Parallel()
	e, tok := annotationsEnv(t)
	created := e.createAnnotations(tok, annotationItem(t, annotatedA, nil), annotationItem(t, annotatedB, nil))
	a, b := created[0], created[1]
	ref := func(id int64) map[string]any { return map[string]any{"id": id} }

	t.Run("byids in the order asked", func(t *testing.T) {
		t.Parallel()
		res := e.callWithToken(tok, http.MethodPost, "/annotations/byids", items(ref(b.ID), ref(a.ID)))
		if res.status != http.StatusOK {
			t.Fatalf("status = %d, want 200; body %s", res.status, res.body)
		}
		var out wireItems[wireAnnotation]
		res.decode(t, &out)
		if diff := cmp.Diff([]wireAnnotation{b, a}, out.Items); diff != "" {
			t.Errorf("items (-want +got):\n%s", diff)
		}
	})
	t.Run("byids ignoreUnknownIds", func(t *testing.T) {
		t.Parallel()
		res := e.callWithToken(tok, http.MethodPost, "/annotations/byids", map[string]any{"items": []any{ref(999), ref(a.ID)}, "ignoreUnknownIds": true})
		if res.status != http.StatusOK {
			t.Fatalf("status = %d, want 200; body %s", res.status, res.body)
		}
		var out wireItems[wireAnnotation]
		res.decode(t, &out)
		if diff := cmp.Diff([]wireAnnotation{a}, out.Items); diff != "" {
			t.Errorf("items (-want +got):\n%s", diff)
		}
	})
	t.Run("GET one, bare", func(t *testing.T) {
		t.Parallel()
		res := e.callWithToken(tok, http.MethodGet, fmt.Sprintf("/annotations/%d", a.ID), nil)
		if res.status != http.StatusOK {
			t.Fatalf("status = %d, want 200; body %s", res.status, res.body)
		}
		var got wireAnnotation
		res.decode(t, &got)
		if diff := cmp.Diff(a, got); diff != "" {
			t.Errorf("annotation (-want +got):\n%s", diff)
		}
	})

	byids := []refusal{
		// §8.1: unknown ids in byids answer missing; ids are unique.
		{name: "unknown ids", body: items(ref(a.ID), ref(999), ref(998)), wantMsg: "not found", missing: missingIDs(999, 998)},
		{name: "ignoreUnknownIds false", body: map[string]any{"items": []any{ref(999)}, "ignoreUnknownIds": false}, wantMsg: "not found", missing: missingIDs(999)},
		{name: "id twice", body: items(ref(a.ID), ref(b.ID), ref(a.ID)), wantMsg: "Duplicate", dup: missingIDs(a.ID)},
		{name: "items: none", body: `{"items":[]}`, wantMsg: "items must contain between 1 and 1000 elements"},
		{name: "id required", body: items(map[string]any{}), wantMsg: "items[0].id is required"},
		{name: "id in range", body: items(ref(-1)), wantMsg: "items[0].id must be between 1 and"},
		{name: "externalId: annotations have none", body: items(map[string]any{"externalId": "x"}), wantMsg: `Unrecognized field "externalId"`},
	}
	for _, tt := range byids {
		t.Run("byids: "+tt.name, func(t *testing.T) {
			t.Parallel()
			checkRefusal(t, e.callWithToken(tok, http.MethodPost, "/annotations/byids", tt.body), tt)
		})
	}
	// GET /annotations/{annotationId}: CDF documents 200 and 400 only, and
	// an id in 1..2^53-1.
	get := []refusal{
		{name: "unknown id", body: "424242", wantMsg: "not found", missing: missingIDs(424242)},
		{name: "not a number", body: "abc", wantMsg: `annotationId must be an integer between 1 and 9007199254740991, got "abc"`},
		{name: "0", body: "0", wantMsg: "annotationId must be an integer between 1 and"},
		{name: "above 2^53-1", body: "9007199254740992", wantMsg: "annotationId must be an integer between 1 and"},
	}
	for _, tt := range get {
		t.Run("GET: "+tt.name, func(t *testing.T) {
			t.Parallel()
			checkRefusal(t, e.callWithToken(tok, http.MethodGet, "/annotations/"+tt.body.(string), nil), tt)
		})
	}
	t.Run("GET only", func(t *testing.T) {
		t.Parallel()
		res := e.callWithToken(tok, http.MethodPost, fmt.Sprintf("/annotations/%d", a.ID), `{}`)
		if res.status != http.StatusMethodNotAllowed || res.header.Get("Allow") != http.MethodGet {
			t.Errorf("POST: status %d, Allow %q; want 405 and GET", res.status, res.header.Get("Allow"))
		}
		res.cdfError(t)
	})
}

func TestDeleteAnnotations(t *testing.T) {
	t.Parallel()
	e, tok := annotationsEnv(t)
	created := e.createAnnotations(tok, annotationItem(t, annotatedA, nil), annotationItem(t, annotatedA, nil), annotationItem(t, annotatedA, nil))
	ref := func(id int64) map[string]any { return map[string]any{"id": id} }

	for _, tt := range []refusal{
		// §8.1: unknown ids in delete answer missing, and nothing is deleted.
		{name: "unknown id", body: items(ref(created[0].ID), ref(31337)), wantMsg: "not found", missing: missingIDs(31337)},
		{name: "id twice", body: items(ref(created[0].ID), ref(created[0].ID)), wantMsg: "Duplicate", dup: missingIDs(created[0].ID)},
		{name: "items: none", body: `{"items":[]}`, wantMsg: "items must contain between 1 and 1000 elements"},
		{name: "id required", body: items(map[string]any{}), wantMsg: "items[0].id is required"},
		{name: "unknown field", body: map[string]any{"items": []any{ref(created[0].ID)}, "ignoreUnknownIds": true}, wantMsg: `Unrecognized field "ignoreUnknownIds"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkRefusal(t, e.callWithToken(tok, http.MethodPost, "/annotations/delete", tt.body), tt)
			if got := len(e.sim.AnnotationStatuses(annotatedA)); got != 3 {
				t.Errorf("%d annotations left after a refused delete, want 3", got)
			}
		})
	}

	res := e.callWithToken(tok, http.MethodPost, "/annotations/delete", items(ref(created[2].ID), ref(created[0].ID)))
	if res.status != http.StatusOK || string(res.body) != "{}" {
		t.Fatalf("delete: %d %s, want 200 {}", res.status, res.body)
	}
	if diff := cmp.Diff(map[int64]string{created[1].ID: "suggested"}, e.sim.AnnotationStatuses(annotatedA)); diff != "" {
		t.Errorf("left (-want +got):\n%s", diff)
	}
	checkRefusal(t, e.callWithToken(tok, http.MethodGet, fmt.Sprintf("/annotations/%d", created[0].ID), nil),
		refusal{wantMsg: "not found", missing: missingIDs(created[0].ID)})
	checkRefusal(t, e.callWithToken(tok, http.MethodPost, "/annotations/update", items(map[string]any{"id": created[2].ID, "update": map[string]any{"status": map[string]any{"set": "approved"}}})),
		refusal{wantMsg: "not found", missing: missingIDs(created[2].ID)})
}

// TestAnnotationsSDKRoundTrip sends the requests @cognite/sdk's
// AnnotationsAPI sends (create, list with filter and limit, update of the
// status, retrieve through byids, delete) and checks the answers have the
// shapes it reads: items on every call but delete, nextCursor on lists.
func TestAnnotationsSDKRoundTrip(t *testing.T) {
	t.Parallel()
	e, tok := annotationsEnv(t)
	call := func(path string, body string) map[string]any {
		t.Helper()
		res := e.callWithToken(tok, http.MethodPost, path, body)
		if res.status/100 != 2 {
			t.Fatalf("%s: %d %s", path, res.status, res.body)
		}
		return res.object(t)
	}
	item := `{"annotatedResourceType":"file","annotatedResourceId":42,"annotationType":"images.ObjectDetection",` +
		`"creatingApp":"sdk-check","creatingAppVersion":"0.0.1","creatingUser":"sdk","status":"suggested",` +
		`"data":{"label":"crack","polygon":{"vertices":[{"x":0.1,"y":0.1},{"x":0.5,"y":0.1},{"x":0.3,"y":0.4}]}}}`
	created := call("/annotations", `{"items":[`+item+`]}`)["items"].([]any)
	id := int64(created[0].(map[string]any)["id"].(float64))

	list := call("/annotations/list", `{"filter":{"annotatedResourceType":"file","annotatedResourceIds":[{"id":42}],"creatingApp":"sdk-check"},"limit":10}`)
	if items := list["items"].([]any); len(items) != 1 || list["nextCursor"] != nil {
		t.Errorf("list: %v, want one item and a null nextCursor", list)
	}
	updated := call("/annotations/update", fmt.Sprintf(`{"items":[{"id":%d,"update":{"status":{"set":"approved"}}}]}`, id))
	if st := updated["items"].([]any)[0].(map[string]any)["status"]; st != "approved" {
		t.Errorf("update answered status %v, want approved", st)
	}
	got := call("/annotations/byids", fmt.Sprintf(`{"items":[{"id":%d}]}`, id))["items"].([]any)
	if len(got) != 1 || got[0].(map[string]any)["status"] != "approved" {
		t.Errorf("byids: %v, want the approved annotation", got)
	}
	if out := call("/annotations/delete", fmt.Sprintf(`{"items":[{"id":%d}]}`, id)); len(out) != 0 {
		t.Errorf("delete answered %v, want {}", out)
	}
	checkRefusal(t, e.callWithToken(tok, http.MethodPost, "/annotations/byids", fmt.Sprintf(`{"items":[{"id":%d}]}`, id)),
		refusal{wantMsg: "not found", missing: missingIDs(id)})
	// What the SDK check expects of a version that is not SemVer.
	checkRefusal(t, e.callWithToken(tok, http.MethodPost, "/annotations", `{"items":[`+strings.Replace(item, `"0.0.1"`, `"dev"`, 1)+`]}`),
		refusal{wantMsg: "creatingAppVersion must be a valid semantic version"})
}
