package app

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/segview/segview/internal/auth"
	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/handlers"
	"github.com/segview/segview/internal/jobs"
	"github.com/segview/segview/internal/lru"
	"github.com/segview/segview/internal/render"
	"github.com/segview/segview/internal/verdict"
)

// noDefaultProject is the project of the CDF client, renderer and reader
// that SEGVIEW_PROJECTS=* without CDF_PROJECT builds its views from: they
// never call CDF for it (cdf.ValidProject refuses it, so no URL can name
// it), only for the project of each view.
const noDefaultProject = "(no default project)"

// reachableTTL is how long the home page reuses the projects CDF's token
// inspection listed for one session (SEGVIEW_PROJECTS=*).
const reachableTTL = time.Minute

// reachableSessions bounds the sessions whose reachable projects are kept.
const reachableSessions = 4096

// projectSet is the projects one dashboard serves: views of the one CDF
// client, renderer, reader and verdict store per project, which share the
// process's caches, limits and memory budget (render.MemoryLimit does not
// grow with the number of projects) and key all they keep by project.
type projectSet struct {
	client   *cdf.Client
	renderer *render.Service
	reader   *jobs.Reader
	// verdicts makes a project's verdict store; nil when verdicts are off.
	verdicts func(c *cdf.Client) handlers.VerdictStore
	listed   []string
	served   map[string]handlers.Project
	any      bool
	now      func() time.Time
	// reachable keeps, by session, the projects token inspection listed.
	reachable *lru.Cache[[sha256.Size]byte, reachableEntry]
}

type reachableEntry struct {
	names []string
	at    time.Time
}

func newProjectSet(client *cdf.Client, renderer *render.Service, reader *jobs.Reader,
	verdicts func(c *cdf.Client) handlers.VerdictStore, listed []string, any bool, now func() time.Time) (*projectSet, error) {
	if now == nil {
		now = time.Now
	}
	s := &projectSet{client: client, renderer: renderer, reader: reader, verdicts: verdicts,
		listed: listed, any: any, now: now, served: make(map[string]handlers.Project, len(listed)),
		reachable: lru.New[[sha256.Size]byte, reachableEntry](reachableSessions)}
	for _, name := range listed {
		p, err := s.build(name)
		if err != nil {
			return nil, err
		}
		s.served[name] = p
	}
	return s, nil
}

// build makes the views of name.
func (s *projectSet) build(name string) (handlers.Project, error) {
	c, err := s.client.ForProject(name)
	if err != nil {
		return handlers.Project{}, err
	}
	r := s.renderer.ForProject(name, c)
	p := handlers.Project{Name: name, Reader: s.reader.ForProject(name, c, r), Renderer: r}
	if s.verdicts != nil {
		p.Verdicts = s.verdicts(c)
	}
	return p, nil
}

// lookup is handlers.Projects.Lookup: a listed project, or with any
// project a view made for the request (a few small allocations, no call
// to CDF: CDF's answer to the person's token decides).
func (s *projectSet) lookup(name string) (handlers.Project, bool) {
	if p, ok := s.served[name]; ok {
		return p, true
	}
	if !s.any || !cdf.ValidProject(name) {
		return handlers.Project{}, false
	}
	p, err := s.build(name)
	return p, err == nil
}

// client of a project a peer's key names: only the listed ones.
func (s *projectSet) clientFor(name string) (*cdf.Client, error) {
	if !slices.Contains(s.listed, name) {
		return nil, fmt.Errorf("project %q is not served here", name)
	}
	return s.client.ForProject(name)
}

// reachableProjects lists the projects the request's person reaches, from
// CDF's token inspection with the person's token, sorted. It keeps the
// answer for the person's session for reachableTTL, keyed by a hash of
// the session's own secret (its CSRF token), never shared between people.
func (s *projectSet) reachableProjects(ctx context.Context) ([]string, error) {
	viewer, ok := auth.ViewerFrom(ctx)
	var key [sha256.Size]byte
	if ok && viewer.CSRFToken != "" {
		key = sha256.Sum256([]byte("segview reachable projects\x00" + viewer.CSRFToken))
		if e, found := s.reachable.Get(key); found && s.now().Sub(e.at) < reachableTTL && !s.now().Before(e.at) {
			return e.names, nil
		}
	}
	t, err := s.client.InspectToken(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, p := range t.Projects {
		if cdf.ValidProject(p.ProjectURLName) && !slices.Contains(names, p.ProjectURLName) {
			names = append(names, p.ProjectURLName)
		}
	}
	slices.Sort(names)
	if ok && viewer.CSRFToken != "" {
		s.reachable.Add(key, reachableEntry{names: names, at: s.now()}, 1)
	}
	return names, nil
}

// handlers is the set as the router takes it.
func (s *projectSet) handlers(defaultProject string) *handlers.Projects {
	ps := &handlers.Projects{
		Lookup:   s.lookup,
		Default:  defaultProject,
		Listed:   s.listed,
		Any:      s.any,
		Verdicts: s.verdicts != nil,
	}
	if s.any {
		ps.Listed = nil
		ps.Reachable = s.reachableProjects
	}
	return ps
}

// verdictStores makes each project's verdict store.
func verdictStores(version string, maxAnnotations int) func(c *cdf.Client) handlers.VerdictStore {
	return func(c *cdf.Client) handlers.VerdictStore {
		return &verdict.Store{CDF: c, AppVersion: version, MaxAnnotations: maxAnnotations}
	}
}

// checkingProjects is the readiness check check that, the first time it
// succeeds, also asks CDF once which projects the identity's token
// reaches (token/inspect) and logs a warning naming each of listed that
// CDF does not list: a mistyped SEGVIEW_PROJECTS or CDF_PROJECT would
// otherwise show only as CDF's refusal on that project's pages, which
// reads as missing rights. When CDF cannot tell (token/inspect needs the
// IDENTITY scope and projectsAcl:LIST and groupsAcl:LIST), it says so at
// Info level. Readiness does not depend on it: the other projects serve.
func checkingProjects(check func(context.Context) error, client *cdf.Client, listed []string, logger *slog.Logger) func(context.Context) error {
	var once sync.Once
	return func(ctx context.Context) error {
		if err := check(ctx); err != nil {
			return err
		}
		once.Do(func() { warnUnreachable(ctx, client, listed, logger) })
		return nil
	}
}

// warnUnreachable is checkingProjects' check of listed.
func warnUnreachable(ctx context.Context, client *cdf.Client, listed []string, logger *slog.Logger) {
	t, err := client.InspectToken(ctx)
	if err != nil {
		logger.Info("could not check the projects against those CDF says this identity reaches (token/inspect)", "err", err)
		return
	}
	var reached, missing []string
	for _, p := range t.Projects {
		reached = append(reached, p.ProjectURLName)
	}
	for _, p := range listed {
		if !slices.Contains(reached, p) {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		slices.Sort(reached)
		logger.Warn("CDF does not list these projects among those this identity reaches: check SEGVIEW_PROJECTS and CDF_PROJECT for a typo, or the identity's groups in CDF",
			"projects", missing, "reached", reached)
	}
}
