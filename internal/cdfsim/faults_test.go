package cdfsim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

const byIDsBody = `{"items":[{"id":1}],"ignoreUnknownIds":true}`

func TestFaultResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fault      Fault
		path       string // "" = POST files/byids
		wantStatus int
		wantCT     string
		wantHeader http.Header
		checkBody  func(t *testing.T, body []byte)
	}{
		{
			name:       "429 with Retry-After and the CDF throttling body",
			fault:      Fault{Match: "/files/byids", Status: http.StatusTooManyRequests, RetryAfter: "3"},
			wantStatus: http.StatusTooManyRequests, wantCT: "application/json",
			wantHeader: http.Header{"Retry-After": {"3"}},
			checkBody: func(t *testing.T, body []byte) {
				want := `{"error":{"code":429,"message":"Project exceeded maximum number='50' of concurrent requests. Please try again later."}}`
				if string(body) != want {
					t.Errorf("body = %s, want %s", body, want)
				}
			},
		},
		{name: "503 on every API request", fault: Fault{Status: 503}, wantStatus: 503, wantCT: "application/json", checkBody: cdfBody(503)},
		{name: "500", fault: Fault{Match: "byids", Status: 500}, wantStatus: 500, wantCT: "application/json", checkBody: cdfBody(500)},
		{name: "502", fault: Fault{Match: "byids", Status: 502}, wantStatus: 502, wantCT: "application/json", checkBody: cdfBody(502)},
		{name: "504", fault: Fault{Match: "byids", Status: 504}, wantStatus: 504, wantCT: "application/json", checkBody: cdfBody(504)},
		{name: "401 even with a valid token", fault: Fault{Match: "byids", Status: 401}, wantStatus: 401, wantCT: "application/json", checkBody: cdfBody(401)},
		{name: "403", fault: Fault{Match: "byids", Status: 403}, wantStatus: 403, wantCT: "application/json", checkBody: cdfBody(403)},
		{
			name: "malformed JSON", fault: Fault{Match: "byids", Malformed: true},
			wantStatus: http.StatusOK, wantCT: "application/json",
			checkBody: func(t *testing.T, body []byte) {
				var v any
				if err := json.Unmarshal(body, &v); err == nil {
					t.Errorf("body %s is valid JSON", body)
				}
			},
		},
		{
			name: "HTML instead of JSON", fault: Fault{Match: "byids", ContentType: "text/html; charset=utf-8"},
			wantStatus: http.StatusOK, wantCT: "text/html; charset=utf-8",
			checkBody: func(t *testing.T, body []byte) {
				if !bytes.HasPrefix(body, []byte("<!DOCTYPE html>")) {
					t.Errorf("body %q is not HTML", body)
				}
			},
		},
		{
			name: "HTML error page from a proxy", fault: Fault{Match: "byids", Status: 502, ContentType: "text/html"},
			wantStatus: 502, wantCT: "text/html",
			checkBody: func(t *testing.T, body []byte) {
				if !bytes.Contains(body, []byte("502 Bad Gateway")) {
					t.Errorf("body %q", body)
				}
			},
		},
		{
			name: "token endpoint answers in OAuth2 shape", fault: Fault{Match: "/oauth2/token", Status: 503, RetryAfter: "1"},
			path: "/oauth2/token", wantStatus: 503, wantCT: "application/json", wantHeader: http.Header{"Retry-After": {"1"}},
			checkBody: func(t *testing.T, body []byte) {
				if string(body) != `{"error":"temporarily_unavailable","error_description":"injected fault"}` {
					t.Errorf("body = %s", body)
				}
			},
		},
		{
			name: "downloads answer in storage XML", fault: Fault{Match: "/download/", Status: 503},
			path: "/download/", wantStatus: 503, wantCT: "application/xml; charset=UTF-8",
			checkBody: func(t *testing.T, body []byte) {
				if !bytes.Contains(body, []byte("<Code>ServiceUnavailable</Code>")) {
					t.Errorf("body = %s", body)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, _ := filesEnv(t)
			tok := e.token()
			e.sim.InjectFault(tt.fault)
			var res result
			switch tt.path {
			case "":
				res = e.callWithToken(tok, http.MethodPost, "/files/byids", byIDsBody)
			case "/oauth2/token":
				res = e.postForm(nil, nil)
			case "/download/":
				e.sim.ClearFaults()
				link := downloadURL(t, e, 11)
				e.sim.InjectFault(tt.fault)
				res = e.get(link)
			}
			if res.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", res.status, tt.wantStatus, res.body)
			}
			if ct := res.header.Get("Content-Type"); ct != tt.wantCT {
				t.Errorf("Content-Type = %q, want %q", ct, tt.wantCT)
			}
			for k, v := range tt.wantHeader {
				if diff := cmp.Diff(v, res.header.Values(k)); diff != "" {
					t.Errorf("header %s (-want +got):\n%s", k, diff)
				}
			}
			if res.header.Get("X-Request-Id") == "" {
				t.Error("fault response without x-request-id")
			}
			tt.checkBody(t, res.body)
		})
	}
}

