// Package config reads segview's configuration once, at start-up, from the
// environment (with the variable names of the Cognite Toolkit's .env files)
// and validates it with messages that say what to set.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/segview/segview/internal/cdf"
)

// Login flows understood by segview (LOGIN_FLOW).
const (
	FlowClientCredentials = "client_credentials"
	FlowToken             = "token"
)

// Config is segview's whole configuration.
type Config struct {
	// Addr is the address the dashboard listens on (SEGVIEW_ADDR, -addr).
	Addr string
	// MetricsAddr (SEGVIEW_METRICS_ADDR), when set, serves /metrics on a
	// listener of its own instead of on Addr, so it need not be public.
	MetricsAddr string
	// LogFormat (SEGVIEW_LOG_FORMAT) is LogText, LogJSON or LogAuto: text
	// on a terminal, JSON otherwise.
	LogFormat string
	// ShutdownTimeout (SEGVIEW_SHUTDOWN_TIMEOUT) bounds how long a stopping
	// segview waits for the requests in flight: less than the platform's
	// grace period (Kubernetes: terminationGracePeriodSeconds, 30 s).
	ShutdownTimeout time.Duration
	// Demo is true when neither CDF_PROJECT nor SEGVIEW_PROJECTS is set:
	// segview then runs its built-in CDF simulator and the CDF fields below
	// are filled in by the caller.
	Demo bool

	Cluster string // CDF_CLUSTER
	URL     string // CDF_URL, without a trailing slash
	// Project is the default project (CDF_PROJECT, else the first of
	// SEGVIEW_PROJECTS): the one /jobs/{id} and /open?job= open. It is ""
	// only with AnyProject and no CDF_PROJECT.
	Project string
	// Projects are the projects served (SEGVIEW_PROJECTS, default
	// CDF_PROJECT), each a valid project name, without duplicates; nil
	// with AnyProject.
	Projects []string
	// AnyProject (SEGVIEW_PROJECTS=*, only with SEGVIEW_CDF_IDENTITY=user)
	// serves any project the signed-in person's token reaches: CDF
	// decides each request.
	AnyProject bool
	CDFVersion string // SEGVIEW_CDF_VERSION, sent as the cdf-version header

	LoginFlow    string   // LOGIN_FLOW
	TokenURL     string   // IDP_TOKEN_URL, or derived from IDP_TENANT_ID
	TenantID     string   // IDP_TENANT_ID
	ClientID     string   // IDP_CLIENT_ID
	ClientSecret Secret   // IDP_CLIENT_SECRET or the contents of IDP_CLIENT_SECRET_FILE
	Scopes       []string // IDP_SCOPES, default {CDF_URL}/.default
	Audience     string   // IDP_AUDIENCE
	Token        Secret   // CDF_TOKEN

	// Auth is who may use the dashboard and whose identity CDF sees.
	Auth Auth
	// Security configures the response headers (CSP frame-ancestors, HSTS).
	Security Security

	Limits  Limits
	Render  Render
	Exports Exports
	// Peers are the other replicas this one shares decoded images and
	// finished overlays with (groupcache).
	Peers Peers
	// Verdicts (SEGVIEW_VERDICTS, default on) lets reviewers record
	// verdicts on segments in CDF through the Annotations API.
	Verdicts bool
	// RequestTimeout bounds the work behind one dashboard request.
	RequestTimeout time.Duration
}

// Render tunes the overlay renderer's caching, concurrency and orientation.
type Render struct {
	ImageCacheBytes  int64         // SEGVIEW_IMAGE_CACHE_BYTES: decoded images kept in memory
	OutputCacheBytes int64         // SEGVIEW_OUTPUT_CACHE_BYTES: encoded overlays of finished jobs kept in memory
	Concurrency      int           // SEGVIEW_RENDER_CONCURRENCY: most image decodes at a time
	Wait             time.Duration // SEGVIEW_RENDER_WAIT: how long a request waits for a decode turn
	// IgnoreEXIF (SEGVIEW_IGNORE_EXIF) draws on JPEG pixels as stored, for
	// models that saw raw pixels; by default the EXIF Orientation is
	// applied, as browsers do.
	IgnoreEXIF bool
}

