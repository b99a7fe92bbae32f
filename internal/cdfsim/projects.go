package cdfsim

import (
	"net/http"
	"slices"
)

// projectData is everything one CDF project holds. Ids are per project,
// as in CDF: the same file, job or annotation id may exist in two projects
// with different content. s.mu guards it.
type projectData struct {
	name           string
	files          map[int64]*storedFile
	fileByExtID    map[string]int64
	fileByInstance map[wireInstanceID]int64
	nextFileID     int64
	jobs           map[int64]*storedJob
	nextJobID      int64
	annotations    map[int64]*wireAnnotation
	nextAnnotID    int64
	demoJobs       []DemoJob
}

func newProjectData(name string) *projectData {
	return &projectData{
		name:           name,
		files:          map[int64]*storedFile{},
		fileByExtID:    map[string]int64{},
		fileByInstance: map[wireInstanceID]int64{},
		nextFileID:     1_000_001,
		jobs:           map[int64]*storedJob{},
		nextJobID:      2_000_001,
		annotations:    map[int64]*wireAnnotation{},
		nextAnnotID:    3_000_001,
	}
}

// Projects returns the projects the simulator serves: Options.Project
// first, then Options.Projects in the order given.
func (s *Server) Projects() []string { return slices.Clone(s.projectOrder) }

// mustProject returns the data of a served project, for the Go API used by
// tests: an unserved name is a bug in the test and panics.
func (s *Server) mustProject(project string) *projectData {
	p := s.projects[project]
	if p == nil {
		panic("cdfsim: project " + project + " is not served (Options.Project and Options.Projects)")
	}
	return p
}

// projectOf returns the data of the project in r's path. Only handlers
// behind route call it, and route has checked that the project is served.
func (s *Server) projectOf(r *http.Request) *projectData {
	return s.mustProject(r.PathValue("project"))
}

// AddFileTo stores f in project, replacing any file with the same ID there,
// as [Server.AddFile] does for the default project. It panics if project is
// not served.
func (s *Server) AddFileTo(project string, f File) {
	p := s.mustProject(project)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addFileLocked(p, f, s.now())
}

// AddJobTo stores j in project as [Server.AddJob] does for the default
// project. It panics if project is not served.
func (s *Server) AddJobTo(project string, j Job) {
	p := s.mustProject(project)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addJobLocked(p, j)
}

// JobIn returns the job with the given id in project as a GET would see it
// now; false if project has no such job or is not served.
func (s *Server) JobIn(project string, id int64) (Job, bool) {
	p := s.projects[project]
	if p == nil {
		return Job{}, false
	}
	s.mu.Lock()
	sj := p.jobs[id]
	s.mu.Unlock()
	if sj == nil {
		return Job{}, false
	}
	return cloneJob(sj.at(s.now(), s.jobPhase)), true
}

// AnnotationStatusesIn returns the status of every annotation of the file
// fileID in project, by annotation id (empty if project is not served).
func (s *Server) AnnotationStatusesIn(project string, fileID int64) map[int64]string {
	out := map[int64]string{}
	p := s.projects[project]
	if p == nil {
		return out
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, a := range p.annotations {
		if a.AnnotatedResourceType == annotatedFile && a.AnnotatedResourceID == fileID {
			out[id] = a.Status
		}
	}
	return out
}

// DemoJobsIn returns the seeded demo jobs of project in a stable order (by
// id), or nil if the server was not seeded or does not serve project.
func (s *Server) DemoJobsIn(project string) []DemoJob {
	p := s.projects[project]
	if p == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(p.demoJobs)
}

// reaches reports whether principal pr may use project. The service
// principal reaches every served project; a person reaches the projects
// Options.UserProjects lists for them, or every served one when they are
// not listed.
func (pr principal) reaches(project string) bool {
	return pr.service || pr.projects == nil || pr.projects[project]
}

// reachable returns the served projects pr reaches, in serving order.
func (s *Server) reachable(pr principal) []string {
	out := []string{}
	for _, name := range s.projectOrder {
		if pr.reaches(name) {
			out = append(out, name)
		}
	}
	return out
}
