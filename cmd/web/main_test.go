package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segview/segview/internal/buildversion"
)

func devNull(t *testing.T) *os.File {
	t.Helper()
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestRunRefusesNonSemVerVersion: a -X main.version that CDF would refuse
// as creatingAppVersion stops segview at start-up, naming the value.
func TestRunRefusesNonSemVerVersion(t *testing.T) {
	t.Parallel()
	for _, linked := range []string{"dev", "v1.2.3", "1.2", "1.02.3", "e2e"} {
		t.Run(linked, func(t *testing.T) {
			t.Parallel()
			err := run(context.Background(), nil, &bytes.Buffer{}, devNull(t), linked)
			if err == nil || !strings.Contains(err.Error(), `"`+linked+`"`) {
				t.Fatalf("run with version %q = %v, want an error naming it", linked, err)
			}
		})
	}
}

func TestRunPrintsVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		linked string
		want   func(string) bool
	}{
		{"1.4.0", func(v string) bool { return v == "1.4.0" }},
		{"1.4.0-rc.1+ci.7", func(v string) bool { return v == "1.4.0-rc.1+ci.7" }},
		{"", buildversion.Valid}, // derived from the test binary's build info
	}
	for _, tt := range tests {
		t.Run(tt.linked, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			if err := run(context.Background(), []string{"-version"}, &out, devNull(t), tt.linked); err != nil {
				t.Fatalf("run -version: %v", err)
			}
			if got := strings.TrimSuffix(out.String(), "\n"); !tt.want(got) {
				t.Errorf("run -version with -X main.version=%q printed %q", tt.linked, got)
			}
		})
	}
}

// TestBuiltBinaryVersion builds segview as a user would, with and without
// -X main.version, and checks what the binary reports: this catches a
// renamed variable, which -X would silently ignore.
func TestBuiltBinaryVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary several times; skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	t.Parallel()
	dir := t.TempDir()
	build := func(t *testing.T, ldflags string, buildvcs bool) string {
		t.Helper()
		bin := filepath.Join(dir, strings.NewReplacer("=", "_", " ", "_", ".", "_").Replace(fmt.Sprintf("segview%s-%v", ldflags, buildvcs)))
		args := []string{"build", "-o", bin, fmt.Sprintf("-buildvcs=%v", buildvcs)}
		if ldflags != "" {
			args = append(args, "-ldflags", ldflags)
		}
		cmd := exec.Command(goTool, append(args, ".")...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return bin
	}
	type buildCase struct {
		name, ldflags string
		buildvcs      bool
		wantOut       func(string) bool
		wantErr       string // in stderr, with exit status 1
	}
	tests := []buildCase{
		{name: "no -X: derived from build info", wantOut: buildversion.Valid},
		{name: "-X SemVer", ldflags: "-X main.version=2.3.4", wantOut: func(v string) bool { return v == "2.3.4" }},
		{name: "-X dev", ldflags: "-X main.version=dev", wantErr: `segview: build version "dev"`},
	}
	// A build stamped with VCS information names the commit in its
	// version. Whether go stamps it depends on the checkout (a plain
	// clone does; a source archive or some worktrees do not), so the
	// revision is read from the binary's own build info.
	tests = append(tests, buildCase{name: "no -X, -buildvcs=true", buildvcs: true})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := build(t, tt.ldflags, tt.buildvcs)
			if tt.buildvcs {
				rev := vcsRevision(t, goTool, bin)
				if rev == "" {
					t.Skip("go stamped no vcs.revision into the binary (not a git checkout go can read)")
				}
				tt.wantOut = func(v string) bool { return buildversion.Valid(v) && strings.Contains(v, rev[:12]) }
			}
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(bin, "-version", "-env-file", filepath.Join(dir, "absent.env"))
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if tt.wantErr != "" {
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stderr.String(), tt.wantErr) {
					t.Fatalf("segview -version = %v, stderr %q; want exit status 1 and %q", err, stderr.String(), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("segview -version: %v\n%s", err, stderr.String())
			}
			if got := strings.TrimSpace(stdout.String()); !tt.wantOut(got) {
				t.Errorf("segview -version printed %q", got)
			}
			t.Logf("segview -version: %s", stdout.String())
		})
	}
}

// vcsRevision returns the vcs.revision go stamped into bin, or "".
func vcsRevision(t *testing.T, goTool, bin string) string {
	t.Helper()
	out, err := exec.Command(goTool, "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if rev, ok := strings.CutPrefix(strings.TrimSpace(line), "build\tvcs.revision="); ok && len(rev) >= 12 {
			return rev
		}
	}
	return ""
}
