package app

import (
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/htmltest"
)

// secondProject is the other project of the tests of several projects.
// The simulator seeds it (Options.Seed) with jobs 1001 and 1002 that use
// the ids of the default project's job and files, with other photos.
const secondProject = "acme-b"

// newTwoProjectStack serves testProject and secondProject from one
// simulator.
func newTwoProjectStack(t *testing.T, env map[string]string) *stack {
	t.Helper()
	return newTwoProjectStackWith(t, env, nil)
}

// newTwoProjectStackWith is newTwoProjectStack with simulator options
// adjusted by simOpts.
func newTwoProjectStackWith(t *testing.T, env map[string]string, simOpts func(*cdfsim.Options)) *stack {
	t.Helper()
	vars := map[string]string{"SEGVIEW_PROJECTS": testProject + "," + secondProject}
	for k, v := range env {
		vars[k] = v
	}
	return newStackWith(t, vars, func(o *cdfsim.Options) {
		o.Projects = []string{secondProject}
		if simOpts != nil {
			simOpts(o)
		}
	})
}

func projectJobPath(project string, job int64) string {
	return fmt.Sprintf("/projects/%s/jobs/%d", project, job)
}

func projectFilePath(project string, job, file int64, name string) string {
	return fmt.Sprintf("/projects/%s/jobs/%d/files/%d/%s", project, job, file, name)
}

// TestTwoProjectsKeptApart serves two projects that both hold job 1001
// and its file with other photos and segments: each route answers its own
// project's content (not a cached answer of the other project), ETags
// differ, and a download's name names its project. Every path is asked
// twice, so that the second answer may come from a cache.
func TestTwoProjectsKeptApart(t *testing.T) {
	t.Parallel()
	s := newTwoProjectStack(t, nil)
	job, file := cdfsim.DemoJobPumpSkid, cdfsim.DemoFilePumpSkid
	a, okA := s.sim.JobIn(testProject, job)
	b, okB := s.sim.JobIn(secondProject, job)
	if !okA || !okB || a.Items[0].FileID != file || b.Items[0].FileID != file {
		t.Fatalf("the simulator does not hold job %d with file %d in both projects", job, file)
	}
	tests := []struct {
		name string
		path func(project string) string
		// etag says the answers carry ETags, which must differ.
		etag bool
		// file is the download's name in project p, "" when none.
		file func(project string) string
		// marks are what only each project's answer contains.
		marks map[string]string
		// page says the answer is a page, which carries a nonce: its two
		// answers differ.
		page bool
	}{
		{name: "job page", path: func(p string) string { return projectJobPath(p, job) }, page: true,
			marks: map[string]string{testProject: "pump-skid-p101a.png", secondProject: "valve-hv112-" + secondProject + ".png"}},
		{name: "job JSON", path: func(p string) string { return projectJobPath(p, job) + ".json" },
			file: func(p string) string { return fmt.Sprintf("segview-%s-job-%d.json", p, job) }},
		{name: "overlay.png", path: func(p string) string { return projectFilePath(p, job, file, "overlay.png") }, etag: true},
		{name: "overlay.jpg at 320", path: func(p string) string { return projectFilePath(p, job, file, "overlay.jpg?width=320") }, etag: true},
		{name: "layer.png", path: func(p string) string { return projectFilePath(p, job, file, "layer.png") }, etag: true},
		{name: "COCO", path: func(p string) string { return projectJobPath(p, job) + "/export/coco.json" },
			marks: map[string]string{testProject: "pump-skid-p101a.png", secondProject: "valve-hv112-" + secondProject + ".png"}},
		{name: "hits.json", path: func(p string) string { return projectFilePath(p, job, file, "hits.json") }},
		{name: "mask.png", path: func(p string) string { return projectFilePath(p, job, file, "mask.png") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]response{}
			for _, p := range []string{testProject, secondProject, testProject, secondProject} {
				r := s.get(t, tt.path(p))
				wantStatus(t, r, http.StatusOK)
				if was, ok := got[p]; ok && !tt.page && (!bytes.Equal(was.body, r.body) || was.header.Get("ETag") != r.header.Get("ETag")) {
					t.Errorf("%s: the second answer differs from the first", p)
				}
				got[p] = r
				for mp, mark := range tt.marks {
					if has := bytes.Contains(r.body, []byte(mark)); has != (mp == p) {
						t.Errorf("%s: contains %q = %v, want %v", p, mark, has, mp == p)
					}
				}
				if tt.file != nil {
					_, params, err := mime.ParseMediaType(r.header.Get("Content-Disposition"))
					if err != nil || params["filename"] != tt.file(p) {
						t.Errorf("%s: Content-Disposition = %q, want %q", p, r.header.Get("Content-Disposition"), tt.file(p))
					}
				}
			}
			ra, rb := got[testProject], got[secondProject]
			if bytes.Equal(ra.body, rb.body) {
				t.Errorf("both projects answer the same %d bytes", len(ra.body))
			}
			if tt.etag {
				ea, eb := ra.header.Get("ETag"), rb.header.Get("ETag")
				if ea == "" || eb == "" || ea == eb {
					t.Errorf("ETags %q and %q, want two different ones", ea, eb)
				}
				// One project's ETag never revalidates the other's image.
				r := s.getWith(t, tt.path(secondProject), http.Header{"If-None-Match": {ea}})
				wantStatus(t, r, http.StatusOK)
			}
		})
	}
}

