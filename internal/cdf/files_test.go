package cdf

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/httptestclient"
)

func TestFilesByIDsDecodes(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("POST /files/byids", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Items            []map[string]any `json:"items"`
			IgnoreUnknownIDs *bool            `json:"ignoreUnknownIds"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Error(err)
		}
		want := []map[string]any{{"id": float64(1234)}, {"instanceId": map[string]any{"space": "site-a", "externalId": "img_001"}}}
		if diff := cmp.Diff(want, body.Items); diff != "" {
			t.Errorf("items mismatch (-want +got):\n%s", diff)
		}
		if body.IgnoreUnknownIDs == nil || *body.IgnoreUnknownIDs {
			t.Errorf("ignoreUnknownIds = %v, want explicit false", body.IgnoreUnknownIDs)
		}
		fixtureHandler(t, "files_byids.json")(w, r)
	})
	got, err := c.FilesByIDs(t.Context(), []FileIdentifier{ByID(1234), ByInstanceID("site-a", "img_001")}, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []File{
		{
			ID: 1234, ExternalID: "site-a/pump-7.jpg", Name: "pump-7.jpg", MimeType: "image/jpeg", Uploaded: true,
			CreatedTime: 1730203000000, LastUpdatedTime: 1730204100000,
		},
		{
			ID: 5678, InstanceID: &InstanceID{Space: "site-a", ExternalID: "img_001"}, Name: "img_001.png", MimeType: "image/png",
			CreatedTime: 1730203000000, LastUpdatedTime: 1730203000000,
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files mismatch (-want +got):\n%s", diff)
	}
}

func TestFilesByIDsEdgeCases(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var calls atomic.Int32
	mux.HandleFunc("POST /files/byids", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(t, w, http.StatusOK, map[string]any{"items": []any{}})
	})
	if got, err := c.FilesByIDs(t.Context(), nil, false); err != nil || got != nil {
		t.Errorf("FilesByIDs(nil) = %v, %v; want nil, nil", got, err)
	}
	if _, err := c.FilesByIDs(t.Context(), []FileIdentifier{ByID(1), {}}, false); err == nil || !strings.Contains(err.Error(), "file identifier 1") {
		t.Errorf("FilesByIDs with an empty identifier: error = %v", err)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("server saw %d calls, want 0", n)
	}
}

// ids returns n identifiers cycling through the three forms.
func ids(n int) []FileIdentifier {
	out := make([]FileIdentifier, n)
	for i := range out {
		switch i % 3 {
		case 0:
			out[i] = ByID(int64(i + 1))
		case 1:
			out[i] = ByExternalID("ext-" + strconv.Itoa(i))
		default:
			out[i] = ByInstanceID("space", "node_"+strconv.Itoa(i))
		}
	}
	return out
}

func TestBatching(t *testing.T) {
	t.Parallel()
	t.Run("FilesByIDs", func(t *testing.T) {
		t.Parallel()
		c, mux, _ := setup(t)
		var mu sync.Mutex
		var sizes []int
		mux.HandleFunc("POST /files/byids", func(w http.ResponseWriter, r *http.Request) {
			var body struct {
				Items            []FileIdentifier `json:"items"`
				IgnoreUnknownIDs bool             `json:"ignoreUnknownIds"`
			}
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				t.Error(err)
			}
			if !body.IgnoreUnknownIDs {
				t.Error("ignoreUnknownIds = false, want true")
			}
			mu.Lock()
			sizes = append(sizes, len(body.Items))
			mu.Unlock()
			files := make([]File, len(body.Items))
			for i, id := range body.Items {
				files[i] = File{ID: 1, Name: id.String()}
			}
			writeJSON(t, w, http.StatusOK, map[string]any{"items": files})
		})
		in := ids(2500)
		got, err := c.FilesByIDs(t.Context(), in, true)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int{1000, 1000, 500}, sizes); diff != "" {
			t.Errorf("batch sizes mismatch (-want +got):\n%s", diff)
		}
		if len(got) != len(in) {
			t.Fatalf("got %d files, want %d", len(got), len(in))
		}
		for i := range in {
			if got[i].Name != in[i].String() {
				t.Fatalf("file %d is %q, want %q", i, got[i].Name, in[i].String())
			}
		}
	})
	t.Run("DownloadLinks", func(t *testing.T) {
		t.Parallel()
		c, mux, _ := setup(t)
		var mu sync.Mutex
		var sizes []int
		mux.HandleFunc("POST /files/downloadlink", func(w http.ResponseWriter, r *http.Request) {
			var body struct {
				Items []FileIdentifier `json:"items"`
			}
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				t.Error(err)
			}
			mu.Lock()
			sizes = append(sizes, len(body.Items))
			mu.Unlock()
			// Answer in reverse to show the client restores request order.
			links := make([]DownloadLink, 0, len(body.Items))
			for _, id := range slices.Backward(body.Items) {
				links = append(links, DownloadLink{FileIdentifier: id, URL: "https://files.example/" + id.String()})
			}
			writeJSON(t, w, http.StatusOK, map[string]any{"items": links})
		})
		in := ids(250)
		got, err := c.DownloadLinks(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int{100, 100, 50}, sizes); diff != "" {
			t.Errorf("batch sizes mismatch (-want +got):\n%s", diff)
		}
		want := make([]DownloadLink, len(in))
		for i, id := range in {
			want[i] = DownloadLink{FileIdentifier: id, URL: "https://files.example/" + id.String()}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("links mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestInRequestOrder(t *testing.T) {
	t.Parallel()
	link := func(id FileIdentifier) DownloadLink { return DownloadLink{FileIdentifier: id, URL: "u:" + id.String()} }
	a, b, c := ByID(1), ByExternalID("b"), ByInstanceID("s", "c")
	tests := []struct {
		name  string
		req   []FileIdentifier
		links []DownloadLink
		want  []DownloadLink
	}{
		{"already ordered", []FileIdentifier{a, b, c}, []DownloadLink{link(a), link(b), link(c)}, []DownloadLink{link(a), link(b), link(c)}},
		{"shuffled", []FileIdentifier{a, b, c}, []DownloadLink{link(c), link(a), link(b)}, []DownloadLink{link(a), link(b), link(c)}},
		{"fewer links kept as sent", []FileIdentifier{a, b, c}, []DownloadLink{link(c), link(a)}, []DownloadLink{link(c), link(a)}},
		{"unmatched kept as sent", []FileIdentifier{a, b}, []DownloadLink{link(c), link(a)}, []DownloadLink{link(c), link(a)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, inRequestOrder(tt.req, tt.links)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// downloadServer serves signed-URL downloads and records the headers it saw.
type downloadServer struct {
	*httptest.Server
	mu      sync.Mutex
	headers []http.Header
}

func newDownloadServer(t *testing.T, h http.HandlerFunc) *downloadServer {
	t.Helper()
	ds := &downloadServer{}
	ds.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ds.mu.Lock()
		ds.headers = append(ds.headers, r.Header.Clone())
		ds.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(ds.Close)
	return ds
}

// seen returns the request headers received so far.
func (ds *downloadServer) seen() []http.Header {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	return slices.Clone(ds.headers)
}

func TestDownload(t *testing.T) {
	t.Parallel()
	png := []byte("\x89PNG\r\n\x1a\nfake image")
	ds := newDownloadServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("sig") != "s3cr3t-signature" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(png)
	})
	// The API client is authenticated; the download must not be.
	authed, err := HTTPClient(t.Context(), Credentials{Flow: FlowToken, Token: "api-token"}, httptestclient.Client(t, nil, false))
	if err != nil {
		t.Fatal(err)
	}
	c, err := New("https://x.cognitedata.com", "p", authed, WithDownloadPolicy(DownloadPolicy{AllowPrivate: true}), WithRetry(testRetry(&sleepRecorder{})))
	if err != nil {
		t.Fatal(err)
	}
	body, ctype, err := c.Download(t.Context(), ds.URL+"/files/abc?sig=s3cr3t-signature")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(body, png) || ctype != "image/png" {
		t.Errorf("Download = %q, %q; want the PNG and image/png", body, ctype)
	}
	h := ds.seen()[0]
	for _, k := range []string{"Authorization", "Cdf-Version", "X-Cdp-App"} {
		if v := h.Get(k); v != "" {
			t.Errorf("download sent %s: %q", k, v)
		}
	}
}

// Download errors never contain the signed URL's query.
func TestDownloadErrorsHideURL(t *testing.T) {
	t.Parallel()
	const secret = "X-Goog-Signature=deadbeefcafe"
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		url     func(srvURL string) string
		check   func(t *testing.T, err error)
	}{
		{
			name: "403 with XML echo",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-Id", "gcs-1")
				w.WriteHeader(http.StatusForbidden)
				_, _ = w.Write([]byte("<Error><Code>SignatureDoesNotMatch</Code><StringToSign>GET " + r.URL.String() + "</StringToSign></Error>"))
			},
			url: func(s string) string { return s + "/obj?" + secret },
			check: func(t *testing.T, err error) {
				var ae *APIError
				if !errors.As(err, &ae) {
					t.Fatalf("error = %v, want *APIError", err)
				}
				want := &APIError{Status: 403, Message: "HTTP 403 Forbidden", RequestID: "gcs-1", Method: "GET", Path: "download"}
				if diff := cmp.Diff(want, ae); diff != "" {
					t.Errorf("mismatch (-want +got):\n%s", diff)
				}
			},
		},
		{
			name:    "connection refused",
			handler: func(w http.ResponseWriter, r *http.Request) {},
			url:     func(string) string { return closedURL + "/obj?" + secret },
			check: func(t *testing.T, err error) {
				if !strings.HasPrefix(err.Error(), "cdf: GET download: ") {
					t.Errorf("error = %q, want prefix %q", err, "cdf: GET download: ")
				}
			},
		},
		{
			name:    "dropped connection",
			handler: func(w http.ResponseWriter, r *http.Request) { dropConnection(t, w, true) },
			url:     func(s string) string { return s + "/obj?" + secret },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ds := newDownloadServer(t, tt.handler)
			c, err := New("https://x.cognitedata.com", "p", nil, WithDownloadPolicy(DownloadPolicy{AllowPrivate: true}), WithRetry(testRetry(&sleepRecorder{})))
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = c.Download(t.Context(), tt.url(ds.URL))
			if err == nil {
				t.Fatal("Download succeeded, want an error")
			}
			t.Logf("error: %v", err)
			if strings.Contains(err.Error(), "deadbeef") || strings.Contains(err.Error(), "/obj") {
				t.Errorf("error leaks the signed URL: %v", err)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

func TestDownloadRetries(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	ds := newDownloadServer(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok"))
	})
	rec := &sleepRecorder{}
	c, err := New("https://x.cognitedata.com", "p", nil, WithDownloadPolicy(DownloadPolicy{AllowPrivate: true}), WithRetry(testRetry(rec)))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Download(t.Context(), ds.URL+"/obj"); err != nil {
		t.Fatal(err)
	}
	if got := calls.Load(); got != 2 || len(rec.got()) != 1 {
		t.Errorf("calls = %d, sleeps = %v; want 2 calls and 1 sleep", got, rec.got())
	}
}

func TestDownloadLimit(t *testing.T) {
	t.Parallel()
	ds := newDownloadServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		_, _ = w.Write(make([]byte, 4096))
	})
	c, err := New("https://x.cognitedata.com", "p", nil, WithDownloadPolicy(DownloadPolicy{AllowPrivate: true}), WithMaxDownloadBytes(1024), WithRetry(testRetry(&sleepRecorder{})))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Download(t.Context(), ds.URL+"/obj?sig=1")
	var le *LimitError
	if !errors.As(err, &le) {
		t.Fatalf("error = %v, want *LimitError", err)
	}
	if diff := cmp.Diff(&LimitError{What: "download", Limit: 1024}, le); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestDownloadClientOption(t *testing.T) {
	t.Parallel()
	authed, err := HTTPClient(t.Context(), Credentials{Flow: FlowToken, Token: "tok"}, httptestclient.Client(t, nil, false))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New("https://x.cognitedata.com", "p", authed, WithDownloadPolicy(DownloadPolicy{AllowPrivate: true}), WithDownloadClient(authed)); err == nil {
		t.Error("WithDownloadClient accepted an authenticated client")
	}
	c, err := New("https://x.cognitedata.com", "p", authed)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "/relative", "ftp://x/y", "://nope"} {
		if _, _, err := c.Download(t.Context(), bad); err == nil {
			t.Errorf("Download(%q) succeeded, want an error", bad)
		}
	}
}
