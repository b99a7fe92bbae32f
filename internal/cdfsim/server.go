package cdfsim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Defaults for the zero values of [Options].
const (
	DefaultProject  = "demo"
	DefaultTokenTTL = time.Hour
	DefaultLinkTTL  = 30 * time.Second // CDF's documented download-link lifetime
	DefaultJobPhase = 2 * time.Second

	// extendedLinkTTL is the lifetime with ?extendedExpiration=true.
	extendedLinkTTL = time.Hour
	// maxBodyBytes caps every request body; CDF rejects huge bodies too.
	maxBodyBytes = 1 << 20
)

// Options configure a [Server]. Zero values take the documented defaults.
type Options struct {
	// Project is the default CDF project: the one AddFile, AddJob, Job,
	// AnnotationStatuses and DemoJobs use. Default "demo".
	Project string
	// Projects are further projects the simulator serves, each with its
	// own files, jobs and annotations (ids are per project, as in CDF).
	// Requests for a project that is neither Project nor one of these get
	// 403, as do a person's requests for a served project they cannot
	// reach (see UserProjects).
	Projects []string
	// ClientID and ClientSecret are the only credentials the token endpoint
	// accepts. Both are required.
	ClientID, ClientSecret string
	// TokenTTL is the lifetime of access tokens (default 1h); requests with an
	// expired token get 401.
	TokenTTL time.Duration
	// LinkTTL is the lifetime of download links (default 30s, as in CDF).
	LinkTTL time.Duration
	// JobPhase is how long a POSTed job stays Queued, and then Running, before
	// it completes (default 2s). Status is computed from Now on each GET.
	JobPhase time.Duration
	// Now is the clock (default time.Now). Tests inject a fake one.
	Now func() time.Time
	// Seed adds the demo files and jobs to Project (see [Server.DemoJobs])
	// and a small seed of two completed jobs to each of Projects (see
	// [Server.DemoJobsIn]).
	Seed bool
	// Logger receives one debug line per request and info lines for injected
	// faults. Default: discard.
	Logger *slog.Logger

	// OIDCIssuer, when set, makes the API also accept bearer JWTs that this
	// OpenID Connect provider issued to people, as CDF accepts the tokens
	// of the identity provider a project trusts. A token is valid when its
	// signature checks against the provider's JWKS (found through
	// discovery on first use), its iss is OIDCIssuer, its aud contains
	// OIDCAudience (required with OIDCIssuer) and it has not expired by
	// Now. Client-credentials tokens keep working as before.
	OIDCIssuer, OIDCAudience string
	// UserCapabilities grants capabilities such as "filesAcl:READ"
	// (CapFilesRead) to people, by the sub or the email claim of their
	// token. A person without filesAcl:READ gets 403 from every project
	// route. The service principal holds every capability, except those
	// revoked with [Server.RevokeCapability].
	UserCapabilities map[string][]string
	// UserProjects lists, by the sub or the email claim of their token, the
	// served projects a person can reach (both lists when both claims are
	// listed); a person listed under neither reaches every served project,
	// and one listed with no project reaches none. Each name must be a
	// served project. The service principal reaches every served project.
	UserProjects map[string][]string
}

