package cdfsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/oauth2-proxy/mockoidc"
)

// The extra project of the multi-project tests.
const eastProject = "demo-east"

func withEast(o *Options) { o.Projects = []string{eastProject} }

// callIn sends an API request to project with token ("" for none); body is
// marshalled unless it is already a string.
func (e *testEnv) callIn(token, project, method, path string, body any) result {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.ts.URL+"/api/v1/projects/"+project+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.do(req)
}

// downloadIn fetches the bytes of file id of project through
// files/downloadlink and the signed URL it returns.
func (e *testEnv) downloadIn(token, project string, id int64) []byte {
	e.t.Helper()
	res := e.callIn(token, project, http.MethodPost, "/files/downloadlink", fmt.Sprintf(`{"items":[{"id":%d}]}`, id))
	if res.status != http.StatusOK {
		e.t.Fatalf("downloadlink %s/%d: %d %s", project, id, res.status, res.body)
	}
	var links wireItems[wireDownloadLink]
	res.decode(e.t, &links)
	dl := e.get(links.Items[0].DownloadURL)
	if dl.status != http.StatusOK {
		e.t.Fatalf("download %s/%d: %d %s", project, id, dl.status, dl.body)
	}
	return dl.body
}

func TestProjectsOptionsValidated(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
		ok   bool
	}{
		{"two projects", Options{Projects: []string{"demo-east", "demo_west"}}, true},
		{"person listed with served projects", Options{Projects: []string{"east"}, UserProjects: map[string][]string{"alice": {"demo", "east"}, "bob": {}}}, true},
		{"default project again", Options{Projects: []string{"demo"}}, false},
		{"duplicate extra project", Options{Projects: []string{"east", "east"}}, false},
		{"invalid extra project", Options{Projects: []string{"east/west"}}, false},
		{"empty extra project", Options{Projects: []string{""}}, false},
		{"person listed with an unserved project", Options{UserProjects: map[string][]string{"alice": {"east"}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.ClientID, tt.opts.ClientSecret = "c", "s"
			sim, err := New(tt.opts)
			if (err == nil) != tt.ok {
				t.Fatalf("New: err = %v, want ok %v", err, tt.ok)
			}
			if err == nil {
				want := append([]string{DefaultProject}, tt.opts.Projects...)
				if diff := cmp.Diff(want, sim.Projects()); diff != "" {
					t.Errorf("Projects() (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestSameJobIDInTwoProjects(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withEast)
	const jobID int64 = 77
	e.sim.AddFile(File{ID: 5, Name: "demo.png", Data: pngBytes(t, 4, 4)})
	e.sim.AddFileTo(eastProject, File{ID: 6, Name: "east.png", Data: pngBytes(t, 4, 4)})
	e.sim.AddJob(Job{ID: jobID, Status: StatusCompleted, Items: []JobItem{{FileID: 5, Segments: []Segment{{Score: 0.5}}}}})
	e.sim.AddJobTo(eastProject, Job{ID: jobID, Status: StatusRunning, Items: []JobItem{{FileID: 6}}})
	e.sim.AddJobTo(eastProject, Job{ID: jobID + 1, Status: StatusQueued, Items: []JobItem{{FileID: 6}}})
	tok := e.token()

	tests := []struct {
		project    string
		id         int64
		wantStatus int
		wantJob    string // status
		wantFile   int64
	}{
		{DefaultProject, jobID, http.StatusOK, StatusCompleted, 5},
		{eastProject, jobID, http.StatusOK, StatusRunning, 6},
		{eastProject, jobID + 1, http.StatusOK, StatusQueued, 6},
		{DefaultProject, jobID + 1, http.StatusBadRequest, "", 0}, // only in east
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.project, tt.id), func(t *testing.T) {
			res := e.callIn(tok, tt.project, http.MethodGet, fmt.Sprintf("/context/vision/segment/%d", tt.id), nil)
			if res.status != tt.wantStatus {
				t.Fatalf("GET = %d, want %d: %s", res.status, tt.wantStatus, res.body)
			}
			j, ok := e.sim.JobIn(tt.project, tt.id)
			if tt.wantStatus != http.StatusOK {
				res.cdfError(t)
				if ok {
					t.Errorf("JobIn(%s, %d) found a job", tt.project, tt.id)
				}
				return
			}
			var got wireSegmentGetResponse
			res.decode(t, &got)
			if got.Status != tt.wantJob || len(got.Items) != 1 || got.Items[0].FileID != tt.wantFile {
				t.Errorf("GET: status %s, items %+v; want %s with file %d", got.Status, got.Items, tt.wantJob, tt.wantFile)
			}
			if !ok || j.Status != tt.wantJob || j.Items[0].FileID != tt.wantFile {
				t.Errorf("JobIn = %+v, %v; want %s with file %d", j, ok, tt.wantJob, tt.wantFile)
			}
		})
	}
	// The default-project helpers see the default project only.
	if j, ok := e.sim.Job(jobID); !ok || j.Status != StatusCompleted {
		t.Errorf("Job(%d) = %+v, %v; want the default project's completed job", jobID, j, ok)
	}
	if _, ok := e.sim.JobIn("nowhere", jobID); ok {
		t.Error("JobIn of an unserved project found a job")
	}
	if n := e.sim.APIRequests("/projects/" + eastProject + "/context/"); n != 2 {
		t.Errorf("APIRequests(east segment) = %d, want 2", n)
	}
}

func TestPostedJobsStayInTheirProject(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withEast)
	e.sim.AddFileTo(eastProject, File{ID: 9, Name: "east.png", Data: pngBytes(t, 8, 6)})
	tok := e.token()
	body := `{"items":[{"fileId":9}],"points":[{"x":0.5,"y":0.5}]}`
	if res := e.callIn(tok, DefaultProject, http.MethodPost, "/context/vision/segment", body); res.status != http.StatusBadRequest {
		t.Errorf("POST in the default project of east's file = %d, want 400: %s", res.status, res.body)
	}
	res := e.callIn(tok, eastProject, http.MethodPost, "/context/vision/segment", body)
	if res.status != http.StatusOK {
		t.Fatalf("POST in east = %d: %s", res.status, res.body)
	}
	var posted wireSegmentPostResponse
	res.decode(t, &posted)
	if _, ok := e.sim.JobIn(eastProject, posted.JobID); !ok {
		t.Errorf("JobIn(east, %d) not found", posted.JobID)
	}
	if _, ok := e.sim.Job(posted.JobID); ok {
		t.Errorf("Job(%d) found east's job in the default project", posted.JobID)
	}
}

func TestFilesAndAnnotationsDoNotLeakAcrossProjects(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withEast)
	demoPNG, eastJPEG := pngBytes(t, 6, 4), jpegBytes(t, 4, 6)
	e.sim.AddFile(File{ID: 11, ExternalID: "shared_ext", Name: "demo.png", Data: demoPNG})
	e.sim.AddFileTo(eastProject, File{ID: 11, ExternalID: "shared_ext", Name: "east.jpg", Data: eastJPEG})
	e.sim.AddFile(File{ID: 12, ExternalID: "demo_only", Name: "only.png", Data: demoPNG})
	tok := e.token()

	t.Run("metadata", func(t *testing.T) {
		tests := []struct {
			project, body string
			wantStatus    int
			wantName      string
		}{
			{DefaultProject, `{"items":[{"id":11}]}`, http.StatusOK, "demo.png"},
			{eastProject, `{"items":[{"id":11}]}`, http.StatusOK, "east.jpg"},
			{eastProject, `{"items":[{"externalId":"shared_ext"}]}`, http.StatusOK, "east.jpg"},
			{eastProject, `{"items":[{"id":12}]}`, http.StatusBadRequest, ""},
			{eastProject, `{"items":[{"externalId":"demo_only"}]}`, http.StatusBadRequest, ""},
		}
		for _, tt := range tests {
			res := e.callIn(tok, tt.project, http.MethodPost, "/files/byids", tt.body)
			if res.status != tt.wantStatus {
				t.Errorf("%s byids %s = %d, want %d: %s", tt.project, tt.body, res.status, tt.wantStatus, res.body)
				continue
			}
			if tt.wantStatus != http.StatusOK {
				if m := res.cdfError(t).Missing; len(m) != 1 {
					t.Errorf("%s byids %s: missing %v, want the one item", tt.project, tt.body, m)
				}
				continue
			}
			var got wireItems[wireFileMetadata]
			res.decode(t, &got)
			if got.Items[0].Name != tt.wantName {
				t.Errorf("%s byids %s: name %q, want %q", tt.project, tt.body, got.Items[0].Name, tt.wantName)
			}
		}
		if res := e.callIn(tok, eastProject, http.MethodGet, "/files/12", nil); res.status != http.StatusBadRequest {
			t.Errorf("GET east /files/12 = %d, want 400", res.status)
		}
	})

	t.Run("downloads", func(t *testing.T) {
		for _, tt := range []struct {
			project string
			want    []byte
		}{{DefaultProject, demoPNG}, {eastProject, eastJPEG}} {
			if got := e.downloadIn(tok, tt.project, 11); !bytes.Equal(got, tt.want) {
				t.Errorf("download of file 11 in %s: %d bytes, not that project's file", tt.project, len(got))
			}
		}
		if res := e.callIn(tok, eastProject, http.MethodPost, "/files/downloadlink", `{"items":[{"id":12}]}`); res.status != http.StatusBadRequest {
			t.Errorf("east downloadlink of the default project's file 12 = %d, want 400", res.status)
		}
	})

	t.Run("annotations", func(t *testing.T) {
		made := e.createAnnotationsIn(tok, DefaultProject, annotationItem(t, 11, nil))
		id := made[0].ID
		if got := e.sim.AnnotationStatusesIn(eastProject, 11); len(got) != 0 {
			t.Errorf("AnnotationStatusesIn(east, 11) = %v, want none", got)
		}
		if got := e.sim.AnnotationStatuses(11); got[id] != "suggested" {
			t.Errorf("AnnotationStatuses(11) = %v, want %d suggested", got, id)
		}
		tests := []struct {
			name, method, path string
			body               any
			wantStatus         int
		}{
			{"list", http.MethodPost, "/annotations/list", `{"filter":{"annotatedResourceType":"file","annotatedResourceIds":[{"id":11}]}}`, http.StatusOK},
			{"byids", http.MethodPost, "/annotations/byids", fmt.Sprintf(`{"items":[{"id":%d}]}`, id), http.StatusBadRequest},
			{"get", http.MethodGet, fmt.Sprintf("/annotations/%d", id), nil, http.StatusBadRequest},
			{"update", http.MethodPost, "/annotations/update", fmt.Sprintf(`{"items":[{"id":%d,"update":{"status":{"set":"approved"}}}]}`, id), http.StatusBadRequest},
			{"delete", http.MethodPost, "/annotations/delete", fmt.Sprintf(`{"items":[{"id":%d}]}`, id), http.StatusBadRequest},
			{"create on a file of another project", http.MethodPost, "/annotations", items(annotationItem(t, 12, nil)), http.StatusBadRequest},
		}
		for _, tt := range tests {
			res := e.callIn(tok, eastProject, tt.method, tt.path, tt.body)
			if res.status != tt.wantStatus {
				t.Errorf("east %s = %d, want %d: %s", tt.name, res.status, tt.wantStatus, res.body)
				continue
			}
			if tt.wantStatus == http.StatusOK {
				var list wireAnnotationList
				res.decode(t, &list)
				if len(list.Items) != 0 {
					t.Errorf("east list of file 11 = %d annotations, want 0", len(list.Items))
				}
			}
		}
		if got := e.sim.AnnotationStatuses(11); got[id] != "suggested" {
			t.Errorf("after east's requests AnnotationStatuses(11) = %v, want %d still suggested", got, id)
		}
	})
}

// createAnnotationsIn creates annotations in project and fails the test
// unless CDF accepts them.
func (e *testEnv) createAnnotationsIn(tok, project string, v ...any) []wireAnnotation {
	e.t.Helper()
	res := e.callIn(tok, project, http.MethodPost, "/annotations", items(v...))
	if res.status != http.StatusCreated {
		e.t.Fatalf("create in %s: %d %s", project, res.status, res.body)
	}
	var out wireItems[wireAnnotation]
	res.decode(e.t, &out)
	return out.Items
}

// peopleEnv is a simulator serving the default project and east, trusting
// a real OpenID Connect provider, with people whose project access differs:
// alice reaches east only, bob every project (not listed), carol none
// (listed with no project), dave the default project (listed by email),
// and erin east without filesAcl:READ. It returns their access tokens.
func peopleEnv(t *testing.T) (*testEnv, map[string]string) {
	t.Helper()
	idp := startProvider(t)
	tokens := map[string]string{}
	for _, name := range []string{"alice", "bob", "carol", "dave", "erin"} {
		access, id := personTokens(t, idp, &mockoidc.MockUser{Subject: name, Email: name + "@example.com"})
		tokens[name] = access
		if name == "dave" {
			tokens[name] = id // the provider's access tokens carry no email claim
		}
	}
	clock := realClock()
	e := newEnv(t, withEast, func(o *Options) {
		o.Now = clock.Now
		o.OIDCIssuer, o.OIDCAudience = idp.Issuer(), idp.ClientID
		o.UserCapabilities = map[string][]string{
			"alice": {CapFilesRead}, "bob": {CapFilesRead}, "carol": {CapFilesRead},
			"dave@example.com": {CapFilesRead}, "erin": {"groupsAcl:LIST"},
		}
		o.UserProjects = map[string][]string{
			"alice": {eastProject}, "carol": {}, "dave@example.com": {DefaultProject}, "erin": {eastProject},
		}
	})
	for _, p := range []string{DefaultProject, eastProject} {
		e.sim.AddFileTo(p, File{ID: 1, Name: "a.png", Data: pngBytes(t, 4, 4)})
	}
	return e, tokens
}

func TestPersonProjectAccess(t *testing.T) {
	t.Parallel()
	e, tokens := peopleEnv(t)
	tokens["service"] = e.token()
	const noAccess = "Resource not found. This may also be due to insufficient access rights."
	tests := []struct {
		who, project string
		wantStatus   int
		wantMessage  string // for 403
	}{
		{"alice", eastProject, http.StatusOK, ""},
		{"alice", DefaultProject, http.StatusForbidden, noAccess},
		{"bob", DefaultProject, http.StatusOK, ""},
		{"bob", eastProject, http.StatusOK, ""},
		{"carol", DefaultProject, http.StatusForbidden, noAccess},
		{"carol", eastProject, http.StatusForbidden, noAccess},
		{"dave", DefaultProject, http.StatusOK, ""},
		{"dave", eastProject, http.StatusForbidden, noAccess},
		{"erin", eastProject, http.StatusForbidden, CapFilesRead}, // reaches it, lacks the capability
		{"erin", DefaultProject, http.StatusForbidden, noAccess},
		{"service", DefaultProject, http.StatusOK, ""},
		{"service", eastProject, http.StatusOK, ""},
		{"service", "demo-west", http.StatusForbidden, noAccess}, // not served: today's answer
		{"bob", "demo-west", http.StatusForbidden, noAccess},
	}
	for _, tt := range tests {
		t.Run(tt.who+"/"+tt.project, func(t *testing.T) {
			for _, call := range []struct{ method, path, body string }{
				{http.MethodPost, "/files/byids", `{"items":[{"id":1}]}`},
				{http.MethodGet, "/files/1", ""},
			} {
				var body any
				if call.body != "" {
					body = call.body
				}
				res := e.callIn(tokens[tt.who], tt.project, call.method, call.path, body)
				if res.status != tt.wantStatus {
					t.Fatalf("%s %s = %d, want %d: %s", call.method, call.path, res.status, tt.wantStatus, res.body)
				}
				if tt.wantStatus != http.StatusOK {
					if msg := res.cdfError(t).Message; !strings.Contains(msg, tt.wantMessage) {
						t.Errorf("message %q, want it to contain %q", msg, tt.wantMessage)
					}
				}
			}
		})
	}
	if res := e.callIn("", eastProject, http.MethodGet, "/files/1", nil); res.status != http.StatusUnauthorized {
		t.Errorf("no token = %d, want 401", res.status)
	}
}

// inspect calls GET /api/v1/token/inspect with token ("" for none).
func (e *testEnv) inspect(method, token string) result {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+"/api/v1/token/inspect", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.do(req)
}

func TestTokenInspectShapes(t *testing.T) {
	t.Parallel()
	e, tokens := peopleEnv(t)
	tokens["service"] = e.token()
	both := `{"projects":["demo","demo-east"]}`
	east := `{"projects":["demo-east"]}`
	cap := func(acl, actions, scope string) string {
		return `{"` + acl + `":{"actions":` + actions + `,"scope":{"all":{}}},"projectScope":` + scope + `}`
	}
	tests := []struct {
		who  string
		want string
	}{
		{"service", `{"subject":"` + testClientID + `","projects":[{"projectUrlName":"demo","groups":[]},{"projectUrlName":"demo-east","groups":[]}],"capabilities":[` +
			cap("annotationsAcl", `["READ","SUGGEST","WRITE"]`, both) + `,` + cap("filesAcl", `["READ"]`, both) + `,` +
			cap("groupsAcl", `["LIST"]`, both) + `,` + cap("projectsAcl", `["LIST"]`, both) + `]}`},
		{"alice", `{"subject":"alice","projects":[{"projectUrlName":"demo-east","groups":[]}],"capabilities":[` +
			cap("filesAcl", `["READ"]`, east) + `,` + cap("groupsAcl", `["LIST"]`, east) + `,` + cap("projectsAcl", `["LIST"]`, east) + `]}`},
		{"bob", `{"subject":"bob","projects":[{"projectUrlName":"demo","groups":[]},{"projectUrlName":"demo-east","groups":[]}],"capabilities":[` +
			cap("filesAcl", `["READ"]`, both) + `,` + cap("groupsAcl", `["LIST"]`, both) + `,` + cap("projectsAcl", `["LIST"]`, both) + `]}`},
		{"carol", `{"subject":"carol","projects":[],"capabilities":[]}`},
		{"erin", `{"subject":"erin","projects":[{"projectUrlName":"demo-east","groups":[]}],"capabilities":[` +
			cap("groupsAcl", `["LIST"]`, east) + `,` + cap("projectsAcl", `["LIST"]`, east) + `]}`},
	}
	for _, tt := range tests {
		t.Run(tt.who, func(t *testing.T) {
			res := e.inspect(http.MethodGet, tokens[tt.who])
			if res.status != http.StatusOK {
				t.Fatalf("inspect = %d: %s", res.status, res.body)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			var got, want any
			res.decode(t, &got)
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("inspect (-want +got):\n%s", diff)
			}
		})
	}
	if n := e.sim.PersonRequests("alice", "/token/inspect"); n != 1 {
		t.Errorf("PersonRequests(alice, inspect) = %d, want 1", n)
	}
}

// TestTokenInspectRefusals checks the documented rules (cdf-api.md §5.3,
// §5.4): a missing or invalid token is 401, a token without
// projectsAcl:LIST or groupsAcl:LIST is 403; the endpoint is GET only.
func TestTokenInspectRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		method     string
		token      func(e *testEnv) string
		before     func(e *testEnv)
		wantStatus int
		wantInMsg  string
	}{
		{name: "no token", token: func(*testEnv) string { return "" }, wantStatus: http.StatusUnauthorized, wantInMsg: "Could not authenticate"},
		{name: "unknown token", token: func(*testEnv) string { return "not-a-token" }, wantStatus: http.StatusUnauthorized},
		{name: "JWT without a trusted provider", token: func(*testEnv) string { return "a.b.c" }, wantStatus: http.StatusUnauthorized},
		{name: "expired token", token: func(e *testEnv) string {
			tok := e.token()
			e.clock.Advance(DefaultTokenTTL + time.Second)
			return tok
		}, wantStatus: http.StatusUnauthorized},
		{name: "forgotten token", token: func(e *testEnv) string {
			tok := e.token()
			e.sim.ForgetTokens()
			return tok
		}, wantStatus: http.StatusUnauthorized},
		{name: "without projectsAcl:LIST", before: func(e *testEnv) { e.sim.RevokeCapability(CapProjectsList) }, wantStatus: http.StatusForbidden, wantInMsg: CapProjectsList},
		{name: "without groupsAcl:LIST", before: func(e *testEnv) { e.sim.RevokeCapability(CapGroupsList) }, wantStatus: http.StatusForbidden, wantInMsg: CapGroupsList},
		{name: "POST", method: http.MethodPost, wantStatus: http.StatusMethodNotAllowed},
		{name: "allowed", wantStatus: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, withEast)
			token := e.token()
			if tt.token != nil {
				token = tt.token(e)
			}
			if tt.before != nil {
				tt.before(e)
			}
			method := http.MethodGet
			if tt.method != "" {
				method = tt.method
			}
			res := e.inspect(method, token)
			if res.status != tt.wantStatus {
				t.Fatalf("inspect = %d, want %d: %s", res.status, tt.wantStatus, res.body)
			}
			if tt.wantStatus == http.StatusOK {
				return
			}
			if msg := res.cdfError(t).Message; !strings.Contains(msg, tt.wantInMsg) {
				t.Errorf("message %q, want it to contain %q", msg, tt.wantInMsg)
			}
			if tt.wantStatus == http.StatusMethodNotAllowed && res.header.Get("Allow") != http.MethodGet {
				t.Errorf("Allow = %q, want GET", res.header.Get("Allow"))
			}
		})
	}
}