func cdfBody(status int) func(t *testing.T, body []byte) {
	return func(t *testing.T, body []byte) {
		t.Helper()
		var e wireError
		if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != status || e.Error.Message == "" {
			t.Errorf("body %s is not a CDF error with code %d", body, status)
		}
	}
}

func TestFaultEmptyMatchSparesTokenAndDownloads(t *testing.T) {
	t.Parallel()
	e, _ := filesEnv(t)
	link := downloadURL(t, e, 11)
	e.sim.InjectFault(Fault{Status: 500})
	if res := e.postForm(nil, nil); res.status == 500 {
		t.Error("token endpoint hit by a fault with empty Match")
	}
	if res := e.get(link); res.status != http.StatusOK {
		t.Errorf("download hit by a fault with empty Match: %d", res.status)
	}
	if res := e.call(http.MethodPost, "/files/byids", byIDsBody); res.status != 500 {
		t.Errorf("API request: %d, want 500", res.status)
	}
}

func TestFaultTimesCountdownAndRemoval(t *testing.T) {
	t.Parallel()
	e, _ := filesEnv(t)
	tok := e.token()
	statuses := func(n int) []int {
		var out []int
		for range n {
			out = append(out, e.callWithToken(tok, http.MethodPost, "/files/byids", byIDsBody).status)
		}
		return out
	}
	e.sim.InjectFault(Fault{Match: "/files/byids", Status: 503, Times: 2})
	e.sim.InjectFault(Fault{Match: "/files/", Status: 502, Times: 1}) // after the first is used up
	if diff := cmp.Diff([]int{503, 503, 502, 200, 200}, statuses(5)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if got := e.sim.APIRequests("/files/byids"); got != 5 {
		t.Errorf("APIRequests = %d, want 5 (faulted requests count)", got)
	}

	remove := e.sim.InjectFault(Fault{Match: "/files/byids", Status: 500})
	if diff := cmp.Diff([]int{500, 500}, statuses(2)); diff != "" {
		t.Errorf("Times 0 lasts until removed (-want +got):\n%s", diff)
	}
	remove()
	remove() // idempotent
	if diff := cmp.Diff([]int{200}, statuses(1)); diff != "" {
		t.Errorf("after remove (-want +got):\n%s", diff)
	}
	e.sim.InjectFault(Fault{Status: 500})
	e.sim.InjectFault(Fault{Status: 501})
	e.sim.ClearFaults()
	if diff := cmp.Diff([]int{200}, statuses(1)); diff != "" {
		t.Errorf("after ClearFaults (-want +got):\n%s", diff)
	}
}

func TestFaultProbability(t *testing.T) {
	t.Parallel()
	sim, err := New(Options{ClientID: "c", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	sim.InjectFault(Fault{Match: "/nowhere", Status: 503, Probability: 0.5})
	sim.InjectFault(Fault{Match: "/sometimes", Status: 500, Probability: 0.25, Times: 10})
	counts := map[int]int{}
	const n = 400
	for range n {
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/nowhere", nil))
		counts[rec.Code]++
	}
	// Binomial(400, 0.5): 120..280 is more than 8 standard deviations wide.
	if c := counts[503]; c < 120 || c > 280 {
		t.Errorf("%d of %d requests faulted at probability 0.5", c, n)
	}
	if counts[503]+counts[404] != n {
		t.Errorf("unexpected statuses %v", counts)
	}
	faulted := 0
	for range n {
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/sometimes", nil))
		if rec.Code == 500 {
			faulted++
		}
	}
	if faulted != 10 {
		t.Errorf("a fault with Times 10 and a probability applied %d times", faulted)
	}
}

// TestFaultLatency runs in a synctest bubble: the simulator's timers run
// on the bubble's clock, so each delay is exact whatever the machine's speed.
func TestFaultLatency(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sim, err := New(Options{ClientID: testClientID, ClientSecret: testSecret})
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {testClientID}, "client_secret": {testSecret}}
		treq := httptest.NewRequest(http.MethodPost, "/oauth2/token", strings.NewReader(form.Encode()))
		treq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		trec := httptest.NewRecorder()
		sim.ServeHTTP(trec, treq)
		var tok wireToken
		if err := json.Unmarshal(trec.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
			t.Fatalf("token: %d %s", trec.Code, trec.Body)
		}
		byIDs := func(ctx context.Context) (status int, took time.Duration) {
			req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/api/v1/projects/demo/files/byids", strings.NewReader(byIDsBody))
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			start := time.Now()
			sim.ServeHTTP(rec, req)
			return rec.Code, time.Since(start)
		}

		sim.InjectFault(Fault{Match: "/files/byids", Latency: 30 * time.Millisecond, Times: 1})
		if status, took := byIDs(context.Background()); status != http.StatusOK || took != 30*time.Millisecond {
			t.Errorf("latency-only fault: %d after %v, want 200 after 30ms", status, took)
		}

		// A long delay ends when the client gives up.
		sim.InjectFault(Fault{Match: "/files/byids", Latency: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if _, took := byIDs(ctx); took != 50*time.Millisecond {
			t.Errorf("the handler returned after %v, want when its client gave up (50ms)", took)
		}
	})
}

// A held request waits until the test releases it, announcing itself on
// Held first; a client that gives up ends the wait.
func TestFaultHold(t *testing.T) {
	t.Parallel()
	e, _ := filesEnv(t)
	tok := e.token()
	hold, held := make(chan struct{}), make(chan string)
	remove := e.sim.InjectFault(Fault{Match: "/files/byids", Hold: hold, Held: held, Times: 2})
	defer remove()
	answered := make(chan result, 1)
	go func() { answered <- e.callWithToken(tok, http.MethodPost, "/files/byids", byIDsBody) }()
	if path := <-held; path != "/api/v1/projects/demo/files/byids" {
		t.Errorf("held %q", path)
	}
	select {
	case res := <-answered:
		t.Fatalf("answered %d while held", res.status)
	default:
	}
	close(hold)
	if res := <-answered; res.status != http.StatusOK {
		t.Errorf("after the release: %d, want the route's own 200", res.status)
	}

	// The second matching request finds Hold closed: it is not held.
	if res := e.callWithToken(tok, http.MethodPost, "/files/byids", byIDsBody); res.status != http.StatusOK {
		t.Errorf("after Hold closed: %d", res.status)
	}

	// A client that goes away ends the wait on a Hold never closed.
	e.sim.InjectFault(Fault{Match: "/files/byids", Hold: make(chan struct{}), Held: held, Times: 1})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.projectURL("/files/byids"), strings.NewReader(byIDsBody))
	req.Header.Set("Authorization", "Bearer "+tok)
	errc := make(chan error, 1)
	go func() {
		res, err := e.ts.Client().Do(req)
		if err == nil {
			res.Body.Close()
		}
		errc <- err
	}()
	<-held
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want the client's cancellation", err)
	}
}

