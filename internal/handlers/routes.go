package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/segview/segview/internal/metrics"
	"github.com/segview/segview/web"
	"github.com/segview/segview/web/templates"
)

// Deps are the router's dependencies.
type Deps struct {
	// Projects are the CDF projects served, each with its views of the
	// one reader, renderer and verdict store. When nil, the dashboard
	// serves Project alone, with Reader, Renderer and Verdicts.
	Projects *Projects
	// Reader makes every read of CDF's metadata (*jobs.Reader: cached, and
	// checked per person with SEGVIEW_CDF_IDENTITY=user).
	Reader Reader
	// Renderer draws overlays on the images it downloads (*render.Service).
	Renderer OverlayRenderer
	// Project is the one CDF project this dashboard serves without
	// Projects.
	Project string
	// Demo shows the demo badge; DemoJobs are listed on the start page.
	Demo     bool
	DemoJobs []templates.JobLink
	// Auth signs people in (SEGVIEW_AUTH=oidc); nil leaves every page open.
	Auth Authenticator
	// Verdicts, when set, records reviewers' verdicts in CDF.
	Verdicts VerdictStore

	MaxItems    int
	MaxVertices int
	// MaxImagePixels bounds the images whose masks the exports rasterize
	// (SEGVIEW_MAX_IMAGE_PIXELS); 0 means no bound.
	MaxImagePixels int64
	// MaxExports bounds the exports (COCO, GeoJSON, the job's JSON,
	// hits.json, overlay.svg) built at once, and ExportQueue the requests
	// waiting for a turn beyond them; further ones answer 503. 0 means no
	// bound.
	MaxExports, ExportQueue int
	// MaxZipJobs bounds the jobs of one review-queue ZIP
	// (SEGVIEW_MAX_ZIP_JOBS); 0 means defaultZipJobs.
	MaxZipJobs int
	// exportQueued, when set, is called as an export starts waiting for a
	// turn (tests).
	exportQueued func()
	// RequestTimeout bounds each request's work (0: no bound).
	RequestTimeout time.Duration
	// BodyLimit bounds request bodies, e.g. "1M".
	BodyLimit string
	// Security configures the response headers and the cross-site checks.
	Security Security

	// Metrics, when set, records requests and exports.
	Metrics *metrics.Metrics
	// MetricsHandler, when set, serves /metrics on this router (unset when
	// SEGVIEW_METRICS_ADDR serves it on a listener of its own).
	MetricsHandler http.Handler
	// Ready reports whether segview can serve (/readyz); nil: always.
	Ready func() error

	Logger *slog.Logger
	Now    func() time.Time
}

