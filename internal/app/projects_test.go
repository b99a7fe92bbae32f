package app

import (
	"bytes"
	"encoding/json"
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
	"golang.org/x/net/html"
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
				if id := htmltest.Attr(e, "id"); id != "project-"+name {
					t.Errorf("%s: the entry's id is %q, want project-%s", name, id, name)
				}
				// Each form's test id is the project's own, once on the page.
				queue := htmltest.ByTestID(e, "queue-form-"+name)
				if len(queue) != 1 || len(doc.ByTestID("queue-form-"+name)) != 1 || htmltest.Attr(queue[0], "action") != "/projects/"+name+"/review" {
					t.Errorf("%s: review queue form = %v", name, queue)
				}
				open := htmltest.ByTestID(e, "open-form-"+name)
				if len(open) != 1 || len(doc.ByTestID("open-form-"+name)) != 1 {
					t.Fatalf("%s: %d open forms in the entry, %d on the page; want one", name, len(open), len(doc.ByTestID("open-form-"+name)))
				}
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
			if n := len(doc.ByTestID("open-form")); (tt.projects == nil) != (n == 1) {
				t.Errorf("%d forms with the one project's test id open-form, want %v", n, tt.projects == nil)
			}
			if n := len(doc.ByTestID("queue-form")); (tt.projects == nil) != (n == 1) {
				t.Errorf("%d forms with the one project's test id queue-form, want %v", n, tt.projects == nil)
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

// pageTitle is the text of the page's <title>.
func pageTitle(t *testing.T, body []byte) string {
	t.Helper()
	titles := htmltest.Parse(t, body).ByTag("title")
	if len(titles) != 1 {
		t.Fatalf("%d titles", len(titles))
	}
	return htmltest.Text(titles[0])
}

// TestPagesNameTheirProject checks that with several projects served the
// job page, the review queue and the embed are titled with their project,
// the header links the project to its section of the home page, and the
// COCO and GeoJSON exports name it; with one project titles stay as they
// were.
func TestPagesNameTheirProject(t *testing.T) {
	t.Parallel()
	job := cdfsim.DemoJobPumpSkid
	pages := []struct {
		name  string
		path  func(p string) string
		title string // without the project and " · segview"
	}{
		{name: "job page", path: func(p string) string { return projectJobPath(p, job) }, title: fmt.Sprintf("Job %d", job)},
		{name: "review queue", path: func(p string) string { return fmt.Sprintf("/projects/%s/review?jobs=%d", p, job) }, title: "Review queue of 1 jobs"},
		{name: "embed", path: func(p string) string { return fmt.Sprintf("/embed/projects/%s/jobs/%d", p, job) }, title: fmt.Sprintf("Job %d", job)},
	}
	t.Run("two projects", func(t *testing.T) {
		t.Parallel()
		s := newTwoProjectStack(t, nil)
		for _, p := range []string{testProject, secondProject} {
			for _, pg := range pages {
				r := s.get(t, pg.path(p))
				wantStatus(t, r, http.StatusOK)
				if got, want := pageTitle(t, r.body), pg.title+" · "+p+" · segview"; got != want {
					t.Errorf("%s of %s: title %q, want %q", pg.name, p, got, want)
				}
				if pg.name == "embed" {
					continue // the embed has no header
				}
				links := htmltest.Parse(t, r.body).ByTestID("project-link")
				if len(links) != 1 || htmltest.Attr(links[0], "href") != "/projects/"+p || htmltest.Text(links[0]) != p {
					t.Errorf("%s of %s: the header's project link = %v", pg.name, p, links)
				}
			}
			// An error page of a project's route names the project too,
			// in its title and its header.
			r := s.get(t, projectJobPath(p, 999999))
			wantStatus(t, r, http.StatusNotFound)
			if got := pageTitle(t, r.body); !strings.HasSuffix(got, " · "+p+" · segview") {
				t.Errorf("error page of %s: title %q does not name the project", p, got)
			}
			if links := htmltest.Parse(t, r.body).ByTestID("project-link"); len(links) != 1 || htmltest.Text(links[0]) != p {
				t.Errorf("error page of %s: the header's project link = %v", p, links)
			}
			for _, path := range []string{projectJobPath(p, job) + "/export/coco.json", projectJobPath(p, job) + "/export/geojson"} {
				r := s.get(t, path)
				wantStatus(t, r, http.StatusOK)
				var doc struct {
					Info    struct{ Project string }
					Project string
				}
				if err := json.Unmarshal(r.body, &doc); err != nil {
					t.Fatal(err)
				}
				if doc.Info.Project+doc.Project != p {
					t.Errorf("%s: names project %q (info) and %q (member), want %q once", path, doc.Info.Project, doc.Project, p)
				}
			}
		}
	})
	t.Run("one project", func(t *testing.T) {
		t.Parallel()
		s := newStack(t, nil)
		for _, pg := range pages {
			r := s.get(t, pg.path(testProject))
			wantStatus(t, r, http.StatusOK)
			if got, want := pageTitle(t, r.body), pg.title+" · segview"; got != want {
				t.Errorf("%s: title %q, want %q", pg.name, got, want)
			}
			if n := len(htmltest.Parse(t, r.body).ByTestID("project-link")); n != 0 {
				t.Errorf("%s: %d project links in the header, want none", pg.name, n)
			}
		}
	})
}

// TestProjectAddresses checks /projects/{project}(/) and
// /jobs/{id}?project=: a project served leads to its section of the home
// page (the home page with one project) or its job; one not served is a
// 404 that says so, without a call to CDF.
func TestProjectAddresses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		two  bool
		path string
		// to is where a 303 leads; "" wants a 404 "not served".
		to string
	}{
		{name: "two: project", two: true, path: "/projects/" + secondProject, to: "/#project-" + secondProject},
		{name: "two: project/", two: true, path: "/projects/" + secondProject + "/", to: "/#project-" + secondProject},
		{name: "two: default project", two: true, path: "/projects/" + testProject, to: "/#project-" + testProject},
		{name: "two: project not served", two: true, path: "/projects/acme-c"},
		{name: "two: project/ not served", two: true, path: "/projects/acme-c/"},
		{name: "two: job of a project", two: true, path: "/jobs/1001?project=" + secondProject, to: projectJobPath(secondProject, 1001)},
		{name: "two: job of the default", two: true, path: "/jobs/1001", to: projectJobPath(testProject, 1001)},
		{name: "two: job of a project not served", two: true, path: "/jobs/1001?project=acme-c"},
		{name: "one: project", path: "/projects/" + testProject, to: "/"},
		{name: "one: project/", path: "/projects/" + testProject + "/", to: "/"},
		{name: "one: project not served", path: "/projects/" + secondProject},
		{name: "one: job of the project", path: "/jobs/1001?project=" + testProject, to: projectJobPath(testProject, 1001)},
		{name: "one: job of a project not served", path: "/jobs/1001?project=" + secondProject},
	}
	two := newTwoProjectStackWith(t, nil, func(o *cdfsim.Options) { o.Projects = []string{secondProject, "acme-c"} })
	one := newStackWith(t, nil, func(o *cdfsim.Options) { o.Projects = []string{secondProject} })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := one
			if tt.two {
				s = two
			}
			before := cdfCalls(s.sim)[""]
			r := s.get(t, tt.path)
			if tt.to == "" {
				wantStatus(t, r, http.StatusNotFound)
				if !strings.Contains(string(r.body), "is not served by this dashboard") {
					t.Errorf("the 404 does not say the project is not served: %.300s", r.body)
				}
			} else if loc := r.header.Get("Location"); r.status != http.StatusSeeOther || loc != tt.to {
				t.Errorf("%d to %q, want 303 to %q", r.status, loc, tt.to)
			}
			if n := cdfCalls(s.sim)[""] - before; n != 0 {
				t.Errorf("%d calls to CDF, want none", n)
			}
		})
	}
	// The anchor the redirect names is on the home page.
	doc := htmltest.Parse(t, two.get(t, "/").body)
	if n := len(htmltest.Find(doc.Root, func(n *html.Node) bool { return htmltest.Attr(n, "id") == "project-"+secondProject })); n != 1 {
		t.Errorf("%d elements with id project-%s on the home page, want 1", n, secondProject)
	}
}

