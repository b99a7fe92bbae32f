package app

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/segview/segview/internal/cdfsim"
)

// send sends a request to the test server under the Host header host ("":
// the server's own address), without following redirects.
func (s *stack) send(t *testing.T, method, host, path string, body io.Reader, header http.Header) response {
	t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// DNS rebinding: a page on the attacker's name, resolved to segview's
// address, is same-origin with segview to the browser. Without sign-in it
// would read jobs and, with the token it read from the job page, post
// verdicts. Its Host is the attacker's name, so segview refuses it with
// 421 before any CDF call, while its own address and health probes on any
// host keep working.
func TestAttackerHostIsRefused(t *testing.T) {
	s := newStack(t, nil)
	job, file := cdfsim.DemoJobPumpSkid, cdfsim.DemoFilePumpSkid
	_, port, err := net.SplitHostPort(s.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	evil := "rebind.evil.example:" + port

	// A reviewer's browser has the CSRF cookie and a form's token; so has
	// the attacker's page, had it read the job page.
	b := &reviewer{s: s}
	_, doc := b.page(t, jobURL(job))
	form := formOf(t, doc, "verdict-form", file)
	beforeVerdicts := statuses(s, file)

	before := s.sim.APIRequests("/api/v1/")
	overlay := fmt.Sprintf("%s/files/%d/overlay.png", jobURL(job), file)
	for _, tt := range []struct {
		name, method, path string
		body               string
		header             http.Header
	}{
		{"job page", http.MethodGet, jobURL(job), "", nil},
		{"job JSON", http.MethodGet, jobURL(job), "", http.Header{"Accept": {"application/json"}}},
		{"overlay", http.MethodGet, overlay, "", nil},
		{"HEAD job page", http.MethodHead, jobURL(job), "", nil},
		{"verdict", http.MethodPost, verdictsURL(job, file), url.Values{"verdict": {"1:approved"}, "csrf_token": {form.token}}.Encode(),
			http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {"http://" + evil}, "Cookie": {b.cookie.String()}}},
		{"verdict by script", http.MethodPost, verdictsURL(job, file), url.Values{"verdict": {"1:rejected"}}.Encode(),
			http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {"http://" + evil}, "Sec-Fetch-Site": {"same-origin"},
				"Cookie": {b.cookie.String()}, "X-CSRF-Token": {form.token}, "Accept": {"application/json"}}},
		{"triage", http.MethodPost, triageURL(job, file), url.Values{"high": {"0.9"}, "low": {"0.1"}, "csrf_token": {form.token}}.Encode(),
			http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {"http://" + evil}, "Cookie": {b.cookie.String()}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.send(t, tt.method, evil, tt.path, strings.NewReader(tt.body), tt.header)
			wantStatus(t, r, http.StatusMisdirectedRequest)
			if tt.method == http.MethodHead {
				return
			}
			if tt.header.Get("Accept") == "application/json" {
				if e := decodeJSON[errorJSON](t, r); e.Error.Status != http.StatusMisdirectedRequest || !strings.Contains(e.Error.Message, "rebind.evil.example") {
					t.Errorf("JSON error = %+v", e.Error)
				}
				return
			}
			if !strings.Contains(string(r.body), "does not serve the host name") {
				t.Errorf("body does not say the host is not served:\n%.400s", r.body)
			}
		})
	}
	if after := s.sim.APIRequests("/api/v1/"); after != before {
		t.Errorf("requests for the attacker's host made %d CDF calls", after-before)
	}
	if got := statuses(s, file); strings.Join(got, ",") != strings.Join(beforeVerdicts, ",") {
		t.Errorf("verdicts changed from %v to %v", beforeVerdicts, got)
	}

	// The same requests on segview's own address get through: the
	// refusals were the Host's doing. (The verdict is one the handler
	// refuses, so that nothing is written.)
	t.Run("own address", func(t *testing.T) {
		wantStatus(t, s.send(t, http.MethodGet, "", jobURL(job), nil, nil), http.StatusOK)
		wantStatus(t, s.send(t, http.MethodGet, "localhost:"+port, jobURL(job), nil, nil), http.StatusOK)
		r := b.post(t, verdictsURL(job, file), url.Values{"verdict": {"0:approved"}, "csrf_token": {form.token}}, nil)
		wantStatus(t, r, http.StatusBadRequest)
		if !strings.Contains(string(r.body), "is not valid") {
			t.Errorf("the verdict did not reach its handler:\n%.400s", r.body)
		}
	})
	t.Run("health probe on any host", func(t *testing.T) {
		for _, host := range []string{evil, "10.1.2.3:8080", "segview-7d9f.pod.cluster.local"} {
			r := s.send(t, http.MethodGet, host, "/healthz", nil, nil)
			wantStatus(t, r, http.StatusOK)
			if string(r.body) != "ok\n" {
				t.Errorf("Host %s: /healthz body %q", host, r.body)
			}
		}
	})
}

// With SEGVIEW_PUBLIC_URL and SEGVIEW_ALLOWED_HOSTS, segview serves those
// names on any port and nothing else: not even localhost or an IP address.
func TestConfiguredHosts(t *testing.T) {
	s := newStack(t, map[string]string{
		"SEGVIEW_PUBLIC_URL":    "https://segview.example.com",
		"SEGVIEW_ALLOWED_HOSTS": "segview.internal:8080,[::1]",
	})
	for _, tt := range []struct {
		host   string
		status int
	}{
		{"segview.example.com", http.StatusOK},
		{"SEGVIEW.example.com:443", http.StatusOK},
		{"segview.internal", http.StatusOK},
		{"segview.internal:9999", http.StatusOK},
		{"[::1]:8080", http.StatusOK},
		{"localhost:8080", http.StatusMisdirectedRequest},
		{s.srv.Listener.Addr().String(), http.StatusMisdirectedRequest},
		{"evil.example", http.StatusMisdirectedRequest},
		{"segview.example.com.evil.example", http.StatusMisdirectedRequest},
	} {
		t.Run(tt.host, func(t *testing.T) {
			wantStatus(t, s.send(t, http.MethodGet, tt.host, "/", nil, nil), tt.status)
		})
	}
}