// NewRouter builds segview's HTTP handler: the route table, the middleware
// and the one error handler.
func NewRouter(d Deps) (*echo.Echo, error) {
	if d.Projects == nil {
		if d.Reader == nil || d.Renderer == nil || d.Project == "" {
			return nil, fmt.Errorf("handlers: Projects, or Reader, Renderer and Project, are required")
		}
		d.Projects = oneProject(Project{Name: d.Project, Reader: d.Reader, Renderer: d.Renderer, Verdicts: d.Verdicts})
	}
	if d.Logger == nil || d.Projects.Lookup == nil {
		return nil, fmt.Errorf("handlers: Logger and Projects.Lookup are required")
	}
	ps := d.Projects
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.BodyLimit == "" {
		d.BodyLimit = "64K"
	}
	assets, err := web.Assets()
	if err != nil {
		return nil, fmt.Errorf("handlers: loading assets: %w", err)
	}
	page := assetURLs(assets)
	if page.CSS == "" || page.JS == "" || page.Icon == "" {
		return nil, fmt.Errorf("handlers: the embedded assets lack app.css, %s or favicon.svg", entryModule)
	}
	page.Demo, page.Project = d.Demo, ps.Default
	if len(ps.Listed) > 1 || ps.Any {
		// The header and the titles name the project of each page, not a
		// default.
		page.Project, page.Several = "", true
	}

	// Without sign-in, the forms' CSRF tokens come from a cookie.
	var csrfChecker CSRFChecker
	issueCSRF := func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	if d.Auth != nil {
		csrfChecker = d.Auth
	} else {
		cc := newCookieCSRF(d.Security.HSTS, d.Security.CSRFKey)
		csrfChecker, issueCSRF = cc, cc.issue
	}
	var trusted []string
	if d.Security.PublicURL != "" {
		trusted = append(trusted, d.Security.PublicURL)
	}
	// routes holds "METHOD pattern" of every route, filled in once they
	// are all registered, before the first request.
	var routes map[string]bool
	csrf, err := csrfGuard(csrfChecker, func(method, path string) bool { return routes[method+" "+path] }, trusted...)
	if err != nil {
		return nil, err
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = ErrorHandler(page, d.Logger)
	if d.Metrics != nil {
		e.Use(observeRequests(d.Metrics))
	}
	e.Use(
		middleware.RequestID(),
		requestLogger(d.Logger),
		middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			d.Logger.Error("panic", "err", err, "stack", string(stack))
			return err
		}}),
		securityHeaders(d.Security),
		hostGuard(d.Security.Hosts),
		middleware.BodyLimit(d.BodyLimit),
		csrf,
	)
	if d.RequestTimeout > 0 {
		e.Use(middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{
			Timeout: d.RequestTimeout,
			// Keep the deadline error as it is: the error handler maps it to 504.
			ErrorHandler: func(err error, c echo.Context) error { return err },
		}))
	}

	home := &Home{Page: page, DemoJobs: d.DemoJobs, Projects: ps}
	job := &Job{Page: page, MaxItems: d.MaxItems, MaxVertices: d.MaxVertices, Now: d.Now}
	status := &JobStatus{}
	overlay := &Overlay{MaxVertices: d.MaxVertices}
	redirects := &Redirects{Project: ps.Default, Projects: ps}
	static := &Static{Assets: assets}

	signedIn, signedInImage := guards(d.Auth)
	gate := newExportGate(d.MaxExports, d.ExportQueue)
	if gate != nil {
		gate.queued = d.exportQueued
		gate.metrics = d.Metrics
	}

	get(e, "/", home.Show, signedIn)
	get(e, "/open", redirects.Open, signedIn)
	get(e, "/jobs/:jobId", redirects.Job, signedIn)
	get(e, "/projects/:project", redirects.ProjectHome, signedIn)
	get(e, "/projects/:project/", redirects.ProjectHome, signedIn)
	// Every /projects/{project}/ route gets a copy of its handler made
	// for the project the URL names (perProject); a project not served
	// answers 404 before any call to CDF.
	bindJob := func(h *Job, p Project) { h.Reader, h.Verdicts, h.Page.Project = p.Reader, p.Verdicts, p.Name }
	bindStatus := func(h *JobStatus, p Project) { h.Reader, h.Project = p.Reader, p.Name }
	bindOverlay := func(h *Overlay, p Project) {
		h.Reader, h.Renderer, h.Verdicts, h.Project = p.Reader, p.Renderer, p.Verdicts, p.Name
	}
	bindExport := func(h *Export, p Project) { h.Reader, h.Verdicts, h.Project = p.Reader, p.Verdicts, p.Name }
	bindSVG := func(h *OverlaySVG, p Project) {
		h.Reader, h.Renderer, h.Verdicts, h.Project = p.Reader, p.Renderer, p.Verdicts, p.Name
	}
	bindVerdicts := func(h *Verdicts, p Project) { h.Reader, h.Store, h.Project = p.Reader, p.Verdicts, p.Name }
	bindReview := func(h *Review, p Project) { h.Reader, h.Verdicts, h.Page.Project = p.Reader, p.Verdicts, p.Name }
	bindEmbed := func(h *Embed, p Project) { h.Reader, h.Verdicts, h.Page.Project = p.Reader, p.Verdicts, p.Name }
	bindHits := func(h *Hits, p Project) { h.Reader, h.Verdicts, h.Project = p.Reader, p.Verdicts, p.Name }

	exports := &Export{Gate: gate, MaxPixels: d.MaxImagePixels, MaxVertices: d.MaxVertices, MaxZipJobs: d.MaxZipJobs}
	get(e, "/projects/:project/jobs/:jobId", jobOrJSON(
		perProject(ps, job, bindJob, func(h *Job) echo.HandlerFunc { return h.Show }),
		perProject(ps, exports, bindExport, func(h *Export) echo.HandlerFunc { return h.JobJSON })), signedIn, issueCSRF)
	get(e, "/projects/:project/jobs/:jobId/export/coco.json", perProject(ps, exports, bindExport, func(h *Export) echo.HandlerFunc { return h.COCO }), plainErrors, signedIn)
	get(e, "/projects/:project/jobs/:jobId/export/geojson", perProject(ps, exports, bindExport, func(h *Export) echo.HandlerFunc { return h.GeoJSON }), plainErrors, signedIn)
	get(e, "/projects/:project/jobs/:jobId/files/:fileId/yolo.txt", perProject(ps, exports, bindExport, func(h *Export) echo.HandlerFunc { return h.YOLO }), plainErrors, signedIn)
	get(e, "/projects/:project/jobs/:jobId/files/:fileId/mask.png", perProject(ps, exports, bindExport, func(h *Export) echo.HandlerFunc { return h.Mask }), plainErrors, signedIn)
	get(e, "/projects/:project/review/export.zip", perProject(ps, exports, bindExport, func(h *Export) echo.HandlerFunc { return h.ZIP }), plainErrors, signedIn)
	svg := &OverlaySVG{PublicURL: d.Security.PublicURL, MaxVertices: d.MaxVertices, Gate: gate}
	get(e, "/projects/:project/jobs/:jobId/files/:fileId/overlay.svg", perProject(ps, svg, bindSVG, func(h *OverlaySVG) echo.HandlerFunc { return h.SVG }), plainErrors, signedInImage)
	if ps.Verdicts {
		verdicts := &Verdicts{}
		e.POST("/projects/:project/jobs/:jobId/files/:fileId/verdicts", perProject(ps, verdicts, bindVerdicts, func(h *Verdicts) echo.HandlerFunc { return h.Save }), signedIn)
		e.POST("/projects/:project/jobs/:jobId/files/:fileId/verdicts/undo", perProject(ps, verdicts, bindVerdicts, func(h *Verdicts) echo.HandlerFunc { return h.Undo }), signedIn)
		e.POST("/projects/:project/jobs/:jobId/files/:fileId/triage", perProject(ps, verdicts, bindVerdicts, func(h *Verdicts) echo.HandlerFunc { return h.Triage }), signedIn)
		e.POST("/projects/:project/jobs/:jobId/files/:fileId/triage/undo", perProject(ps, verdicts, bindVerdicts, func(h *Verdicts) echo.HandlerFunc { return h.TriageUndo }), signedIn)
	}
	get(e, "/projects/:project/jobs/:jobId/status", perProject(ps, status, bindStatus, func(h *JobStatus) echo.HandlerFunc { return h.Show }), plainErrors, signedIn)
	review := &Review{Page: page, MaxItems: d.MaxItems, MaxZipJobs: d.MaxZipJobs}
	get(e, "/projects/:project/review", perProject(ps, review, bindReview, func(h *Review) echo.HandlerFunc { return h.Show }), signedIn)
	embed := &Embed{Page: page, MaxItems: d.MaxItems, MaxVertices: d.MaxVertices, Now: d.Now}
	get(e, "/embed/projects/:project/jobs/:jobId", perProject(ps, embed, bindEmbed, func(h *Embed) echo.HandlerFunc { return h.Show }), allowFraming(d.Security), embedGuard(d.Auth, embed.SignIn))
	get(e, "/projects/:project/jobs/:jobId/files/:fileId/overlay.png", perProject(ps, overlay, bindOverlay, func(h *Overlay) echo.HandlerFunc { return h.PNG }), plainErrors, signedInImage)
	get(e, "/projects/:project/jobs/:jobId/files/:fileId/overlay.jpg", perProject(ps, overlay, bindOverlay, func(h *Overlay) echo.HandlerFunc { return h.JPEG }), plainErrors, signedInImage)
	get(e, "/projects/:project/jobs/:jobId/files/:fileId/layer.png", perProject(ps, overlay, bindOverlay, func(h *Overlay) echo.HandlerFunc { return h.Layer }), plainErrors, signedInImage)
	hits := &Hits{MaxVertices: d.MaxVertices, Gate: gate}
	get(e, "/projects/:project/jobs/:jobId/files/:fileId/hits.json", perProject(ps, hits, bindHits, func(h *Hits) echo.HandlerFunc { return h.Show }), plainErrors, signedIn)
	signInRoutes(e, d.Auth, page)
	get(e, "/static/*", static.Serve)
	get(e, healthPath, Health)
	get(e, readyPath, (&Readiness{Ready: d.Ready}).Show)
	if d.MetricsHandler != nil {
		get(e, metricsPath, echo.WrapHandler(d.MetricsHandler))
	}
	routes = make(map[string]bool)
	for _, r := range e.Routes() {
		routes[r.Method+" "+r.Path] = true
	}
	return e, nil
}

