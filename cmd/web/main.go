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

	"github.com/segview/segview/internal/app"
	"github.com/segview/segview/internal/buildversion"
	"github.com/segview/segview/internal/config"
	"github.com/segview/segview/internal/jpegturbo"
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
	logger := newLogger(stderr)
	a, err := app.New(ctx, cfg, logger, version)
	if err != nil {
		return err
	}
	defer a.Close()
	logger.LogAttrs(ctx, slog.LevelInfo, "segview", slog.String("version", version))
	logger.LogAttrs(ctx, slog.LevelInfo, "configuration", a.Config.LogAttrs()...)
	logger.LogAttrs(ctx, slog.LevelInfo, "jpeg codec", slog.String("jpeg", jpegturbo.Status()))
	return a.Serve(ctx, cfg.Addr, logger, nil)
}

// newLogger writes text to a terminal and JSON otherwise.
func newLogger(w *os.File) *slog.Logger {
	var out io.Writer = w
	if fi, err := w.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		return slog.New(slog.NewTextHandler(out, nil))
	}
	return slog.New(slog.NewJSONHandler(out, nil))
}
