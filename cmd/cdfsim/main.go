// Command cdfsim runs the CDF simulator on its own: the OAuth2 token
// endpoint, vision segmentation jobs, files and signed downloads, seeded
// with the demo project. It is a local development tool and binds to
// 127.0.0.1 by default.
//
//	cdfsim [-addr 127.0.0.1:9900] [-project demo] [-projects demo-east,demo-west] [-client-id segview-dev] [-client-secret S]
//
// -projects serves further projects next to -project, each with its own
// files and jobs (seeded with two completed jobs each).
//
// The client secret comes from -client-secret or CDFSIM_CLIENT_SECRET; when
// neither is set, cdfsim generates one and prints it once on stderr.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/segview/segview/internal/cdfsim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) { // -h already printed usage
		fmt.Fprintln(os.Stderr, "cdfsim:", err)
		os.Exit(1)
	}
}

// secretEnv names the environment variable holding the client secret, so it
// need not appear in the process list.
const secretEnv = "CDFSIM_CLIENT_SECRET"

// run parses args, serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("cdfsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:9900", "listen address (loopback by default: the /_sim/ admin routes have no auth)")
	project := fs.String("project", cdfsim.DefaultProject, "CDF project name to serve (the default project)")
	projects := fs.String("projects", "", "further CDF projects to serve, comma-separated (e.g. demo-east,demo-west)")
	clientID := fs.String("client-id", "segview-dev", "OAuth2 client id accepted by the token endpoint")
	clientSecret := fs.String("client-secret", "", "OAuth2 client secret (default: $"+secretEnv+", else generated and printed)")
	seed := fs.Bool("seed", true, "seed the demo project (files and jobs), and two jobs in each of -projects")
	jobPhase := fs.Duration("job-phase", cdfsim.DefaultJobPhase, "how long a new job stays Queued, then Running")
	tokenTTL := fs.Duration("token-ttl", cdfsim.DefaultTokenTTL, "access token lifetime")
	linkTTL := fs.Duration("link-ttl", cdfsim.DefaultLinkTTL, "download link lifetime")
	verbose := fs.Bool("v", false, "log every request")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	secret := *clientSecret
	if secret == "" {
		secret = os.Getenv(secretEnv)
	}
	if secret == "" {
		secret = rand.Text()
		// Printed once, outside the structured log, so it is easy to copy.
		fmt.Fprintf(stderr, "cdfsim: generated client secret (shown once): %s\n", secret)
	}

	var extra []string
	if *projects != "" {
		for _, p := range strings.Split(*projects, ",") {
			extra = append(extra, strings.TrimSpace(p))
		}
	}
	sim, err := cdfsim.New(cdfsim.Options{
		Project: *project, Projects: extra, ClientID: *clientID, ClientSecret: secret,
		TokenTTL: *tokenTTL, LinkTTL: *linkTTL, JobPhase: *jobPhase,
		Seed: *seed, Logger: logger,
	})
	if err != nil {
		return err
	}
	base, err := sim.Start(ctx, *addr)
	if err != nil {
		return err
	}
	logger.Info("cdfsim listening",
		"base_url", base, "token_url", sim.TokenURL(base), "project", sim.Project(),
		"projects", strings.Join(sim.Projects(), ","), "client_id", *clientID,
		"demo_jobs", len(sim.DemoJobs()))
	configure := []any{"CDF_URL", base, "CDF_PROJECT", sim.Project(), "IDP_TOKEN_URL", sim.TokenURL(base), "IDP_CLIENT_ID", *clientID}
	if len(extra) > 0 {
		// Without it segview serves CDF_PROJECT alone.
		configure = append(configure, "SEGVIEW_PROJECTS", strings.Join(sim.Projects(), ","))
	}
	logger.Info("configure segview with", configure...)

	<-ctx.Done()
	logger.Info("shutting down")
	start := time.Now()
	if err := sim.Close(); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped", "after", time.Since(start).Round(time.Millisecond))
	return nil
}