// get routes GET and HEAD requests for path to h: a HEAD is answered as
// the GET would be, headers and status alike, and the server sends no body.
func get(e *echo.Echo, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	e.Match([]string{http.MethodGet, http.MethodHead}, path, h, m...)
}

// requestLogger writes one line per request: method, route, status,
// duration, request id and, for upstream failures, CDF's x-request-id.
// Probes and scrapes, every few seconds, are not logged: the readiness
// check logs its changes itself.
func requestLogger(logger *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		Skipper:      func(c echo.Context) bool { return probePaths[c.Path()] },
		HandleError:  true,
		LogMethod:    true,
		LogURIPath:   true,
		LogRoutePath: true,
		LogStatus:    true,
		LogLatency:   true,
		LogRequestID: true,
		LogError:     true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			switch {
			case v.Status >= 500:
				level = slog.LevelError
			case v.Status >= 400:
				level = slog.LevelWarn
			}
			attrs := []slog.Attr{
				slog.String("method", v.Method),
				slog.String("route", v.RoutePath),
				slog.String("path", v.URIPath),
				slog.Int("status", v.Status),
				slog.Duration("duration", v.Latency),
				slog.String("request_id", v.RequestID),
			}
			if id, ok := c.Get(ctxCDFRequestID).(string); ok {
				attrs = append(attrs, slog.String("cdf_request_id", id))
			}
			if kind, ok := c.Get(ctxErrorKind).(string); ok {
				attrs = append(attrs, slog.String("error_kind", kind))
			}
			if v.Error != nil && v.Status >= 500 {
				attrs = append(attrs, slog.String("err", v.Error.Error()))
			}
			logger.LogAttrs(context.Background(), level, "request", attrs...)
			return nil
		},
	})
}
