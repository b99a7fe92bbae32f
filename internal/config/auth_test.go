package config

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadAuth(t *testing.T) {
	t.Parallel()
	key1 := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32)))
	key2 := base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("\xfe", 32)))
	// A deployment with sign-in and the person's identity: no service
	// principal at all.
	user := map[string]string{
		"CDF_PROJECT":            "acme",
		"CDF_CLUSTER":            "westeurope-1",
		"SEGVIEW_AUTH":           "oidc",
		"SEGVIEW_OIDC_ISSUER":    "https://login.microsoftonline.com/tenant-1/v2.0",
		"SEGVIEW_OIDC_CLIENT_ID": "segview-web",
		"SEGVIEW_PUBLIC_URL":     "https://segview.example.com/",
		"SEGVIEW_SESSION_KEY":    key1,
	}
	// The same with the service principal calling CDF.
	service := with(user, "SEGVIEW_CDF_IDENTITY", "service", "IDP_TENANT_ID", "tenant-1", "IDP_CLIENT_ID", "client", "IDP_CLIENT_SECRET", "s3cret-value")
	tests := []struct {
		name    string
		env     map[string]string
		files   map[string]string
		check   func(t *testing.T, c Config)
		wantErr []string
	}{
		{name: "default is no sign-in", env: map[string]string{}, check: func(t *testing.T, c Config) {
			if c.Auth.Mode != AuthNone || c.Auth.Identity != "" {
				t.Errorf("Auth = %+v, want mode none", c.Auth)
			}
		}},
		{name: "user identity needs no service principal", env: user, check: func(t *testing.T, c Config) {
			want := Auth{Mode: AuthOIDC, Identity: IdentityUser, Issuer: "https://login.microsoftonline.com/tenant-1/v2.0",
				ClientID: "segview-web", PublicURL: "https://segview.example.com",
				Scopes:      []string{"openid", "profile", "email", "offline_access", "https://westeurope-1.cognitedata.com/.default"},
				SessionKeys: []Secret{Secret(strings.Repeat("k", 32))}}
			if diff := cmp.Diff(want, c.Auth); diff != "" {
				t.Errorf("Auth mismatch (-want +got):\n%s", diff)
			}
			if c.LoginFlow != FlowUser || c.ClientSecret.IsSet() || c.TokenURL != "" {
				t.Errorf("LoginFlow = %q, client secret set = %t, token URL %q: want the user flow without service principal", c.LoginFlow, c.ClientSecret.IsSet(), c.TokenURL)
			}
		}},
		{name: "user identity with CDF scopes and audience", env: with(user, "IDP_SCOPES", "https://x/user_impersonation", "IDP_AUDIENCE", "https://westeurope-1.cognitedata.com"), check: func(t *testing.T, c Config) {
			if diff := cmp.Diff([]string{"openid", "profile", "email", "offline_access", "https://x/user_impersonation"}, c.Auth.Scopes); diff != "" {
				t.Errorf("scopes (-want +got):\n%s", diff)
			}
			if c.Auth.Audience != "https://westeurope-1.cognitedata.com" {
				t.Errorf("Audience = %q", c.Auth.Audience)
			}
		}},
		{name: "explicit scopes win", env: with(user, "SEGVIEW_OIDC_SCOPES", "openid email"), check: func(t *testing.T, c Config) {
			if diff := cmp.Diff([]string{"openid", "email"}, c.Auth.Scopes); diff != "" {
				t.Errorf("scopes (-want +got):\n%s", diff)
			}
		}},
		{name: "user identity ignores service settings", env: with(user, "LOGIN_FLOW", "interactive", "IDP_CLIENT_SECRET", "s3cret-value"), check: func(t *testing.T, c Config) {
			if c.LoginFlow != FlowUser || c.ClientSecret.IsSet() {
				t.Errorf("LoginFlow = %q, client secret set = %t", c.LoginFlow, c.ClientSecret.IsSet())
			}
		}},
		{name: "service identity keeps the service principal", env: service, check: func(t *testing.T, c Config) {
			if c.Auth.Identity != IdentityService || c.LoginFlow != FlowClientCredentials || !c.ClientSecret.IsSet() {
				t.Errorf("identity %q, flow %q, secret set %t", c.Auth.Identity, c.LoginFlow, c.ClientSecret.IsSet())
			}
			if diff := cmp.Diff([]string{"openid", "profile", "email", "offline_access"}, c.Auth.Scopes); diff != "" {
				t.Errorf("scopes (-want +got):\n%s", diff)
			}
		}},
		{name: "service identity still needs the service principal", env: with(service, "IDP_CLIENT_SECRET", "<unset>"), wantErr: []string{"IDP_CLIENT_SECRET"}},
		{name: "demo with sign-in gating only", env: map[string]string{"SEGVIEW_AUTH": "oidc", "SEGVIEW_CDF_IDENTITY": "service",
			"SEGVIEW_OIDC_ISSUER": "http://127.0.0.1:5556/dex", "SEGVIEW_OIDC_CLIENT_ID": "x", "SEGVIEW_PUBLIC_URL": "http://localhost:8080", "SEGVIEW_SESSION_KEY": key1}},
		{name: "demo with the person's identity", env: map[string]string{"SEGVIEW_AUTH": "oidc",
			"SEGVIEW_OIDC_ISSUER": "http://127.0.0.1:5556/dex", "SEGVIEW_OIDC_CLIENT_ID": "x", "SEGVIEW_PUBLIC_URL": "http://localhost:8080", "SEGVIEW_SESSION_KEY": key1},
			wantErr: []string{"SEGVIEW_CDF_IDENTITY=service"}},
		{name: "client secret from a file", env: with(user, "SEGVIEW_OIDC_CLIENT_SECRET_FILE", "/run/secrets/oidc"), files: map[string]string{"/run/secrets/oidc": "s3cret-value\n"},
			check: func(t *testing.T, c Config) {
				if c.Auth.ClientSecret.Reveal() != "s3cret-value" {
					t.Errorf("client secret not read from the file")
				}
			}},
		{name: "rotated keys from a file", env: with(user, "SEGVIEW_SESSION_KEY", "<unset>", "SEGVIEW_SESSION_KEY_FILE", "/keys"), files: map[string]string{"/keys": key2 + ", " + key1 + "\n"},
			check: func(t *testing.T, c Config) {
				if len(c.Auth.SessionKeys) != 2 || c.Auth.SessionKeys[0].Reveal() != strings.Repeat("\xfe", 32) {
					t.Errorf("session keys not decoded in order")
				}
			}},
		{name: "a session key without sign-in keys the forms", env: map[string]string{"SEGVIEW_SESSION_KEY": key1}, check: func(t *testing.T, c Config) {
			if c.Auth.Mode != AuthNone || len(c.Auth.SessionKeys) != 1 || c.Auth.SessionKeys[0].Reveal() != strings.Repeat("k", 32) {
				t.Errorf("Auth = mode %q, %d keys; want none with the key", c.Auth.Mode, len(c.Auth.SessionKeys))
			}
		}},
		{name: "a bad session key without sign-in", env: map[string]string{"SEGVIEW_SESSION_KEY": "short"}, wantErr: []string{"SEGVIEW_SESSION_KEY", "32 bytes"}},
		{name: "identity user without sign-in", env: map[string]string{"SEGVIEW_CDF_IDENTITY": "user"}, wantErr: []string{"SEGVIEW_AUTH=oidc"}},
		{name: "unknown mode", env: map[string]string{"SEGVIEW_AUTH": "basic"}, wantErr: []string{"SEGVIEW_AUTH", "oidc"}},
		{name: "unknown identity", env: with(user, "SEGVIEW_CDF_IDENTITY", "robot"), wantErr: []string{"SEGVIEW_CDF_IDENTITY", "service"}},
		{name: "nothing set", env: map[string]string{"CDF_PROJECT": "acme", "CDF_CLUSTER": "westeurope-1", "SEGVIEW_AUTH": "oidc"},
			wantErr: []string{"SEGVIEW_OIDC_ISSUER", "SEGVIEW_OIDC_CLIENT_ID", "SEGVIEW_PUBLIC_URL", "SEGVIEW_SESSION_KEY", "openssl rand"}},
		{name: "http issuer", env: with(user, "SEGVIEW_OIDC_ISSUER", "http://idp.example.com"), wantErr: []string{"SEGVIEW_OIDC_ISSUER", "https://"}},
		{name: "loopback http issuer", env: with(user, "SEGVIEW_OIDC_ISSUER", "http://127.0.0.1:5556/dex")},
		{name: "issuer with query", env: with(user, "SEGVIEW_OIDC_ISSUER", "https://idp.example.com/?x=1"), wantErr: []string{"SEGVIEW_OIDC_ISSUER", "query"}},
		{name: "http public URL", env: with(user, "SEGVIEW_PUBLIC_URL", "http://segview.example.com"), wantErr: []string{"SEGVIEW_PUBLIC_URL", "https://"}},
		{name: "public URL with a path", env: with(user, "SEGVIEW_PUBLIC_URL", "https://example.com/segview"), wantErr: []string{"SEGVIEW_PUBLIC_URL", "root"}},
		{name: "relative public URL", env: with(user, "SEGVIEW_PUBLIC_URL", "segview.example.com"), wantErr: []string{"SEGVIEW_PUBLIC_URL"}},
		{name: "short key", env: with(user, "SEGVIEW_SESSION_KEY", base64.StdEncoding.EncodeToString([]byte("short"))), wantErr: []string{"key 1", "32 bytes"}},
		{name: "second key bad", env: with(user, "SEGVIEW_SESSION_KEY", key1+",not base64!"), wantErr: []string{"key 2"}},
		{name: "key and key file", env: with(user, "SEGVIEW_SESSION_KEY_FILE", "/keys"), wantErr: []string{"keep one"}},
		{name: "user identity still needs CDF", env: with(user, "CDF_CLUSTER", "<unset>"), wantErr: []string{"CDF_CLUSTER"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			read := func(p string) ([]byte, error) {
				if s, ok := tt.files[p]; ok {
					return []byte(s), nil
				}
				return noFiles(p)
			}
			c, err := Load(envOf(tt.env), read)
			if tt.wantErr != nil {
				errorMentions(t, err, tt.wantErr)
				if strings.Contains(err.Error(), key1) || strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error reveals a secret: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestAuthSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	key := strings.Repeat("K", 32)
	c := Config{LoginFlow: FlowUser, Auth: Auth{Mode: AuthOIDC, Identity: IdentityUser, ClientSecret: "hunter2", SessionKeys: []Secret{Secret(key)}}}
	var buf strings.Builder
	slog.New(slog.NewJSONHandler(&buf, nil)).LogAttrs(t.Context(), slog.LevelInfo, "start", c.LogAttrs()...)
	for _, out := range []string{buf.String(), fmt.Sprintf("%v %+v %#v", c, c, c)} {
		if strings.Contains(out, "hunter2") || strings.Contains(out, key) {
			t.Errorf("secret printed: %s", out)
		}
	}
	if !strings.Contains(buf.String(), `"oidc_client_secret":"[redacted]"`) || !strings.Contains(buf.String(), `"session_keys":1`) {
		t.Errorf("summary lacks the redacted sign-in settings: %s", buf.String())
	}
}

// with returns base with the key-value pairs of kv set; "<unset>" removes.
func with(base map[string]string, kv ...string) map[string]string {
	m := map[string]string{}
	for k, v := range base {
		m[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "<unset>" {
			delete(m, kv[i])
			continue
		}
		m[kv[i]] = kv[i+1]
	}
	return m
}

// A caller writing to the slice it got must not change the scopes the next
// configuration requests.
func TestDefaultOIDCScopesIsACopy(t *testing.T) {
	t.Parallel()
	DefaultOIDCScopes()[0] = "changed"
	if diff := cmp.Diff([]string{"openid", "profile", "email", "offline_access"}, DefaultOIDCScopes()); diff != "" {
		t.Errorf("DefaultOIDCScopes() (-want +got):\n%s", diff)
	}
}