// Peers configures sharing among replicas: the peers from a list
// (SEGVIEW_PEERS) or a DNS name (SEGVIEW_PEERS_DNS), and this replica's
// listener for them, apart from the dashboard's.
type Peers struct {
	URLs        []string      // SEGVIEW_PEERS: the replicas' peer base URLs
	DNS         string        // SEGVIEW_PEERS_DNS: a name resolving to the replicas' addresses
	DNSInterval time.Duration // SEGVIEW_PEERS_DNS_INTERVAL: how often the name is resolved
	Addr        string        // SEGVIEW_PEER_ADDR: where this replica answers its peers
	Self        string        // SEGVIEW_PEER_SELF: this replica's peer base URL
	Secret      Secret        // SEGVIEW_PEER_SECRET or the contents of SEGVIEW_PEER_SECRET_FILE
	CacheBytes  int64         // SEGVIEW_PEER_CACHE_BYTES: shared decoded images kept
}

// Enabled reports whether peers are configured.
func (p Peers) Enabled() bool { return len(p.URLs) > 0 || p.DNS != "" }

// Exports bounds the exports (COCO, GeoJSON, the job's JSON, hits.json,
// overlay.svg) built at once, each of which holds a job's geometry in
// memory.
type Exports struct {
	MaxConcurrent int // SEGVIEW_MAX_EXPORTS: most exports built at once
	Queue         int // SEGVIEW_EXPORT_QUEUE: most exports waiting for a turn; more answer 503
	// MaxZipJobs is SEGVIEW_MAX_ZIP_JOBS: most jobs in one review-queue
	// ZIP, all read before the archive starts.
	MaxZipJobs int
}

// Limits are the explicit bounds on what segview accepts from CDF.
type Limits struct {
	MaxJSONBytes    int64 // SEGVIEW_MAX_JSON_BYTES: largest CDF JSON response body
	MaxImageBytes   int64 // SEGVIEW_MAX_IMAGE_BYTES: largest source image download
	MaxImagePixels  int64 // SEGVIEW_MAX_IMAGE_PIXELS: largest decoded image (width × height)
	MaxVertices     int   // SEGVIEW_MAX_VERTICES: most polygon vertices drawn for one file
	MaxItems        int   // SEGVIEW_MAX_ITEMS: most files shown for one job
	MaxOverlayWidth int   // SEGVIEW_MAX_OVERLAY_WIDTH: widest overlay rendered
	MaxAnnotations  int   // SEGVIEW_MAX_ANNOTATIONS: most annotations read for one job page
}

// Log formats (SEGVIEW_LOG_FORMAT).
const (
	LogAuto = "auto"
	LogText = "text"
	LogJSON = "json"
)

// Defaults.
const (
	DefaultAddr             = ":8080"
	DefaultShutdownTimeout  = 25 * time.Second
	DefaultCDFVersion       = "alpha"
	DefaultMaxJSONBytes     = 64 << 20
	DefaultMaxImageBytes    = 64 << 20
	DefaultMaxImagePixels   = 100_000_000
	DefaultMaxVertices      = 1_000_000
	DefaultMaxItems         = 200
	DefaultMaxOverlayWidth  = 2048
	DefaultMaxAnnotations   = 100_000
	DefaultRequestTimeout   = 30 * time.Second
	DefaultImageCacheBytes  = 256 << 20
	DefaultOutputCacheBytes = 32 << 20
	DefaultRenderWait       = 5 * time.Second
	DefaultExportQueue      = 256
	DefaultMaxZipJobs       = 100
	// MaxQueueJobs is the most jobs a review queue lists, and so the most
	// SEGVIEW_MAX_ZIP_JOBS can be.
	MaxQueueJobs            = 500
	DefaultPeerCacheBytes   = 128 << 20
	DefaultPeersDNSInterval = 15 * time.Second
	// maxExports and maxExportQueue are sanity bounds: each export can hold
	// a job's geometry, each waiter a connection.
	maxExports     = 1024
	maxExportQueue = 100_000
	// maxRenderConcurrency is a sanity bound: every decode can hold
	// hundreds of megabytes.
	maxRenderConcurrency = 1024
)

// DefaultRenderConcurrency is the default of SEGVIEW_RENDER_CONCURRENCY:
// one decode per CPU.
func DefaultRenderConcurrency() int { return min(runtime.NumCPU(), maxRenderConcurrency) }

// DefaultMaxExports is the default of SEGVIEW_MAX_EXPORTS: one export per
// CPU, since building one is CPU work.
func DefaultMaxExports() int { return min(runtime.NumCPU(), maxExports) }