// TestTwoProjectsVerdicts records a verdict on job 1001's file in one
// project: it is stored in that project only, and the other project's
// page of its own job 1001 shows none.
func TestTwoProjectsVerdicts(t *testing.T) {
	t.Parallel()
	s := newTwoProjectStack(t, nil)
	job, file := cdfsim.DemoJobPumpSkid, cdfsim.DemoFilePumpSkid
	rv := &reviewer{s: s}
	_, doc := rv.page(t, projectJobPath(testProject, job))
	form := formOf(t, doc, "verdict-form", file)
	if want := projectFilePath(testProject, job, file, "verdicts"); form.action != want {
		t.Fatalf("verdict form posts to %q, want %q", form.action, want)
	}
	wantStatus(t, rv.post(t, form.action, url.Values{"csrf_token": {form.token}, "view": {form.view}, "verdict": {"1:approved"}}, nil), http.StatusSeeOther)

	tests := []struct {
		project string
		stored  bool
		verdict string // rank 1's data-verdict on the project's page
	}{
		{testProject, true, "approved"},
		{secondProject, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.project, func(t *testing.T) {
			statuses := s.sim.AnnotationStatusesIn(tt.project, file)
			if approved := slices.Contains(mapValues(statuses), "approved"); approved != tt.stored || (!tt.stored && len(statuses) != 0) {
				t.Errorf("annotations of file %d in %s: %v, want stored %v", file, tt.project, statuses, tt.stored)
			}
			_, doc := rv.page(t, projectJobPath(tt.project, job))
			if got := htmltest.Attr(row(t, doc, file, 1), "data-verdict"); got != tt.verdict {
				t.Errorf("rank 1's verdict on %s's page = %q, want %q", tt.project, got, tt.verdict)
			}
			// The verdict filter reads the project's own verdicts.
			r := s.get(t, projectFilePath(tt.project, job, file, "hits.json?verdict=approved"))
			wantStatus(t, r, http.StatusOK)
			if has := strings.Contains(string(r.body), `"rank":1`); has != tt.stored {
				t.Errorf("approved hits of %s include rank 1: %v, want %v; %s", tt.project, has, tt.stored, r.body)
			}
		})
	}
}

func mapValues(m map[int64]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// TestProjectNotServed asks for projects the dashboard does not serve:
// 404 with the message of a dashboard of one project, and no call to CDF.
func TestProjectNotServed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		sim  []string
		// extra are paths of projects the simulator serves but the
		// dashboard does not.
		extra []string
	}{
		{name: "one project", sim: []string{secondProject}, extra: []string{projectJobPath(secondProject, 1001)}},
		{name: "two projects", env: map[string]string{"SEGVIEW_PROJECTS": testProject + "," + secondProject}, sim: []string{secondProject, "acme-c"}},
	}
	paths := []string{
		"/projects/acme-c/jobs/1001",
		"/projects/acme-c/jobs/1001.json",
		"/projects/acme-c/jobs/1001/files/7322174101553901/overlay.png",
		"/projects/acme-c/jobs/1001/export/coco.json",
		"/projects/acme-c/review?jobs=1001",
		"/embed/projects/acme-c/jobs/1001",
		"/projects/ACME/jobs/1001",
		"/open?job=1001&project=acme-c",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStackWith(t, tt.env, func(o *cdfsim.Options) { o.Projects = tt.sim })
			for _, path := range append(slices.Clone(paths), tt.extra...) {
				before := cdfCalls(s.sim)[""]
				r := s.get(t, path)
				wantStatus(t, r, http.StatusNotFound)
				if !strings.Contains(string(r.body), "is not served by this dashboard") {
					t.Errorf("%s: the 404 does not say the project is not served: %.300s", path, r.body)
				}
				if n := cdfCalls(s.sim)[""] - before; n != 0 {
					t.Errorf("%s: %d calls to CDF, want none", path, n)
				}
			}
		})
	}
}

