package cdf_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/cdfsim"
)

// TestCheckToken asks the identity provider each time, so an identity
// provider lost while a token is cached shows at once, and one back shows
// at once too.
func TestCheckToken(t *testing.T) {
	t.Parallel()
	sim, c := simClient(t, cdfsim.Options{Seed: true}, "right-secret")
	ctx := context.Background()
	if _, err := c.SegmentJob(ctx, sim.DemoJobs()[0].ID); err != nil {
		t.Fatal(err) // a token is now cached
	}
	before := sim.TokenRequests()
	if err := c.CheckToken(ctx); err != nil {
		t.Fatalf("CheckToken with the identity provider up = %v", err)
	}
	if got := sim.TokenRequests() - before; got != 1 {
		t.Errorf("CheckToken made %d token requests, want 1 (it must not answer from the cache)", got)
	}
	remove := sim.InjectFault(cdfsim.Fault{Match: "/oauth2/token", Status: http.StatusServiceUnavailable})
	err := c.CheckToken(ctx)
	var ae *cdf.AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("CheckToken with the identity provider down = %v, want an *AuthError", err)
	}
	// The cached token still serves calls meanwhile.
	if _, err := c.SegmentJob(ctx, sim.DemoJobs()[0].ID); err != nil {
		t.Errorf("a call after a failed check = %v, want the cached token used", err)
	}
	remove()
	if err := c.CheckToken(ctx); err != nil {
		t.Errorf("CheckToken with the identity provider back = %v", err)
	}
}

// TestCheckTokenStatic: a static token has nothing to ask.
func TestCheckTokenStatic(t *testing.T) {
	t.Parallel()
	hc, err := cdf.HTTPClient(context.Background(), cdf.Credentials{Flow: cdf.FlowToken, Token: "x"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cdf.New("https://example.cognitedata.com", "p", hc)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckToken(context.Background()); err != nil {
		t.Errorf("CheckToken with a static token = %v, want nil", err)
	}
}
