package cdf_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/httptestclient"
)

// The client against the project's CDF simulator: the same wire format,
// the real OAuth2 client-credentials flow, signed download links.

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func simClient(t *testing.T, opts cdfsim.Options, secret string) (*cdfsim.Server, *cdf.Client) {
	t.Helper()
	opts.Project, opts.ClientID, opts.ClientSecret = "proj", "cid", "right-secret"
	sim, err := cdfsim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	base, err := sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); sim.Close() })
	hc, err := cdf.HTTPClient(context.Background(), cdf.Credentials{Flow: cdf.FlowClientCredentials,
		TokenURL: sim.TokenURL(base), ClientID: "cid", ClientSecret: secret, Scopes: []string{base + "/.default"}}, httptestclient.Client(t, nil, false))
	if err != nil {
		t.Fatal(err)
	}
	fast := cdf.DefaultRetryPolicy()
	fast.Base, fast.Cap = time.Millisecond, 2*time.Millisecond
	c, err := cdf.New(base, "proj", hc, cdf.WithVersion("alpha"), cdf.WithRetry(fast))
	if err != nil {
		t.Fatal(err)
	}
	return sim, c
}

func TestClientAgainstSimulator(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)}
	sim, c := simClient(t, cdfsim.Options{Seed: true, Now: clk.Now, JobPhase: time.Second}, "right-secret")
	ctx := context.Background()

	demo := sim.DemoJobs()
	first, err := c.SegmentJob(ctx, demo[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if first.Status != cdf.StatusCompleted || len(first.Items) == 0 || len(first.Items[0].Segments) == 0 {
		t.Fatalf("first demo job = %+v", first)
	}
	h := sim.LastHeaders("/context/vision/segment/")
	if h.Get("cdf-version") != "alpha" || h.Get("x-cdp-app") != "segview" || h.Get("Authorization") == "" {
		t.Errorf("API headers = %v", h)
	}

	fileID := first.Items[0].FileID
	files, err := c.FilesByIDs(ctx, []cdf.FileIdentifier{cdf.ByID(fileID)}, false)
	if err != nil || len(files) != 1 || files[0].Name == "" || files[0].MimeType == "" {
		t.Fatalf("FilesByIDs = %+v, %v", files, err)
	}
	links, err := c.DownloadLinks(ctx, []cdf.FileIdentifier{cdf.ByID(fileID)})
	if err != nil || len(links) != 1 {
		t.Fatalf("DownloadLinks = %+v, %v", links, err)
	}
	data, ct, err := c.Download(ctx, links[0].URL)
	if err != nil || len(data) == 0 || ct != files[0].MimeType {
		t.Fatalf("Download: %d bytes, %q, %v", len(data), ct, err)
	}
	if got := sim.LastHeaders("/download/").Get("Authorization"); got != "" {
		t.Errorf("the download carried an Authorization header")
	}
	clk.Add(time.Minute) // past the link's 30 s lifetime
	var apiErr *cdf.APIError
	if _, _, err := c.Download(ctx, links[0].URL); !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden {
		t.Errorf("expired link: err = %v, want a 403", err)
	}

	// A job started through the API moves Queued → Running → Completed.
	created, err := c.CreateSegmentJob(ctx, cdf.SegmentRequest{Items: []cdf.FileIdentifier{cdf.ByID(fileID)},
		Points: []cdf.PromptPoint{{X: 0.5, Y: 0.5, Label: cdf.LabelForeground}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []cdf.JobStatus{cdf.StatusQueued, cdf.StatusRunning, cdf.StatusCompleted} {
		j, err := c.SegmentJob(ctx, created.JobID)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status != want {
			t.Fatalf("status = %s, want %s", j.Status, want)
		}
		if want == cdf.StatusCompleted {
			if len(j.Items) != 1 || len(j.Items[0].Segments) == 0 || len(j.Prompt.Points) != 1 {
				t.Fatalf("completed job = %+v", j)
			}
			for _, s := range j.Items[0].Segments {
				for _, p := range s.Polygons {
					for _, v := range p.Vertices {
						if v.X < 0 || v.X > 1 || v.Y < 0 || v.Y > 1 {
							t.Errorf("vertex %+v off the image", v)
						}
					}
				}
			}
		}
		clk.Add(1100 * time.Millisecond)
	}
	if n := sim.TokenRequests(); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}

	// CDF-shaped errors arrive typed, with the request id.
	_, err = c.SegmentJob(ctx, 987654321)
	if !errors.As(err, &apiErr) || apiErr.RequestID == "" || apiErr.Status < 400 {
		t.Errorf("unknown job: %v", err)
	}
	remove := sim.InjectFault(cdfsim.Fault{Match: "/context/vision/segment/", Status: 503, Times: 2})
	if _, err := c.SegmentJob(ctx, demo[0].ID); err != nil {
		t.Errorf("two 503s then success: %v", err)
	}
	remove()
}

func TestWrongSecretIsAnAuthError(t *testing.T) {
	t.Parallel()
	_, c := simClient(t, cdfsim.Options{Seed: true}, "wrong-secret")
	_, err := c.SegmentJob(context.Background(), 1)
	var ae *cdf.AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %T %v, want *cdf.AuthError", err, err)
	}
	if msg := err.Error(); strings.Contains(msg, "wrong-secret") || strings.Contains(msg, "right-secret") {
		t.Errorf("error reveals a secret: %s", msg)
	}
}
