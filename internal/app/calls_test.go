package app

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/segview/segview/internal/cdfsim"
)

// cdfCallKinds are the requests to CDF a route may make, by the part of
// the URL path that tells them apart.
var cdfCallKinds = []string{
	"/context/vision/segment/",
	"/files/byids",
	"/files/downloadlink",
	"/download/",
	"/annotations",
}

// cdfCalls counts the requests the simulator has seen, by kind; the total
// is under "".
func cdfCalls(sim *cdfsim.Server) map[string]int {
	n := map[string]int{"": sim.APIRequests("/api/v1/") + sim.APIRequests("/download/")}
	for _, k := range cdfCallKinds {
		n[k] = sim.APIRequests(k)
	}
	return n
}

// TestCDFCallsPerRoute counts what each page and image asks CDF, cold (the
// first request) and warm (the same request again), and fails when a route
// asks more than it needs. An export of N files reads their metadata with
// ⌈N/1000⌉ files/byids calls.
func TestCDFCallsPerRoute(t *testing.T) {
	t.Parallel()
	jobPage := fmt.Sprintf("/projects/%s/jobs/%d", testProject, completedJob)
	runningPage := fmt.Sprintf("/projects/%s/jobs/%d", testProject, runningJob)
	tests := []struct {
		name string
		env  map[string]string
		path string
		// maxCold and maxWarm bound the calls of the first request and of
		// the same request right after it.
		maxCold, maxWarm int
		// want pins calls of one kind, cold and warm alike, unless
		// wantWarm pins the warm request's.
		want, wantWarm map[string]int
	}{
		// A finished job's file names are reused for jobs.PageFilesTTL.
		{name: "job page, verdicts off", env: map[string]string{"SEGVIEW_VERDICTS": "false"}, path: jobPage,
			maxCold: 2, maxWarm: 0, want: map[string]int{"/files/byids": 1}, wantWarm: map[string]int{"/files/byids": 0}},
		// Stored verdicts are read on every view: any reviewer may have
		// changed them.
		{name: "job page with verdicts", path: jobPage, maxCold: 3, maxWarm: 1,
			want:     map[string]int{"/files/byids": 1, "/annotations": 1},
			wantWarm: map[string]int{"/files/byids": 0, "/annotations": 1}},
		{name: "running job page", env: map[string]string{"SEGVIEW_VERDICTS": "false"}, path: runningPage,
			maxCold: 2, maxWarm: 2, want: map[string]int{"/context/vision/segment/": 1, "/files/byids": 1}},
		{name: "overlay.jpg", path: imagePath(completedJob, cacheFileID, "overlay.jpg"), maxCold: 4, maxWarm: 1,
			want: map[string]int{"/files/byids": 1}},
		{name: "layer.png", path: imagePath(completedJob, cacheFileID, "layer.png"), maxCold: 4, maxWarm: 1,
			want: map[string]int{"/files/byids": 1}},
		{name: "running job's overlay.png", path: imagePath(runningJob, cacheFileID, "overlay.png"), maxCold: 4, maxWarm: 2,
			want: map[string]int{"/context/vision/segment/": 1, "/files/byids": 1}},
		{name: "overlay.svg?embed=0", path: imagePath(completedJob, cacheFileID, "overlay.svg?embed=0"), maxCold: 4, maxWarm: 1,
			want: map[string]int{"/files/byids": 1}},
		{name: "overlay.svg?embed=1", path: imagePath(completedJob, cacheFileID, "overlay.svg?embed=1"), maxCold: 4, maxWarm: 1,
			want: map[string]int{"/files/byids": 1}},
		{name: "hits.json", path: imagePath(completedJob, cacheFileID, "hits.json"), maxCold: 1, maxWarm: 0},
		{name: "status", path: jobPage + "/status", maxCold: 1, maxWarm: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, tt.env)
			addCacheFixtures(t, s)
			warm := tt.want
			if tt.wantWarm != nil {
				warm = tt.wantWarm
			}
			for _, round := range []struct {
				name string
				max  int
				want map[string]int
			}{{"cold", tt.maxCold, tt.want}, {"warm", tt.maxWarm, warm}} {
				before := cdfCalls(s.sim)
				wantStatus(t, s.get(t, tt.path), http.StatusOK)
				after := cdfCalls(s.sim)
				got := map[string]int{}
				var desc []string
				for _, k := range append([]string{""}, cdfCallKinds...) {
					got[k] = after[k] - before[k]
					if k != "" && got[k] != 0 {
						desc = append(desc, fmt.Sprintf("%s %d", k, got[k]))
					}
				}
				t.Logf("%s %s: %d calls (%s)", tt.name, round.name, got[""], strings.Join(desc, ", "))
				if got[""] > round.max {
					t.Errorf("%s: %d calls to CDF (%s), want at most %d", round.name, got[""], strings.Join(desc, ", "), round.max)
				}
				for k, n := range round.want {
					if got[k] != n {
						t.Errorf("%s: %d %s calls, want %d", round.name, got[k], k, n)
					}
				}
			}
		})
	}
}