// Getenv looks a variable up; it reports whether the variable is set.
type Getenv func(key string) (string, bool)

// Environ layers the process environment over the values of a .env file:
// real environment variables win.
func Environ(lookup Getenv, dotenv map[string]string) Getenv {
	return func(key string) (string, bool) {
		if v, ok := lookup(key); ok {
			return v, true
		}
		v, ok := dotenv[key]
		return v, ok
	}
}

// Load parses and validates the configuration. readFile reads secret files
// (IDP_CLIENT_SECRET_FILE); pass os.ReadFile. All problems are reported
// together, each saying what to set.
func Load(env Getenv, readFile func(string) ([]byte, error)) (Config, error) {
	p := parser{env: env}
	c := Config{
		Addr:            p.str("SEGVIEW_ADDR", DefaultAddr),
		MetricsAddr:     p.str("SEGVIEW_METRICS_ADDR", ""),
		LogFormat:       strings.ToLower(p.str("SEGVIEW_LOG_FORMAT", LogAuto)),
		ShutdownTimeout: p.duration("SEGVIEW_SHUTDOWN_TIMEOUT", DefaultShutdownTimeout),
		CDFVersion:      p.str("SEGVIEW_CDF_VERSION", DefaultCDFVersion),
		RequestTimeout:  p.duration("SEGVIEW_REQUEST_TIMEOUT", DefaultRequestTimeout),
		Limits: Limits{
			MaxJSONBytes:    p.int64("SEGVIEW_MAX_JSON_BYTES", DefaultMaxJSONBytes),
			MaxImageBytes:   p.int64("SEGVIEW_MAX_IMAGE_BYTES", DefaultMaxImageBytes),
			MaxImagePixels:  p.int64("SEGVIEW_MAX_IMAGE_PIXELS", DefaultMaxImagePixels),
			MaxVertices:     int(p.int64("SEGVIEW_MAX_VERTICES", DefaultMaxVertices)),
			MaxItems:        int(p.int64("SEGVIEW_MAX_ITEMS", DefaultMaxItems)),
			MaxOverlayWidth: int(p.int64("SEGVIEW_MAX_OVERLAY_WIDTH", DefaultMaxOverlayWidth)),
			MaxAnnotations:  int(p.int64("SEGVIEW_MAX_ANNOTATIONS", DefaultMaxAnnotations)),
		},
		Verdicts: p.bool("SEGVIEW_VERDICTS", true),
		Render: Render{
			ImageCacheBytes:  p.int64("SEGVIEW_IMAGE_CACHE_BYTES", DefaultImageCacheBytes),
			OutputCacheBytes: p.int64("SEGVIEW_OUTPUT_CACHE_BYTES", DefaultOutputCacheBytes),
			Concurrency:      int(p.int64("SEGVIEW_RENDER_CONCURRENCY", int64(DefaultRenderConcurrency()))),
			Wait:             p.duration("SEGVIEW_RENDER_WAIT", DefaultRenderWait),
			IgnoreEXIF:       p.bool("SEGVIEW_IGNORE_EXIF", false),
		},
		Exports: Exports{
			MaxConcurrent: int(p.int64("SEGVIEW_MAX_EXPORTS", int64(DefaultMaxExports()))),
			Queue:         p.count("SEGVIEW_EXPORT_QUEUE", DefaultExportQueue),
			MaxZipJobs:    p.count("SEGVIEW_MAX_ZIP_JOBS", DefaultMaxZipJobs),
		},
		Project: p.str("CDF_PROJECT", ""),
	}
	if c.Exports.MaxConcurrent > maxExports {
		p.fail("SEGVIEW_MAX_EXPORTS=%d is above %d: each export can hold a job's geometry in memory; set about the number of CPUs (%d)",
			c.Exports.MaxConcurrent, maxExports, DefaultMaxExports())
		c.Exports.MaxConcurrent = DefaultMaxExports()
	}
	if c.Exports.Queue > maxExportQueue {
		p.fail("SEGVIEW_EXPORT_QUEUE=%d is above %d: set a few hundred (default %d)", c.Exports.Queue, maxExportQueue, DefaultExportQueue)
		c.Exports.Queue = DefaultExportQueue
	}
	if c.Exports.MaxZipJobs < 1 || c.Exports.MaxZipJobs > MaxQueueJobs {
		p.fail("SEGVIEW_MAX_ZIP_JOBS=%d is not between 1 and %d (a review queue's most jobs): set it like SEGVIEW_MAX_ZIP_JOBS=%d", c.Exports.MaxZipJobs, MaxQueueJobs, DefaultMaxZipJobs)
		c.Exports.MaxZipJobs = DefaultMaxZipJobs
	}
	if c.Render.Concurrency > maxRenderConcurrency {
		p.fail("SEGVIEW_RENDER_CONCURRENCY=%d is above %d: each decode can hold hundreds of megabytes; set about the number of CPUs (%d)",
			c.Render.Concurrency, maxRenderConcurrency, DefaultRenderConcurrency())
		c.Render.Concurrency = DefaultRenderConcurrency()
	}
	switch c.LogFormat {
	case LogAuto, LogText, LogJSON:
	default:
		p.fail("SEGVIEW_LOG_FORMAT=%q is not a log format: set text, json or auto (text on a terminal, JSON otherwise)", c.LogFormat)
		c.LogFormat = LogAuto
	}
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		p.fail("SEGVIEW_METRICS_ADDR is the same as SEGVIEW_ADDR (%s): unset it to serve /metrics there, or give it another port", c.Addr)
	}
	if strings.TrimSpace(c.CDFVersion) == "" {
		p.fail("SEGVIEW_CDF_VERSION is empty: unset it for the default %q or set a CDF API version", DefaultCDFVersion)
	}
	rawProjects := p.str("SEGVIEW_PROJECTS", "")
	demo := c.Project == "" && rawProjects == ""
	c.Peers = p.parsePeers(c, readFile)
	c.Auth = p.parseAuth(demo, readFile)
	c.Security = p.parseSecurity(c.Auth)
	if demo {
		c.Demo = true
		return c, p.err()
	}
	p.parseProjects(&c, rawProjects)
	c.Cluster = p.str("CDF_CLUSTER", "")
	c.URL = strings.TrimRight(p.str("CDF_URL", ""), "/")
	switch {
	case c.URL == "" && c.Cluster == "":
		p.fail("CDF_PROJECT or SEGVIEW_PROJECTS is set but neither CDF_URL nor CDF_CLUSTER is: set CDF_CLUSTER (for example westeurope-1) or CDF_URL")
	case c.URL == "":
		if !validCluster(c.Cluster) {
			p.fail("CDF_CLUSTER %q is not a cluster name: use letters, digits and dashes (for example westeurope-1)", c.Cluster)
		}
		c.URL = "https://" + c.Cluster + ".cognitedata.com"
	default:
		if msg := checkCDFURL(c.URL); msg != "" {
			p.fail("CDF_URL %s", msg)
		}
	}

	if c.Auth.Identity == IdentityUser {
		p.userIdentity(&c)
		return c, p.err()
	}
	c.LoginFlow = p.str("LOGIN_FLOW", FlowClientCredentials)
	switch c.LoginFlow {
	case FlowClientCredentials:
		c.TenantID = p.str("IDP_TENANT_ID", "")
		c.TokenURL = p.str("IDP_TOKEN_URL", "")
		if c.TokenURL == "" && c.TenantID != "" {
			c.TokenURL = "https://login.microsoftonline.com/" + url.PathEscape(c.TenantID) + "/oauth2/v2.0/token"
		}
		if c.TokenURL == "" {
			p.fail("LOGIN_FLOW=client_credentials needs IDP_TOKEN_URL (or IDP_TENANT_ID for Microsoft Entra ID)")
		} else if msg := checkTokenURL(c.TokenURL); msg != "" {
			p.fail("IDP_TOKEN_URL %s", msg)
		}
		c.ClientID = p.str("IDP_CLIENT_ID", "")
		if c.ClientID == "" {
			p.fail("LOGIN_FLOW=client_credentials needs IDP_CLIENT_ID")
		}
		c.ClientSecret = p.secret("IDP_CLIENT_SECRET", "IDP_CLIENT_SECRET_FILE", readFile)
		if !c.ClientSecret.IsSet() {
			p.fail("LOGIN_FLOW=client_credentials needs IDP_CLIENT_SECRET or IDP_CLIENT_SECRET_FILE")
		}
		c.Scopes = splitScopes(p.str("IDP_SCOPES", ""))
		if len(c.Scopes) == 0 && c.URL != "" {
			c.Scopes = []string{c.URL + "/.default"}
		}
		c.Audience = p.str("IDP_AUDIENCE", "")
	case FlowToken:
		c.Token = Secret(p.str("CDF_TOKEN", ""))
		if !c.Token.IsSet() {
			p.fail("LOGIN_FLOW=token needs CDF_TOKEN")
		}
	default:
		p.fail("LOGIN_FLOW %q is not supported: set LOGIN_FLOW=client_credentials (with IDP_* variables) or LOGIN_FLOW=token (with CDF_TOKEN)", c.LoginFlow)
	}
	return c, p.err()
}

