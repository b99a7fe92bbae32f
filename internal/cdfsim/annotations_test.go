package cdfsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// validAnnotationJSON is a create item for file 1 that CDF accepts.
const validAnnotationJSON = `{"annotatedResourceType":"file","annotatedResourceId":1,` +
	`"annotationType":"images.ObjectDetection","creatingApp":"segview","creatingAppVersion":"1.0.0",` +
	`"creatingUser":null,"status":"suggested",` +
	`"data":{"label":"crack","confidence":0.9,"polygon":{"vertices":[{"x":0.1,"y":0.1},{"x":0.5,"y":0.1},{"x":0.3,"y":0.4}]},` +
	`"attributes":{"score":{"type":"numerical","value":0.75,"description":"mask score"}}}}`

// Files the annotation tests annotate.
const (
	annotatedA int64 = 42
	annotatedB int64 = 43
)

// annotationsEnv is a simulator with files annotatedA and annotatedB and a
// token for the service principal.
func annotationsEnv(t *testing.T) (*testEnv, string) {
	t.Helper()
	e := newEnv(t)
	e.sim.AddFile(File{ID: annotatedA, Data: pngBytes(t, 4, 4)})
	e.sim.AddFile(File{ID: annotatedB, Data: pngBytes(t, 4, 4)})
	return e, e.token()
}

// annotationItem returns validAnnotationJSON for fileID as a map that a
// test can change; edit, if not nil, changes it.
func annotationItem(t *testing.T, fileID int64, edit func(item, data map[string]any)) map[string]any {
	t.Helper()
	var item map[string]any
	if err := json.Unmarshal([]byte(validAnnotationJSON), &item); err != nil {
		t.Fatal(err)
	}
	item["annotatedResourceId"] = fileID
	if edit != nil {
		edit(item, item["data"].(map[string]any))
	}
	return item
}

func items(v ...any) map[string]any { return map[string]any{"items": v} }

// create creates annotations and fails the test unless CDF accepts them.
func (e *testEnv) createAnnotations(tok string, v ...any) []wireAnnotation {
	e.t.Helper()
	res := e.callWithToken(tok, http.MethodPost, "/annotations", items(v...))
	if res.status != http.StatusCreated {
		e.t.Fatalf("create: %d %s", res.status, res.body)
	}
	var out wireItems[wireAnnotation]
	res.decode(e.t, &out)
	return out.Items
}

func polygon(n int) map[string]any {
	vs := make([]any, n)
	for i := range vs {
		vs[i] = map[string]any{"x": float64(i%10) / 10, "y": float64(i%7) / 7}
	}
	return map[string]any{"vertices": vs}
}

