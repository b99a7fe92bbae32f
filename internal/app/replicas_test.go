package app

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/config"
	"github.com/segview/segview/internal/httptestclient"
	"github.com/segview/segview/internal/metrics/metricstest"
)

const replicaSecret = "peer-secret-5d1e0c9b7a"

// replica is one dashboard of a cluster: its app, its public server and
// the listener its peers reach.
type replica struct {
	app    *App
	public *httptest.Server
	logs   *syncBuffer
}

// newReplicas starts n dashboards that read one simulator and share their
// work as peers (SEGVIEW_PEERS), each with a real public listener and a
// real peer listener, and returns them with the simulator.
func newReplicas(t *testing.T, sim *cdfsim.Server, simURL string, n int, env map[string]string) []*replica {
	t.Helper()
	var lns []net.Listener
	var urls []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		urls = append(urls, "http://"+ln.Addr().String())
	}
	var rs []*replica
	for i := range n {
		vars := map[string]string{
			"CDF_PROJECT":         testProject,
			"CDF_URL":             simURL,
			"LOGIN_FLOW":          "client_credentials",
			"IDP_TOKEN_URL":       sim.TokenURL(simURL),
			"IDP_CLIENT_ID":       testClientID,
			"IDP_CLIENT_SECRET":   testSecret,
			"SEGVIEW_PEERS":       strings.Join(urls, ","),
			"SEGVIEW_PEER_SELF":   urls[i],
			"SEGVIEW_PEER_ADDR":   lns[i].Addr().String(),
			"SEGVIEW_PEER_SECRET": replicaSecret,
			// No request may give up waiting for a turn on a slow
			// machine: the test counts downloads, and a request that
			// gave up on its owner would download again.
			"SEGVIEW_RENDER_WAIT":     "10m",
			"SEGVIEW_REQUEST_TIMEOUT": "10m",
		}
		for k, v := range env {
			vars[k] = v
		}
		cfg, err := config.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok }, nil)
		if err != nil {
			t.Fatal(err)
		}
		logs := &syncBuffer{}
		checked := make(chan error, 1)
		a, err := New(context.Background(), cfg, slog.New(slog.NewJSONHandler(logs, nil)), "0.0.0-test",
			WithCDFOptions(cdf.WithRetry(fastRetry())), WithReadinessTicks(make(chan time.Time), func(err error) { checked <- err }))
		if err != nil {
			t.Fatal(err)
		}
		<-checked
		if a.Peers == nil {
			t.Fatal("the app has no peers")
		}
		peerSrv := &httptest.Server{Listener: lns[i], Config: &http.Server{Handler: a.Peers}}
		peerSrv.Start()
		public := httptest.NewServer(a.Handler)
		t.Cleanup(func() {
			public.Close()
			peerSrv.Close()
			a.Close()
			for _, secret := range []string{testSecret, replicaSecret} {
				if strings.Contains(logs.String(), secret) {
					t.Errorf("replica %d logs a secret", i)
				}
			}
		})
		rs = append(rs, &replica{app: a, public: public, logs: logs})
	}
	return rs
}

// roundRobin is a reverse proxy that sends each request to the next
// replica in turn, as a load balancer without affinity does.
func roundRobin(t *testing.T, rs []*replica) (*httptest.Server, *[]atomic.Int64) {
	t.Helper()
	var next atomic.Int64
	served := make([]atomic.Int64, len(rs))
	targets := make([]*url.URL, len(rs))
	for i, r := range rs {
		targets[i], _ = url.Parse(r.public.URL)
	}
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		i := int(next.Add(1)-1) % len(targets)
		served[i].Add(1)
		pr.SetURL(targets[i])
	}}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv, &served
}