// TestHomeListsProjects checks the home page: one project keeps its one
// pair of forms; several are listed, each with forms that open a job or a
// review queue of that project.
func TestHomeListsProjects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		env      map[string]string
		projects []string // listed; nil: the one project's forms
		open     string   // where /open?job=5 goes
	}{
		{name: "one project", open: projectJobPath(testProject, 5)},
		{name: "two projects", env: map[string]string{"SEGVIEW_PROJECTS": testProject + "," + secondProject},
			projects: []string{testProject, secondProject}, open: projectJobPath(testProject, 5)},
		{name: "default not first", env: map[string]string{"SEGVIEW_PROJECTS": secondProject + "," + testProject},
			projects: []string{secondProject, testProject}, open: projectJobPath(testProject, 5)},
		{name: "no CDF_PROJECT", env: map[string]string{"CDF_PROJECT": "", "SEGVIEW_PROJECTS": secondProject + "," + testProject},
			projects: []string{secondProject, testProject}, open: projectJobPath(secondProject, 5)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStackWith(t, tt.env, func(o *cdfsim.Options) { o.Projects = []string{secondProject} })
			r := s.get(t, "/")
			wantStatus(t, r, http.StatusOK)
			doc := htmltest.Parse(t, r.body)
			entries := doc.ByTestID("project")
			var listed []string
			for _, e := range entries {
				name := htmltest.Attr(e, "data-project")
				listed = append(listed, name)
				queue := htmltest.ByTestID(e, "queue-form")
				if len(queue) != 1 || htmltest.Attr(queue[0], "action") != "/projects/"+name+"/review" {
					t.Errorf("%s: review queue form = %v", name, queue)
				}
				open := htmltest.ByTestID(e, "open-form")
				var hidden string
				for _, in := range htmltest.ByTag(open[0], "input") {
					if htmltest.Attr(in, "name") == "project" {
						hidden = htmltest.Attr(in, "value")
					}
				}
				if hidden != name {
					t.Errorf("%s: the open form sends project %q", name, hidden)
				}
			}
			if !slices.Equal(listed, tt.projects) {
				t.Errorf("listed projects %v, want %v", listed, tt.projects)
			}
			if tt.projects == nil && len(doc.ByTestID("open-form")) != 1 {
				t.Errorf("one project: %d open forms, want 1", len(doc.ByTestID("open-form")))
			}
			r = s.get(t, "/open?job=5")
			if loc := r.header.Get("Location"); r.status != http.StatusSeeOther || loc != tt.open {
				t.Errorf("/open?job=5: %d to %q, want 303 to %q", r.status, loc, tt.open)
			}
			for _, p := range tt.projects {
				r = s.get(t, "/open?job=5&project="+p)
				if loc := r.header.Get("Location"); r.status != http.StatusSeeOther || loc != projectJobPath(p, 5) {
					t.Errorf("/open?job=5&project=%s: %d to %q", p, r.status, loc)
				}
			}
		})
	}
}