// LogAttrs is a redacted summary of the configuration for the start-up log.
func (c Config) LogAttrs() []slog.Attr {
	attrs := []slog.Attr{
		slog.String("addr", c.Addr),
		slog.String("metrics_addr", c.MetricsAddr),
		slog.String("log_format", c.LogFormat),
		slog.Duration("shutdown_timeout", c.ShutdownTimeout),
		slog.Bool("demo", c.Demo),
		slog.String("cdf_url", c.URL),
		slog.String("cdf_project", c.Project),
		slog.String("projects", c.projectsAttr()),
		slog.String("cdf_version", c.CDFVersion),
		slog.String("login_flow", c.LoginFlow),
	}
	switch c.LoginFlow {
	case FlowClientCredentials:
		attrs = append(attrs,
			slog.String("idp_token_url", c.TokenURL),
			slog.String("idp_client_id", c.ClientID),
			slog.Any("idp_client_secret", c.ClientSecret),
			slog.String("idp_scopes", strings.Join(c.Scopes, " ")),
			slog.String("idp_audience", c.Audience),
		)
	case FlowToken:
		attrs = append(attrs, slog.Any("cdf_token", c.Token))
	case FlowUser:
		attrs = append(attrs, slog.String("idp_scopes", strings.Join(c.Scopes, " ")), slog.String("idp_audience", c.Audience))
	}
	attrs = append(attrs, c.Auth.logAttrs()...)
	attrs = append(attrs, c.Security.logAttrs(c.Auth)...)
	return append(attrs,
		slog.Duration("request_timeout", c.RequestTimeout),
		slog.Int64("max_json_bytes", c.Limits.MaxJSONBytes),
		slog.Int64("max_image_bytes", c.Limits.MaxImageBytes),
		slog.Int64("max_image_pixels", c.Limits.MaxImagePixels),
		slog.Int("max_vertices", c.Limits.MaxVertices),
		slog.Int("max_items", c.Limits.MaxItems),
		slog.Int("max_overlay_width", c.Limits.MaxOverlayWidth),
		slog.Int("max_annotations", c.Limits.MaxAnnotations),
		slog.Bool("verdicts", c.Verdicts),
		slog.Int64("image_cache_bytes", c.Render.ImageCacheBytes),
		slog.Int64("output_cache_bytes", c.Render.OutputCacheBytes),
		slog.Int("render_concurrency", c.Render.Concurrency),
		slog.Duration("render_wait", c.Render.Wait),
		slog.Int("max_exports", c.Exports.MaxConcurrent),
		slog.Int("export_queue", c.Exports.Queue),
		slog.Bool("ignore_exif", c.Render.IgnoreEXIF),
	)
}

