// Command overlaybench measures segview's overlay targets (P1–P5 of the
// "Overlay fidelity and speed" work) end to end over HTTP, side by side with
// the Pillow and OpenCV pipelines a notebook user would write, on the same
// 12 MP JPEG and the same geometry. It prints a Markdown table.
//
// It starts the CDF simulator in this process, loaded with generated data,
// and segview as a separate process (built from ./cmd/web) pointed at it
// through the real OAuth2 flow, so peak memory is segview's own.
//
//	go run ./bench/overlaybench -runs 7
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/segview/segview/bench/benchdata"
	"github.com/segview/segview/bench/benchproc"
	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/imaging"
)

const (
	project = "bench"
	jobID   = 1
	pageJob = 2
	width   = 4000
	height  = 3000
)

func main() {
	runs := flag.Int("runs", 7, "timed runs per measurement (medians are reported)")
	python := flag.String("python", "/usr/bin/python3", "python with Pillow and OpenCV (Debian python3-pil, python3-opencv)")
	keep := flag.String("out", "", "directory to keep the inputs and outputs in (default: a temporary one)")
	flag.Parse()
	if err := run(*runs, *python, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "overlaybench:", err)
		os.Exit(1)
	}
}

type result struct {
	name, target, value, verdict string
}

func run(runs int, python, outDir string) error {
	if outDir != "" {
		if err := os.MkdirAll(outDir, 0o755); err != nil {
			return err
		}
	}
	if outDir == "" {
		d, err := os.MkdirTemp("", "overlaybench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		outDir = d
	}
	photo, err := benchdata.Photo(width, height)
	if err != nil {
		return err
	}
	photoPath := filepath.Join(outDir, "photo-12mp.jpg")
	if err := os.WriteFile(photoPath, photo, 0o644); err != nil {
		return err
	}
	segs := benchdata.Blobs(20, 500, 1)
	geoPath := filepath.Join(outDir, "geometry.json")
	if err := writeGeometry(geoPath, segs); err != nil {
		return err
	}

	// Enough distinct files that every cold measurement decodes afresh.
	coldFiles := runs*3 + 8 + 1
	secret := "bench-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	sim, err := cdfsim.New(cdfsim.Options{Project: project, ClientID: "bench", ClientSecret: secret})
	if err != nil {
		return err
	}
	now := time.Now()
	job := cdfsim.Job{ID: jobID, Status: cdfsim.StatusCompleted, Created: now, Started: now, StatusAt: now,
		Points: []cdfsim.Point{{X: 0.3, Y: 0.4, Label: 1}, {X: 0.7, Y: 0.6, Label: 0}},
		Box:    &cdfsim.Box{XMin: 0.1, YMin: 0.1, XMax: 0.9, YMax: 0.9}}
	for i := 1; i <= coldFiles; i++ {
		sim.AddFile(cdfsim.File{ID: int64(i), Name: fmt.Sprintf("photo-%d.jpg", i), MimeType: "image/jpeg", Data: photo})
		job.Items = append(job.Items, cdfsim.JobItem{FileID: int64(i), Segments: segs})
	}
	sim.AddJob(job)
	sim.AddJob(cdfsim.Job{ID: pageJob, Status: cdfsim.StatusCompleted, Created: now, Started: now, StatusAt: now,
		Items: []cdfsim.JobItem{{FileID: 1, Segments: benchdata.Blobs(60, 1000, 2)}}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	simURL, err := sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer sim.Close()

	base, proc, err := benchproc.Start(ctx, benchproc.Segview{Dir: outDir, Project: project, CDFURL: simURL, TokenURL: sim.TokenURL(simURL), Secret: secret})
	if err != nil {
		return err
	}
	defer func() { _ = proc.Process.Kill(); _, _ = proc.Process.Wait() }()

	next := 1
	cold := func(suffix string) (time.Duration, error) {
		id := next
		next++
		return timeGET(fmt.Sprintf("%s/projects/%s/jobs/%d/files/%d/%s", base, project, jobID, id, suffix))
	}
	// Warm the job cache and the connection, not any image.
	if _, err := timeGET(fmt.Sprintf("%s/projects/%s/jobs/%d", base, project, pageJob)); err != nil {
		return err
	}

	var out []result
	p1, err := medianOf(runs, func() (time.Duration, error) { return cold("overlay.jpg?width=1600") })
	if err != nil {
		return err
	}
	pillow, errP := notebook(python, "pillow", photoPath, geoPath, outDir, runs)
	opencv, errO := notebook(python, "opencv", photoPath, geoPath, outDir, runs)
	p1row := result{"P1 cold 12 MP JPEG → 1600 px JPEG, over HTTP", "≤ Pillow", ms(p1), ""}
	if errP == nil {
		ratio := p1.Seconds() / pillow
		p1row.value += fmt.Sprintf(" (Pillow %s: %.2f×", ms(secs(pillow)), ratio)
		if errO == nil {
			p1row.value += fmt.Sprintf("; OpenCV %s: %.2f×", ms(secs(opencv)), p1.Seconds()/opencv)
		}
		p1row.value += ")"
		p1row.verdict = verdict(ratio <= 1)
	} else {
		p1row.verdict = "Pillow not run: " + errP.Error()
	}
	out = append(out, p1row)

	warmURL := fmt.Sprintf("%s/projects/%s/jobs/%d/files/%d/overlay.jpg?width=1600", base, project, jobID, 1)
	if _, err := timeGET(warmURL); err != nil {
		return err
	}
	p2, err := medianOf(runs*3, func() (time.Duration, error) { return timeGET(warmURL) })
	if err != nil {
		return err
	}
	out = append(out, result{"P2 warm re-render (cached decode), 1600 px JPEG: the same URL again", "≤ 15 ms", ms(p2) + " (from the output cache)", verdict(p2 <= 15*time.Millisecond)})
	// A view never asked before: a tiny threshold hides nothing but makes
	// another ETag, so every request draws and encodes.
	n := 0
	p2b, err := medianOf(runs*3, func() (time.Duration, error) {
		n++
		return timeGET(fmt.Sprintf("%s&min_score=%g", warmURL, float64(n)*1e-9))
	})
	if err != nil {
		return err
	}
	out = append(out, result{"P2 warm re-render (cached decode), 1600 px JPEG: a new view, drawn", "≤ 15 ms", ms(p2b), verdict(p2b <= 15*time.Millisecond)})

	p3, err := medianOf(runs, func() (time.Duration, error) { return cold("overlay.jpg?export=1") })
	if err != nil {
		return err
	}
	floor, codec, err := codecFloor(photo, runs)
	if err != nil {
		return err
	}
	r3 := p3.Seconds() / floor.Seconds()
	out = append(out, result{"P3 full-resolution export (12 MP JPEG)", "≤ 1.25× decode+encode floor",
		fmt.Sprintf("%s; floor %s with %s: %.2f×", ms(p3), ms(floor), codec, r3), verdict(r3 <= 1.25)})

	pageURL := fmt.Sprintf("%s/projects/%s/jobs/%d", base, project, pageJob)
	if _, err := timeGET(pageURL); err != nil {
		return err
	}
	p4, err := medianOf(runs*3, func() (time.Duration, error) { return timeGET(pageURL) })
	if err != nil {
		return err
	}
	out = append(out, result{"P4 job page, 60 segments × 1000 vertices, warm", "≤ 50 ms", ms(p4), verdict(p4 <= 50*time.Millisecond)})

	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range 8 {
		wg.Add(1)
		id := next
		next++
		go func() {
			defer wg.Done()
			_, errs[i] = timeGET(fmt.Sprintf("%s/projects/%s/jobs/%d/files/%d/overlay.jpg?width=1600", base, project, jobID, id))
		}()
	}
	wg.Wait()
	peak, err := benchproc.PeakRSS(proc.Process.Pid)
	if err != nil {
		return err
	}
	failed := 0
	for _, e := range errs {
		if e != nil {
			failed++
		}
	}
	out = append(out, result{"P5 8 concurrent cold 12 MP renders, peak RSS", "≤ 400 MB",
		fmt.Sprintf("%d MB (%d of 8 answered 200)", peak>>20, 8-failed), verdict(peak <= 400<<20)})

	fmt.Printf("segview overlay benchmark — %s, %d runs, %s\n\n", time.Now().UTC().Format("2006-01-02"), runs, codec)
	fmt.Println("| target | goal | measured | |")
	fmt.Println("|---|---|---|---|")
	for _, r := range out {
		fmt.Printf("| %s | %s | %s | %s |\n", r.name, r.target, r.value, r.verdict)
	}
	return nil
}

func timeGET(url string) (time.Duration, error) {
	t0 := time.Now()
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	d := time.Since(t0)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %d (%d bytes)", url, resp.StatusCode, n)
	}
	return d, nil
}

func medianOf(n int, f func() (time.Duration, error)) (time.Duration, error) {
	ds := make([]time.Duration, 0, n)
	for range n {
		d, err := f()
		if err != nil {
			return 0, err
		}
		ds = append(ds, d)
	}
	slices.Sort(ds)
	return ds[len(ds)/2], nil
}

// codecFloor is the median time to decode the photo and encode it again at
// full size with the codec segview uses (libjpeg-turbo when present).
func codecFloor(photo []byte, runs int) (time.Duration, string, error) {
	codec := "Go image/jpeg"
	d, err := medianOf(runs, func() (time.Duration, error) {
		t0 := time.Now()
		img, info, err := imaging.Decode(photo, imaging.Options{})
		if err != nil {
			return 0, err
		}
		codec = info.Decoder
		if err := imaging.EncodeJPEG(io.Discard, img, 85); err != nil {
			return 0, err
		}
		return time.Since(t0), nil
	})
	return d, codec, err
}

// notebook runs the Python pipeline and returns its median seconds.
func notebook(python, lib, photo, geo, dir string, runs int) (float64, error) {
	out, err := exec.Command(python, "bench/notebook_overlay.py", "--lib", lib, "--image", photo,
		"--geometry", geo, "--runs", strconv.Itoa(runs), "--out", filepath.Join(dir, lib+".jpg")).Output()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", lib, err)
	}
	var r struct {
		Median float64 `json:"median_s"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return 0, err
	}
	return r.Median, nil
}

func writeGeometry(path string, segs []cdfsim.Segment) error {
	geo := map[string]any{
		"points": [][3]float64{{0.3, 0.4, 1}, {0.7, 0.6, 0}},
		"box":    [4]float64{0.1, 0.1, 0.9, 0.9},
	}
	var s [][][][2]float64
	for _, seg := range segs {
		var polys [][][2]float64
		for _, p := range seg.Polygons {
			var pts [][2]float64
			for _, v := range p {
				pts = append(pts, [2]float64{v.X, v.Y})
			}
			polys = append(polys, pts)
		}
		s = append(s, polys)
	}
	geo["segments"] = s
	b, err := json.Marshal(geo)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func ms(d time.Duration) string    { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}
