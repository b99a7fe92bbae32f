package config

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
)

// TestLoadProjects reads SEGVIEW_PROJECTS against CDF_PROJECT and the
// identity: the projects served, the default one, and what is refused.
func TestLoadProjects(t *testing.T) {
	t.Parallel()
	service := map[string]string{
		"CDF_CLUSTER":       "westeurope-1",
		"IDP_TENANT_ID":     "tenant-1",
		"IDP_CLIENT_ID":     "client",
		"IDP_CLIENT_SECRET": "s3cret-value",
	}
	user := map[string]string{
		"CDF_CLUSTER":            "westeurope-1",
		"SEGVIEW_AUTH":           "oidc",
		"SEGVIEW_CDF_IDENTITY":   "user",
		"SEGVIEW_OIDC_ISSUER":    "https://login.microsoftonline.com/tenant-1/v2.0",
		"SEGVIEW_OIDC_CLIENT_ID": "segview-web",
		"SEGVIEW_PUBLIC_URL":     "https://segview.example.com",
		"SEGVIEW_SESSION_KEY":    base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32))),
	}
	tests := []struct {
		name        string
		base        map[string]string
		env         map[string]string
		projects    []string
		defaultName string
		any         bool
		demo        bool
		wantErr     []string
		notErr      []string // the error must not mention these
	}{
		{name: "CDF_PROJECT alone", base: service, env: map[string]string{"CDF_PROJECT": "acme"},
			projects: []string{"acme"}, defaultName: "acme"},
		{name: "a list, CDF_PROJECT the default", base: service, env: map[string]string{"CDF_PROJECT": "acme-prod", "SEGVIEW_PROJECTS": "acme-dev, acme-prod ,"},
			projects: []string{"acme-dev", "acme-prod"}, defaultName: "acme-prod"},
		{name: "a list without CDF_PROJECT: the first is the default", base: service, env: map[string]string{"SEGVIEW_PROJECTS": "acme-test,acme-dev"},
			projects: []string{"acme-test", "acme-dev"}, defaultName: "acme-test"},
		{name: "neither: demo", env: map[string]string{}, demo: true},
		{name: "any project with per-person identity", base: user, env: map[string]string{"SEGVIEW_PROJECTS": "*"}, any: true},
		{name: "any project, CDF_PROJECT the default", base: user, env: map[string]string{"SEGVIEW_PROJECTS": " * ", "CDF_PROJECT": "acme"},
			any: true, defaultName: "acme"},
		{name: "any project with the service identity", base: service, env: map[string]string{"SEGVIEW_PROJECTS": "*"},
			wantErr: []string{"SEGVIEW_PROJECTS=* needs SEGVIEW_AUTH=oidc and SEGVIEW_CDF_IDENTITY=user"}},
		{name: "any project with sign-in but the service identity", base: with(user, "SEGVIEW_CDF_IDENTITY", "service", "IDP_TENANT_ID", "t", "IDP_CLIENT_ID", "c", "IDP_CLIENT_SECRET", "s3cret-value"),
			env: map[string]string{"SEGVIEW_PROJECTS": "*"}, wantErr: []string{"SEGVIEW_CDF_IDENTITY=user"}},
		{name: "any project mixed with names", base: user, env: map[string]string{"SEGVIEW_PROJECTS": "acme,*"}, wantErr: []string{"mixes * with project names"}},
		{name: "CDF_PROJECT not listed", base: service, env: map[string]string{"CDF_PROJECT": "acme", "SEGVIEW_PROJECTS": "acme-dev,acme-prod"},
			wantErr: []string{"CDF_PROJECT (acme) is not one of SEGVIEW_PROJECTS"}},
		{name: "a duplicate", base: service, env: map[string]string{"SEGVIEW_PROJECTS": "acme,acme"}, wantErr: []string{`names "acme" twice`}},
		{name: "a slash", base: service, env: map[string]string{"SEGVIEW_PROJECTS": "acme,a/b"}, wantErr: []string{`"a/b" is not a CDF project name`}},
		{name: "a leading hyphen", base: service, env: map[string]string{"SEGVIEW_PROJECTS": "-acme"}, wantErr: []string{`"-acme" is not a CDF project name`}},
		{name: "an underscore", base: service, env: map[string]string{"SEGVIEW_PROJECTS": "acme_dev"}, wantErr: []string{`"acme_dev" is not a CDF project name`}},
		{name: "too long", base: service, env: map[string]string{"SEGVIEW_PROJECTS": strings.Repeat("a", 65)}, wantErr: []string{"is not a CDF project name", "at most 64"}},
		{name: "a bad name alone: one error", base: service, env: map[string]string{"SEGVIEW_PROJECTS": "demo b"},
			wantErr: []string{`"demo b" is not a CDF project name`}, notErr: []string{"names no project", ";"}},
		{name: "only bad names: no further error", base: service, env: map[string]string{"SEGVIEW_PROJECTS": "a/b,c d"},
			wantErr: []string{`"a/b" is not a CDF project name`}, notErr: []string{"names no project"}},
		{name: "names differing by case", base: service, env: map[string]string{"SEGVIEW_PROJECTS": "demo,Demo"},
			wantErr: []string{`names "demo" and "Demo", which differ only by case`}, notErr: []string{"names no project"}},
		{name: "names differing by case, CDF_PROJECT set", base: service, env: map[string]string{"CDF_PROJECT": "acme", "SEGVIEW_PROJECTS": "ACME,acme"},
			wantErr: []string{`names "ACME" and "acme"`}},
		{name: "only commas", base: service, env: map[string]string{"SEGVIEW_PROJECTS": ",,"}, wantErr: []string{"names no project"}},
		{name: "bad CDF_PROJECT", base: service, env: map[string]string{"CDF_PROJECT": "acme dev"}, wantErr: []string{`CDF_PROJECT "acme dev" is not a CDF project name`}},
		{name: "a list needs a cluster", env: map[string]string{"SEGVIEW_PROJECTS": "acme"}, wantErr: []string{"neither CDF_URL nor CDF_CLUSTER"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{}
			for k, v := range tt.base {
				env[k] = v
			}
			for k, v := range tt.env {
				env[k] = v
			}
			c, err := Load(envOf(env), noFiles)
			if tt.wantErr != nil {
				errorMentions(t, err, tt.wantErr)
				for _, w := range tt.notErr {
					if strings.Contains(err.Error(), w) {
						t.Errorf("error %q mentions %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !slices.Equal(c.Projects, tt.projects) || c.Project != tt.defaultName || c.AnyProject != tt.any || c.Demo != tt.demo {
				t.Errorf("Projects %q, Project %q, AnyProject %v, Demo %v; want %q, %q, %v, %v",
					c.Projects, c.Project, c.AnyProject, c.Demo, tt.projects, tt.defaultName, tt.any, tt.demo)
			}
		})
	}
}
