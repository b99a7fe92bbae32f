package cdf_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/cdfsim"
)

func TestValidProject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ok   bool
	}{
		{"acme", true},
		{"p", true},
		{"acme-dev-2", true},
		{"Publicdata", true},
		{"1acme", true},
		{strings.Repeat("a", cdf.MaxProjectLength), true},
		{"", false},
		{strings.Repeat("a", cdf.MaxProjectLength+1), false},
		{"-acme", false},
		{"acme_dev", false},
		{"a/b", false},
		{"a b", false},
		{"acme.", false},
		{"ac%2Fme", false},
		{"*", false},
		{"åcme", false},
	}
	for _, tt := range tests {
		if got := cdf.ValidProject(tt.name); got != tt.ok {
			t.Errorf("ValidProject(%q) = %v, want %v", tt.name, got, tt.ok)
		}
	}
}

// TestForProject reads the same job id from two projects of one
// simulator through one client and its view of the other project: each
// answers its own project's job, and token inspection lists both.
func TestForProject(t *testing.T) {
	t.Parallel()
	sim, c := simClient(t, cdfsim.Options{Seed: true, Projects: []string{"other"}}, "right-secret")
	ctx := context.Background()
	o, err := c.ForProject("other")
	if err != nil {
		t.Fatal(err)
	}
	if c.Project() != "proj" || o.Project() != "other" {
		t.Fatalf("projects %q and %q", c.Project(), o.Project())
	}
	if same, _ := c.ForProject("proj"); same != c {
		t.Error("ForProject of the client's own project is not the client")
	}
	for _, bad := range []string{"", "a/b", "../x", "*"} {
		if _, err := c.ForProject(bad); err == nil {
			t.Errorf("ForProject(%q) succeeded", bad)
		}
	}
	tokens := sim.TokenRequests()
	tests := []struct {
		client *cdf.Client
		file   string // the name of the job's first file
	}{
		{c, "pump-skid-p101a.png"},
		{o, "valve-hv112-other.png"},
	}
	for _, tt := range tests {
		job, err := tt.client.SegmentJob(ctx, cdfsim.DemoJobPumpSkid)
		if err != nil {
			t.Fatal(err)
		}
		files, err := tt.client.FilesByIDs(ctx, []cdf.FileIdentifier{cdf.ByID(job.Items[0].FileID)}, false)
		if err != nil || len(files) != 1 || files[0].Name != tt.file {
			t.Errorf("%s: file %v (%v), want %s", tt.client.Project(), files, err, tt.file)
		}
	}
	if n := sim.TokenRequests() - tokens; n > 1 {
		t.Errorf("the view fetched its own tokens: %d token requests", n)
	}
	if n := sim.APIRequests("/projects/other/context/vision/segment/"); n != 1 {
		t.Errorf("%d job reads in project other, want 1", n)
	}

	ins, err := o.InspectToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range ins.Projects {
		names = append(names, p.ProjectURLName)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"other", "proj"}) || ins.Subject == "" {
		t.Errorf("token inspection: subject %q, projects %v", ins.Subject, names)
	}
	if n := sim.APIRequests("/api/v1/token/inspect"); n != 1 {
		t.Errorf("%d requests to /api/v1/token/inspect, want 1 (not under a project)", n)
	}

	sim.RevokeCapability(cdfsim.CapProjectsList)
	_, err = c.InspectToken(ctx)
	var apiErr *cdf.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden {
		t.Errorf("inspection without projectsAcl:LIST: %v, want a 403", err)
	}
}