func TestSeedExtraProjects(t *testing.T) {
	t.Parallel()
	e := newEnv(t, seeded, func(o *Options) { o.Projects = []string{"demo-east", "demo-west"} })
	plain := newEnv(t, seeded)
	tok := e.token()

	// The default project gets today's demo data unchanged.
	if diff := cmp.Diff(plain.sim.DemoJobs(), e.sim.DemoJobs()); diff != "" {
		t.Errorf("DemoJobs differ from a one-project server (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(plain.sim.DemoJobs(), e.sim.DemoJobsIn(DefaultProject)); diff != "" {
		t.Errorf("DemoJobsIn(default) differs from DemoJobs (-want +got):\n%s", diff)
	}
	for _, id := range []int64{DemoJobPumpSkid, DemoJobRunning} {
		want, _ := plain.sim.Job(id)
		if got, _ := e.sim.Job(id); !cmp.Equal(want, got) {
			t.Errorf("default project's job %d differs from a one-project server", id)
		}
	}

	// Job 1001's photo in each project.
	photos := map[string][]byte{DefaultProject: e.downloadIn(tok, DefaultProject, DemoFilePumpSkid)}
	for _, project := range []string{"demo-east", "demo-west"} {
		t.Run(project, func(t *testing.T) {
			djs := e.sim.DemoJobsIn(project)
			if len(djs) != 2 || djs[0].ID != DemoJobPumpSkid || djs[1].ID != DemoJobRunning {
				t.Fatalf("DemoJobsIn(%s) = %+v, want jobs %d and %d", project, djs, DemoJobPumpSkid, DemoJobRunning)
			}
			for _, dj := range djs {
				if !strings.Contains(dj.Title, project) {
					t.Errorf("title %q does not name project %s", dj.Title, project)
				}
				j, ok := e.sim.JobIn(project, dj.ID)
				if !ok || j.Status != StatusCompleted || len(j.Items) != 1 || len(j.Items[0].Segments) == 0 || j.Items[0].FileID != dj.FileID {
					t.Fatalf("JobIn(%s, %d) = %+v, %v; want a completed job with segments on file %d", project, dj.ID, j, ok, dj.FileID)
				}
				def, _ := e.sim.Job(dj.ID)
				if cmp.Equal(def.Items, j.Items) {
					t.Errorf("job %d of %s has the default project's items", dj.ID, project)
				}
				res := e.callIn(tok, project, http.MethodGet, fmt.Sprintf("/context/vision/segment/%d", dj.ID), nil)
				if res.status != http.StatusOK {
					t.Errorf("GET job %d in %s = %d", dj.ID, project, res.status)
				}
			}
			if _, ok := e.sim.JobIn(project, DemoJobQueued); ok {
				t.Errorf("%s has the default project's job %d", project, DemoJobQueued)
			}
			photos[project] = e.downloadIn(tok, project, djs[0].FileID)
		})
	}
	for a, pa := range photos {
		for b, pb := range photos {
			if a < b && bytes.Equal(pa, pb) {
				t.Errorf("job %d shows the same photo in %s and %s", DemoJobPumpSkid, a, b)
			}
		}
	}
}
