package config

import (
	"fmt"
	"io/fs"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func envOf(m map[string]string) Getenv {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func noFiles(string) ([]byte, error) { return nil, fs.ErrNotExist }

func TestLoad(t *testing.T) {
	t.Parallel()
	cc := map[string]string{
		"CDF_PROJECT":       "publicdata",
		"CDF_CLUSTER":       "westeurope-1",
		"IDP_CLIENT_ID":     "client",
		"IDP_CLIENT_SECRET": "s3cret-value",
		"IDP_TENANT_ID":     "tenant-1",
	}
	with := func(base map[string]string, kv ...string) map[string]string {
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
	tests := []struct {
		name    string
		env     map[string]string
		files   map[string]string
		check   func(t *testing.T, c Config)
		wantErr []string // substrings of the error; nil means success
	}{
		{
			name: "no project means demo mode with defaults",
			env:  map[string]string{},
			check: func(t *testing.T, c Config) {
				want := Config{Addr: ":8080", LogFormat: "auto", ShutdownTimeout: 25 * time.Second, Demo: true, CDFVersion: "alpha", RequestTimeout: 30 * time.Second, Auth: Auth{Mode: AuthNone},
					Security: Security{FrameAncestors: "'self'"},
					Limits: Limits{MaxJSONBytes: 64 << 20, MaxImageBytes: 64 << 20, MaxImagePixels: 100_000_000,
						MaxVertices: 1_000_000, MaxItems: 200, MaxOverlayWidth: 2048, MaxAnnotations: 100_000},
					Verdicts: true,
					Render:   Render{ImageCacheBytes: 256 << 20, OutputCacheBytes: 32 << 20, Concurrency: runtime.NumCPU(), Wait: 5 * time.Second},
					Exports:  Exports{MaxConcurrent: runtime.NumCPU(), Queue: 256, MaxZipJobs: 100},
					Peers:    Peers{DNSInterval: DefaultPeersDNSInterval, CacheBytes: DefaultPeerCacheBytes}}
				if diff := cmp.Diff(want, c); diff != "" {
					t.Errorf("config mismatch (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "client credentials with cluster and Entra tenant",
			env:  cc,
			check: func(t *testing.T, c Config) {
				if c.Demo || c.URL != "https://westeurope-1.cognitedata.com" {
					t.Errorf("Demo=%v URL=%q", c.Demo, c.URL)
				}
				if c.TokenURL != "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token" {
					t.Errorf("TokenURL = %q", c.TokenURL)
				}
				if diff := cmp.Diff([]string{"https://westeurope-1.cognitedata.com/.default"}, c.Scopes); diff != "" {
					t.Errorf("default scopes (-want +got):\n%s", diff)
				}
				if c.ClientSecret.Reveal() != "s3cret-value" {
					t.Errorf("secret not read")
				}
			},
		},
		{
			name: "explicit token URL wins over tenant, scopes split on commas and spaces",
			env: with(cc, "IDP_TOKEN_URL", "https://auth.cognite.com/oauth2/token",
				"IDP_SCOPES", "a/.default, b c", "IDP_AUDIENCE", "https://aud", "CDF_URL", "https://api.cognitedata.com/"),
			check: func(t *testing.T, c Config) {
				if c.TokenURL != "https://auth.cognite.com/oauth2/token" || c.Audience != "https://aud" {
					t.Errorf("TokenURL=%q Audience=%q", c.TokenURL, c.Audience)
				}
				if c.URL != "https://api.cognitedata.com" {
					t.Errorf("CDF_URL wins over cluster and loses its slash: %q", c.URL)
				}
				if diff := cmp.Diff([]string{"a/.default", "b", "c"}, c.Scopes); diff != "" {
					t.Errorf("scopes (-want +got):\n%s", diff)
				}
			},
		},
		{
			name:  "secret from file",
			env:   with(cc, "IDP_CLIENT_SECRET", "<unset>", "IDP_CLIENT_SECRET_FILE", "/run/secrets/idp"),
			files: map[string]string{"/run/secrets/idp": "from-file\n"},
			check: func(t *testing.T, c Config) {
				if c.ClientSecret.Reveal() != "from-file" {
					t.Errorf("secret = %q", c.ClientSecret.Reveal())
				}
			},
		},
		{
			name: "token flow",
			env:  map[string]string{"CDF_PROJECT": "p", "CDF_URL": "http://127.0.0.1:9900", "LOGIN_FLOW": "token", "CDF_TOKEN": "tok"},
			check: func(t *testing.T, c Config) {
				if c.Token.Reveal() != "tok" || c.URL != "http://127.0.0.1:9900" {
					t.Errorf("Token/URL not read: %q", c.URL)
				}
			},
		},
		{
			name: "limits and address",
			env: map[string]string{"SEGVIEW_ADDR": "127.0.0.1:9000", "SEGVIEW_MAX_IMAGE_PIXELS": "1000",
				"SEGVIEW_MAX_JSON_BYTES": "2048", "SEGVIEW_MAX_VERTICES": "10", "SEGVIEW_MAX_ITEMS": "3",
				"SEGVIEW_MAX_IMAGE_BYTES": "4096", "SEGVIEW_MAX_OVERLAY_WIDTH": "800", "SEGVIEW_REQUEST_TIMEOUT": "5s",
				"SEGVIEW_CDF_VERSION": "beta", "SEGVIEW_MAX_ANNOTATIONS": "50", "SEGVIEW_VERDICTS": "false"},
			check: func(t *testing.T, c Config) {
				want := Limits{MaxJSONBytes: 2048, MaxImageBytes: 4096, MaxImagePixels: 1000, MaxVertices: 10, MaxItems: 3, MaxOverlayWidth: 800, MaxAnnotations: 50}
				if c.Verdicts {
					t.Error("SEGVIEW_VERDICTS=false left verdicts on")
				}
				if diff := cmp.Diff(want, c.Limits); diff != "" {
					t.Errorf("limits (-want +got):\n%s", diff)
				}
				if c.Addr != "127.0.0.1:9000" || c.RequestTimeout != 5*time.Second || c.CDFVersion != "beta" {
					t.Errorf("Addr=%q timeout=%v version=%q", c.Addr, c.RequestTimeout, c.CDFVersion)
				}
			},
		},
		{
			name: "render settings",
			env: map[string]string{"SEGVIEW_IMAGE_CACHE_BYTES": "1048576", "SEGVIEW_OUTPUT_CACHE_BYTES": "2048", "SEGVIEW_RENDER_CONCURRENCY": "3",
				"SEGVIEW_RENDER_WAIT": "250ms", "SEGVIEW_IGNORE_EXIF": "true"},
			check: func(t *testing.T, c Config) {
				want := Render{ImageCacheBytes: 1 << 20, OutputCacheBytes: 2048, Concurrency: 3, Wait: 250 * time.Millisecond, IgnoreEXIF: true}
				if diff := cmp.Diff(want, c.Render); diff != "" {
					t.Errorf("render (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "export defaults",
			check: func(t *testing.T, c Config) {
				if want := (Exports{MaxConcurrent: DefaultMaxExports(), Queue: DefaultExportQueue, MaxZipJobs: DefaultMaxZipJobs}); c.Exports != want {
					t.Errorf("exports = %+v, want %+v", c.Exports, want)
				}
			},
		},
		{
			name: "export settings",
			env:  map[string]string{"SEGVIEW_MAX_EXPORTS": "3", "SEGVIEW_EXPORT_QUEUE": "0", "SEGVIEW_MAX_ZIP_JOBS": "500"},
			check: func(t *testing.T, c Config) {
				if want := (Exports{MaxConcurrent: 3, Queue: 0, MaxZipJobs: 500}); c.Exports != want {
					t.Errorf("exports = %+v, want %+v (a queue of 0 refuses at once)", c.Exports, want)
				}
			},
		},
		{name: "metrics and logs", env: map[string]string{"SEGVIEW_METRICS_ADDR": "127.0.0.1:9090", "SEGVIEW_LOG_FORMAT": "JSON", "SEGVIEW_SHUTDOWN_TIMEOUT": "50s"},
			check: func(t *testing.T, c Config) {
				if c.MetricsAddr != "127.0.0.1:9090" || c.LogFormat != LogJSON || c.ShutdownTimeout != 50*time.Second {
					t.Errorf("MetricsAddr=%q LogFormat=%q ShutdownTimeout=%s", c.MetricsAddr, c.LogFormat, c.ShutdownTimeout)
				}
			}},
		{name: "peers from a list", env: map[string]string{"SEGVIEW_PEERS": " http://10.0.0.1:8081/ , http://10.0.0.2:8081", "SEGVIEW_PEER_ADDR": ":8081",
			"SEGVIEW_PEER_SELF": "http://10.0.0.2:8081", "SEGVIEW_PEER_SECRET": "0123456789abcdef"},
			check: func(t *testing.T, c Config) {
				want := Peers{URLs: []string{"http://10.0.0.1:8081", "http://10.0.0.2:8081"}, DNSInterval: DefaultPeersDNSInterval, Addr: ":8081",
					Self: "http://10.0.0.2:8081", Secret: "0123456789abcdef", CacheBytes: DefaultPeerCacheBytes}
				if diff := cmp.Diff(want, c.Peers); diff != "" || !c.Peers.Enabled() {
					t.Errorf("Peers (-want +got):\n%s", diff)
				}
			}},
		{name: "peers from DNS", env: map[string]string{"SEGVIEW_PEERS_DNS": "segview-peers", "SEGVIEW_PEERS_DNS_INTERVAL": "1m", "SEGVIEW_PEER_ADDR": ":8081",
			"SEGVIEW_PEER_SELF": "http://10.0.0.2:8081", "SEGVIEW_PEER_SECRET": "0123456789abcdef", "SEGVIEW_PEER_CACHE_BYTES": "1000"},
			check: func(t *testing.T, c Config) {
				if p := c.Peers; p.DNS != "segview-peers" || p.DNSInterval != time.Minute || p.CacheBytes != 1000 || !p.Enabled() {
					t.Errorf("Peers = %+v", p)
				}
			}},
		{name: "peers need their listener, self and secret", env: map[string]string{"SEGVIEW_PEERS_DNS": "segview-peers"},
			wantErr: []string{"SEGVIEW_PEER_ADDR is not set", "SEGVIEW_PEER_SELF is not set", "SEGVIEW_PEER_SECRET"}},
		{name: "peers: list and DNS, self not listed, shared port, bad URL, short secret", env: map[string]string{"SEGVIEW_PEERS": "http://10.0.0.1:8081,10.0.0.3",
			"SEGVIEW_PEERS_DNS": "segview-peers", "SEGVIEW_ADDR": ":8080", "SEGVIEW_PEER_ADDR": ":8080", "SEGVIEW_PEER_SELF": "http://10.0.0.2:8081", "SEGVIEW_PEER_SECRET": "short"},
			wantErr: []string{"keep one", "not one of SEGVIEW_PEERS", "a port of their own", `"10.0.0.3" is not a peer's base URL`, "shorter than 16"}},
		{name: "unknown log format", env: map[string]string{"SEGVIEW_LOG_FORMAT": "xml"}, wantErr: []string{"SEGVIEW_LOG_FORMAT", "text, json or auto"}},
		{name: "metrics on the main address", env: map[string]string{"SEGVIEW_ADDR": ":8080", "SEGVIEW_METRICS_ADDR": ":8080"}, wantErr: []string{"SEGVIEW_METRICS_ADDR", "another port"}},
		{name: "zero shutdown timeout", env: map[string]string{"SEGVIEW_SHUTDOWN_TIMEOUT": "0s"}, wantErr: []string{"SEGVIEW_SHUTDOWN_TIMEOUT", "positive duration"}},
		{name: "zero exports", env: map[string]string{"SEGVIEW_MAX_EXPORTS": "0"}, wantErr: []string{"SEGVIEW_MAX_EXPORTS", "positive whole number"}},
		{name: "absurd exports", env: map[string]string{"SEGVIEW_MAX_EXPORTS": "5000"}, wantErr: []string{"SEGVIEW_MAX_EXPORTS", "number of CPUs"}},
		{name: "negative export queue", env: map[string]string{"SEGVIEW_EXPORT_QUEUE": "-1"}, wantErr: []string{"SEGVIEW_EXPORT_QUEUE", "0 or more"}},
		{name: "bad export queue", env: map[string]string{"SEGVIEW_EXPORT_QUEUE": "many"}, wantErr: []string{"SEGVIEW_EXPORT_QUEUE", "0 or more"}},
		{name: "zero ZIP jobs", env: map[string]string{"SEGVIEW_MAX_ZIP_JOBS": "0"}, wantErr: []string{"SEGVIEW_MAX_ZIP_JOBS", "between 1 and 500"}},
		{name: "ZIP jobs above a queue", env: map[string]string{"SEGVIEW_MAX_ZIP_JOBS": "501"}, wantErr: []string{"SEGVIEW_MAX_ZIP_JOBS", "between 1 and 500"}},
		{name: "bad ZIP jobs", env: map[string]string{"SEGVIEW_MAX_ZIP_JOBS": "all"}, wantErr: []string{"SEGVIEW_MAX_ZIP_JOBS", "whole number"}},
		{name: "absurd export queue", env: map[string]string{"SEGVIEW_EXPORT_QUEUE": "1000000"}, wantErr: []string{"SEGVIEW_EXPORT_QUEUE", "above 100000"}},
		{
			name: "booleans are read in the usual spellings",
			env:  map[string]string{"SEGVIEW_IGNORE_EXIF": " FALSE "},
			check: func(t *testing.T, c Config) {
				if c.Render.IgnoreEXIF {
					t.Errorf("IgnoreEXIF = true for FALSE")
				}
			},
		},
		{name: "ignore EXIF: 1", env: map[string]string{"SEGVIEW_IGNORE_EXIF": "1"}, check: func(t *testing.T, c Config) {
			if !c.Render.IgnoreEXIF {
				t.Errorf("IgnoreEXIF = false for 1")
			}
		}},
		{name: "bad boolean", env: map[string]string{"SEGVIEW_IGNORE_EXIF": "sometimes"}, wantErr: []string{"SEGVIEW_IGNORE_EXIF", "true or false"}},
		{name: "zero cache", env: map[string]string{"SEGVIEW_IMAGE_CACHE_BYTES": "0"}, wantErr: []string{"SEGVIEW_IMAGE_CACHE_BYTES"}},
		{name: "zero concurrency", env: map[string]string{"SEGVIEW_RENDER_CONCURRENCY": "0"}, wantErr: []string{"SEGVIEW_RENDER_CONCURRENCY"}},
		{name: "absurd concurrency", env: map[string]string{"SEGVIEW_RENDER_CONCURRENCY": "100000"}, wantErr: []string{"SEGVIEW_RENDER_CONCURRENCY", "number of CPUs"}},
		{name: "bad render wait", env: map[string]string{"SEGVIEW_RENDER_WAIT": "5"}, wantErr: []string{"SEGVIEW_RENDER_WAIT"}},
		{name: "negative render wait", env: map[string]string{"SEGVIEW_RENDER_WAIT": "-1s"}, wantErr: []string{"SEGVIEW_RENDER_WAIT"}},
		{name: "no URL or cluster", env: with(cc, "CDF_CLUSTER", "<unset>"), wantErr: []string{"set CDF_CLUSTER"}},
		{name: "bad cluster", env: with(cc, "CDF_CLUSTER", "west/../evil"), wantErr: []string{"CDF_CLUSTER"}},
		{name: "http to remote host", env: with(cc, "CDF_URL", "http://example.com"), wantErr: []string{"CDF_URL", "https://"}},
		{name: "http to localhost allowed", env: with(cc, "CDF_URL", "http://localhost:9900")},
		{name: "URL with path", env: with(cc, "CDF_URL", "https://api.cognitedata.com/api/v1"), wantErr: []string{"has a path"}},
		{name: "URL with credentials", env: with(cc, "CDF_URL", "https://u:p@api.cognitedata.com"), wantErr: []string{"credentials"}},
		{name: "relative URL", env: with(cc, "CDF_URL", "api.cognitedata.com"), wantErr: []string{"not an absolute"}},
		{name: "no token URL", env: with(cc, "IDP_TENANT_ID", "<unset>"), wantErr: []string{"IDP_TOKEN_URL"}},
		{name: "http token URL", env: with(cc, "IDP_TOKEN_URL", "http://idp.example.com/token"), wantErr: []string{"IDP_TOKEN_URL", "https://"}},
		{name: "no client id", env: with(cc, "IDP_CLIENT_ID", "<unset>"), wantErr: []string{"IDP_CLIENT_ID"}},
		{name: "no secret", env: with(cc, "IDP_CLIENT_SECRET", "<unset>"), wantErr: []string{"IDP_CLIENT_SECRET or IDP_CLIENT_SECRET_FILE"}},
		{name: "secret and file", env: with(cc, "IDP_CLIENT_SECRET_FILE", "/x"), wantErr: []string{"keep one"}},
		{name: "missing secret file", env: with(cc, "IDP_CLIENT_SECRET", "<unset>", "IDP_CLIENT_SECRET_FILE", "/nope"), wantErr: []string{"does not exist"}},
		{name: "token flow without token", env: with(cc, "LOGIN_FLOW", "token"), wantErr: []string{"CDF_TOKEN"}},
		{name: "unsupported flow", env: with(cc, "LOGIN_FLOW", "interactive"), wantErr: []string{"LOGIN_FLOW", "client_credentials"}},
		{name: "bad limit", env: map[string]string{"SEGVIEW_MAX_IMAGE_PIXELS": "lots"}, wantErr: []string{"SEGVIEW_MAX_IMAGE_PIXELS"}},
		{name: "negative limit", env: map[string]string{"SEGVIEW_MAX_VERTICES": "-1"}, wantErr: []string{"SEGVIEW_MAX_VERTICES"}},
		{name: "bad timeout", env: map[string]string{"SEGVIEW_REQUEST_TIMEOUT": "soon"}, wantErr: []string{"SEGVIEW_REQUEST_TIMEOUT"}},
		{
			name:    "all problems reported together",
			env:     map[string]string{"CDF_PROJECT": "p", "LOGIN_FLOW": "client_credentials"},
			wantErr: []string{"CDF_CLUSTER", "IDP_TOKEN_URL", "IDP_CLIENT_ID", "IDP_CLIENT_SECRET"},
		},
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
				for _, v := range tt.env {
					if strings.Contains(v, "s3cret") && strings.Contains(err.Error(), v) {
						t.Errorf("error reveals a secret: %q", err)
					}
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

func TestEnvironRealEnvironmentWins(t *testing.T) {
	t.Parallel()
	get := Environ(envOf(map[string]string{"CDF_PROJECT": "real", "EMPTY": ""}),
		map[string]string{"CDF_PROJECT": "dotenv", "CDF_CLUSTER": "from-file", "EMPTY": "file"})
	for key, want := range map[string]string{"CDF_PROJECT": "real", "CDF_CLUSTER": "from-file", "EMPTY": ""} {
		if got, _ := get(key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	if _, ok := get("NOPE"); ok {
		t.Errorf("unset key reported as set")
	}
}

func TestParseDotEnv(t *testing.T) {
	t.Parallel()
	in := "\ufeff# toolkit .env\nCDF_CLUSTER=westeurope-1\nexport CDF_PROJECT = my-project \n" +
		"IDP_CLIENT_SECRET=\"quoted # not a comment\"\nIDP_SCOPES='a b'\nIDP_AUDIENCE=plain # comment\n\nEMPTY=\n"
	got, err := ParseDotEnv([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"CDF_CLUSTER": "westeurope-1", "CDF_PROJECT": "my-project", "IDP_CLIENT_SECRET": "quoted # not a comment",
		"IDP_SCOPES": "a b", "IDP_AUDIENCE": "plain", "EMPTY": "",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range []string{"NOEQUALS\n", "1BAD=x\n", "KEY=\"unterminated secret\n"} {
		_, err := ParseDotEnv([]byte(bad))
		if err == nil {
			t.Errorf("ParseDotEnv(%q) succeeded", bad)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("error echoes the line's value: %v", err)
		}
	}
}

func TestReadDotEnvMissingFile(t *testing.T) {
	t.Parallel()
	got, err := ReadDotEnv(t.TempDir() + "/.env")
	if err != nil || len(got) != 0 {
		t.Fatalf("ReadDotEnv(missing) = %v, %v; want empty, nil", got, err)
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	t.Parallel()
	s := Secret("hunter2")
	var buf strings.Builder
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	c := Config{LoginFlow: FlowClientCredentials, ClientSecret: s, Token: s}
	logger.LogAttrs(t.Context(), slog.LevelInfo, "start", c.LogAttrs()...)
	logger.Info("direct", "secret", s)
	c.LoginFlow = FlowToken
	logger.LogAttrs(t.Context(), slog.LevelInfo, "start", c.LogAttrs()...)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %s %q %#v %+v", s, s, s, s, c), buf.String()} {
		if strings.Contains(out, "hunter2") {
			t.Errorf("secret printed: %s", out)
		}
	}
	if !strings.Contains(buf.String(), redacted) {
		t.Errorf("summary does not say the secret is set: %s", buf.String())
	}
}

// errorMentions fails the test unless err is an error whose message
// contains each of want.
func errorMentions(t *testing.T, err error, want []string) {
	t.Helper()
	if err == nil {
		t.Fatalf("Load succeeded, want error mentioning %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}
