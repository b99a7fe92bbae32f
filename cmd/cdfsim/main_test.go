package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/segview/segview/internal/httptestclient"
)

// syncBuffer is a concurrency-safe stderr for run. Each write also wakes
// whoever waits on written, so a test waits for a log line, not for time.
type syncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	written chan struct{} // capacity 1: a pending wake-up is never lost
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{written: make(chan struct{}, 1)} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	select {
	case b.written <- struct{}{}:
	default:
	}
	return n, err
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// baseURLRE matches the last line the command logs at start-up, the one
// that tells how to configure segview, so the whole start-up log is there
// once it matches.
var baseURLRE = regexp.MustCompile(` CDF_URL=(http://\S+)`)

// startRun runs the command in the background and waits until it has logged
// its start-up lines, ending with its base URL, however long starting and seeding take on this machine; the
// test binary's -timeout is the only bound.
func startRun(t *testing.T, args ...string) (base string, stderr *syncBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr = newSyncBuffer()
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), stderr) }()
	for {
		if m := baseURLRE.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case <-stderr.written:
		case err := <-errc:
			cancel()
			t.Fatalf("run returned early: %v\n%s", err, stderr)
		}
	}
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			runErr = <-errc
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return base, stderr, stop
}

func tokenStatus(t *testing.T, base, id, secret string) int {
	t.Helper()
	res, err := httptestclient.Client(t, nil, false).PostForm(base+"/oauth2/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret},
	})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestRunWithFlags(t *testing.T) {
	t.Setenv(secretEnv, "")
	base, stderr, stop := startRun(t, "-seed=false", "-client-id", "me", "-client-secret", "flag-secret", "-project", "acme")
	if got := tokenStatus(t, base, "me", "flag-secret"); got != http.StatusOK {
		t.Errorf("token with the flag secret: %d", got)
	}
	if got := tokenStatus(t, base, "me", "other"); got != http.StatusUnauthorized {
		t.Errorf("token with a wrong secret: %d", got)
	}
	logs := stderr.String()
	for _, want := range []string{"token_url=" + base + "/oauth2/token", "project=acme", "CDF_URL=" + base, "IDP_CLIENT_ID=me"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "SEGVIEW_PROJECTS") {
		t.Errorf("SEGVIEW_PROJECTS suggested without -projects:\n%s", logs)
	}
	if strings.Contains(logs, "flag-secret") || strings.Contains(logs, "generated") {
		t.Errorf("a given secret was logged:\n%s", logs)
	}
	if err := stop(); err != nil {
		t.Errorf("run after cancel: %v", err)
	}
	if !strings.Contains(stderr.String(), "stopped") {
		t.Errorf("no graceful shutdown logged:\n%s", stderr)
	}
	if _, err := httptestclient.Client(t, nil, false).Get(base + "/"); err == nil {
		t.Error("still serving after shutdown")
	}
}

func TestRunWithProjects(t *testing.T) {
	t.Setenv(secretEnv, "")
	base, stderr, _ := startRun(t, "-client-secret", "x", "-projects", "demo-east, demo-west")
	if logs := stderr.String(); !strings.Contains(logs, "projects=demo,demo-east,demo-west") {
		t.Errorf("log lacks the served projects:\n%s", logs)
	}
	// The line that says how to configure segview lists them for it.
	if logs := stderr.String(); !regexp.MustCompile(`configure segview with" .* SEGVIEW_PROJECTS=demo,demo-east,demo-west\n`).MatchString(logs) {
		t.Errorf("the configure line lacks SEGVIEW_PROJECTS:\n%s", logs)
	}
	res, err := httptestclient.Client(t, nil, false).PostForm(base+"/oauth2/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {"segview-dev"}, "client_secret": {"x"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		project string
		want    int
	}{{"demo", http.StatusOK}, {"demo-east", http.StatusOK}, {"demo-west", http.StatusOK}, {"demo-north", http.StatusForbidden}} {
		req, err := http.NewRequest(http.MethodGet, base+"/api/v1/projects/"+tt.project+"/context/vision/segment/1001", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		res, err := httptestclient.Client(t, nil, false).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.want {
			t.Errorf("job 1001 in %s: %d, want %d", tt.project, res.StatusCode, tt.want)
		}
	}
}

func TestRunSecretFromEnv(t *testing.T) {
	t.Setenv(secretEnv, "env-secret")
	base, stderr, _ := startRun(t, "-seed=false")
	if got := tokenStatus(t, base, "segview-dev", "env-secret"); got != http.StatusOK {
		t.Errorf("token with the env secret: %d", got)
	}
	if strings.Contains(stderr.String(), "env-secret") {
		t.Errorf("the env secret was logged:\n%s", stderr)
	}
}

func TestRunGeneratesAndPrintsSecret(t *testing.T) {
	t.Setenv(secretEnv, "")
	base, stderr, _ := startRun(t)
	m := regexp.MustCompile(`generated client secret \(shown once\): (\S+)`).FindAllStringSubmatch(stderr.String(), -1)
	if len(m) != 1 {
		t.Fatalf("want the generated secret printed exactly once:\n%s", stderr)
	}
	if got := tokenStatus(t, base, "segview-dev", m[0][1]); got != http.StatusOK {
		t.Errorf("token with the generated secret: %d", got)
	}
	if !strings.Contains(stderr.String(), "demo_jobs=8") {
		t.Errorf("demo project not seeded by default:\n%s", stderr)
	}
}

func TestRunRejectsBadArguments(t *testing.T) {
	for _, args := range [][]string{{"-nope"}, {"extra"}, {"-job-phase", "soon"}, {"-project", "a/b", "-client-secret", "x"}, {"-projects", "demo", "-client-secret", "x", "-seed=false"}, {"-projects", "east,,west", "-client-secret", "x", "-seed=false"}, {"-addr", "256.0.0.1:1", "-client-secret", "x", "-seed=false"}} {
		if err := run(context.Background(), args, newSyncBuffer()); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
