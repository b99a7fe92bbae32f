package app

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/segview/segview/internal/cdfsim"
)

// headerDiffers are the headers two answers to the same request may differ
// in: fresh per response (the CSP nonce, the request id, the date, a new
// CSRF cookie), or how the body is framed, which a HEAD has not.
var headerDiffers = map[string]bool{
	"Content-Security-Policy": true,
	"X-Request-Id":            true,
	"Date":                    true,
	"Set-Cookie":              true,
	"Content-Length":          true,
	"Transfer-Encoding":       true,
}

// HEAD is answered on every GET route as GET is, with the same status and
// headers and no body.
func TestHeadAnswersLikeGet(t *testing.T) {
	s := newStack(t, nil)
	job := fmt.Sprintf("/projects/%s/jobs/%d", testProject, cdfsim.DemoJobPumpSkid)
	overlay := fmt.Sprintf("%s/files/%d/overlay.png", job, cdfsim.DemoFilePumpSkid)
	for _, path := range []string{
		"/healthz",
		"/",
		job,
		overlay,
		strings.TrimSuffix(overlay, ".png") + ".jpg?width=200",
		job + "/status",
		"/projects/acme/jobs/x", // an error page
		"/no/such/page",
	} {
		t.Run(path, func(t *testing.T) {
			get := s.send(t, http.MethodGet, "", path, nil, nil)
			head := s.send(t, http.MethodHead, "", path, nil, nil)
			if head.status != get.status {
				t.Errorf("HEAD status %d, GET %d", head.status, get.status)
			}
			if get.status == http.StatusOK && len(get.body) == 0 {
				t.Errorf("GET has no body")
			}
			if len(head.body) != 0 {
				t.Errorf("HEAD has a body of %d bytes", len(head.body))
			}
			if head.header.Get("Content-Security-Policy") == "" {
				t.Errorf("HEAD has no CSP")
			}
			if diff := cmp.Diff(stableHeaders(get.header), stableHeaders(head.header)); diff != "" {
				t.Errorf("headers differ (-GET +HEAD):\n%s", diff)
			}
		})
	}
	t.Run("overlay revalidates", func(t *testing.T) {
		get := s.send(t, http.MethodGet, "", overlay, nil, nil)
		etag := get.header.Get("ETag")
		if etag == "" {
			t.Fatal("overlay has no ETag")
		}
		head := s.send(t, http.MethodHead, "", overlay, nil, http.Header{"If-None-Match": {etag}})
		wantStatus(t, head, http.StatusNotModified)
	})
	t.Run("body framing", func(t *testing.T) {
		// Where GET names its length, HEAD names the same one.
		get := s.send(t, http.MethodGet, "", "/healthz", nil, nil)
		head := s.send(t, http.MethodHead, "", "/healthz", nil, nil)
		if cl := head.header.Get("Content-Length"); cl != get.header.Get("Content-Length") || cl != "3" {
			t.Errorf("Content-Length: HEAD %q, GET %q, want 3", cl, get.header.Get("Content-Length"))
		}
		if !bytes.Equal(get.body, []byte("ok\n")) {
			t.Errorf("GET /healthz = %q", get.body)
		}
	})
}

// stableHeaders drops the headers that may differ between two answers.
func stableHeaders(h http.Header) http.Header {
	out := http.Header{}
	for k, v := range h {
		if !headerDiffers[k] {
			out[k] = v
		}
	}
	return out
}

// An oversized body is 413, also when it is chunked (no Content-Length, so
// the limit is met only while the form is read) and carries the CSRF token
// in X-CSRF-Token (so that nothing reads the body before the handler):
// for a form post and for the page's script, which asks for JSON.
func TestOversizedChunkedVerdictIs413(t *testing.T) {
	s := newStack(t, nil)
	job, file := cdfsim.DemoJobPumpSkid, cdfsim.DemoFilePumpSkid
	b := &reviewer{s: s}
	_, doc := b.page(t, jobURL(job))
	form := formOf(t, doc, "verdict-form", file)
	before := s.sim.APIRequests("/api/v1/")
	body := url.Values{"verdict": {"1:approved"}, "view": {""}, "pad": {strings.Repeat("a", 100<<10)}}.Encode()
	for _, tt := range []struct {
		name, path, accept string
	}{
		{"verdict form", verdictsURL(job, file), "text/html"},
		{"verdict JSON", verdictsURL(job, file), "application/json"},
		{"triage form", triageURL(job, file), "text/html"},
		{"triage JSON", triageURL(job, file), "application/json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// A reader of unknown length: the client sends it chunked.
			chunked := struct{ *strings.Reader }{strings.NewReader(body)}
			r := s.send(t, http.MethodPost, "", tt.path, chunked, http.Header{
				"Content-Type": {"application/x-www-form-urlencoded"},
				"Cookie":       {b.cookie.String()},
				"X-Csrf-Token": {form.token},
				"Accept":       {tt.accept},
			})
			wantStatus(t, r, http.StatusRequestEntityTooLarge)
			if tt.accept == "application/json" {
				if e := decodeJSON[errorJSON](t, r); e.Error.Status != http.StatusRequestEntityTooLarge || !strings.Contains(e.Error.Message, "larger") {
					t.Errorf("JSON error = %+v", e.Error)
				}
			}
		})
	}
	if after := s.sim.APIRequests("/api/v1/"); after != before {
		t.Errorf("oversized verdicts made %d CDF calls", after-before)
	}
}