func TestCreateAnnotations(t *testing.T) {
	t.Parallel()
	e, tok := annotationsEnv(t)

	// One bad item refuses the whole request.
	res := e.callWithToken(tok, http.MethodPost, "/annotations", items(
		annotationItem(t, annotatedA, nil),
		annotationItem(t, 999, nil),
		annotationItem(t, 998, nil),
		annotationItem(t, 999, nil),
	))
	if res.status != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400", res.status)
	}
	want := []any{map[string]any{"id": 999.0}, map[string]any{"id": 998.0}}
	if diff := cmp.Diff(want, res.cdfError(t).Missing); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
	if got := e.sim.AnnotationStatuses(annotatedA); len(got) != 0 {
		t.Fatalf("stored after a refused create: %v", got)
	}

	box := annotationItem(t, annotatedB, func(it, d map[string]any) {
		it["status"] = "approved"
		it["creatingUser"] = "alice@example.com"
		delete(d, "polygon")
		delete(d, "confidence")
		d["boundingBox"] = map[string]any{"xMin": 0.1, "xMax": 0.2, "yMin": 0.3, "yMax": 0.4}
		d["attributes"] = map[string]any{"occluded": map[string]any{"type": "boolean", "value": false}}
	})
	res = e.callWithToken(tok, http.MethodPost, "/annotations", items(annotationItem(t, annotatedA, nil), box))
	if res.status != http.StatusCreated {
		t.Fatalf("status = %d, want 201; body %s", res.status, res.body)
	}
	now := e.clock.Now().UnixMilli()
	var got wireItems[map[string]any]
	res.decode(t, &got)
	first := got.Items[0]["id"].(float64)
	wantItems := []map[string]any{
		{
			"id": first, "createdTime": float64(now), "lastUpdatedTime": float64(now),
			"annotatedResourceType": "file", "annotatedResourceId": float64(annotatedA),
			"annotationType": "images.ObjectDetection", "creatingApp": "segview", "creatingAppVersion": "1.0.0",
			"creatingUser": nil, "status": "suggested",
			"data": map[string]any{
				"label": "crack", "confidence": 0.9,
				"polygon":    map[string]any{"vertices": []any{map[string]any{"x": 0.1, "y": 0.1}, map[string]any{"x": 0.5, "y": 0.1}, map[string]any{"x": 0.3, "y": 0.4}}},
				"attributes": map[string]any{"score": map[string]any{"type": "numerical", "value": 0.75, "description": "mask score"}},
			},
		},
		{
			"id": first + 1, "createdTime": float64(now), "lastUpdatedTime": float64(now),
			"annotatedResourceType": "file", "annotatedResourceId": float64(annotatedB),
			"annotationType": "images.ObjectDetection", "creatingApp": "segview", "creatingAppVersion": "1.0.0",
			"creatingUser": "alice@example.com", "status": "approved",
			"data": map[string]any{
				"label":       "crack",
				"boundingBox": map[string]any{"xMin": 0.1, "xMax": 0.2, "yMin": 0.3, "yMax": 0.4},
				"attributes":  map[string]any{"occluded": map[string]any{"type": "boolean", "value": false}},
			},
		},
	}
	if diff := cmp.Diff(wantItems, got.Items); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[int64]string{int64(first): "suggested"}, e.sim.AnnotationStatuses(annotatedA)); diff != "" {
		t.Errorf("AnnotationStatuses(A) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[int64]string{int64(first) + 1: "approved"}, e.sim.AnnotationStatuses(annotatedB)); diff != "" {
		t.Errorf("AnnotationStatuses(B) (-want +got):\n%s", diff)
	}
}

// listAnnotations lists annotations and returns their ids and the next
// cursor ("" when null).
func listAnnotations(t *testing.T, e *testEnv, tok string, body any) (ids []int64, cursor string) {
	t.Helper()
	res := e.callWithToken(tok, http.MethodPost, "/annotations/list", body)
	if res.status != http.StatusOK {
		t.Fatalf("list: %d %s", res.status, res.body)
	}
	var out wireAnnotationList
	res.decode(t, &out)
	if out.Items == nil {
		t.Errorf("items is null, want a list")
	}
	for _, a := range out.Items {
		ids = append(ids, a.ID)
	}
	if out.NextCursor != nil {
		cursor = *out.NextCursor
	}
	return ids, cursor
}