// AnyProjectValue is the value of SEGVIEW_PROJECTS that serves any
// project the signed-in person reaches.
const AnyProjectValue = "*"

// parseProjects reads SEGVIEW_PROJECTS (raw) against CDF_PROJECT
// (c.Project): comma-separated project names, each a valid CDF project
// name (cdf.ValidProject), or * with per-person identity. CDF_PROJECT,
// when set, is the default project and must be one of them; when unset
// the first listed is.
func (p *parser) parseProjects(c *Config, raw string) {
	if c.Project != "" && !cdf.ValidProject(c.Project) {
		p.fail("CDF_PROJECT %q is not a CDF project name: use letters, digits and hyphens (at most %d), as in the project's URL", clipValue(c.Project), cdf.MaxProjectLength)
	}
	if raw == "" {
		c.Projects = []string{c.Project}
		return
	}
	// seen maps each name, lowercased, to its spelling in the list.
	// Project URL names differ by more than case: Cognite's public docs
	// state no rule on case (the Python SDK's Project.url_name is only
	// "the URL name of the project ... used as part of the request path"),
	// but Cognite's own JS code that turns input into a project name
	// lowercases it because "CDP projects cannot have upper-case
	// characters". cdf.ValidProject still accepts capitals, so as never to
	// refuse a name CDF serves; two names that differ only by case are
	// refused, as they would otherwise be served as two projects.
	seen := map[string]string{}
	bad := false // a name was refused: say only that
	for _, name := range strings.Split(raw, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "":
			continue
		case name == AnyProjectValue:
			c.AnyProject = true
			continue
		case !cdf.ValidProject(name):
			p.fail("SEGVIEW_PROJECTS: %q is not a CDF project name: use letters, digits and hyphens (at most %d), as in the project's URL, separated by commas", clipValue(name), cdf.MaxProjectLength)
			bad = true
			continue
		case seen[strings.ToLower(name)] == name:
			p.fail("SEGVIEW_PROJECTS names %q twice: keep one", name)
			bad = true
			continue
		case seen[strings.ToLower(name)] != "":
			p.fail("SEGVIEW_PROJECTS names %q and %q, which differ only by case: CDF project URL names are lowercase, keep the one in the project's URL", seen[strings.ToLower(name)], name)
			bad = true
			continue
		}
		seen[strings.ToLower(name)] = name
		c.Projects = append(c.Projects, name)
	}
	switch {
	case c.AnyProject && len(c.Projects) > 0:
		p.fail("SEGVIEW_PROJECTS mixes * with project names: set either * (any project the signed-in person reaches) or a list of projects")
	case c.AnyProject && (c.Auth.Mode != AuthOIDC || c.Auth.Identity != IdentityUser):
		p.fail("SEGVIEW_PROJECTS=* needs SEGVIEW_AUTH=oidc and SEGVIEW_CDF_IDENTITY=user: only a signed-in person's own token lets CDF decide which projects they reach; list the projects instead")
	case c.AnyProject:
		c.Projects = nil
	case len(c.Projects) == 0:
		if !bad {
			p.fail("SEGVIEW_PROJECTS names no project: list them separated by commas, like SEGVIEW_PROJECTS=acme-dev,acme-prod")
		}
	case c.Project == "":
		c.Project = c.Projects[0]
	case !slices.Contains(c.Projects, c.Project):
		p.fail("CDF_PROJECT (%s) is not one of SEGVIEW_PROJECTS: add it to the list, or unset CDF_PROJECT to make the first listed the default", c.Project)
	}
}