func TestFaultReset(t *testing.T) {
	t.Parallel()
	e, _ := filesEnv(t)
	tok := e.token()
	e.sim.InjectFault(Fault{Match: "/files/byids", Reset: true, Times: 1})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	req, _ := http.NewRequest(http.MethodPost, e.projectURL("/files/byids"), strings.NewReader(byIDsBody))
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := client.Do(req)
	if err == nil {
		res.Body.Close()
		t.Fatalf("got a response (%d), want a broken connection", res.StatusCode)
	}
	if got := e.sim.APIRequests("/files/byids"); got != 1 {
		t.Errorf("APIRequests = %d, want 1", got)
	}
	if res := e.callWithToken(tok, http.MethodPost, "/files/byids", byIDsBody); res.status != http.StatusOK {
		t.Errorf("next request: %d", res.status)
	}

	// Without a hijackable connection the handler aborts instead.
	e.sim.InjectFault(Fault{Match: "/x", Reset: true})
	defer func() {
		if r := recover(); r != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler", r)
		}
	}()
	e.sim.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
}

func TestInjectFaultRejectsNonsense(t *testing.T) {
	t.Parallel()
	sim, err := New(Options{ClientID: "c", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []Fault{
		{},
		{Match: "/x"},
		{Status: 42},
		{Status: 600},
		{Status: 500, Times: -1},
		{Status: 500, Probability: 1.5},
		{Latency: -time.Second},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("InjectFault(%+v) did not panic", f)
				}
			}()
			sim.InjectFault(f)
		}()
	}
}