func TestListAnnotations(t *testing.T) {
	t.Parallel()
	e, tok := annotationsEnv(t)
	var created []wireAnnotation
	for i, st := range []string{"suggested", "approved", "rejected", "approved", "suggested"} {
		created = append(created, e.createAnnotations(tok, annotationItem(t, annotatedA, func(it, _ map[string]any) {
			it["status"] = st
			if i == 4 {
				it["creatingApp"] = "other-app"
				it["creatingUser"] = "bob"
			}
		}))...)
	}
	created = append(created, e.createAnnotations(tok, annotationItem(t, annotatedB, nil))...)
	id := func(i ...int) []int64 {
		var out []int64
		for _, n := range i {
			out = append(out, created[n].ID)
		}
		return out
	}
	filter := fileFilter

	tests := []struct {
		name   string
		filter map[string]any
		want   []int64
	}{
		{"one file", filter(nil, annotatedA), id(0, 1, 2, 3, 4)},
		{"both files", filter(nil, annotatedB, annotatedA), id(0, 1, 2, 3, 4, 5)},
		{"file without annotations", filter(nil, 12345), nil},
		{"status", filter(map[string]any{"status": "approved"}, annotatedA), id(1, 3)},
		{"creating app", filter(map[string]any{"creatingApp": "other-app"}, annotatedA, annotatedB), id(4)},
		{"creating user", filter(map[string]any{"creatingUser": "bob"}, annotatedA), id(4)},
		{"annotation type", filter(map[string]any{"annotationType": "images.ObjectDetection"}, annotatedB), id(5)},
		{"other annotation type", filter(map[string]any{"annotationType": "images.Classification"}, annotatedB), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, cursor := listAnnotations(t, e, tok, map[string]any{"filter": tt.filter, "limit": 1000})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if cursor != "" {
				t.Errorf("nextCursor = %q with nothing left", cursor)
			}
		})
	}

	t.Run("paging", func(t *testing.T) {
		t.Parallel()
		var all []int64
		body := map[string]any{"filter": filter(nil, annotatedA, annotatedB), "limit": 2}
		pages := 0
		for {
			got, cursor := listAnnotations(t, e, tok, body)
			pages++
			all = append(all, got...)
			if cursor == "" {
				break
			}
			if len(got) != 2 || pages > 5 {
				t.Fatalf("page %d has %d items and a cursor", pages, len(got))
			}
			body["cursor"] = cursor
		}
		if diff := cmp.Diff(id(0, 1, 2, 3, 4, 5), all); diff != "" || pages != 3 {
			t.Errorf("%d pages; ids (-want +got):\n%s", pages, diff)
		}
	})

	t.Run("default limit 25", func(t *testing.T) {
		t.Parallel()
		e, tok := annotationsEnv(t)
		many := make([]any, 30)
		for i := range many {
			many[i] = annotationItem(t, annotatedA, nil)
		}
		e.createAnnotations(tok, many...)
		got, cursor := listAnnotations(t, e, tok, map[string]any{"filter": filter(nil, annotatedA)})
		if len(got) != 25 || cursor == "" || !slices.IsSorted(got) {
			t.Errorf("got %d ids (sorted %v), cursor %q; want 25 and a cursor", len(got), slices.IsSorted(got), cursor)
		}
	})
}