// projectsAttr is the projects served, for the start-up log.
func (c Config) projectsAttr() string {
	if c.AnyProject {
		return AnyProjectValue
	}
	return strings.Join(c.Projects, ",")
}

// IsLoopback reports whether host (without port) names this machine.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkCDFURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Sprintf("%q is not an absolute https URL: set it like https://westeurope-1.cognitedata.com", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "must not carry credentials, a query or a fragment: set only scheme, host and port"
	}
	if u.Path != "" {
		return fmt.Sprintf("%q has a path: set only the base URL, like https://westeurope-1.cognitedata.com", raw)
	}
	if u.Scheme == "http" && !IsLoopback(u.Hostname()) {
		return "uses http:// for a host that is not loopback: use https://"
	}
	return ""
}

func checkTokenURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "is not an absolute https URL"
	}
	if u.User != nil {
		return "must not carry credentials"
	}
	if u.Scheme == "http" && !IsLoopback(u.Hostname()) {
		return "uses http:// for a host that is not loopback: use https://"
	}
	return ""
}

func validCluster(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return s != ""
}

func splitScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
}

// parsePeers reads the SEGVIEW_PEER* variables; with neither
// SEGVIEW_PEERS nor SEGVIEW_PEERS_DNS the others are not needed.
func (p *parser) parsePeers(c Config, readFile func(string) ([]byte, error)) Peers {
	peers := Peers{
		DNS:         p.str("SEGVIEW_PEERS_DNS", ""),
		DNSInterval: p.duration("SEGVIEW_PEERS_DNS_INTERVAL", DefaultPeersDNSInterval),
		Addr:        p.str("SEGVIEW_PEER_ADDR", ""),
		Self:        strings.TrimRight(p.str("SEGVIEW_PEER_SELF", ""), "/"),
		Secret:      p.secret("SEGVIEW_PEER_SECRET", "SEGVIEW_PEER_SECRET_FILE", readFile),
		CacheBytes:  p.int64("SEGVIEW_PEER_CACHE_BYTES", DefaultPeerCacheBytes),
	}
	for _, u := range strings.Split(p.str("SEGVIEW_PEERS", ""), ",") {
		if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
			if msg := checkPeerURL(u); msg != "" {
				p.fail("SEGVIEW_PEERS: %q %s", u, msg)
			}
			peers.URLs = append(peers.URLs, u)
		}
	}
	if !peers.Enabled() {
		return peers
	}
	if len(peers.URLs) > 0 && peers.DNS != "" {
		p.fail("both SEGVIEW_PEERS and SEGVIEW_PEERS_DNS are set: keep one")
	}
	switch {
	case peers.Addr == "":
		p.fail("SEGVIEW_PEER_ADDR is not set: peers need a listener of their own, for example SEGVIEW_PEER_ADDR=:8081")
	case peers.Addr == c.Addr || peers.Addr == c.MetricsAddr:
		p.fail("SEGVIEW_PEER_ADDR (%s) is also SEGVIEW_ADDR or SEGVIEW_METRICS_ADDR: give the peers a port of their own", peers.Addr)
	}
	if msg := checkPeerURL(peers.Self); peers.Self == "" {
		p.fail("SEGVIEW_PEER_SELF is not set: set this replica's peer URL as the others reach it, for example http://$(POD_IP):8081")
	} else if msg != "" {
		p.fail("SEGVIEW_PEER_SELF: %q %s", peers.Self, msg)
	} else if len(peers.URLs) > 0 && !slices.Contains(peers.URLs, peers.Self) {
		p.fail("SEGVIEW_PEER_SELF (%s) is not one of SEGVIEW_PEERS: list every replica, this one included", peers.Self)
	}
	if len(peers.Secret) < 16 {
		p.fail("SEGVIEW_PEER_SECRET (or SEGVIEW_PEER_SECRET_FILE) is missing or shorter than 16 characters: give every replica the same random secret (openssl rand -hex 32)")
	}
	return peers
}