func TestFaultAdminAPI(t *testing.T) {
	t.Parallel()
	e, _ := filesEnv(t)
	admin := func(method, path, body string) result {
		t.Helper()
		req, _ := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
		return e.do(req)
	}
	var first, second struct{ ID int }
	res := admin(http.MethodPost, "/_sim/faults", `{"match":"/files/byids","status":503,"retryAfter":"2","times":1}`)
	if res.status != http.StatusCreated {
		t.Fatalf("POST fault: %d %s", res.status, res.body)
	}
	res.decode(t, &first)
	admin(http.MethodPost, "/_sim/faults", `{"match":"/files/byids","latency":"25ms"}`).decode(t, &second)
	res = admin(http.MethodPost, "/_sim/faults", `{"match":"/download/","latency":1500,"probability":0.5,"reset":true}`)
	if res.status != http.StatusCreated {
		t.Fatalf("POST fault with latency in ms: %d %s", res.status, res.body)
	}

	var list wireItems[map[string]any]
	admin(http.MethodGet, "/_sim/faults", "").decode(t, &list)
	want := []map[string]any{
		{"id": float64(first.ID), "match": "/files/byids", "status": float64(503), "retryAfter": "2", "times": float64(1)},
		{"id": float64(second.ID), "match": "/files/byids", "latency": "25ms"},
		{"id": float64(second.ID + 1), "match": "/download/", "latency": "1.5s", "probability": 0.5, "reset": true},
	}
	if diff := cmp.Diff(want, list.Items); diff != "" {
		t.Errorf("GET /_sim/faults (-want +got):\n%s", diff)
	}

	tok := e.token()
	if res := e.callWithToken(tok, http.MethodPost, "/files/byids", byIDsBody); res.status != 503 || res.header.Get("Retry-After") != "2" {
		t.Errorf("first call: %d Retry-After %q, want 503 2", res.status, res.header.Get("Retry-After"))
	}
	if res := admin(http.MethodDelete, "/_sim/faults/"+itoa64(int64(second.ID)), ""); res.status != http.StatusNoContent {
		t.Errorf("DELETE one: %d", res.status)
	}
	if res := admin(http.MethodDelete, "/_sim/faults/"+itoa64(int64(second.ID)), ""); res.status != http.StatusNotFound {
		t.Errorf("DELETE again: %d, want 404", res.status)
	}
	if res := admin(http.MethodDelete, "/_sim/faults", ""); res.status != http.StatusNoContent {
		t.Errorf("DELETE all: %d", res.status)
	}
	admin(http.MethodGet, "/_sim/faults", "").decode(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("faults left after DELETE: %v", list.Items)
	}

	for _, body := range []string{`{"status":503,"colour":"red"}`, `{"status":999}`, `{"latency":"soon","status":500}`, `{}`, `nope`} {
		if res := admin(http.MethodPost, "/_sim/faults", body); res.status != http.StatusBadRequest {
			t.Errorf("POST %s: %d, want 400", body, res.status)
		} else {
			res.cdfError(t)
		}
	}
	if res := admin(http.MethodPut, "/_sim/faults", ""); res.status != http.StatusMethodNotAllowed {
		t.Errorf("PUT: %d, want 405", res.status)
	}
	if res := admin(http.MethodGet, "/_sim/other", ""); res.status != http.StatusNotFound {
		t.Errorf("GET /_sim/other: %d, want 404", res.status)
	}
}
