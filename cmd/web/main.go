// Command web runs the segview dashboard. Without CDF_PROJECT it runs in
// demo mode against the built-in CDF simulator.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/segview/segview/internal/app"
	"github.com/segview/segview/internal/buildversion"
	"github.com/segview/segview/internal/config"
	"github.com/segview/segview/internal/imaging"
	"github.com/segview/segview/internal/render"
)

// version may be set at build time with -ldflags "-X main.version=1.4.0";
// it must be a Semantic Versioning 2.0.0 version, which CDF requires of an
// annotation's creatingAppVersion. Left empty, the version is derived from
// the module's build info (see internal/buildversion).
var version string

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, version); err != nil {
		fmt.Fprintln(os.Stderr, "segview:", err)
		os.Exit(1)
	}
}

// run starts segview. linked is the -X main.version value: a start-up
// error when it is set and not valid SemVer.
func run(ctx context.Context, args []string, stdout io.Writer, stderr *os.File, linked string) error {
	version, err := buildversion.Resolve(linked, debug.ReadBuildInfo)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("segview", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "", "listen address (default $SEGVIEW_ADDR or :8080)")
	envFile := fs.String("env-file", ".env", "a .env file to read when present; real environment variables win")
	printVersion := fs.Bool("version", false, "print the version (sent to CDF as creatingAppVersion) and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *printVersion {
		_, err := fmt.Fprintln(stdout, version)
		return err
	}
	dotenv, err := config.ReadDotEnv(*envFile)
	if err != nil {
		return err
	}
	cfg, err := config.Load(config.Environ(os.LookupEnv, dotenv), os.ReadFile)
	if err != nil {
		return err
	}
	if *addr != "" {
		cfg.Addr = *addr
	}
	logger := newLogger(stderr, cfg.LogFormat, isTerminal(stderr))
	memoryLimit(ctx, cfg, logger)
	a, err := app.New(ctx, cfg, logger, version)
	if err != nil {
		return err
	}
	defer a.Close()
	logger.LogAttrs(ctx, slog.LevelInfo, "segview", slog.String("version", version))
	logger.LogAttrs(ctx, slog.LevelInfo, "configuration", a.Config.LogAttrs()...)
	logger.LogAttrs(ctx, slog.LevelInfo, "jpeg codec", slog.String("jpeg", imaging.JPEGStatus()))
	return a.Serve(ctx, cfg.Addr, logger, nil)
}

// memoryLimit sets the Go runtime's soft memory limit from the render
// caches and concurrency (render.MemoryLimit), unless GOMEMLIMIT sets one.
func memoryLimit(ctx context.Context, cfg config.Config, logger *slog.Logger) {
	if v, ok := os.LookupEnv("GOMEMLIMIT"); ok && v != "" {
		logger.LogAttrs(ctx, slog.LevelInfo, "memory limit", slog.String("GOMEMLIMIT", v))
		return
	}
	opts := render.Options{ImageCacheBytes: cfg.Render.ImageCacheBytes,
		OutputCacheBytes: cfg.Render.OutputCacheBytes, Concurrency: cfg.Render.Concurrency}
	if cfg.Peers.Enabled() {
		opts.Peers = &render.Peers{SourceBytes: cfg.Peers.CacheBytes}
	}
	limit := render.MemoryLimit(opts)
	debug.SetMemoryLimit(limit)
	logger.LogAttrs(ctx, slog.LevelInfo, "memory limit", slog.Int64("bytes", limit), slog.String("from", "render caches and concurrency"))
}

// newLogger writes format (SEGVIEW_LOG_FORMAT) to w: text, JSON, or auto:
// text when w is a terminal, JSON otherwise (a container's log collector).
// Text is for people: durations are rounded to what a person reads
// (1.235s, 12.346ms); JSON keeps slog's nanoseconds for machines.
func newLogger(w io.Writer, format string, terminal bool) *slog.Logger {
	if format == config.LogJSON || format != config.LogText && !terminal {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{ReplaceAttr: readableDurations}))
}

// readableDurations rounds durations to about four significant digits.
func readableDurations(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, roundDuration(a.Value.Duration()).String())
	}
	return a
}

// roundDuration keeps three decimals of the unit time.Duration.String
// prints d in: 1.2345678s → 1.235s, 12.345678ms → 12.346ms.
func roundDuration(d time.Duration) time.Duration {
	abs := d.Abs()
	switch {
	case abs >= time.Second:
		return d.Round(time.Millisecond)
	case abs >= time.Millisecond:
		return d.Round(time.Microsecond)
	}
	return d
}

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