// checkPeerURL says what is wrong with a peer's base URL, or "".
func checkPeerURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "is not a peer's base URL: set it like http://10.0.0.7:8081"
	}
	return ""
}

// parser collects every problem instead of stopping at the first.
type parser struct {
	env      Getenv
	problems []string
}

func (p *parser) fail(format string, args ...any) {
	p.problems = append(p.problems, fmt.Sprintf(format, args...))
}

func (p *parser) err() error {
	if len(p.problems) == 0 {
		return nil
	}
	return errors.New("configuration: " + strings.Join(p.problems, "; "))
}

func (p *parser) str(key, def string) string {
	v, ok := p.env(key)
	v = strings.TrimSpace(v)
	if !ok || v == "" {
		return def
	}
	return v
}

func (p *parser) int64(key string, def int64) int64 {
	v := p.str(key, "")
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 || n > 1<<40 {
		p.fail("%s=%q is not a positive whole number: set it like %s=%d", key, v, key, def)
		return def
	}
	return n
}

// count reads a whole number that may be 0.
func (p *parser) count(key string, def int) int {
	v := p.str(key, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		p.fail("%s=%q is not a whole number of 0 or more: set it like %s=%d", key, v, key, def)
		return def
	}
	return n
}

func (p *parser) duration(key string, def time.Duration) time.Duration {
	v := p.str(key, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		p.fail("%s=%q is not a positive duration: set it like %s=%s", key, v, key, def)
		return def
	}
	return d
}

func (p *parser) bool(key string, def bool) bool {
	v := p.str(key, "")
	if v == "" {
		return def
	}
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true
	case "0", "false", "no", "off":
		return false
	}
	p.fail("%s=%q is not a boolean: set it to true or false", key, v)
	return def
}

// secret reads key, or the file named by fileKey. Setting both is an error
// because it is unclear which one the operator meant.
func (p *parser) secret(key, fileKey string, readFile func(string) ([]byte, error)) Secret {
	v := p.str(key, "")
	path := p.str(fileKey, "")
	switch {
	case v != "" && path != "":
		p.fail("both %s and %s are set: keep one", key, fileKey)
		return ""
	case path != "":
		b, err := readFile(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				p.fail("%s names %q, which does not exist", fileKey, path)
			} else {
				p.fail("%s names %q, which cannot be read", fileKey, path)
			}
			return ""
		}
		s := strings.TrimSpace(string(b))
		if s == "" {
			p.fail("%s names an empty file", fileKey)
		}
		return Secret(s)
	}
	return Secret(v)
}
