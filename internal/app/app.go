// Package app wires segview together: configuration in, a running HTTP
// server out. In demo mode it starts the built-in CDF simulator and points
// the real CDF client at it through the real OAuth2 flow.
package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/segview/segview/internal/buildversion"
	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/config"
	"github.com/segview/segview/internal/handlers"
	"github.com/segview/segview/internal/hosts"
	"github.com/segview/segview/internal/jobs"
	"github.com/segview/segview/internal/metrics"
	"github.com/segview/segview/internal/peers"
	"github.com/segview/segview/internal/render"
	"github.com/segview/segview/internal/segment"
	"github.com/segview/segview/web/templates"
)

// Demo-mode identity. The secret is random per start. The demo serves two
// projects, so that a new user sees the list of projects on the home page;
// both hold jobs 1001 and 1002, with other photos.
const (
	demoProject       = "demo"
	demoSecondProject = "demo-b"
	demoClientID      = "segview-demo"
)

// App is a configured dashboard, ready to serve.
type App struct {
	Config  config.Config
	Handler http.Handler
	// Demo is the built-in CDF simulator in demo mode, nil otherwise; tests
	// use it to change what CDF allows.
	Demo *cdfsim.Server
	// Metrics is the registry /metrics serves.
	Metrics *metrics.Metrics
	// Ready reports whether segview can serve, as /readyz does.
	Ready func() error
	// Peers is this replica's pool of peers (SEGVIEW_PEERS or
	// SEGVIEW_PEERS_DNS), nil when it shares nothing. It is the handler
	// of SEGVIEW_PEER_ADDR's listener (Serve), never of the dashboard's.
	Peers   *peers.Pool
	ready   *readiness
	closers []func() error
	// listenersClosed, when set, is called once a shutdown has closed the
	// dashboard's listener, while requests in flight finish (tests).
	listenersClosed func()
}

// Option adjusts how New builds the dashboard.
type Option func(*options)

type options struct {
	cdf []cdf.Option
	now func() time.Time
	// ticks and checked drive the readiness check (tests).
	ticks   <-chan time.Time
	checked func(error)
}

// WithReadinessTicks runs the background readiness check at each value of
// ticks instead of every ReadinessInterval, and tells checked each result,
// so tests decide when the identity provider is asked.
func WithReadinessTicks(ticks <-chan time.Time, checked func(error)) Option {
	return func(o *options) { o.ticks, o.checked = ticks, checked }
}

// WithCDFOptions passes extra options to the CDF client (tests use it for
// fast retries).
func WithCDFOptions(opts ...cdf.Option) Option {
	return func(o *options) { o.cdf = append(o.cdf, opts...) }
}

