package cdfsim

import (
	"bytes"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// downloadURL asks for a download link to the file with the given id.
func downloadURL(t *testing.T, e *testEnv, id int64) string {
	t.Helper()
	res := e.call(http.MethodPost, "/files/downloadlink", map[string]any{"items": []map[string]any{{"id": id}}})
	if res.status != http.StatusOK {
		t.Fatalf("downloadlink: %d %s", res.status, res.body)
	}
	var out wireItems[wireDownloadLink]
	res.decode(t, &out)
	return out.Items[0].DownloadURL
}

func filesEnv(t *testing.T) (*testEnv, []byte) {
	t.Helper()
	e := newEnv(t)
	data := pngBytes(t, 40, 30)
	e.sim.AddFile(File{ID: 11, ExternalID: "ext-11", Name: "a.png", Data: data})
	e.sim.AddFile(File{ID: 12, Space: "site_a", InstanceExternalID: "img_12", Name: "b.jpg", MimeType: "image/jpeg", Data: jpegBytes(t, 20, 20)})
	e.sim.AddFile(File{ID: 13, ExternalID: "ext-13", Space: "site_b", InstanceExternalID: "img_13", Name: "c.txt", Data: []byte("hello")})
	return e, data
}

func TestFilesByIDs(t *testing.T) {
	t.Parallel()
	e, _ := filesEnv(t)
	created := e.clock.Now().UnixMilli()
	meta := map[int64]map[string]any{
		11: {"id": float64(11), "externalId": "ext-11", "name": "a.png", "mimeType": "image/png", "uploaded": true,
			"createdTime": float64(created), "lastUpdatedTime": float64(created), "uploadedTime": float64(created)},
		12: {"id": float64(12), "instanceId": map[string]any{"space": "site_a", "externalId": "img_12"}, "name": "b.jpg", "mimeType": "image/jpeg", "uploaded": true,
			"createdTime": float64(created), "lastUpdatedTime": float64(created), "uploadedTime": float64(created)},
		13: {"id": float64(13), "externalId": "ext-13", "instanceId": map[string]any{"space": "site_b", "externalId": "img_13"}, "name": "c.txt", "mimeType": "text/plain", "uploaded": true,
			"createdTime": float64(created), "lastUpdatedTime": float64(created), "uploadedTime": float64(created)},
	}
	tests := []struct {
		name        string
		body        string
		wantStatus  int
		wantIDs     []int64 // in response order
		wantMissing []any
		wantDup     []any
	}{
		{name: "by id, external id and instance id, in request order",
			body:       `{"items":[{"instanceId":{"space":"site_a","externalId":"img_12"}},{"id":13},{"externalId":"ext-11"}]}`,
			wantStatus: http.StatusOK, wantIDs: []int64{12, 13, 11}},
		{name: "unknown ids", body: `{"items":[{"id":11},{"id":99},{"externalId":"nope"},{"instanceId":{"space":"site_a","externalId":"x"}}]}`,
			wantStatus: http.StatusBadRequest,
			wantMissing: []any{map[string]any{"id": float64(99)}, map[string]any{"externalId": "nope"},
				map[string]any{"instanceId": map[string]any{"space": "site_a", "externalId": "x"}}}},
		{name: "unknown ids ignored", body: `{"items":[{"id":99},{"id":11}],"ignoreUnknownIds":true}`, wantStatus: http.StatusOK, wantIDs: []int64{11}},
		{name: "no items", body: `{"items":[]}`, wantStatus: http.StatusBadRequest},
		{name: "too many items", body: `{"items":[` + strings.Repeat(`{"id":1},`, 1000) + `{"id":2}]}`, wantStatus: http.StatusBadRequest},
		{name: "two identifiers in one item", body: `{"items":[{"id":11,"externalId":"ext-11"}]}`, wantStatus: http.StatusBadRequest},
		{name: "empty item", body: `{"items":[{}]}`, wantStatus: http.StatusBadRequest},
		{name: "id zero", body: `{"items":[{"id":0}]}`, wantStatus: http.StatusBadRequest},
		{name: "duplicates", body: `{"items":[{"id":11},{"id":11}]}`, wantStatus: http.StatusBadRequest, wantDup: []any{map[string]any{"id": float64(11)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := e.call(http.MethodPost, "/files/byids", tt.body)
			if res.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %.300s", res.status, tt.wantStatus, res.body)
			}
			if tt.wantStatus != http.StatusOK {
				m := res.object(t)["error"].(map[string]any)
				if diff := cmp.Diff(tt.wantMissing, asSlice(m["missing"])); diff != "" {
					t.Errorf("missing (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.wantDup, asSlice(m["duplicated"])); diff != "" {
					t.Errorf("duplicated (-want +got):\n%s", diff)
				}
				res.cdfError(t)
				return
			}
			var want []any
			for _, id := range tt.wantIDs {
				want = append(want, meta[id])
			}
			if diff := cmp.Diff(map[string]any{"items": want}, res.object(t)); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
		})
	}
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func TestFileByID(t *testing.T) {
	t.Parallel()
	e, _ := filesEnv(t)
	res := e.call(http.MethodGet, "/files/11", nil)
	var m wireFileMetadata
	res.decode(t, &m)
	if res.status != http.StatusOK || m.ID != 11 || m.ExternalID != "ext-11" {
		t.Errorf("GET /files/11 = %d %+v", res.status, m)
	}
	for _, path := range []string{"/files/99", "/files/abc", "/files/-1"} {
		if res := e.call(http.MethodGet, path, nil); res.status != http.StatusBadRequest {
			t.Errorf("GET %s = %d, want 400", path, res.status)
		}
	}
}

func TestDownloadLinkRoundTrip(t *testing.T) {
	t.Parallel()
	e, data := filesEnv(t)
	res := e.call(http.MethodPost, "/files/downloadlink",
		`{"items":[{"id":11},{"externalId":"ext-13"},{"instanceId":{"space":"site_a","externalId":"img_12"}}]}`)
	if res.status != http.StatusOK {
		t.Fatalf("downloadlink: %d %s", res.status, res.body)
	}
	var out struct {
		Items []map[string]any `json:"items"`
	}
	res.decode(t, &out)
	if len(out.Items) != 3 {
		t.Fatalf("got %d links, want 3", len(out.Items))
	}
	// Each item echoes the identifier form it was asked by, and nothing else.
	wantIDs := []map[string]any{
		{"id": float64(11)},
		{"externalId": "ext-13"},
		{"instanceId": map[string]any{"space": "site_a", "externalId": "img_12"}},
	}
	links := make([]string, len(out.Items))
	for i, item := range out.Items {
		link, _ := item["downloadUrl"].(string)
		links[i] = link
		delete(item, "downloadUrl")
		if diff := cmp.Diff(wantIDs[i], item); diff != "" {
			t.Errorf("item %d identifiers (-want +got):\n%s", i, diff)
		}
		if !strings.HasPrefix(link, e.ts.URL+"/download/") {
			t.Errorf("link %q is not on the simulator's host", link)
		}
		u, _ := url.Parse(link)
		exp, _ := strconv.ParseInt(u.Query().Get("exp"), 10, 64)
		if got := time.Unix(exp, 0).Sub(e.clock.Now()); got != DefaultLinkTTL {
			t.Errorf("link lifetime = %v, want %v", got, DefaultLinkTTL)
		}
		if base := path.Base(u.Path); base == "11" || base == "ext-13" || base == "img_12" {
			t.Errorf("link %q exposes the file's identifiers", link)
		}
	}

	got := e.get(links[0])
	if got.status != http.StatusOK {
		t.Fatalf("download: %d %s", got.status, got.body)
	}
	if !bytes.Equal(got.body, data) {
		t.Error("downloaded bytes differ from the stored file")
	}
	if ct, cl := got.header.Get("Content-Type"), got.header.Get("Content-Length"); ct != "image/png" || cl != strconv.Itoa(len(data)) {
		t.Errorf("Content-Type %q Content-Length %q, want image/png %d", ct, cl, len(data))
	}
	if h := e.sim.LastHeaders("/download/"); h == nil || h.Get("Authorization") != "" {
		t.Errorf("LastHeaders(/download/) = %v", h)
	}
}

func TestDownloadLinkErrors(t *testing.T) {
	t.Parallel()
	e, _ := filesEnv(t)
	tests := []struct {
		name, query, body string
		wantMissing       bool
	}{
		{name: "unknown file", body: `{"items":[{"id":11},{"id":404}]}`, wantMissing: true},
		{name: "no items", body: `{"items":[]}`},
		{name: "101 items", body: `{"items":[` + strings.Repeat(`{"id":11},`, 100) + `{"id":11}]}`},
		{name: "bad extendedExpiration", query: "?extendedExpiration=maybe", body: `{"items":[{"id":11}]}`},
		{name: "instance id without space", body: `{"items":[{"instanceId":{"externalId":"img_12"}}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := e.call(http.MethodPost, "/files/downloadlink"+tt.query, tt.body)
			if res.status != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400; body %.200s", res.status, res.body)
			}
			if got := res.cdfError(t); (len(got.Missing) > 0) != tt.wantMissing {
				t.Errorf("missing = %v, want present: %v", got.Missing, tt.wantMissing)
			}
		})
	}
}

func TestDownloadLinkExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		query   string
		advance time.Duration
		want    int
	}{
		{"fresh", "", 0, http.StatusOK},
		{"just before expiry", "", DefaultLinkTTL - time.Millisecond, http.StatusOK},
		// exp has whole seconds, rounded up: a link lives at least LinkTTL
		// and less than a second more.
		{"expired", "", DefaultLinkTTL + time.Second, http.StatusForbidden},
		{"extended, after 10 min", "?extendedExpiration=true", 10 * time.Minute, http.StatusOK},
		{"extended, after 1 h", "?extendedExpiration=true", time.Hour + time.Second, http.StatusForbidden},
		{"explicitly not extended", "?extendedExpiration=false", DefaultLinkTTL + time.Second, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, _ := filesEnv(t)
			e.clock.Advance(123 * time.Millisecond) // links must not lose the sub-second part
			res := e.call(http.MethodPost, "/files/downloadlink"+tt.query, `{"items":[{"id":11}]}`)
			var out wireItems[wireDownloadLink]
			res.decode(t, &out)
			e.clock.Advance(tt.advance)
			got := e.get(out.Items[0].DownloadURL)
			if got.status != tt.want {
				t.Fatalf("status = %d, want %d; body %s", got.status, tt.want, got.body)
			}
			if tt.want == http.StatusForbidden {
				if ct := got.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/xml") || !bytes.Contains(got.body, []byte("Request has expired")) {
					t.Errorf("expired link answered %q %s, want a storage-style XML error", ct, got.body)
				}
			}
		})
	}
}

func TestDownloadRejectsTamperingAndTokens(t *testing.T) {
	t.Parallel()
	e, _ := filesEnv(t)
	link, err := url.Parse(downloadURL(t, e, 11))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := url.Parse(downloadURL(t, e, 12))
	with := func(mutate func(u *url.URL)) string {
		u := *link
		q := u.Query()
		u.RawQuery = q.Encode()
		mutate(&u)
		return u.String()
	}
	setQ := func(k, v string) func(*url.URL) {
		return func(u *url.URL) {
			q := u.Query()
			q.Set(k, v)
			u.RawQuery = q.Encode()
		}
	}
	tests := []struct {
		name   string
		url    string
		header http.Header
		want   int
	}{
		{"later expiry", with(func(u *url.URL) {
			exp, _ := strconv.ParseInt(u.Query().Get("exp"), 10, 64)
			setQ("exp", strconv.FormatInt(exp+3600, 10))(u)
		}), nil, http.StatusForbidden},
		{"other file's signature", with(setQ("sig", other.Query().Get("sig"))), nil, http.StatusForbidden},
		{"other file's path", with(func(u *url.URL) { u.Path = other.Path }), nil, http.StatusForbidden},
		{"no signature", with(func(u *url.URL) { u.RawQuery = "exp=" + u.Query().Get("exp") }), nil, http.StatusForbidden},
		{"garbage exp", with(setQ("exp", "soon")), nil, http.StatusForbidden},
		{"with a bearer token", link.String(), http.Header{"Authorization": {"Bearer " + e.token()}}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, tt.url, nil)
			for k, v := range tt.header {
				req.Header[k] = v
			}
			res := e.do(req)
			if res.status != tt.want {
				t.Fatalf("status = %d, want %d; body %s", res.status, tt.want, res.body)
			}
			if !bytes.HasPrefix(res.body, []byte("<?xml")) {
				t.Errorf("body %q is not a storage XML error", res.body)
			}
		})
	}
	if res := e.get(link.String()); res.status != http.StatusOK {
		t.Errorf("untouched link: %d", res.status)
	}
	req, _ := http.NewRequest(http.MethodPost, link.String(), nil)
	if res := e.do(req); res.status != http.StatusMethodNotAllowed {
		t.Errorf("POST download: %d, want 405", res.status)
	}
}

func TestAddFileDefaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.sim.AddFile(File{Data: jpegBytes(t, 8, 8)})
	e.sim.AddFile(File{ID: 5, ExternalID: "old", Data: []byte("x")})
	e.sim.AddFile(File{ID: 5, ExternalID: "new", Data: []byte("y")}) // replaces
	res := e.call(http.MethodPost, "/files/byids", `{"items":[{"id":1000001},{"externalId":"new"},{"externalId":"old"}],"ignoreUnknownIds":true}`)
	var out wireItems[wireFileMetadata]
	res.decode(t, &out)
	want := []wireFileMetadata{
		{ID: 1000001, Name: "file-1000001", MimeType: "image/jpeg"},
		{ID: 5, ExternalID: "new", Name: "file-5", MimeType: "text/plain"},
	}
	if diff := cmp.Diff(want, out.Items, cmp.FilterPath(func(p cmp.Path) bool {
		switch p.Last().String() {
		case ".CreatedTime", ".LastUpdatedTime", ".UploadedTime", ".Uploaded":
			return true
		}
		return false
	}, cmp.Ignore())); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}
