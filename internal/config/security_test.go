package config

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadSecurity(t *testing.T) {
	t.Parallel()
	cc := map[string]string{
		"CDF_PROJECT":       "acme",
		"CDF_CLUSTER":       "westeurope-1",
		"IDP_TENANT_ID":     "tenant-1",
		"IDP_CLIENT_ID":     "client",
		"IDP_CLIENT_SECRET": "s3cret-value",
	}
	oidc := with(cc,
		"SEGVIEW_AUTH", "oidc",
		"SEGVIEW_OIDC_ISSUER", "https://idp.example.com",
		"SEGVIEW_OIDC_CLIENT_ID", "segview-web",
		"SEGVIEW_PUBLIC_URL", "https://segview.example.com",
		"SEGVIEW_SESSION_KEY", base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32))))
	tests := []struct {
		name    string
		env     map[string]string
		want    Security
		wantErr []string
	}{
		{name: "defaults", env: cc, want: Security{FrameAncestors: "'self'"}},
		{name: "demo mode has the defaults too", env: map[string]string{}, want: Security{FrameAncestors: "'self'"}},
		{name: "portal may frame", env: with(cc, "SEGVIEW_FRAME_ANCESTORS", "  'self'   https://portal.example.com "),
			want: Security{FrameAncestors: "'self' https://portal.example.com"}},
		{name: "nobody may frame", env: with(cc, "SEGVIEW_FRAME_ANCESTORS", "'none'"), want: Security{FrameAncestors: "'none'"}},
		{name: "https public URL without sign-in gives HSTS", env: with(cc, "SEGVIEW_PUBLIC_URL", "https://segview.example.com/"),
			want: Security{FrameAncestors: "'self'", PublicURL: "https://segview.example.com", HSTS: true, Hosts: []string{"segview.example.com"}}},
		{name: "loopback http public URL gives no HSTS", env: with(cc, "SEGVIEW_PUBLIC_URL", "http://localhost:8080"),
			want: Security{FrameAncestors: "'self'", PublicURL: "http://localhost:8080", Hosts: []string{"localhost"}}},
		{name: "sign-in's public URL gives HSTS", env: oidc,
			want: Security{FrameAncestors: "'self'", PublicURL: "https://segview.example.com", HSTS: true, Hosts: []string{"segview.example.com"}}},
		{name: "allowed hosts, ports ignored, sorted, once each", env: with(cc, "SEGVIEW_ALLOWED_HOSTS", " Segview.internal:8080, 10.0.0.7 ,[::1]:8080,,segview.internal."),
			want: Security{FrameAncestors: "'self'", Hosts: []string{"10.0.0.7", "::1", "segview.internal"}}},
		{name: "allowed hosts add to the public URL's", env: with(cc, "SEGVIEW_PUBLIC_URL", "https://segview.example.com:8443", "SEGVIEW_ALLOWED_HOSTS", "segview.internal,segview.example.com"),
			want: Security{FrameAncestors: "'self'", PublicURL: "https://segview.example.com:8443", HSTS: true, Hosts: []string{"segview.example.com", "segview.internal"}}},
		{name: "allowed hosts with sign-in", env: with(oidc, "SEGVIEW_ALLOWED_HOSTS", "localhost"),
			want: Security{FrameAncestors: "'self'", PublicURL: "https://segview.example.com", HSTS: true, Hosts: []string{"localhost", "segview.example.com"}}},
		{name: "allowed hosts in demo mode", env: map[string]string{"SEGVIEW_ALLOWED_HOSTS": "laptop.local"},
			want: Security{FrameAncestors: "'self'", Hosts: []string{"laptop.local"}}},
		{name: "only commas is unset", env: with(cc, "SEGVIEW_ALLOWED_HOSTS", " , ,"), want: Security{FrameAncestors: "'self'"}},
		{name: "allowed host as a URL", env: with(cc, "SEGVIEW_ALLOWED_HOSTS", "https://segview.example.com"),
			wantErr: []string{"SEGVIEW_ALLOWED_HOSTS", `"https://segview.example.com"`, "host names"}},
		{name: "allowed host wildcard", env: with(cc, "SEGVIEW_ALLOWED_HOSTS", "*.example.com"),
			wantErr: []string{"SEGVIEW_ALLOWED_HOSTS", "wildcard"}},
		{name: "allowed host everything", env: with(cc, "SEGVIEW_ALLOWED_HOSTS", "*"),
			wantErr: []string{"SEGVIEW_ALLOWED_HOSTS", "wildcard"}},
		{name: "allowed host IPv6 without brackets", env: with(cc, "SEGVIEW_ALLOWED_HOSTS", "::1"),
			wantErr: []string{"SEGVIEW_ALLOWED_HOSTS", `"::1"`, "brackets"}},
		{name: "allowed host with a bad port", env: with(cc, "SEGVIEW_ALLOWED_HOSTS", "ok.example, segview.example.com:http"),
			wantErr: []string{"SEGVIEW_ALLOWED_HOSTS", "segview.example.com:http"}},
		{name: "allowed host with spaces", env: with(cc, "SEGVIEW_ALLOWED_HOSTS", "a.example b.example"),
			wantErr: []string{"SEGVIEW_ALLOWED_HOSTS", "a.example b.example"}},
		{name: "http public URL without sign-in", env: with(cc, "SEGVIEW_PUBLIC_URL", "http://segview.example.com"),
			wantErr: []string{"SEGVIEW_PUBLIC_URL", "https://"}},
		{name: "public URL with a path", env: with(cc, "SEGVIEW_PUBLIC_URL", "https://example.com/segview"),
			wantErr: []string{"SEGVIEW_PUBLIC_URL", "root"}},
		{name: "bad public URL with sign-in is reported once", env: with(oidc, "SEGVIEW_PUBLIC_URL", "ftp://x"),
			wantErr: []string{"SEGVIEW_PUBLIC_URL"}},
		{name: "a directive smuggled in", env: with(cc, "SEGVIEW_FRAME_ANCESTORS", "'self'; script-src *"),
			wantErr: []string{"SEGVIEW_FRAME_ANCESTORS", "';'"}},
		{name: "unquoted self", env: with(cc, "SEGVIEW_FRAME_ANCESTORS", "self https://portal.example.com"),
			wantErr: []string{"SEGVIEW_FRAME_ANCESTORS", "'self'"}},
		{name: "double-quoted self", env: with(cc, "SEGVIEW_FRAME_ANCESTORS", `"self"`),
			wantErr: []string{"SEGVIEW_FRAME_ANCESTORS", "quoted"}},
		{name: "unknown keyword", env: with(cc, "SEGVIEW_FRAME_ANCESTORS", "'unsafe-inline'"),
			wantErr: []string{"SEGVIEW_FRAME_ANCESTORS", "quoted"}},
		{name: "everyone", env: with(cc, "SEGVIEW_FRAME_ANCESTORS", "*"), wantErr: []string{"SEGVIEW_FRAME_ANCESTORS", "every site"}},
		{name: "every https site", env: with(cc, "SEGVIEW_FRAME_ANCESTORS", "'self' https:"),
			wantErr: []string{"SEGVIEW_FRAME_ANCESTORS", `"https:"`, "scheme alone"}},
		{name: "every .com site", env: with(cc, "SEGVIEW_FRAME_ANCESTORS", "https://*.com"),
			wantErr: []string{"SEGVIEW_FRAME_ANCESTORS", "public suffix com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Load(envOf(tt.env), noFiles)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("Load succeeded with %+v, want an error mentioning %q", c.Security, tt.wantErr)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %q", err, w)
					}
				}
				if n := strings.Count(err.Error(), "SEGVIEW_PUBLIC_URL"); n > 1 {
					t.Errorf("SEGVIEW_PUBLIC_URL reported %d times: %q", n, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if diff := cmp.Diff(tt.want, c.Security); diff != "" {
				t.Errorf("Security mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckFrameAncestors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"'self'", "'self'", true},
		{"'none'", "'none'", true},
		{"'self' https://portal.example.com", "'self' https://portal.example.com", true},
		{"https://*.example.com:8443 http://localhost:3000", "https://*.example.com:8443 http://localhost:3000", true},
		{"https://portal.example.com:*", "https://portal.example.com:*", true},
		{"portal.example.com", "portal.example.com", true},
		{"https://*.example.co.uk", "https://*.example.co.uk", true},
		{"*.portal.example.com", "*.portal.example.com", true},
		{"\t'self'\nhttps://a.example ", "'self' https://a.example", true},
		{"10.0.0.1", "10.0.0.1", true},
		{"'none' 'self'", "", false},
		{"self", "", false},
		{"none", "", false},
		{"*", "", false},
		{"'self';", "", false},
		{"'self', https://a.example", "", false},
		{"https://a.example;report-uri", "", false},
		{"'self", "", false},
		{"'unsafe-inline'", "", false},
		{`"https://a.example"`, "", false},
		{"https://a.example/path", "", false},
		{"https://user@a.example", "", false},
		{"javascript://a.example", "", false},
		{"data:", "", false},
		{"https://a.example:0", "", false},
		{"https://a.example:99999", "", false},
		{"https://-bad-.example", "", false},
		{"https://a..example", "", false},
		{"https://a.example\x00", "", false},
		{"https://exämple.com", "", false},
		{"https://*", "", false},
		{"*:443", "", false},
		{"https://*:*", "", false},
		{"https:", "", false},
		{"http:", "", false},
		{"wss:", "", false},
		{"blob:", "", false},
		{"*.com", "", false},
		{"https://*.com", "", false},
		{"https://*.COM:443", "", false},
		{"*.io", "", false},
		{"*.co.uk", "", false},
		{"https://*.co.uk", "", false},
		{"https://*.github.io", "", false},
		{"*.0.0.1", "", false},
		{"https://*.*.example.com", "", false},
	}
	for _, tt := range tests {
		got, msg := checkFrameAncestors(tt.in)
		if ok := msg == ""; ok != tt.ok || got != tt.want {
			t.Errorf("checkFrameAncestors(%q) = %q, %q; want %q, ok=%v", tt.in, got, msg, tt.want, tt.ok)
		}
	}
}

func TestSecuritySummary(t *testing.T) {
	t.Parallel()
	c, err := Load(envOf(map[string]string{"SEGVIEW_PUBLIC_URL": "https://segview.example.com", "SEGVIEW_FRAME_ANCESTORS": "'none'"}), noFiles)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range c.LogAttrs() {
		if _, dup := got[a.Key]; dup {
			t.Errorf("summary has %q twice", a.Key)
		}
		got[a.Key] = a.Value.String()
	}
	want := map[string]string{"frame_ancestors": "'none'", "hsts": "true", "public_url": "https://segview.example.com", "hosts": "segview.example.com"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("summary %s = %q, want %q", k, got[k], v)
		}
	}
}
