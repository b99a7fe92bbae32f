// Command exportbench measures segview's memory under a burst of exports:
// it fires many distinct COCO and GeoJSON exports of one heavy job at once
// and reports segview's peak resident memory (VmHWM) and the answers'
// status codes.
//
// It starts the CDF simulator in this process, loaded with one photo and a
// job of -segments polygons of -vertices vertices each, and segview as a
// separate process (built from ./cmd/web, or -bin) pointed at it through
// the real OAuth2 flow, so the peak memory is segview's own. Every request
// has its own min_score (a threshold that hides nothing), so no two are
// the same. All traffic is on loopback.
//
//	go run ./bench/exportbench -n 300
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/segview/segview/bench/benchdata"
	"github.com/segview/segview/bench/benchproc"
	"github.com/segview/segview/internal/cdfsim"
)

const (
	project = "bench"
	jobID   = 1
)

type options struct {
	n, segments, vertices int
	kind, bin             string
	retries               int
	timeout               time.Duration
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 300, "exports fired at once")
	flag.IntVar(&o.segments, "segments", 60, "segments (one polygon each) in the job")
	flag.IntVar(&o.vertices, "vertices", 1000, "vertices per polygon (CDF allows at most 1000)")
	flag.StringVar(&o.kind, "kind", "mixed", "geojson, coco, or mixed (alternating)")
	flag.StringVar(&o.bin, "bin", "", "segview binary to run (default: build ./cmd/web)")
	flag.IntVar(&o.retries, "retries", 0, "times a request answered 503 is asked again after its Retry-After")
	flag.DurationVar(&o.timeout, "timeout", 2*time.Minute, "bound on the whole burst")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "exportbench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.n < 1 || o.n > 5000 {
		return errors.New("-n must be 1..5000")
	}
	if o.vertices < 3 || o.vertices > 1000 {
		return errors.New("-vertices must be 3..1000, as CDF allows")
	}
	dir, err := os.MkdirTemp("", "exportbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	photo, err := benchdata.Photo(1600, 1200)
	if err != nil {
		return err
	}
	secret := "bench-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	sim, err := cdfsim.New(cdfsim.Options{Project: project, ClientID: "bench", ClientSecret: secret})
	if err != nil {
		return err
	}
	now := time.Now()
	sim.AddFile(cdfsim.File{ID: 1, Name: "photo.jpg", MimeType: "image/jpeg", Data: photo})
	sim.AddJob(cdfsim.Job{ID: jobID, Status: cdfsim.StatusCompleted, Created: now, Started: now, StatusAt: now,
		Points: []cdfsim.Point{{X: 0.3, Y: 0.4, Label: 1}},
		Items:  []cdfsim.JobItem{{FileID: 1, Segments: benchdata.Blobs(o.segments, o.vertices, 2)}}})
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout+time.Minute)
	defer cancel()
	simURL, err := sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer sim.Close()

	base, proc, err := benchproc.Start(ctx, benchproc.Segview{Dir: dir, Bin: o.bin, Project: project, CDFURL: simURL, TokenURL: sim.TokenURL(simURL), Secret: secret})
	if err != nil {
		return err
	}
	defer func() { _ = proc.Process.Kill(); _, _ = proc.Process.Wait() }()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.n, DisableCompression: true}}
	// One export first, so that the job and the image size are cached and
	// the burst measures the exports themselves.
	warm := exportURL(base, "geojson", 0)
	st, size, err := get(ctx, client, warm)
	if err != nil || st != http.StatusOK {
		return fmt.Errorf("warm-up export: status %d, %v", st, err)
	}
	idle, err := benchproc.PeakRSS(proc.Process.Pid)
	if err != nil {
		return err
	}

	bctx, bcancel := context.WithTimeout(ctx, o.timeout)
	defer bcancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[string]int{}
		attempts int
	)
	start := make(chan struct{})
	t0 := time.Now()
	for i := 1; i <= o.n; i++ {
		kind := o.kind
		if kind == "mixed" {
			kind = []string{"geojson", "coco"}[i%2]
		}
		u := exportURL(base, kind, i)
		wg.Go(func() {
			<-start
			var st int
			var err error
			tries := 0
			for {
				tries++
				var hdr http.Header
				st, hdr, err = getWithHeader(bctx, client, u)
				if err != nil || st != http.StatusServiceUnavailable || tries > o.retries {
					break
				}
				wait, _ := strconv.Atoi(hdr.Get("Retry-After"))
				select {
				case <-time.After(time.Duration(max(wait, 1)) * time.Second):
				case <-bctx.Done():
				}
			}
			key := strconv.Itoa(st)
			if err != nil {
				key = "error"
			}
			mu.Lock()
			statuses[key]++
			attempts += tries
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	elapsed := time.Since(t0)
	peak, err := benchproc.PeakRSS(proc.Process.Pid)
	if err != nil {
		return err
	}

	var counts []string
	for _, k := range slices.Sorted(maps.Keys(statuses)) {
		counts = append(counts, fmt.Sprintf("%s: %d", k, statuses[k]))
	}
	verdict := "met"
	if peak > 400<<20 {
		verdict = "NOT met"
	}
	fmt.Printf("segview export burst — %s\n", time.Now().UTC().Format("2006-01-02"))
	fmt.Printf("job: %d segments × %d vertices on one %s; one GeoJSON export is %d bytes\n", o.segments, o.vertices, "1600×1200 JPEG", size)
	fmt.Printf("burst: %d distinct %s exports at once, %d attempts (retries after 503: up to %d), %.1f s\n", o.n, o.kind, attempts, o.retries, elapsed.Seconds())
	fmt.Printf("status counts: %s\n", strings.Join(counts, ", "))
	fmt.Printf("segview peak RSS (VmHWM): %d MB (%d MB before the burst); goal ≤ 400 MB: %s\n", peak>>20, idle>>20, verdict)
	return nil
}

func exportURL(base, kind string, i int) string {
	path := "export/geojson"
	if kind == "coco" {
		path = "export/coco.json"
	}
	// A threshold below every score: it hides nothing but makes the view,
	// and so the request, distinct.
	return fmt.Sprintf("%s/projects/%s/jobs/%d/%s?min_score=%g", base, project, jobID, path, float64(i)*1e-9)
}

func get(ctx context.Context, c *http.Client, url string) (int, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, n, err
}

func getWithHeader(ctx context.Context, c *http.Client, url string) (int, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header, err
}