func TestUpdateAnnotations(t *testing.T) {
	t.Parallel()
	e, tok := annotationsEnv(t)
	created := e.createAnnotations(tok, annotationItem(t, annotatedA, nil), annotationItem(t, annotatedA, nil))
	a, b := created[0], created[1]
	setStatus := func(id int64, st string) map[string]any {
		return map[string]any{"id": id, "update": map[string]any{"status": map[string]any{"set": st}}}
	}

	e.clock.Advance(5000)
	res := e.callWithToken(tok, http.MethodPost, "/annotations/update", items(setStatus(a.ID, "approved"), setStatus(b.ID, "rejected")))
	if res.status != http.StatusOK {
		t.Fatalf("update: %d %s", res.status, res.body)
	}
	var out wireItems[wireAnnotation]
	res.decode(t, &out)
	later := e.clock.Now().UnixMilli()
	wantA, wantB := a, b
	wantA.Status, wantA.LastUpdatedTime = "approved", later
	wantB.Status, wantB.LastUpdatedTime = "rejected", later
	if diff := cmp.Diff([]wireAnnotation{wantA, wantB}, out.Items); diff != "" {
		t.Errorf("updated (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]wireAnnotation{wantA, wantB}, e.sim.annotationsOf(annotatedA)); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}

	// Setting data replaces it whole.
	newData := map[string]any{"label": "rust", "boundingBox": map[string]any{"xMin": 0, "xMax": 1, "yMin": 0, "yMax": 0.5}}
	res = e.callWithToken(tok, http.MethodPost, "/annotations/update", items(map[string]any{"id": a.ID, "update": map[string]any{"data": map[string]any{"set": newData}}}))
	if res.status != http.StatusOK {
		t.Fatalf("update data: %d %s", res.status, res.body)
	}
	got := e.sim.annotationsOf(annotatedA)[0]
	wantData := wireObjectDetection{Label: "rust", BoundingBox: &wireAnnotationBox{XMin: 0, XMax: 1, YMin: 0, YMax: 0.5}}
	if diff := cmp.Diff(wantData, got.Data); diff != "" || got.Status != "approved" {
		t.Errorf("status %q; data (-want +got):\n%s", got.Status, diff)
	}
}

func TestAnnotationCapabilities(t *testing.T) {
	t.Parallel()
	e, tok := annotationsEnv(t)
	created := e.createAnnotations(tok, annotationItem(t, annotatedA, nil))
	// Each delete that succeeds deletes one of these.
	pool := e.createAnnotations(tok, slices.Repeat([]any{annotationItem(t, annotatedA, nil)}, 5)...)
	suggestion := annotationItem(t, annotatedA, func(it, _ map[string]any) { delete(it, "status") })
	calls := map[string]func() result{
		"create": func() result {
			return e.callWithToken(tok, http.MethodPost, "/annotations", items(annotationItem(t, annotatedA, nil)))
		},
		"suggest": func() result {
			return e.callWithToken(tok, http.MethodPost, "/annotations/suggest", items(suggestion))
		},
		"list": func() result {
			return e.callWithToken(tok, http.MethodPost, "/annotations/list",
				`{"filter":{"annotatedResourceType":"file","annotatedResourceIds":[{"id":42}]}}`)
		},
		"byids": func() result {
			return e.callWithToken(tok, http.MethodPost, "/annotations/byids", fmt.Sprintf(`{"items":[{"id":%d}]}`, created[0].ID))
		},
		"get": func() result {
			return e.callWithToken(tok, http.MethodGet, fmt.Sprintf("/annotations/%d", created[0].ID), nil)
		},
		"update": func() result {
			return e.callWithToken(tok, http.MethodPost, "/annotations/update",
				fmt.Sprintf(`{"items":[{"id":%d,"update":{"status":{"set":"approved"}}}]}`, created[0].ID))
		},
		"delete": func() result {
			res := e.callWithToken(tok, http.MethodPost, "/annotations/delete", fmt.Sprintf(`{"items":[{"id":%d}]}`, pool[0].ID))
			if res.status == http.StatusOK {
				pool = pool[1:]
			}
			return res
		},
	}
	tests := []struct {
		revoke string
		denied []string // the others succeed
	}{
		{"", nil},
		{CapAnnotationsWrite, []string{"create", "update", "delete"}},
		{CapAnnotationsSuggest, []string{"suggest"}},
		{CapAnnotationsRead, []string{"list", "byids", "get"}},
		{CapFilesRead, []string{"create", "suggest", "list", "byids", "get", "update", "delete"}},
		{"assetsAcl:READ", nil},
	}
	for _, tt := range tests {
		t.Run("revoke "+tt.revoke, func(t *testing.T) {
			// Not parallel: a revocation applies to the whole server.
			if tt.revoke != "" {
				restore := e.sim.RevokeCapability(tt.revoke)
				defer restore()
			}
			for name, call := range calls {
				res := call()
				if !slices.Contains(tt.denied, name) {
					if res.status >= 300 {
						t.Errorf("%s: status = %d, want success; body %s", name, res.status, res.body)
					}
					continue
				}
				if res.status != http.StatusForbidden {
					t.Errorf("%s: status = %d, want 403", name, res.status)
					continue
				}
				want := "Insufficient access rights: this route needs " + tt.revoke + " in project " + e.sim.Project() + "."
				if got := res.cdfError(t).Message; got != want {
					t.Errorf("%s: message = %q, want %q", name, got, want)
				}
			}
		})
	}

	// Revocations nest, and restore is idempotent.
	r1 := e.sim.RevokeCapability(CapAnnotationsWrite)
	r2 := e.sim.RevokeCapability(CapAnnotationsWrite)
	r1()
	r1()
	if res := calls["create"](); res.status != http.StatusForbidden {
		t.Errorf("after one of two restores: status = %d, want 403", res.status)
	}
	r2()
	if res := calls["create"](); res.status != http.StatusCreated {
		t.Errorf("after both restores: status = %d, want 201", res.status)
	}
	if got := e.sim.RevokedCapabilities(); len(got) != 0 {
		t.Errorf("RevokedCapabilities = %v, want none", got)
	}
}

func TestAnnotationFaults(t *testing.T) {
	t.Parallel()
	e, tok := annotationsEnv(t)
	e.sim.InjectFault(Fault{Match: "/annotations", Status: http.StatusServiceUnavailable, Times: 1})
	res := e.callWithToken(tok, http.MethodPost, "/annotations", items(annotationItem(t, annotatedA, nil)))
	if res.status != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want the injected 503", res.status)
	}
	res.cdfError(t)
	if got := len(e.sim.AnnotationStatuses(annotatedA)); got != 0 {
		t.Errorf("a faulted create stored %d annotations", got)
	}
	e.createAnnotations(tok, annotationItem(t, annotatedA, nil))
}

func TestCapabilityAdminAPI(t *testing.T) {
	t.Parallel()
	e, tok := annotationsEnv(t)
	admin := func(method, path, body string) result {
		t.Helper()
		req, _ := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
		return e.do(req)
	}
	revoked := func(res result) []string {
		t.Helper()
		if res.status != http.StatusOK {
			t.Fatalf("status = %d, want 200; body %s", res.status, res.body)
		}
		var out struct{ Revoked []string }
		res.decode(t, &out)
		return out.Revoked
	}
	create := func() int {
		return e.callWithToken(tok, http.MethodPost, "/annotations", items(annotationItem(t, annotatedA, nil))).status
	}

	if got := revoked(admin(http.MethodGet, "/_sim/capabilities", "")); len(got) != 0 {
		t.Errorf("initially revoked: %v", got)
	}
	body := `{"capability":"annotationsAcl:WRITE"}`
	for range 2 { // revoking twice is the same as once
		if diff := cmp.Diff([]string{CapAnnotationsWrite}, revoked(admin(http.MethodPost, "/_sim/capabilities/revoke", body))); diff != "" {
			t.Errorf("revoke (-want +got):\n%s", diff)
		}
	}
	if got := create(); got != http.StatusForbidden {
		t.Errorf("create after revoke: %d, want 403", got)
	}
	restoreTest := e.sim.RevokeCapability(CapFilesRead)
	if diff := cmp.Diff([]string{CapAnnotationsWrite, CapFilesRead}, revoked(admin(http.MethodGet, "/_sim/capabilities/", ""))); diff != "" {
		t.Errorf("GET (-want +got):\n%s", diff)
	}
	restoreTest()
	if got := revoked(admin(http.MethodPost, "/_sim/capabilities/restore", body)); len(got) != 0 {
		t.Errorf("after restore: %v", got)
	}
	if got := create(); got != http.StatusCreated {
		t.Errorf("create after restore: %d, want 201", got)
	}

	bad := []struct {
		method, path, body string
		want               int
	}{
		{http.MethodPost, "/_sim/capabilities/revoke", `{}`, http.StatusBadRequest},
		{http.MethodPost, "/_sim/capabilities/revoke", `{"capability":"write"}`, http.StatusBadRequest},
		{http.MethodPost, "/_sim/capabilities/revoke", `{"capability":"a:b","all":true}`, http.StatusBadRequest},
		{http.MethodPost, "/_sim/capabilities/restore", `not json`, http.StatusBadRequest},
		{http.MethodGet, "/_sim/capabilities/revoke", ``, http.StatusMethodNotAllowed},
		{http.MethodPost, "/_sim/capabilities", body, http.StatusMethodNotAllowed},
		{http.MethodPost, "/_sim/capabilities/grant", body, http.StatusNotFound},
	}
	for _, tt := range bad {
		res := admin(tt.method, tt.path, tt.body)
		if res.status != tt.want {
			t.Errorf("%s %s %s: status = %d, want %d", tt.method, tt.path, tt.body, res.status, tt.want)
			continue
		}
		res.cdfError(t)
	}
	if got := e.sim.RevokedCapabilities(); len(got) != 0 {
		t.Errorf("refused admin requests revoked %v", got)
	}
}