// Server is the CDF simulator. It is an http.Handler; [Server.Start] also
// runs it on a local listener. All methods are safe for concurrent use.
type Server struct {
	project  string // the default project, Options.Project
	clientID string
	secret   string
	tokenTTL time.Duration
	linkTTL  time.Duration
	jobPhase time.Duration
	now      func() time.Time
	log      *slog.Logger
	linkKey  []byte
	api      *http.ServeMux
	jwt      *jwtVerifier // nil without Options.OIDCIssuer
	userCaps map[string][]string
	// projects and projectOrder are fixed by New; the data in each
	// projectData is guarded by mu.
	projects     map[string]*projectData
	projectOrder []string
	userProjects map[string][]string

	mu              sync.Mutex
	tokens          map[string]time.Time // access token -> expiry
	issued          []string             // every access token granted, for secret scans
	tokenGrants     int
	personRequests  map[string]map[string]int // subject -> path -> count
	lastTokenParams url.Values
	requests        map[string]*requestStat // by URL path
	requestSeq      uint64
	downloads       map[string]*storedFile // by the opaque download path segment
	revoked         map[string]int         // capability -> outstanding RevokeCapability calls
	adminRevoked    map[string]bool        // capabilities revoked through /_sim/capabilities
	faults          []*activeFault
	nextFaultID     int

	runMu     sync.Mutex
	httpSrv   *http.Server
	stopBase  context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

type requestStat struct {
	count  int
	seq    uint64
	header http.Header
}

// New validates opts and returns a Server, seeded with the demo project when
// opts.Seed is set.
func New(opts Options) (*Server, error) {
	if opts.ClientID == "" || opts.ClientSecret == "" {
		return nil, errors.New("cdfsim: ClientID and ClientSecret are required")
	}
	for name, d := range map[string]time.Duration{"TokenTTL": opts.TokenTTL, "LinkTTL": opts.LinkTTL, "JobPhase": opts.JobPhase} {
		if d < 0 {
			return nil, fmt.Errorf("cdfsim: %s must not be negative, got %v", name, d)
		}
	}
	s := &Server{
		project:        cmpOr(opts.Project, DefaultProject),
		clientID:       opts.ClientID,
		secret:         opts.ClientSecret,
		tokenTTL:       cmpOr(opts.TokenTTL, DefaultTokenTTL),
		linkTTL:        cmpOr(opts.LinkTTL, DefaultLinkTTL),
		jobPhase:       cmpOr(opts.JobPhase, DefaultJobPhase),
		now:            opts.Now,
		log:            opts.Logger,
		linkKey:        make([]byte, 32),
		tokens:         map[string]time.Time{},
		personRequests: map[string]map[string]int{},
		userCaps:       map[string][]string{},
		requests:       map[string]*requestStat{},
		projects:       map[string]*projectData{},
		userProjects:   map[string][]string{},
		downloads:      map[string]*storedFile{},
		revoked:        map[string]int{},
		adminRevoked:   map[string]bool{},
	}
	for _, name := range append([]string{s.project}, opts.Projects...) {
		if !validProject(name) {
			return nil, fmt.Errorf("cdfsim: invalid project name %q", name)
		}
		if s.projects[name] != nil {
			return nil, fmt.Errorf("cdfsim: project %q is served twice (Project and Projects)", name)
		}
		s.projects[name] = newProjectData(name)
		s.projectOrder = append(s.projectOrder, name)
	}
	for who, names := range opts.UserProjects {
		for _, name := range names {
			if s.projects[name] == nil {
				return nil, fmt.Errorf("cdfsim: UserProjects[%q] names project %q, which is not served", who, name)
			}
		}
		s.userProjects[who] = append([]string{}, names...)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if opts.OIDCIssuer != "" {
		v, err := newJWTVerifier(opts.OIDCIssuer, opts.OIDCAudience, s.now)
		if err != nil {
			return nil, err
		}
		s.jwt = v
	}
	for who, caps := range opts.UserCapabilities {
		s.userCaps[who] = append([]string(nil), caps...)
	}
	_, _ = rand.Read(s.linkKey)
	s.api = s.apiRoutes()
	if opts.Seed {
		if err := s.seedDemo(); err != nil {
			return nil, fmt.Errorf("cdfsim: seeding demo project: %w", err)
		}
		for i, name := range opts.Projects {
			if err := s.seedExtra(name, i); err != nil {
				return nil, fmt.Errorf("cdfsim: seeding project %s: %w", name, err)
			}
		}
	}
	return s, nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// validProject accepts CDF-like project names, which end up in URL paths.
func validProject(p string) bool {
	if p == "" || len(p) > 255 {
		return false
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Project returns the default project, Options.Project.
func (s *Server) Project() string { return s.project }

// TokenURL returns the token endpoint for a server reachable at baseURL.
func (s *Server) TokenURL(baseURL string) string {
	return strings.TrimRight(baseURL, "/") + "/oauth2/token"
}

// routeKind classifies a request path; each kind has its own error shape.
type routeKind int

const (
	kindAPI      routeKind = iota // CDF JSON errors
	kindToken                     // OAuth2 JSON errors
	kindDownload                  // storage-style XML errors
	kindAdmin                     // /_sim/: not counted, never faulted
)

func classify(path string) routeKind {
	switch {
	case path == "/oauth2/token":
		return kindToken
	case strings.HasPrefix(path, "/download/"):
		return kindDownload
	case path == "/_sim" || strings.HasPrefix(path, "/_sim/"):
		return kindAdmin
	default:
		return kindAPI
	}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	w.Header().Set("X-Request-Id", reqID)
	start := time.Now()
	kind := classify(r.URL.Path)
	if r.Body != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	}
	if kind == kindAdmin {
		s.serveAdmin(w, r)
		return
	}
	s.recordRequest(r)
	if f, ok := s.takeFault(r.URL.Path, kind); ok {
		if s.applyFault(w, r, f, kind) {
			return
		}
	}
	switch kind {
	case kindToken:
		s.serveToken(w, r)
	case kindDownload:
		s.serveDownload(w, r)
	default:
		s.serveAPI(w, r)
	}
	s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "request_id", reqID, "duration", time.Since(start))
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// randomToken returns n random bytes, hex encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) recordRequest(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requestSeq++
	st := s.requests[r.URL.Path]
	if st == nil {
		st = &requestStat{}
		s.requests[r.URL.Path] = st
	}
	st.count++
	st.seq = s.requestSeq
	st.header = r.Header.Clone()
}

// APIRequests counts the requests (API, token and download; not /_sim/)
// whose URL path contains match, including those answered by a fault.
func (s *Server) APIRequests(match string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for path, st := range s.requests {
		if strings.Contains(path, match) {
			n += st.count
		}
	}
	return n
}

// LastHeaders returns a copy of the request headers of the most recent
// request whose URL path contains match, or nil if there was none.
func (s *Server) LastHeaders(match string) http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	var last *requestStat
	for path, st := range s.requests {
		if strings.Contains(path, match) && (last == nil || st.seq > last.seq) {
			last = st
		}
	}
	if last == nil {
		return nil
	}
	return last.header.Clone()
}

// Start listens on addr (default "127.0.0.1:0") and serves in the background
// until ctx is done or Close is called. It returns the base URL, for example
// "http://127.0.0.1:43210".
func (s *Server) Start(ctx context.Context, addr string) (string, error) {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.httpSrv != nil {
		return "", errors.New("cdfsim: server already started")
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("cdfsim: listen: %w", err)
	}
	// Request contexts derive from base, so Close can end handlers that are
	// sleeping in an injected latency.
	base, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stopBase = stop
	s.done = make(chan struct{})
	s.httpSrv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	go func() {
		defer close(s.done)
		if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve", "err", err)
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			_ = s.Close()
		case <-s.done:
		}
	}()
	return "http://" + ln.Addr().String(), nil
}

// Close stops a server started with Start: it cancels in-flight requests,
// waits up to 5 s for them to finish, then closes remaining connections. It
// is safe to call more than once and on a server that was never started.
func (s *Server) Close() error {
	s.runMu.Lock()
	srv, stop, done := s.httpSrv, s.stopBase, s.done
	s.runMu.Unlock()
	if srv == nil {
		return nil
	}
	s.closeOnce.Do(func() {
		stop()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			s.closeErr = errors.Join(err, srv.Close())
		}
		<-done
	})
	return s.closeErr
}
