// Package benchproc runs segview as its own process for the benchmark
// drivers under bench/ and reads how much memory it took.
package benchproc

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Segview describes a dashboard to start against a CDF simulator.
type Segview struct {
	// Dir holds the built binary (unless Bin is set) and segview.log.
	Dir string
	// Bin is a segview binary to run; empty builds ./cmd/web into Dir.
	Bin string
	// Project, CDFURL, TokenURL and Secret point segview at the simulator
	// (client id "bench").
	Project, CDFURL, TokenURL, Secret string
	// Env adds KEY=value settings, such as SEGVIEW_MAX_EXPORTS.
	Env []string
}

// Start builds segview unless s.Bin is set, runs it on a free loopback
// port and waits until /healthz answers (at most 30 s). It returns the
// base URL and the running command; the caller ends it.
func Start(ctx context.Context, s Segview) (string, *exec.Cmd, error) {
	bin := s.Bin
	if bin == "" {
		bin = filepath.Join(s.Dir, "segview")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/web")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return "", nil, fmt.Errorf("building segview: %w", err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.CommandContext(ctx, bin, "-addr", addr, "-env-file", filepath.Join(s.Dir, "none.env"))
	cmd.Env = append(os.Environ(),
		"CDF_PROJECT="+s.Project, "CDF_URL="+s.CDFURL, "LOGIN_FLOW=client_credentials",
		"IDP_TOKEN_URL="+s.TokenURL, "IDP_CLIENT_ID=bench", "IDP_CLIENT_SECRET="+s.Secret)
	cmd.Env = append(cmd.Env, s.Env...)
	logf, err := os.Create(filepath.Join(s.Dir, "segview.log"))
	if err != nil {
		return "", nil, err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	base := "http://" + addr
	for range 300 {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			return base, cmd, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	return "", nil, fmt.Errorf("segview did not start; see %s", logf.Name())
}

// PeakRSS reads the high-water mark of a process's resident memory.
func PeakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}
