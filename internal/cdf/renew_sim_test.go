package cdf_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/httptestclient"
)

// The service principal's token against a simulator that forgets it, as a
// restarted CDF does.

// renewJob is the job the renewal tests read, and renewFile its file.
var renewJob = cdfsim.DemoJob{ID: 42, FileID: 4242}

// renewClient is simClient with one small job instead of the demo seed,
// and with the client's token clock set to now (nil: the wall clock).
func renewClient(t *testing.T, opts cdfsim.Options, now func() time.Time) (*cdfsim.Server, *cdf.Client) {
	t.Helper()
	opts.Project, opts.ClientID, opts.ClientSecret = "proj", "cid", "right-secret"
	sim, err := cdfsim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	sim.AddFile(cdfsim.File{ID: renewJob.FileID, Name: "a.png", Data: []byte("\x89PNG\r\n\x1a\n")})
	sim.AddJob(cdfsim.Job{ID: renewJob.ID, Status: cdfsim.StatusCompleted, Items: []cdfsim.JobItem{{FileID: renewJob.FileID}}})
	ctx, cancel := context.WithCancel(context.Background())
	base, err := sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); sim.Close() })
	hc, err := cdf.HTTPClient(context.Background(), cdf.Credentials{Flow: cdf.FlowClientCredentials,
		TokenURL: sim.TokenURL(base), ClientID: "cid", ClientSecret: "right-secret", Now: now}, httptestclient.Client(t, nil, false))
	if err != nil {
		t.Fatal(err)
	}
	// No retries of the retry policy: every extra request seen is the
	// transport's retry after a 401.
	c, err := cdf.New(base, "proj", hc, cdf.WithRetry(cdf.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	return sim, c
}

func TestServiceTokenRenewedAfterCDFForgetsIt(t *testing.T) {
	t.Parallel()
	sim, c := renewClient(t, cdfsim.Options{}, nil)
	ctx := t.Context()
	job := renewJob
	jobPath := fmt.Sprintf("/context/vision/segment/%d", job.ID)
	if _, err := c.SegmentJob(ctx, job.ID); err != nil {
		t.Fatal(err)
	}

	// A GET: one new grant, and the refused request sent once more.
	sim.ForgetTokens()
	if _, err := c.SegmentJob(ctx, job.ID); err != nil {
		t.Fatalf("first call after CDF forgot the token: %v", err)
	}
	if n := sim.TokenRequests(); n != 2 {
		t.Errorf("token grants = %d, want 2 (one new)", n)
	}
	if n := sim.APIRequests(jobPath); n != 3 {
		t.Errorf("job requests = %d, want 3 (one before, the refused one and its retry)", n)
	}

	// A POST: its body is sent again in full (the simulator refuses a
	// files/byids without items).
	sim.ForgetTokens()
	files, err := c.FilesByIDs(ctx, []cdf.FileIdentifier{cdf.ByID(job.FileID)}, false)
	if err != nil || len(files) != 1 || files[0].ID != job.FileID {
		t.Fatalf("FilesByIDs after CDF forgot the token = %+v, %v", files, err)
	}
	if n := sim.TokenRequests(); n != 3 {
		t.Errorf("token grants = %d, want 3", n)
	}
	if n := sim.APIRequests("/files/byids"); n != 2 {
		t.Errorf("files/byids requests = %d, want 2", n)
	}

	// Concurrent calls refused with the same token share one new grant.
	sim.ForgetTokens()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.SegmentJob(ctx, job.ID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := sim.TokenRequests(); n != 4 {
		t.Errorf("token grants after 8 concurrent calls = %d, want 4 (one new)", n)
	}
}

// A 401 is answered with one new token and one retry. When CDF refuses the
// new token too, the 401 is about the project (one the identity cannot
// reach), not the token: later requests there get the 401 at once instead
// of costing the identity provider a grant each, while another project
// still renews a token CDF has forgotten.
func TestServiceTokenRetriedOnlyOnce(t *testing.T) {
	t.Parallel()
	sim, c := renewClient(t, cdfsim.Options{Projects: []string{"other"}}, nil)
	sim.AddJobTo("other", cdfsim.Job{ID: renewJob.ID, Status: cdfsim.StatusCompleted, Items: []cdfsim.JobItem{{FileID: renewJob.FileID}}})
	other, err := c.ForProject("other")
	if err != nil {
		t.Fatal(err)
	}
	jobPath := fmt.Sprintf("/projects/proj/context/vision/segment/%d", renewJob.ID)
	sim.InjectFault(cdfsim.Fault{Match: jobPath, Status: http.StatusUnauthorized})
	steps := []struct {
		name         string
		client       *cdf.Client
		forget       bool
		want401      bool
		wantGrants   int
		wantRequests int // to the refused project's job
	}{
		{"refused: one new token, one retry", c, false, true, 2, 2},
		{"refused again with the new token: no grant, no retry", c, false, true, 2, 3},
		{"another project, CDF forgot the token: renewed", other, true, false, 3, 3},
		{"the refused project with that newer token: one more try", c, false, true, 4, 5},
		{"and then no more", c, false, true, 4, 6},
	}
	for _, st := range steps {
		if st.forget {
			sim.ForgetTokens()
		}
		_, err := st.client.SegmentJob(t.Context(), renewJob.ID)
		var apiErr *cdf.APIError
		if got401 := errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized; got401 != st.want401 || (!st.want401 && err != nil) {
			t.Fatalf("%s: err = %v, want 401: %t", st.name, err, st.want401)
		}
		if n := sim.TokenRequests(); n != st.wantGrants {
			t.Errorf("%s: token grants = %d, want %d", st.name, n, st.wantGrants)
		}
		if n := sim.APIRequests(jobPath); n != st.wantRequests {
			t.Errorf("%s: requests to the refused job = %d, want %d", st.name, n, st.wantRequests)
		}
	}
}

// The token is renewed when it is due by the injected clock, before CDF
// would refuse it, without a 401 and without waiting for real time.
func TestServiceTokenExpiryFollowsTheClock(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)}
	sim, c := renewClient(t, cdfsim.Options{Now: clk.Now, TokenTTL: time.Hour}, clk.Now)
	job := renewJob
	jobPath := fmt.Sprintf("/context/vision/segment/%d", job.ID)
	steps := []struct {
		advance    time.Duration
		wantGrants int
	}{
		{0, 1},
		{time.Hour - 11*time.Second, 1}, // not yet due: renewed 10 s before expiry
		{2 * time.Second, 2},            // due
		{30 * time.Minute, 2},
		{31 * time.Minute, 3}, // the second token has expired
	}
	for i, st := range steps {
		clk.Add(st.advance)
		if _, err := c.SegmentJob(t.Context(), job.ID); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if n := sim.TokenRequests(); n != st.wantGrants {
			t.Errorf("step %d (+%v): token grants = %d, want %d", i, st.advance, n, st.wantGrants)
		}
		if n := sim.APIRequests(jobPath); n != i+1 {
			t.Errorf("step %d: job requests = %d, want %d (a 401 was retried)", i, n, i+1)
		}
	}
}