// WithClock makes the sign-in tell the time with now instead of time.Now:
// when a session ends and a person's token is due for refresh. Tests move
// it forward instead of waiting.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// New builds the dashboard from cfg. In demo mode (cfg.Demo) it first starts
// the simulator on a loopback port and fills in the CDF settings for it.
func New(ctx context.Context, cfg config.Config, logger *slog.Logger, version string, opts ...Option) (*App, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	// CDF refuses an annotation whose creatingAppVersion is not SemVer, so a
	// wrong version would fail every verdict; refuse it here, at start-up.
	if !buildversion.Valid(version) {
		return nil, fmt.Errorf("version %q is not a Semantic Versioning 2.0.0 version (CDF refuses it as creatingAppVersion)", version)
	}
	a := &App{}
	var demoJobs []templates.JobLink
	if cfg.Demo {
		sim, simURL, secret, err := startDemo(ctx, logger)
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, sim.Close)
		a.Demo = sim
		cfg = demoConfig(cfg, sim.TokenURL(simURL), simURL, secret)
		for _, project := range []string{demoProject, demoSecondProject} {
			for _, j := range sim.DemoJobsIn(project) {
				demoJobs = append(demoJobs, templates.JobLink{
					Href:        "/projects/" + project + "/jobs/" + strconv.FormatInt(j.ID, 10),
					Label:       fmt.Sprintf("Job %d · %s", j.ID, j.Title),
					Description: j.Description,
				})
			}
		}
	}
	a.Config = cfg
	a.Metrics = metrics.New()

	client, err := newCDFClient(ctx, cfg, version, a.Metrics, o.cdf)
	if err != nil {
		a.Close()
		return nil, err
	}
	// The readiness check asks for a CDF token in the background, so a
	// probe answers from its last result; it stops with Close. With one
	// identity for everybody and a list of projects, its first success
	// also checks the list against the projects CDF says the identity
	// reaches, once.
	check := client.CheckToken
	if !(cfg.Auth.Mode == config.AuthOIDC && cfg.Auth.Identity == config.IdentityUser) && !cfg.AnyProject {
		check = checkingProjects(check, client, cfg.Projects, logger)
	}
	a.ready = newReadiness(check, logger)
	a.ready.checked = o.checked
	a.Ready = a.ready.Ready
	checkCtx, stopChecks := context.WithCancel(context.WithoutCancel(ctx))
	checksDone := make(chan struct{})
	go func() { defer close(checksDone); a.ready.run(checkCtx, o.ticks) }()
	a.closers = append(a.closers, func() error { stopChecks(); <-checksDone; return nil })
	// With per-person identity every read is made with the person's
	// token, so CDF decides each time; otherwise one identity reads CDF
	// for everybody, and finished jobs are shared from the reader's cache.
	perPerson := cfg.Auth.Mode == config.AuthOIDC && cfg.Auth.Identity == config.IdentityUser
	var projects *projectSet
	share, err := a.startPeers(ctx, cfg, perPerson, logger, func(project string) (render.CDF, error) {
		c, err := projects.clientFor(project)
		if err != nil {
			return nil, err
		}
		return c, nil
	}, func(ctx context.Context, project string, jobID, fileID int64) (segment.FileResults, cdf.Millis, error) {
		p, ok := projects.served[project]
		if !ok {
			return segment.FileResults{}, 0, fmt.Errorf("project %q is not served here", project)
		}
		results, file, err := p.Reader.FileResults(ctx, jobID, fileID, segment.Limits{MaxVertices: cfg.Limits.MaxVertices})
		return results, file.LastUpdatedTime, err
	})
	if err != nil {
		a.Close()
		return nil, err
	}
	renderer := render.New(client, render.Options{
		Project: client.Project(),
		Limits: render.Limits{
			MaxPixels:   cfg.Limits.MaxImagePixels,
			MaxVertices: cfg.Limits.MaxVertices,
			MaxWidth:    cfg.Limits.MaxOverlayWidth,
		},
		IgnoreEXIF:       cfg.Render.IgnoreEXIF,
		ImageCacheBytes:  cfg.Render.ImageCacheBytes,
		OutputCacheBytes: cfg.Render.OutputCacheBytes,
		Concurrency:      cfg.Render.Concurrency,
		Wait:             cfg.Render.Wait,
		BuildVersion:     version,
		Metrics:          a.Metrics,
		Peers:            share,
	})
	signedIn, err := signIn(cfg, logger, o.now, a.Metrics)
	if err != nil {
		a.Close()
		return nil, err
	}
	reader := jobs.New(client, renderer, jobs.Options{
		Project:   client.Project(),
		PerPerson: perPerson,
		Metrics:   a.Metrics,
	})
	// One set of caches, limits and memory budgets for every project
	// served: each project gets views of them keyed by its name.
	var stores func(*cdf.Client) handlers.VerdictStore
	if cfg.Verdicts {
		stores = verdictStores(version, cfg.Limits.MaxAnnotations)
	}
	projects, err = newProjectSet(client, renderer, reader, stores, cfg.Projects, cfg.AnyProject, o.now)
	if err != nil {
		a.Close()
		return nil, err
	}
	served, err := hosts.NewPolicy(cfg.Security.Hosts...)
	if err != nil {
		a.Close()
		return nil, err
	}
	// /metrics is on the main listener unless SEGVIEW_METRICS_ADDR gives
	// it one of its own (Serve).
	var metricsHere http.Handler
	if cfg.MetricsAddr == "" {
		metricsHere = a.Metrics.Handler()
	}
	router, err := handlers.NewRouter(handlers.Deps{
		Projects:       projects.handlers(cfg.Project),
		Auth:           signedIn,
		Demo:           cfg.Demo,
		DemoJobs:       demoJobs,
		MaxItems:       cfg.Limits.MaxItems,
		MaxVertices:    cfg.Limits.MaxVertices,
		MaxImagePixels: cfg.Limits.MaxImagePixels,
		MaxExports:     cfg.Exports.MaxConcurrent,
		ExportQueue:    cfg.Exports.Queue,
		MaxZipJobs:     cfg.Exports.MaxZipJobs,
		RequestTimeout: cfg.RequestTimeout,
		Security: handlers.Security{
			FrameAncestors: cfg.Security.FrameAncestors,
			HSTS:           cfg.Security.HSTS,
			PublicURL:      cfg.Security.PublicURL,
			CSRFKey:        csrfKey(cfg.Auth),
			Hosts:          served,
		},
		Metrics:        a.Metrics,
		MetricsHandler: metricsHere,
		Ready:          a.Ready,
		Logger:         logger,
	})
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Handler = router
	return a, nil
}