// TestAnyProjectPerPerson serves any project the signed-in person reaches
// (SEGVIEW_PROJECTS=*): the home page lists the projects CDF's token
// inspection gives for the person, a project they cannot reach answers a
// page that says so (and their session goes on), and a name that cannot
// be a project is a 404 without a call to CDF.
func TestAnyProjectPerPerson(t *testing.T) {
	t.Parallel()
	s := newSignInStackWith(t, 0, map[string]string{"SEGVIEW_CDF_IDENTITY": "user", "SEGVIEW_VERDICTS": "false",
		"CDF_PROJECT": "", "SEGVIEW_PROJECTS": "*"}, func(o *cdfsim.Options) {
		o.Projects = []string{secondProject}
		o.UserProjects = map[string][]string{alice.Subject: {testProject}, bob.Subject: {secondProject}}
	})
	job := cdfsim.DemoJobPumpSkid
	br := s.browser(t)
	r := br.signIn(t, s, alice, "/")
	wantStatus(t, r, http.StatusOK)
	var listed []string
	for _, e := range htmltest.Parse(t, r.body).ByTestID("project") {
		listed = append(listed, htmltest.Attr(e, "data-project"))
	}
	if !slices.Equal(listed, []string{testProject}) {
		t.Errorf("the home page lists %v for alice, want [%s]", listed, testProject)
	}
	inspections := s.sim.PersonRequests(alice.Subject, "/token/inspect")
	wantStatus(t, br.get(t, "/"), http.StatusOK)
	if n := s.sim.PersonRequests(alice.Subject, "/token/inspect"); n != inspections {
		t.Errorf("the home page asked CDF again within the session: %d inspections, then %d", inspections, n)
	}
	// Another person right after gets their own list, not alice's.
	r = s.browser(t).signIn(t, s, bob, "/")
	wantStatus(t, r, http.StatusOK)
	listed = nil
	for _, e := range htmltest.Parse(t, r.body).ByTestID("project") {
		listed = append(listed, htmltest.Attr(e, "data-project"))
	}
	if !slices.Equal(listed, []string{secondProject}) {
		t.Errorf("the home page lists %v for bob, want [%s]", listed, secondProject)
	}

	tests := []struct {
		name   string
		path   string
		status int
		says   string
		calls  bool // whether CDF is asked
	}{
		{name: "reachable project", path: projectJobPath(testProject, job), status: http.StatusOK, says: "pump-skid-p101a.png", calls: true},
		{name: "project not reachable", path: projectJobPath(secondProject, job), status: http.StatusForbidden,
			says: "No access to project " + secondProject, calls: true},
		{name: "its image", path: projectFilePath(secondProject, job, cdfsim.DemoFilePumpSkid, "overlay.png"), status: http.StatusForbidden,
			says: "No access to project " + secondProject, calls: true},
		{name: "reachable again", path: projectJobPath(testProject, job), status: http.StatusOK, says: "pump-skid-p101a.png", calls: true},
		{name: "not a project name", path: "/projects/a_b/jobs/1001", status: http.StatusNotFound, says: "not a CDF project name"},
		{name: "no default project", path: "/jobs/1001", status: http.StatusNotFound, says: "none by default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.sim.PersonRequests(alice.Subject, "/api/v1/")
			r := br.get(t, tt.path)
			if r.status != tt.status || !strings.Contains(string(r.body), tt.says) {
				t.Errorf("%s: %d, want %d saying %q; body:\n%.600s", tt.path, r.status, tt.status, tt.says, r.body)
			}
			if n := s.sim.PersonRequests(alice.Subject, "/api/v1/") - before; (n > 0) != tt.calls {
				t.Errorf("%s: %d calls to CDF, want some: %v", tt.path, n, tt.calls)
			}
		})
	}
}

// TestTwoProjectsSameVersionOtherPhoto stores a file with the same id and
// the same lastUpdatedTime in two projects, with other photos, and the same
// job (id and segments) over it: only the project tells the images apart,
// so any cache, flight or ETag that leaves it out serves one project's
// photo in the other.
func TestTwoProjectsSameVersionOtherPhoto(t *testing.T) {
	t.Parallel()
	at := time.Now().Truncate(time.Second)
	s := newTwoProjectStackWith(t, nil, func(o *cdfsim.Options) { o.Now = func() time.Time { return at } })
	const job, file = int64(770001), int64(770101)
	square := []cdfsim.Segment{{Score: 0.9, Polygons: [][]cdfsim.Vertex{{{X: 0.25, Y: 0.25}, {X: 0.75, Y: 0.25}, {X: 0.75, Y: 0.75}}}}}
	for i, p := range []string{testProject, secondProject} {
		s.sim.AddFileTo(p, cdfsim.File{ID: file, Name: "same.png", Data: gradientPNG(t, 900, 500, i+1)})
		s.sim.AddJobTo(p, cdfsim.Job{ID: job, Status: cdfsim.StatusCompleted, Created: at, Items: []cdfsim.JobItem{{FileID: file, Segments: square}}})
	}
	tests := []struct {
		name      string
		sameBytes bool // the same drawing on the same size: only the ETag differs
	}{
		{name: "overlay.png"},
		{name: "overlay.jpg?width=640"},
		{name: "overlay.png?crop=0.1,0.1,0.5,0.5&width=200"},
		{name: "overlay.svg?embed=1"},
		{name: "layer.png", sameBytes: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var bodies [2][]byte
			var etags [2]string
			for round := range 2 {
				for i, p := range []string{testProject, secondProject} {
					r := s.get(t, projectFilePath(p, job, file, tt.name))
					wantStatus(t, r, http.StatusOK)
					if round == 1 && (!bytes.Equal(bodies[i], r.body) || etags[i] != r.header.Get("ETag")) {
						t.Errorf("%s: asked again, another answer", p)
					}
					bodies[i], etags[i] = r.body, r.header.Get("ETag")
				}
			}
			if same := bytes.Equal(bodies[0], bodies[1]); same != tt.sameBytes {
				t.Errorf("the two projects' answers are the same bytes: %v, want %v", same, tt.sameBytes)
			}
			if etags[0] == etags[1] && etags[0] != "" {
				t.Errorf("both projects answer ETag %s", etags[0])
			}
		})
	}
}
