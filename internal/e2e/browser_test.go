package e2e

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// browserNames are the names Chromium goes by on PATH.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome"}

// findBrowser returns the browser the tests drive: SEGVIEW_CHROMIUM when
// it is set (a path, or a name looked up on PATH), else the first of
// browserNames on PATH. The error says what was looked for.
func findBrowser(getenv func(string) string, lookPath func(string) (string, error)) (string, error) {
	if p := getenv("SEGVIEW_CHROMIUM"); p != "" {
		found, err := lookPath(p)
		if err != nil {
			return "", fmt.Errorf("SEGVIEW_CHROMIUM=%s: %w", p, err)
		}
		return found, nil
	}
	for _, name := range browserNames {
		if p, err := lookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("none of %s on PATH", strings.Join(browserNames, ", "))
}

// skipNotice is the one line go test shows when the browser tests will
// skip: "" when a browser was found (lookErr nil) and when SEGVIEW_E2E=1
// requires them, since each then fails saying why.
func skipNotice(e2e string, lookErr error) string {
	if lookErr == nil || e2e == "1" {
		return ""
	}
	return "internal/e2e: browser tests SKIPPED, no Chromium (" + lookErr.Error() + "); " +
		"install the Debian package chromium or set SEGVIEW_CHROMIUM, then run: SEGVIEW_E2E=1 go test ./internal/e2e/"
}

func TestMain(m *testing.M) {
	_, err := findBrowser(os.Getenv, exec.LookPath)
	if line := skipNotice(os.Getenv("SEGVIEW_E2E"), err); line != "" {
		announce(line)
	}
	os.Exit(m.Run())
}

// announce writes line where the person who ran go test sees it. When go
// test tests several packages it shows nothing of a package that passes,
// so a skip message would vanish: the line goes to the go command's own
// standard error (the parent's fd 2, through /proc on Linux) when that is
// safe to share (shareable), else to the terminal, else to this process's
// standard error.
func announce(line string) {
	parent := fmt.Sprintf("/proc/%d/fd/", os.Getppid())
	targets := []string{"/dev/tty"}
	if info, err := os.Stat(parent + "2"); err == nil {
		fdinfo, _ := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/2", os.Getppid()))
		if shareable(info.Mode(), string(fdinfo)) {
			targets = append([]string{parent + "2"}, targets...)
		}
	}
	for _, path := range targets {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			continue
		}
		_, err = fmt.Fprintln(f, line)
		f.Close()
		if err == nil {
			return
		}
	}
	fmt.Fprintln(os.Stderr, line)
}

// shareable reports whether a line written to another process's open
// file, of mode and /proc fdinfo, through a file of our own stays there: a
// terminal or a pipe, or a regular file that process appends to. A file
// it writes at its own offset (go test ./... >log 2>&1) would overwrite
// the line with its next output.
func shareable(mode fs.FileMode, fdinfo string) bool {
	if !mode.IsRegular() {
		return true
	}
	for l := range strings.Lines(fdinfo) {
		if v, ok := strings.CutPrefix(l, "flags:"); ok {
			flags, err := strconv.ParseInt(strings.TrimSpace(v), 8, 64)
			return err == nil && flags&syscall.O_APPEND != 0
		}
	}
	return false
}

func TestFindBrowserAndSkipNotice(t *testing.T) {
	t.Parallel()
	onPath := func(names ...string) func(string) (string, error) {
		return func(name string) (string, error) {
			for _, n := range names {
				if n == name {
					return "/usr/bin/" + name, nil
				}
			}
			if strings.Contains(name, "/") {
				return "", fs.ErrNotExist
			}
			return "", exec.ErrNotFound
		}
	}
	tests := []struct {
		name       string
		env        map[string]string
		lookPath   func(string) (string, error)
		wantPath   string
		wantErr    string // in the error and the notice
		wantNotice bool
	}{
		{name: "chromium on PATH", lookPath: onPath("chromium"), wantPath: "/usr/bin/chromium"},
		{name: "google-chrome on PATH", lookPath: onPath("google-chrome"), wantPath: "/usr/bin/google-chrome"},
		{name: "the first name wins", lookPath: onPath("google-chrome", "chromium"), wantPath: "/usr/bin/chromium"},
		{name: "SEGVIEW_CHROMIUM by name", env: map[string]string{"SEGVIEW_CHROMIUM": "chromium-browser"},
			lookPath: onPath("chromium", "chromium-browser"), wantPath: "/usr/bin/chromium-browser"},
		{name: "none", lookPath: onPath(), wantErr: "none of chromium, chromium-browser, google-chrome on PATH", wantNotice: true},
		{name: "SEGVIEW_CHROMIUM missing, though chromium is on PATH", env: map[string]string{"SEGVIEW_CHROMIUM": "/opt/nothing/chrome"},
			lookPath: onPath("chromium"), wantErr: "SEGVIEW_CHROMIUM=/opt/nothing/chrome", wantNotice: true},
		{name: "none, but SEGVIEW_E2E=1 makes each test fail instead", env: map[string]string{"SEGVIEW_E2E": "1"},
			lookPath: onPath(), wantErr: "none of", wantNotice: false},
		{name: "none, SEGVIEW_E2E=0 is not a requirement", env: map[string]string{"SEGVIEW_E2E": "0"},
			lookPath: onPath(), wantErr: "none of", wantNotice: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			getenv := func(k string) string { return tt.env[k] }
			path, err := findBrowser(getenv, tt.lookPath)
			if path != tt.wantPath {
				t.Errorf("path %q, want %q", path, tt.wantPath)
			}
			if (err != nil) != (tt.wantErr != "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
			notice := skipNotice(getenv("SEGVIEW_E2E"), err)
			if (notice != "") != tt.wantNotice {
				t.Fatalf("notice %q, want one: %v", notice, tt.wantNotice)
			}
			if notice == "" {
				return
			}
			for _, want := range []string{"SKIPPED", tt.wantErr, "chromium", "SEGVIEW_E2E=1 go test ./internal/e2e/"} {
				if !strings.Contains(notice, want) {
					t.Errorf("notice %q lacks %q", notice, want)
				}
			}
			if strings.Contains(notice, "\n") {
				t.Errorf("notice %q is more than one line", notice)
			}
		})
	}
}

func TestShareable(t *testing.T) {
	t.Parallel()
	const (
		appending = "pos:\t120\nflags:\t0102001\nmnt_id:\t20\n" // O_WRONLY|O_APPEND|O_LARGEFILE
		writing   = "pos:\t120\nflags:\t0100001\nmnt_id:\t20\n" // O_WRONLY|O_LARGEFILE
	)
	tests := []struct {
		name   string
		mode   fs.FileMode
		fdinfo string
		want   bool
	}{
		{"terminal", fs.ModeDevice | fs.ModeCharDevice | 0o620, writing, true},
		{"pipe", fs.ModeNamedPipe | 0o600, writing, true},
		{"file appended to (2>>log)", 0o644, appending, true},
		{"file written at its offset (2>log)", 0o644, writing, false},
		{"file, no fdinfo", 0o644, "", false},
		{"file, unreadable flags", 0o644, "flags:\tzz\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := shareable(tt.mode, tt.fdinfo); got != tt.want {
				t.Errorf("shareable(%v) = %v, want %v", tt.mode, got, tt.want)
			}
		})
	}
}