// TestProjectsCheckedAtStart: with one identity for everybody, the first
// readiness check that gets a token also asks CDF which projects the
// identity reaches, and a listed project CDF does not list (a typo) is
// named in a warning; a list CDF agrees with gives none.
func TestProjectsCheckedAtStart(t *testing.T) {
	t.Parallel()
	const warning = "CDF does not list these projects among those this identity reaches"
	t.Run("a typo", func(t *testing.T) {
		t.Parallel()
		s := newStackWith(t, map[string]string{"SEGVIEW_PROJECTS": testProject + ",acme-tpyo"}, nil)
		logs := s.logs.String()
		if !strings.Contains(logs, warning) || !strings.Contains(logs, `"projects":["acme-tpyo"]`) ||
			!strings.Contains(logs, `"reached":["`+testProject+`"]`) {
			t.Errorf("no warning naming the mistyped project alone:\n%s", logs)
		}
		if n := s.sim.APIRequests("/api/v1/token/inspect"); n != 1 {
			t.Errorf("token/inspect asked %d times, want once", n)
		}
	})
	t.Run("all reached", func(t *testing.T) {
		t.Parallel()
		s := newTwoProjectStack(t, nil)
		if logs := s.logs.String(); strings.Contains(logs, warning) {
			t.Errorf("a warning although CDF lists both projects:\n%s", logs)
		}
		if n := s.sim.APIRequests("/api/v1/token/inspect"); n != 1 {
			t.Errorf("token/inspect asked %d times, want once", n)
		}
	})
}