// TestCDFCallsPerExport checks that the COCO and GeoJSON exports of a job
// of N files read the files' metadata with ⌈N/1000⌉ files/byids calls,
// cold and with every image size cached, and the job once.
func TestCDFCallsPerExport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		files     int
		wantByIDs int
	}{
		{files: 1, wantByIDs: 1},
		{files: 1000, wantByIDs: 1},
		{files: 1001, wantByIDs: 2},
	}
	s := newStack(t, nil)
	data := greyPNG(t, 4, 3)
	for i, tt := range tests {
		jobID := int64(890_000 + i)
		var items []cdfsim.JobItem
		for n := range tt.files {
			id := int64(900_000 + i*10_000 + n)
			s.sim.AddFile(cdfsim.File{ID: id, Data: data})
			items = append(items, cdfsim.JobItem{FileID: id, Segments: oneSegment})
		}
		s.sim.AddJob(cdfsim.Job{ID: jobID, Status: cdfsim.StatusCompleted, Items: items})
		for _, route := range []string{"coco.json", "geojson"} {
			for _, round := range []string{"cold", "warm"} {
				t.Run(fmt.Sprintf("%d files/%s/%s", tt.files, route, round), func(t *testing.T) {
					before := cdfCalls(s.sim)
					wantStatus(t, s.get(t, fmt.Sprintf("/projects/%s/jobs/%d/export/%s", testProject, jobID, route)), http.StatusOK)
					after := cdfCalls(s.sim)
					byIDs, jobReads := after["/files/byids"]-before["/files/byids"], after["/context/vision/segment/"]-before["/context/vision/segment/"]
					t.Logf("%d calls: files/byids %d, job %d, download links %d", after[""]-before[""], byIDs, jobReads, after["/files/downloadlink"]-before["/files/downloadlink"])
					if byIDs != tt.wantByIDs {
						t.Errorf("%d files/byids calls, want %d", byIDs, tt.wantByIDs)
					}
					if jobReads > 1 {
						t.Errorf("the job was read %d times, want at most once", jobReads)
					}
				})
			}
		}
	}
}

// TestCDFCallsPerPerson counts, with SEGVIEW_CDF_IDENTITY=user, the calls
// made with the signed-in person's token: every route reads the job and
// the file with it (CDF decides each time), but never twice.
func TestCDFCallsPerPerson(t *testing.T) {
	t.Parallel()
	s := newSignInStack(t, 0, map[string]string{"SEGVIEW_CDF_IDENTITY": "user", "SEGVIEW_VERDICTS": "false"})
	s.sim.AddFile(cdfsim.File{ID: cacheFileID, Name: "grey.png", Data: greyPNG(t, 1000, 600)})
	square := []cdfsim.Segment{{Score: 0.9, Polygons: [][]cdfsim.Vertex{{{X: 0.25, Y: 0.25}, {X: 0.75, Y: 0.25}, {X: 0.75, Y: 0.75}}}}}
	s.sim.AddJob(cdfsim.Job{ID: completedJob, Status: cdfsim.StatusCompleted, Items: []cdfsim.JobItem{{FileID: cacheFileID, Segments: square}}})
	s.sim.AddJob(cdfsim.Job{ID: runningJob, Status: cdfsim.StatusRunning, Items: []cdfsim.JobItem{{FileID: cacheFileID, Segments: square}}})
	b := s.browser(t)
	wantStatus(t, b.signIn(t, s, alice, fmt.Sprintf("/projects/%s/jobs/%d", testProject, completedJob)), http.StatusOK)
	tests := []struct {
		name           string
		path           string
		wantJob, wantF int // job and files/byids calls, every time
	}{
		{name: "job page", path: fmt.Sprintf("/projects/%s/jobs/%d", testProject, completedJob), wantJob: 1, wantF: 1},
		{name: "overlay.png", path: imagePath(completedJob, cacheFileID, "overlay.png"), wantJob: 1, wantF: 1},
		{name: "running job's overlay.png", path: imagePath(runningJob, cacheFileID, "overlay.png"), wantJob: 1, wantF: 1},
		{name: "running job's layer.png", path: imagePath(runningJob, cacheFileID, "layer.png"), wantJob: 1, wantF: 1},
		{name: "overlay.svg?embed=1", path: imagePath(completedJob, cacheFileID, "overlay.svg?embed=1"), wantJob: 1, wantF: 1},
	}
	for _, tt := range tests {
		for _, round := range []string{"cold", "warm"} {
			t.Run(tt.name+"/"+round, func(t *testing.T) {
				job, files := s.sim.PersonRequests(alice.Subject, "/context/vision/segment/"), s.sim.PersonRequests(alice.Subject, "/files/byids")
				wantStatus(t, b.get(t, tt.path), http.StatusOK)
				gotJob := s.sim.PersonRequests(alice.Subject, "/context/vision/segment/") - job
				gotF := s.sim.PersonRequests(alice.Subject, "/files/byids") - files
				t.Logf("%s %s: job %d, files/byids %d", tt.name, round, gotJob, gotF)
				if gotJob != tt.wantJob || gotF != tt.wantF {
					t.Errorf("job read %d times and files/byids %d times with the person's token, want %d and %d", gotJob, gotF, tt.wantJob, tt.wantF)
				}
			})
		}
	}
}
