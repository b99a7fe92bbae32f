package app

import (
	"fmt"
	"net/http"
	"testing"
)

// When CDF forgets the service principal's token (a restart, a rotated
// key), the very next page fetches one new token and succeeds: the
// dashboard does not show "Authentication to CDF failed" until the old
// token would have expired.
func TestJobPageRecoversWhenCDFForgetsTheToken(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	jobs := s.sim.DemoJobs()
	if len(jobs) < 2 {
		t.Fatalf("%d demo jobs, want at least 2", len(jobs))
	}
	page := func(i int) string { return fmt.Sprintf("/projects/%s/jobs/%d", testProject, jobs[i].ID) }
	wantStatus(t, s.get(t, page(0)), http.StatusOK)
	grants := s.sim.TokenRequests()

	s.sim.ForgetTokens()
	// Another job, so that the page cannot come from a cache.
	jobPath := fmt.Sprintf("/context/vision/segment/%d", jobs[1].ID)
	before := s.sim.APIRequests(jobPath)
	wantStatus(t, s.get(t, page(1)), http.StatusOK)
	if n := s.sim.TokenRequests() - grants; n != 1 {
		t.Errorf("token grants after CDF forgot the token = %d, want 1", n)
	}
	if n := s.sim.APIRequests(jobPath) - before; n != 2 {
		t.Errorf("job requests = %d, want 2 (the refused one and its retry)", n)
	}
	// The new token is kept: the next pages need no further grant.
	wantStatus(t, s.get(t, page(0)), http.StatusOK)
	if n := s.sim.TokenRequests() - grants; n != 1 {
		t.Errorf("token grants after the next page = %d, want still 1", n)
	}
}