// gradientPNG is a w×h image unlike any other seed's.
func gradientPNG(t *testing.T, w, h, seed int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{R: uint8(x * 255 / w), G: uint8(y * 255 / h), B: uint8(seed * 40), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReplicasDownloadEachImageOnce starts three replicas behind a
// round-robin proxy and asks for the overlays of four images, in two
// formats and two views, three times each: each image is downloaded from
// CDF once for the whole cluster, and every replica answers the same
// bytes and ETag for the same URL.
// replicaJob starts a simulator holding one finished job over four
// photos, each wider than the 640 bucket so each is decoded scaled.
func replicaJob(t *testing.T) (sim *cdfsim.Server, simURL string, job int64, files []int64) {
	t.Helper()
	sim, simURL = startSim(t, cdfsim.Options{Project: testProject, ClientID: testClientID, ClientSecret: testSecret})

	job = 990001
	files = []int64{990101, 990102, 990103, 990104}
	var items []cdfsim.JobItem
	for i, id := range files {
		sim.AddFile(cdfsim.File{ID: id, Name: fmt.Sprintf("photo-%d.png", i), Data: gradientPNG(t, 900+40*i, 500, i)})
		items = append(items, cdfsim.JobItem{FileID: id, Segments: []cdfsim.Segment{
			{Score: 0.9, Polygons: [][]cdfsim.Vertex{{{X: 0.1, Y: 0.1}, {X: 0.6, Y: 0.1}, {X: 0.6, Y: 0.7}}}},
			{Score: 0.3, Polygons: [][]cdfsim.Vertex{{{X: 0.5, Y: 0.5}, {X: 0.9, Y: 0.5}, {X: 0.9, Y: 0.9}}}},
		}})
	}
	sim.AddJob(cdfsim.Job{ID: job, Status: cdfsim.StatusCompleted, Created: time.Now(), Items: items})

	return sim, simURL, job, files
}

func TestReplicasDownloadEachImageOnce(t *testing.T) {
	t.Parallel()
	sim, simURL, job, files := replicaJob(t)
	rs := newReplicas(t, sim, simURL, 3, nil)
	proxy, served := roundRobin(t, rs)
	client := httptestclient.Client(t, nil, false)

	type answer struct {
		body []byte
		etag string
	}
	first := map[string]answer{}
	const rounds = 3
	for round := range rounds {
		for _, id := range files {
			for _, name := range []string{"overlay.jpg", "overlay.png"} {
				for _, view := range []string{"", "&min_score=0.5"} {
					path := imagePath(job, id, name) + "?width=640" + view
					resp, err := client.Get(proxy.URL + path)
					if err != nil {
						t.Fatal(err)
					}
					body, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil {
						t.Fatal(err)
					}
					if resp.StatusCode != http.StatusOK {
						for _, r := range rs {
							t.Log(r.logs.String())
						}
						t.Fatalf("round %d, %s: status %d: %.300s", round, path, resp.StatusCode, body)
					}
					got := answer{body: body, etag: resp.Header.Get("ETag")}
					if was, ok := first[path]; !ok {
						first[path] = got
					} else if was.etag != got.etag || !bytes.Equal(was.body, got.body) {
						t.Errorf("round %d, %s: another replica answered other bytes or ETag (%s, %s)", round, path, was.etag, got.etag)
					}
				}
			}
		}
	}

	if got := sim.APIRequests("/download/"); got != len(files) {
		t.Errorf("%d downloads from CDF for %d images across the cluster, want one each", got, len(files))
	}
	if got := sim.APIRequests("/files/downloadlink"); got != len(files) {
		t.Errorf("%d download links for %d images, want one each", got, len(files))
	}
	requests := int64(rounds * len(files) * 4)
	var peerLoads int64
	for i, r := range rs {
		if n := (*served)[i].Load(); n != requests/int64(len(rs)) {
			t.Errorf("replica %d took %d requests, want %d", i, n, requests/int64(len(rs)))
		}
		for _, g := range []string{"sources", "outputs"} {
			st, _ := r.app.Peers.GroupStats(g)
			if st.PeerErrors != 0 || st.LocalLoadErrs != 0 {
				t.Errorf("replica %d, %s: %d peer errors, %d load errors", i, g, st.PeerErrors, st.LocalLoadErrs)
			}
			peerLoads += st.PeerLoads
		}
	}
	if peerLoads == 0 {
		t.Error("no replica got a value from a peer")
	}
	// /metrics tells the same: the sources computed across the cluster
	// are the images, and values came from peers.
	var computed, fromPeers float64
	for i, r := range rs {
		fam := metricstest.Scrape(t, client, r.public.URL+"/metrics")
		here, ok1 := fam.Value("segview_peers_loads_total", map[string]string{"group": "sources", "from": "here"})
		peer, ok2 := fam.Value("segview_peers_loads_total", map[string]string{"group": "sources", "from": "peer"})
		outPeer, ok3 := fam.Value("segview_peers_loads_total", map[string]string{"group": "outputs", "from": "peer"})
		if _, ok := fam.Value("segview_cache_bytes", map[string]string{"cache": "shared_sources"}); !ok1 || !ok2 || !ok3 || !ok {
			t.Fatalf("replica %d: /metrics lacks the shared groups' series", i)
		}
		computed += here
		fromPeers += peer + outPeer
	}
	if computed != float64(len(files)) || fromPeers == 0 {
		t.Errorf("/metrics: %v sources computed across the cluster (want %d), %v values from peers", computed, len(files), fromPeers)
	}
}

// TestReplicaKeepsOutputsFromPeers checks that a replica keeps the
// outputs it got from their owners: asked again for the same views, it
// answers from its own copy and asks no peer.
func TestReplicaKeepsOutputsFromPeers(t *testing.T) {
	t.Parallel()
	sim, simURL, job, files := replicaJob(t)
	rs := newReplicas(t, sim, simURL, 3, nil)
	client := httptestclient.Client(t, nil, false)
	peerLoads := func() int64 {
		st, _ := rs[0].app.Peers.GroupStats("outputs")
		return st.PeerLoads
	}
	var paths []string
	for _, id := range files {
		for _, name := range []string{"overlay.jpg", "overlay.png"} {
			for _, view := range []string{"", "&min_score=0.5"} {
				paths = append(paths, imagePath(job, id, name)+"?width=640"+view)
			}
		}
	}
	bodies := map[string][]byte{}
	for pass := range 2 {
		if pass == 1 && peerLoads() == 0 {
			t.Fatalf("replica 0 owns all %d outputs; the test needs some owned by its peers", len(paths))
		}
		before := peerLoads()
		for _, path := range paths {
			resp, err := client.Get(rs[0].public.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("pass %d, %s: status %d, %v", pass, path, resp.StatusCode, err)
			}
			if was, ok := bodies[path]; ok && !bytes.Equal(was, body) {
				t.Errorf("%s: other bytes the second time", path)
			}
			bodies[path] = body
		}
		if pass == 1 {
			if got := peerLoads() - before; got != 0 {
				t.Errorf("asked again, replica 0 fetched %d outputs from peers, want 0 (its own copies)", got)
			}
		}
	}
}

// TestReplicasShareImageSizes checks that what needs only an image's size
// (the COCO export's image sizes, an SVG that links its photo) downloads
// each image once across the cluster, even when every replica is asked.
func TestReplicasShareImageSizes(t *testing.T) {
	t.Parallel()
	sim, simURL, job, files := replicaJob(t)
	rs := newReplicas(t, sim, simURL, 3, nil)
	client := httptestclient.Client(t, nil, false)
	paths := []string{fmt.Sprintf("/projects/%s/jobs/%d/export/coco.json", testProject, job)}
	for _, id := range files {
		paths = append(paths, imagePath(job, id, "overlay.svg")+"?embed=0")
	}
	for i, r := range rs {
		for _, path := range paths {
			resp, err := client.Get(r.public.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("replica %d, %s: status %d, %v: %.300s", i, path, resp.StatusCode, err, body)
			}
		}
	}
	if got := sim.APIRequests("/download/"); got != len(files) {
		t.Errorf("%d downloads from CDF for the sizes of %d images asked on %d replicas, want one each", got, len(files), len(rs))
	}
	var fromPeers int64
	for _, r := range rs {
		st, _ := r.app.Peers.GroupStats("sizes")
		if st.PeerErrors != 0 || st.LocalLoadErrs != 0 {
			t.Errorf("sizes group: %d peer errors, %d load errors", st.PeerErrors, st.LocalLoadErrs)
		}
		fromPeers += st.PeerLoads
	}
	if fromPeers == 0 {
		t.Error("no replica got a size from a peer")
	}
}

// TestPeersOnlyOnTheirListener checks that the dashboard's listener does
// not answer the peers' path, signed or not: the peers have a listener of
// their own (SEGVIEW_PEER_ADDR).
func TestPeersOnlyOnTheirListener(t *testing.T) {
	t.Parallel()
	sim, simURL := startSim(t, cdfsim.Options{Project: testProject, ClientID: testClientID, ClientSecret: testSecret})
	rs := newReplicas(t, sim, simURL, 1, nil)
	resp, err := httptestclient.Client(t, nil, false).Get(rs[0].public.URL + "/_segview/peers/sources/src")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("the public listener answers the peers' path with %d, want 404", resp.StatusCode)
	}
}

// TestPerPersonReplicasShareNothing checks that with the person's own
// identity the peers are ignored, and said to be: an owner could only
// read CDF with its own identity, not as the person who asked.
func TestPerPersonReplicasShareNothing(t *testing.T) {
	t.Parallel()
	s := newSignInStack(t, 0, map[string]string{"SEGVIEW_CDF_IDENTITY": "user",
		"SEGVIEW_PEERS": "http://127.0.0.1:1", "SEGVIEW_PEER_SELF": "http://127.0.0.1:1",
		"SEGVIEW_PEER_ADDR": "127.0.0.1:1", "SEGVIEW_PEER_SECRET": replicaSecret})
	if !strings.Contains(s.logs.String(), "ignored with SEGVIEW_CDF_IDENTITY=user") {
		t.Errorf("no warning that the peers are ignored; logs:\n%s", s.logs.String())
	}
}

// TestReplicasKeepProjectsApart serves two projects from three replicas
// that share their work: a file with the same id and version in both
// projects, under the same job, shows each project's own photo whichever
// replica owns the shared keys, and each photo is downloaded once for the
// cluster.
func TestReplicasKeepProjectsApart(t *testing.T) {
	t.Parallel()
	at := time.Now().Truncate(time.Second)
	sim, simURL := startSim(t, cdfsim.Options{Project: testProject, Projects: []string{secondProject},
		ClientID: testClientID, ClientSecret: testSecret, Now: func() time.Time { return at }})
	const job, file = int64(990001), int64(990101)
	projects := []string{testProject, secondProject}
	for i, p := range projects {
		sim.AddFileTo(p, cdfsim.File{ID: file, Name: "photo.png", Data: gradientPNG(t, 900, 500, i+1)})
		sim.AddJobTo(p, cdfsim.Job{ID: job, Status: cdfsim.StatusCompleted, Created: at, Items: []cdfsim.JobItem{{FileID: file, Segments: []cdfsim.Segment{
			{Score: 0.9, Polygons: [][]cdfsim.Vertex{{{X: 0.1, Y: 0.1}, {X: 0.6, Y: 0.1}, {X: 0.6, Y: 0.7}}}},
		}}}})
	}
	rs := newReplicas(t, sim, simURL, 3, map[string]string{"SEGVIEW_PROJECTS": strings.Join(projects, ",")})
	proxy, _ := roundRobin(t, rs)
	client := httptestclient.Client(t, nil, false)

	tests := []struct{ name string }{{"overlay.jpg?width=640"}, {"overlay.png?width=640"}, {"overlay.png?width=640&min_score=0.5"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var first [2][]byte
			for round := range 3 {
				for i, p := range projects {
					resp, err := client.Get(proxy.URL + projectFilePath(p, job, file, tt.name))
					if err != nil {
						t.Fatal(err)
					}
					body, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil || resp.StatusCode != http.StatusOK {
						t.Fatalf("%s, round %d: %d %v: %.300s", p, round, resp.StatusCode, err, body)
					}
					if round == 0 {
						first[i] = body
					} else if !bytes.Equal(first[i], body) {
						t.Errorf("%s, round %d: another replica answered other bytes", p, round)
					}
				}
			}
			if bytes.Equal(first[0], first[1]) {
				t.Error("both projects answer the same image")
			}
		})
	}
	if got := sim.APIRequests("/download/"); got != len(projects) {
		t.Errorf("%d downloads across the cluster for one photo in each of %d projects, want one each", got, len(projects))
	}
	for _, p := range projects {
		if got := sim.APIRequests("/projects/" + p + "/files/downloadlink"); got != 1 {
			t.Errorf("%s: %d download links, want 1", p, got)
		}
	}
	for i, r := range rs {
		for _, g := range []string{"sources", "outputs"} {
			if st, _ := r.app.Peers.GroupStats(g); st.PeerErrors != 0 || st.LocalLoadErrs != 0 {
				t.Errorf("replica %d, %s: %d peer errors, %d load errors", i, g, st.PeerErrors, st.LocalLoadErrs)
			}
		}
	}
}
