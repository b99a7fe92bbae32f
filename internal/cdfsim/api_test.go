package cdfsim

import (
	"net/http"
	"strings"
	"testing"
)

// apiRoutes lists one valid request per API route.
var apiRouteCases = []struct {
	method, path, body string
}{
	{http.MethodPost, "/context/vision/segment", `{"items":[{"fileId":1}],"points":[{"x":0.5,"y":0.5}]}`},
	{http.MethodGet, "/context/vision/segment/1", ""},
	{http.MethodPost, "/files/byids", `{"items":[{"id":1}]}`},
	{http.MethodPost, "/files/downloadlink", `{"items":[{"id":1}]}`},
	{http.MethodGet, "/files/1", ""},
	{http.MethodPost, "/annotations", `{"items":[` + validAnnotationJSON + `]}`},
	{http.MethodPost, "/annotations/list", `{"filter":{"annotatedResourceType":"file","annotatedResourceIds":[{"id":1}]}}`},
	{http.MethodPost, "/annotations/update", `{"items":[{"id":1,"update":{"status":{"set":"approved"}}}]}`},
}

func TestBearerRequiredOnEveryRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	expired := e.token()
	e.clock.Advance(DefaultTokenTTL)
	tokens := map[string]string{
		"missing":      "",
		"unknown":      "not-a-token",
		"expired":      expired,
		"wrong scheme": "-", // sent as Basic below
		"empty bearer": " ",
	}
	for _, rt := range apiRouteCases {
		for name, tok := range tokens {
			t.Run(rt.method+" "+rt.path+" "+name, func(t *testing.T) {
				req, err := http.NewRequest(rt.method, e.projectURL(rt.path), strings.NewReader(rt.body))
				if err != nil {
					t.Fatal(err)
				}
				switch name {
				case "wrong scheme":
					req.SetBasicAuth(testClientID, testSecret)
				case "empty bearer":
					req.Header.Set("Authorization", "Bearer ")
				default:
					if tok != "" {
						req.Header.Set("Authorization", "Bearer "+tok)
					}
				}
				res := e.do(req)
				if res.status != http.StatusUnauthorized {
					t.Fatalf("status = %d, want 401; body %s", res.status, res.body)
				}
				if got := res.cdfError(t).Message; got != "Could not authenticate." {
					t.Errorf("message = %q", got)
				}
			})
		}
	}
}

func TestRoutingErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.token()
	tests := []struct {
		name       string
		method     string
		url        string
		wantStatus int
		wantAllow  string
	}{
		{"unknown project", http.MethodPost, e.ts.URL + "/api/v1/projects/other/files/byids", http.StatusForbidden, ""},
		{"unknown route", http.MethodGet, e.projectURL("/assets/list"), http.StatusNotFound, ""},
		{"unknown route outside projects", http.MethodGet, e.ts.URL + "/api/v2/whatever", http.StatusNotFound, ""},
		{"GET on a POST route", http.MethodGet, e.projectURL("/files/byids"), http.StatusMethodNotAllowed, http.MethodPost},
		{"DELETE on a GET route", http.MethodDelete, e.projectURL("/context/vision/segment/1"), http.StatusMethodNotAllowed, http.MethodGet},
		{"PUT on segment", http.MethodPut, e.projectURL("/context/vision/segment"), http.StatusMethodNotAllowed, http.MethodPost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			res := e.do(req)
			if res.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", res.status, tt.wantStatus, res.body)
			}
			res.cdfError(t)
			if got := res.header.Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tt.wantAllow)
			}
		})
	}
}

func TestRequestBodyErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name, body string
		wantStatus int
		wantMsg    string // substring of the message
	}{
		{"unknown field", `{"items":[{"id":1}],"limit":5}`, http.StatusBadRequest, `Unrecognized field "limit"`},
		{"unknown field in item", `{"items":[{"id":1,"name":"x"}]}`, http.StatusBadRequest, `Unrecognized field "name"`},
		{"wrong type", `{"items":[{"id":"1"}]}`, http.StatusBadRequest, "Invalid value"},
		{"syntax error", `{"items":[`, http.StatusBadRequest, "parse"},
		{"empty body", ``, http.StatusBadRequest, "missing"},
		{"trailing data", `{"items":[{"id":1}]} {}`, http.StatusBadRequest, "after the JSON body"},
		{"too large", `{"items":[{"externalId":"` + strings.Repeat("x", maxBodyBytes) + `"}]}`, http.StatusRequestEntityTooLarge, "exceeds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := e.call(http.MethodPost, "/files/byids", tt.body)
			if res.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %.200s", res.status, tt.wantStatus, res.body)
			}
			if got := res.cdfError(t).Message; !strings.Contains(got, tt.wantMsg) {
				t.Errorf("message %q does not contain %q", got, tt.wantMsg)
			}
		})
	}
}

func TestEveryResponseHasAFreshRequestID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, seeded)
	tok := e.token()
	link := downloadURL(t, e, DemoFileTagWall)
	reqs := []struct {
		name string
		do   func() result
	}{
		{"token", func() result { return e.postForm(nil, nil) }},
		{"api ok", func() result { return e.callWithToken(tok, http.MethodGet, "/context/vision/segment/1001", nil) }},
		{"api 401", func() result { return e.callWithToken("", http.MethodGet, "/context/vision/segment/1001", nil) }},
		{"api 404", func() result { return e.get(e.ts.URL + "/nowhere") }},
		{"download ok", func() result { return e.get(link) }},
		{"download 403", func() result { return e.get(link + "x") }},
		{"admin", func() result { return e.get(e.ts.URL + "/_sim/faults") }},
	}
	seen := map[string]string{}
	for _, r := range reqs {
		for range 2 {
			id := r.do().header.Get("X-Request-Id")
			if len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" {
				t.Errorf("%s: x-request-id %q is not 16 hex digits", r.name, id)
			}
			if prev, dup := seen[id]; dup {
				t.Errorf("%s: x-request-id %q repeats the one of %s", r.name, id, prev)
			}
			seen[id] = r.name
		}
	}
}

func TestRequestBookkeeping(t *testing.T) {
	t.Parallel()
	e := newEnv(t, seeded)
	tok := e.token()
	for range 3 {
		req, _ := http.NewRequest(http.MethodGet, e.projectURL("/context/vision/segment/1001"), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("cdf-version", "beta")
		req.Header.Set("x-cdp-app", "segview-test")
		e.do(req)
	}
	e.callWithToken(tok, http.MethodGet, "/context/vision/segment/1002", nil)
	e.get(e.ts.URL + "/_sim/faults") // admin: not counted

	if got := e.sim.APIRequests("/context/vision/segment/"); got != 4 {
		t.Errorf("APIRequests(segment) = %d, want 4", got)
	}
	if got := e.sim.APIRequests("/segment/1001"); got != 3 {
		t.Errorf("APIRequests(1001) = %d, want 3", got)
	}
	if got := e.sim.APIRequests("/oauth2/token"); got != 1 {
		t.Errorf("APIRequests(token) = %d, want 1", got)
	}
	if got := e.sim.APIRequests("/_sim"); got != 0 {
		t.Errorf("admin requests counted: %d", got)
	}
	h := e.sim.LastHeaders("/segment/1001")
	if h.Get("Cdf-Version") != "beta" || h.Get("X-Cdp-App") != "segview-test" {
		t.Errorf("LastHeaders(1001) = %v", h)
	}
	if h := e.sim.LastHeaders("/context/vision/segment/"); h.Get("Cdf-Version") != "" {
		t.Errorf("LastHeaders should be the last matching request (1002, no cdf-version), got %v", h)
	}
	if h := e.sim.LastHeaders("/never"); h != nil {
		t.Errorf("LastHeaders(no match) = %v, want nil", h)
	}
}