// startPeers makes this replica's pool of peers when SEGVIEW_PEERS or
// SEGVIEW_PEERS_DNS is set, and what render needs to share through it.
// With per-person identity it shares nothing: the owner of a key would
// have to read CDF for somebody else, and a groupcache getter gets no
// requester's token; see docs/security.md.
func (a *App) startPeers(ctx context.Context, cfg config.Config, perPerson bool, logger *slog.Logger,
	clients func(project string) (render.CDF, error),
	results func(ctx context.Context, project string, jobID, fileID int64) (segment.FileResults, cdf.Millis, error)) (*render.Peers, error) {
	pc := cfg.Peers
	if !pc.Enabled() {
		return nil, nil
	}
	if perPerson {
		logger.Warn("SEGVIEW_PEERS and SEGVIEW_PEERS_DNS are ignored with SEGVIEW_CDF_IDENTITY=user: each replica caches alone, since a peer cannot read CDF as the person who asked")
		return nil, nil
	}
	pool, err := peers.New(peers.Options{
		Self:   pc.Self,
		Secret: []byte(pc.Secret.Reveal()),
		Client: &http.Client{Transport: newTransport(), Timeout: cfg.RequestTimeout},
		// A decoded image at a display width, 4 bytes a pixel, at most.
		MaxValueBytes: 4*cfg.Limits.MaxImagePixels + 1<<20,
	})
	if err != nil {
		return nil, err
	}
	a.Peers = pool
	if len(pc.URLs) > 0 {
		if err := pool.Set(pc.URLs); err != nil {
			return nil, err
		}
	} else {
		watchCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
		ticker := time.NewTicker(pc.DNSInterval)
		done := make(chan struct{})
		go func() {
			defer close(done)
			var last string
			pool.Watch(watchCtx, pc.DNS, net.DefaultResolver.LookupHost, ticker.C, func(ps []string, err error) {
				if err != nil {
					logger.Warn("peers: resolving SEGVIEW_PEERS_DNS failed; keeping the peers", "name", pc.DNS, "err", err, "peers", len(ps))
				} else if now := strings.Join(ps, ","); now != last {
					logger.Info("peers", "name", pc.DNS, "peers", ps)
					last = now
				}
			})
		}()
		a.closers = append(a.closers, func() error { stop(); ticker.Stop(); <-done; return nil })
	}
	return &render.Peers{Pool: pool, Clients: clients, SourceBytes: pc.CacheBytes, Results: results}, nil
}

// Close stops what New started (the readiness check, the demo
// simulator), the last started first.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}

// startDemo starts the simulator with a client secret made up for this run.
func startDemo(ctx context.Context, logger *slog.Logger) (sim *cdfsim.Server, baseURL, secret string, err error) {
	secret, err = randomSecret()
	if err != nil {
		return nil, "", "", err
	}
	sim, err = cdfsim.New(cdfsim.Options{
		Project:      demoProject,
		Projects:     []string{demoSecondProject},
		ClientID:     demoClientID,
		ClientSecret: secret,
		Seed:         true,
		Logger:       logger.With("component", "cdfsim"),
	})
	if err != nil {
		return nil, "", "", fmt.Errorf("starting the demo CDF simulator: %w", err)
	}
	baseURL, err = sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		return nil, "", "", fmt.Errorf("starting the demo CDF simulator: %w", err)
	}
	return sim, baseURL, secret, nil
}

// demoConfig points cfg at the simulator, using the same client-credentials
// flow as a real deployment.
func demoConfig(cfg config.Config, tokenURL, simURL, secret string) config.Config {
	cfg.URL = simURL
	cfg.Project = demoProject
	cfg.Projects = []string{demoProject, demoSecondProject}
	cfg.LoginFlow = config.FlowClientCredentials
	cfg.TokenURL = tokenURL
	cfg.ClientID = demoClientID
	cfg.ClientSecret = config.Secret(secret)
	cfg.Scopes = []string{simURL + "/.default"}
	return cfg
}

func randomSecret() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// newCDFClient builds the authenticated CDF client for cfg.
func newCDFClient(ctx context.Context, cfg config.Config, version string, m *metrics.Metrics, extra []cdf.Option) (*cdf.Client, error) {
	base := &http.Client{
		Transport: newTransport(),
		// Bounds token requests, which do not carry a request's context.
		Timeout: 2 * time.Minute,
	}
	hc, err := cdf.HTTPClient(ctx, cdf.Credentials{
		Flow:         cfg.LoginFlow,
		TokenURL:     cfg.TokenURL,
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret.Reveal(),
		Scopes:       cfg.Scopes,
		Audience:     cfg.Audience,
		Token:        cfg.Token.Reveal(),
		Metrics:      m,
	}, base)
	if err != nil {
		return nil, err
	}
	opts := append([]cdf.Option{
		cdf.WithVersion(cfg.CDFVersion),
		cdf.WithAppVersion(version),
		cdf.WithMaxJSONBytes(cfg.Limits.MaxJSONBytes),
		cdf.WithMaxDownloadBytes(cfg.Limits.MaxImageBytes),
		cdf.WithMetrics(m),
	}, extra...)
	project := cfg.Project
	if project == "" {
		project = noDefaultProject // SEGVIEW_PROJECTS=*: only views call CDF
	}
	return cdf.New(cfg.URL, project, hc, opts...)
}

func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: time.Minute,
	}
}

// csrfKey derives the key of the forms' CSRF tokens without sign-in from
// the first SEGVIEW_SESSION_KEY, when one is set, so that replicas sharing
// it accept each other's forms; nil leaves each process its own key.
func csrfKey(a config.Auth) []byte {
	if a.Mode != config.AuthNone || len(a.SessionKeys) == 0 {
		return nil
	}
	m := hmac.New(sha256.New, []byte(a.SessionKeys[0].Reveal()))
	m.Write([]byte("segview csrf cookie tokens v1"))
	return m.Sum(nil)
}
