package render

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/cdfsim"
)

// simEnv is a Service reading from the CDF simulator through the real
// client, with one job of one file.
type simEnv struct {
	sim *cdfsim.Server
	svc *Service
	req Request
}

func newSimEnv(t *testing.T, opts cdfsim.Options) *simEnv {
	t.Helper()
	opts.Project, opts.ClientID, opts.ClientSecret = "acme", "render-test", "render-test-secret"
	sim, err := cdfsim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	base, err := sim.Start(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })

	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 8, 6))); err != nil {
		t.Fatal(err)
	}
	sim.AddFile(cdfsim.File{ID: 11, Name: "photo.png", MimeType: "image/png", Data: buf.Bytes()})
	now := time.Now()
	sim.AddJob(cdfsim.Job{ID: 22, Status: "Completed", Created: now, Started: now, StatusAt: now,
		Items: []cdfsim.JobItem{{FileID: 11, Segments: []cdfsim.Segment{
			{Score: 0.9, Polygons: [][]cdfsim.Vertex{{{X: 0.1, Y: 0.1}, {X: 0.9, Y: 0.1}, {X: 0.5, Y: 0.9}}}}}}}})

	hc, err := cdf.HTTPClient(t.Context(), cdf.Credentials{Flow: cdf.FlowClientCredentials, TokenURL: sim.TokenURL(base),
		ClientID: opts.ClientID, ClientSecret: opts.ClientSecret}, nil)
	if err != nil {
		t.Fatal(err)
	}
	retry := cdf.DefaultRetryPolicy()
	retry.Base, retry.Cap = time.Millisecond, time.Millisecond
	client, err := cdf.New(base, "acme", hc, cdf.WithRetry(retry))
	if err != nil {
		t.Fatal(err)
	}
	return &simEnv{sim: sim, svc: New(client, Options{}), req: Request{JobID: 22, FileID: 11, Format: FormatPNG}}
}

// counts returns the download-link requests and downloads made so far.
func (e *simEnv) counts() (links, downloads int) {
	return e.sim.APIRequests("/files/downloadlink"), e.sim.APIRequests("/download/")
}

// An expired download link (storage answers 403) is replaced by a new one
// once; a second refusal is the answer.
func TestDownloadLinkExpired(t *testing.T) {
	t.Parallel()
	t.Run("expired once: a new link is fetched", func(t *testing.T) {
		t.Parallel()
		e := newSimEnv(t, cdfsim.Options{})
		e.sim.InjectFault(cdfsim.Fault{Match: "/download/", Status: http.StatusForbidden, Times: 1})
		res, err := e.svc.renderRead(t.Context(), e.req)
		if err != nil {
			t.Fatalf("Render: %v", err)
		}
		if _, err := png.Decode(bytes.NewReader(res.Body)); err != nil {
			t.Errorf("not a PNG: %v", err)
		}
		if links, downloads := e.counts(); links != 2 || downloads != 2 {
			t.Errorf("links = %d, downloads = %d; want 2 and 2", links, downloads)
		}
	})
	t.Run("every link expired: one new link, then the error", func(t *testing.T) {
		t.Parallel()
		// The simulator's clock moves 2 s whenever it is read: a link that
		// lives 1 s has expired by the time it is used.
		start, ticks := time.Now(), atomic.Int64{}
		clock := func() time.Time { return start.Add(time.Duration(ticks.Add(1)) * 2 * time.Second) }
		e := newSimEnv(t, cdfsim.Options{LinkTTL: time.Second, Now: clock})
		_, err := e.svc.renderRead(t.Context(), e.req)
		var apiErr *cdf.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden || apiErr.Path != cdf.DownloadPath {
			t.Fatalf("Render error = %v, want the download's 403", err)
		}
		if links, downloads := e.counts(); links != 2 || downloads != 2 {
			t.Errorf("links = %d, downloads = %d; want 2 and 2", links, downloads)
		}
	})
	t.Run("other download failures are not retried with a new link", func(t *testing.T) {
		t.Parallel()
		e := newSimEnv(t, cdfsim.Options{})
		e.sim.InjectFault(cdfsim.Fault{Match: "/download/", Status: http.StatusNotFound, Times: 1})
		_, err := e.svc.renderRead(t.Context(), e.req)
		var apiErr *cdf.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
			t.Fatalf("Render error = %v, want the download's 404", err)
		}
		if links, downloads := e.counts(); links != 1 || downloads != 1 {
			t.Errorf("links = %d, downloads = %d; want 1 and 1", links, downloads)
		}
	})
}

// A web page where the image was expected is a *NotAnImageError, not
// something handed to the decoder.
func TestDownloadWebPage(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t, cdfsim.Options{})
	remove := e.sim.InjectFault(cdfsim.Fault{Match: "/download/", ContentType: "text/html; charset=utf-8"})
	_, err := e.svc.renderRead(t.Context(), e.req)
	var nai *NotAnImageError
	if !errors.As(err, &nai) || nai.ContentType != "text/html; charset=utf-8" {
		t.Fatalf("Render error = %v, want a *NotAnImageError naming text/html", err)
	}
	remove()
	if _, err := e.svc.renderRead(context.WithoutCancel(t.Context()), e.req); err != nil {
		t.Errorf("after the fault: %v", err)
	}
}

func TestIsWebPage(t *testing.T) {
	t.Parallel()
	for ct, want := range map[string]bool{
		"text/html":                 true,
		"TEXT/HTML; charset=utf-8":  true,
		"application/xhtml+xml":     true,
		"image/png":                 false,
		"application/octet-stream":  false,
		"":                          false,
		"text/plain; charset=utf-8": false,
	} {
		if got := isWebPage(ct); got != want {
			t.Errorf("isWebPage(%q) = %v, want %v", ct, got, want)
		}
	}
}
