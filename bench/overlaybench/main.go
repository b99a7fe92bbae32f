// Command overlaybench measures segview's overlay targets (P1–P5 of the
// "Overlay fidelity and speed" work) end to end over HTTP, side by side with
// the Pillow pipeline a notebook user would write (bench/notebook_overlay.py),
// on real photos and on a synthetic 12 MP image, with the same geometry. It
// prints a Markdown table.
//
// It starts the CDF simulator in this process, loaded with generated data,
// and segview as separate processes (built from ./cmd/web) pointed at it
// through the real OAuth2 flow, so peak memory is segview's own: one with
// the default JPEG codec (libjpeg-turbo when installed) and one with
// SEGVIEW_JPEG=go, the pure-Go path. With -today BIN, a segview binary built
// from an earlier commit runs too, both ways, on the synthetic image (and
// on the photos for P2 and P3 with -p2 and -p3, which measure those alone;
// they also print where each build's render time went, from its /metrics).
//
// The machine is shared and noisy, so every comparison is interleaved: each
// round times one request of each segview and one Pillow run, in turn, and
// the medians are reported.
//
//	bench/run.sh -runs 7      # fetches the photos, then runs this
//	go run ./bench/overlaybench -baseline a.jpg -progressive b.jpg -runs 7
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/segview/segview/bench/benchdata"
	"github.com/segview/segview/bench/benchproc"
	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/imaging"
)

const project = "bench"

func main() {
	runs := flag.Int("runs", 7, "timed runs per measurement (medians are reported)")
	python := flag.String("python", "/usr/bin/python3", "python with Pillow (Debian python3-pil)")
	keep := flag.String("out", "", "directory to keep the inputs and outputs in (default: a temporary one)")
	baseline := flag.String("baseline", "", "a real baseline JPEG photo (bench/run.sh fetches one)")
	progressive := flag.String("progressive", "", "a real progressive JPEG photo (bench/run.sh fetches one)")
	today := flag.String("today", "", "a segview binary of an earlier commit, compared on the synthetic image")
	p5runs := flag.Int("p5", 10, "runs of P5, each in a fresh segview process")
	p1only := flag.Bool("p1", false, "measure P1 only (more -runs give steadier medians)")
	p2only := flag.Bool("p2", false, "measure P2 only, on the real photos")
	p3only := flag.Bool("p3", false, "measure P3 only, on the real photos (with -p2: P2 and P3)")
	flag.Parse()
	if err := run(config{runs: *runs, p5: *p5runs, p1only: *p1only, p2only: *p2only, p3only: *p3only, python: *python, out: *keep, baseline: *baseline, progressive: *progressive, today: *today}); err != nil {
		fmt.Fprintln(os.Stderr, "overlaybench:", err)
		os.Exit(1)
	}
}

type config struct {
	runs, p5                                  int
	p1only, p2only, p3only                    bool
	python, out, baseline, progressive, today string
}

// photo is one benchmark case.
type photo struct {
	name string // as the table names it
	path string
	data []byte
	desc string // size, mode, progressive or not
	next int64  // the next file id not yet asked for
	last int64
}

type result struct{ name, target, value, verdict string }

// server is one segview process.
type server struct {
	name string
	base string
	proc *exec.Cmd
	warm string // a URL drawn once, for P2
}

func run(cfg config) error {
	outDir := cfg.out
	if outDir == "" {
		d, err := os.MkdirTemp("", "overlaybench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		outDir = d
	} else if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	var photos []*photo
	for _, p := range []struct{ name, path string }{{"baseline photo", cfg.baseline}, {"progressive photo", cfg.progressive}} {
		if p.path == "" {
			fmt.Fprintf(os.Stderr, "overlaybench: no %s given (bench/run.sh fetches the photos); skipped\n", p.name)
			continue
		}
		data, err := os.ReadFile(p.path)
		if err != nil {
			return err
		}
		photos = append(photos, &photo{name: p.name, path: p.path, data: data})
	}
	synthetic, err := benchdata.Photo(4000, 3000)
	if err != nil {
		return err
	}
	synPath := filepath.Join(outDir, "synthetic-12mp.jpg")
	if err := os.WriteFile(synPath, synthetic, 0o644); err != nil {
		return err
	}
	photos = append(photos, &photo{name: "synthetic image", path: synPath, data: synthetic})
	for _, p := range photos {
		p.desc, err = describe(p.data)
		if err != nil {
			return fmt.Errorf("%s: %w", p.path, err)
		}
	}

	segs := benchdata.Blobs(20, 500, 1)
	geoPath := filepath.Join(outDir, "geometry.json")
	if err := writeGeometry(geoPath, segs); err != nil {
		return err
	}
	secret := "bench-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	sim, err := cdfsim.New(cdfsim.Options{Project: project, ClientID: "bench", ClientSecret: secret})
	if err != nil {
		return err
	}
	now := time.Now()
	// Enough distinct files per photo that every cold request decodes afresh.
	perPhoto := int64(cfg.runs*6 + 8*cfg.p5*2 + 16)
	// One job per file, so that the job a timed request needs is small and
	// read (untimed) just before: a new photo in a running server, whose job
	// page was opened first.
	for i, p := range photos {
		p.next = int64(i+1) * 100000
		p.last = p.next + perPhoto
		for id := p.next; id < p.last; id++ {
			sim.AddFile(cdfsim.File{ID: id, Name: fmt.Sprintf("photo-%d.jpg", id), MimeType: "image/jpeg", Data: p.data})
			sim.AddJob(cdfsim.Job{ID: id, Status: cdfsim.StatusCompleted, Created: now, Started: now, StatusAt: now,
				Points: []cdfsim.Point{{X: 0.3, Y: 0.4, Label: 1}, {X: 0.7, Y: 0.6, Label: 0}},
				Box:    &cdfsim.Box{XMin: 0.1, YMin: 0.1, XMax: 0.9, YMax: 0.9},
				Items:  []cdfsim.JobItem{{FileID: id, Segments: segs}}})
		}
	}
	const pageJob = 2
	sim.AddJob(cdfsim.Job{ID: pageJob, Status: cdfsim.StatusCompleted, Created: now, Started: now, StatusAt: now,
		Items: []cdfsim.JobItem{{FileID: photos[0].next, Segments: benchdata.Blobs(60, 1000, 2)}}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	simURL, err := sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer sim.Close()

	bin := filepath.Join(outDir, "segview")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/web")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building segview: %w", err)
	}
	start := func(name, bin string, env ...string) (*server, error) {
		dir := filepath.Join(outDir, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		base, proc, err := benchproc.Start(ctx, benchproc.Segview{Dir: dir, Bin: bin, Project: project, CDFURL: simURL,
			TokenURL: sim.TokenURL(simURL), Secret: secret, Env: env})
		if err != nil {
			return nil, err
		}
		// Warm the job cache and the connection, not any image.
		if _, err := timeGET(fmt.Sprintf("%s/projects/%s/jobs/%d", base, project, pageJob)); err != nil {
			return nil, err
		}
		return &server{name: name, base: base, proc: proc}, nil
	}
	stop := func(s *server) { _ = s.proc.Process.Kill(); _, _ = s.proc.Process.Wait() }
	def, err := start("default", bin)
	if err != nil {
		return err
	}
	defer stop(def)
	goSrv, err := start("pure-go", bin, "SEGVIEW_JPEG=go")
	if err != nil {
		return err
	}
	defer stop(goSrv)
	var todayDef, todayGo *server
	if cfg.today != "" {
		if todayDef, err = start("today-default", cfg.today); err != nil {
			return err
		}
		defer stop(todayDef)
		if todayGo, err = start("today-go", cfg.today, "SEGVIEW_JPEG=go"); err != nil {
			return err
		}
		defer stop(todayGo)
	}

	var out []result
	_, codec, err := codecFloor(synthetic) // names the codec in use
	if err != nil {
		return err
	}
	for _, p := range photos {
		synthetic := p.name == "synthetic image"
		servers := []*server{def, goSrv}
		if (synthetic || cfg.p2only || cfg.p3only) && todayDef != nil {
			servers = append(servers, todayDef, todayGo)
		}
		if synthetic && (cfg.p2only || cfg.p3only) {
			continue
		}
		if !cfg.p2only && !cfg.p3only {
			fmt.Fprintf(os.Stderr, "overlaybench: %s: P1\n", p.name)
			// P1: one cold request of each server and one Pillow run per round.
			py, err := startNotebook(cfg.python, p.path, geoPath, filepath.Join(outDir, "pillow.jpg"))
			if err != nil {
				return err
			}
			times := make([][]time.Duration, len(servers)+1)
			for range cfg.runs {
				for i, s := range servers {
					d, err := s.cold(p, "overlay.jpg?width=1600")
					if err != nil {
						return err
					}
					times[i] = append(times[i], d)
				}
				d, err := py.once()
				if err != nil {
					return err
				}
				times[len(servers)] = append(times[len(servers)], d)
			}
			py.close()
			pillow := median(times[len(servers)])
			goals := map[string][2]float64{"baseline photo": {0.5, 1.0}, "progressive photo": {0.8, 1.5}}
			for i, s := range servers[:2] {
				d := median(times[i])
				r := d.Seconds() / pillow.Seconds()
				row := result{name: fmt.Sprintf("P1 %s, %s → 1600 px JPEG over HTTP, %s", p.name, p.desc, s.label())}
				row.value = fmt.Sprintf("%s; Pillow %s: **%.2f×**", ms(d), ms(pillow), r)
				if synthetic {
					row.target = "not slower than today"
					if todayDef != nil {
						t := median(times[i+2])
						row.value += fmt.Sprintf("; today %s (%.2f×)", ms(t), t.Seconds()/pillow.Seconds())
						row.verdict = verdict(d <= t)
					}
				} else {
					g := goals[p.name][i]
					row.target = fmt.Sprintf("≤ %.1f× Pillow", g)
					row.verdict = verdict(r <= g)
				}
				out = append(out, row)
			}
		}
		if synthetic || cfg.p1only {
			continue // P2, P3 and P5 on the real photos
		}

		fmt.Fprintf(os.Stderr, "overlaybench: %s: P2, P3\n", p.name)
		if !cfg.p3only || cfg.p2only {
			if err := measureP2(cfg, p, servers, &out); err != nil {
				return err
			}
		}

		if !cfg.p2only || cfg.p3only {
			// P3: full-resolution export against the codec floor, interleaved
			// (with -today, that build's default export too).
			// The two builds take turns going first.
			var p3, p3today, floor []time.Duration
			for round := range cfg.runs {
				turns := []*server{def, todayDef}
				if round%2 == 1 {
					turns = []*server{todayDef, def}
				}
				for _, s := range turns {
					if s == nil {
						continue
					}
					d, err := s.cold(p, "overlay.jpg?export=1")
					if err != nil {
						return err
					}
					if s == def {
						p3 = append(p3, d)
					} else {
						p3today = append(p3today, d)
					}
				}
				f, c, err := codecFloor(p.data)
				if err != nil {
					return err
				}
				codec = c
				floor = append(floor, f)
			}
			r3 := median(p3).Seconds() / median(floor).Seconds()
			row := result{fmt.Sprintf("P3 %s: full-resolution export, default codec", p.name), "≤ 1.25× decode+encode floor",
				fmt.Sprintf("%s%s; floor %s%s with %s: **%.2f×**", ms(median(p3)), spread(p3), ms(median(floor)), spread(floor), codec, r3), verdict(r3 <= 1.25)}
			if todayDef != nil {
				t := median(p3today)
				row.value += fmt.Sprintf("; today %s%s (%.2f× this floor)", ms(t), spread(p3today), t.Seconds()/median(floor).Seconds())
			}
			out = append(out, row)
			for _, s := range []*server{def, todayDef} {
				if s != nil {
					stages(s)
				}
			}
		}
	}

	if cfg.p1only || cfg.p2only || cfg.p3only {
		return printTable(cfg, photos, out, codec)
	}
	pageURL := fmt.Sprintf("%s/projects/%s/jobs/%d", def.base, project, pageJob)
	if _, err := timeGET(pageURL); err != nil {
		return err
	}
	var p4 []time.Duration
	for range cfg.runs * 3 {
		d, err := timeGET(pageURL)
		if err != nil {
			return err
		}
		p4 = append(p4, d)
	}
	out = append(out, result{"P4 job page, 60 segments × 1000 vertices, warm", "≤ 50 ms", ms(median(p4)), verdict(median(p4) <= 50*time.Millisecond)})

	fmt.Fprintln(os.Stderr, "overlaybench: P5")
	// P5: 8 concurrent cold renders in a fresh process, cfg.p5 times.
	stop(def)
	stop(goSrv)
	for _, p := range photos {
		for _, env := range [][]string{nil, {"SEGVIEW_JPEG=go"}} {
			var peaks []int64
			failed, busy := 0, 0
			for range cfg.p5 {
				s, err := start("p5", bin, env...)
				if err != nil {
					return err
				}
				var wg sync.WaitGroup
				errs := make([]error, 8)
				for i := range 8 {
					id := p.take()
					if err := s.openJob(id); err != nil {
						return err
					}
					wg.Go(func() {
						_, errs[i] = timeGET(fmt.Sprintf("%s/projects/%s/jobs/%d/files/%d/overlay.jpg?width=1600", s.base, project, id, id))
					})
				}
				wg.Wait()
				peak, err := benchproc.PeakRSS(s.proc.Process.Pid)
				stop(s)
				if err != nil {
					return err
				}
				peaks = append(peaks, peak)
				for _, e := range errs {
					switch {
					case e == nil:
					case strings.Contains(e.Error(), ": 503 "):
						busy++ // waited SEGVIEW_RENDER_WAIT for a decode turn
					default:
						failed++
					}
				}
			}
			slices.Sort(peaks)
			under := 0
			for _, pk := range peaks {
				if pk <= 400<<20 {
					under++
				}
			}
			label := "default codec"
			if env != nil {
				label = "pure Go"
			}
			out = append(out, result{fmt.Sprintf("P5 %s: 8 concurrent cold renders, peak RSS, %s", p.name, label),
				fmt.Sprintf("≤ 400 MB in %d of %d runs", cfg.p5, cfg.p5),
				fmt.Sprintf("%d–%d MB, median %d MB; %d of %d under 400 MB; of %d requests %d answered 503 busy (no decode turn within SEGVIEW_RENDER_WAIT), %d failed otherwise",
					peaks[0]>>20, peaks[len(peaks)-1]>>20, peaks[len(peaks)/2]>>20, under, len(peaks), 8*len(peaks), busy, failed),
				verdict(under == len(peaks) && failed == 0)})
		}
	}

	return printTable(cfg, photos, out, codec)
}

// measureP2 times, round after round, each server drawing a view never
// asked before (a threshold) of a photo whose decode it has cached.
func measureP2(cfg config, p *photo, servers []*server, out *[]result) error {
	// P2: a view never asked before, on the cached decode.
	for _, s := range servers {
		id := p.take()
		url := fmt.Sprintf("%s/projects/%s/jobs/%d/files/%d/overlay.jpg?width=1600", s.base, project, id, id)
		if _, err := timeGET(url); err != nil {
			return err
		}
		s.warm = url
	}
	p2 := make([][]time.Duration, len(servers))
	n := 0
	for range cfg.runs * 3 {
		for i, s := range servers {
			n++
			// A tiny threshold hides nothing but makes another ETag.
			d, err := timeGET(fmt.Sprintf("%s&min_score=%g", s.warm, float64(n)*1e-9))
			if err != nil {
				return err
			}
			p2[i] = append(p2[i], d)
		}
	}
	for i, s := range servers {
		if s.name != "pure-go" && s.name != "today-go" {
			stages(s)
		}
		d := median(p2[i])
		*out = append(*out, result{fmt.Sprintf("P2 %s: a new view (threshold) on the cached decode, 1600 px JPEG, %s", p.name, s.label()),
			"≤ 15 ms", ms(d) + spread(p2[i]), verdict(d <= 15*time.Millisecond)})
	}
	return nil
}

func printTable(cfg config, photos []*photo, out []result, codec string) error {
	fmt.Printf("segview overlay benchmark — %s, %d interleaved rounds, medians, %s\n\n", time.Now().UTC().Format("2006-01-02"), cfg.runs, codec)
	for _, p := range photos {
		fmt.Printf("- %s: %s, %s\n", p.name, filepath.Base(p.path), p.desc)
	}
	fmt.Println()
	fmt.Println("| target | goal | measured | |")
	fmt.Println("|---|---|---|---|")
	for _, r := range out {
		fmt.Printf("| %s | %s | %s | %s |\n", r.name, r.target, r.value, r.verdict)
	}
	return nil
}

// stages prints to stderr the mean duration of each render stage segview's
// /metrics has recorded so far, where the time of its requests went.
func stages(s *server) {
	resp, err := http.Get(s.base + "/metrics")
	if err != nil {
		return
	}
	defer resp.Body.Close()
	sums, counts := map[string]float64{}, map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		for suffix, m := range map[string]map[string]float64{"_sum": sums, "_count": counts} {
			prefix := "segview_render_stage_duration_seconds" + suffix + `{stage="`
			if rest, ok := strings.CutPrefix(line, prefix); ok {
				name, val, _ := strings.Cut(rest, `"} `)
				v, _ := strconv.ParseFloat(val, 64)
				m[name] = v
			}
		}
	}
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(sums)) {
		if counts[name] > 0 {
			parts = append(parts, fmt.Sprintf("%s %.1f ms (%d)", name, 1000*sums[name]/counts[name], int(counts[name])))
		}
	}
	fmt.Fprintf(os.Stderr, "overlaybench: %s: mean render stages so far: %s\n", s.name, strings.Join(parts, ", "))
}

// take returns a file id of p not asked for before.
func (p *photo) take() int64 {
	if p.next >= p.last {
		panic("overlaybench: out of files for " + p.name)
	}
	p.next++
	return p.next - 1
}

func (s *server) label() string {
	switch s.name {
	case "default":
		return "default (libjpeg-turbo)"
	case "pure-go":
		return "pure Go"
	}
	return s.name
}

// cold asks s for a file of p it has never drawn, once its job is open.
func (s *server) cold(p *photo, suffix string) (time.Duration, error) {
	id := p.take()
	if err := s.openJob(id); err != nil {
		return 0, err
	}
	return timeGET(fmt.Sprintf("%s/projects/%s/jobs/%d/files/%d/%s", s.base, project, id, id, suffix))
}

// openJob opens job id's page, untimed, as a reviewer does before the
// overlay loads: the job is then in segview's cache.
func (s *server) openJob(id int64) error {
	_, err := timeGET(fmt.Sprintf("%s/projects/%s/jobs/%d", s.base, project, id))
	return err
}

// describe says a JPEG's size, mode and whether it is progressive.
func describe(data []byte) (string, error) {
	info, err := imaging.DecodeConfig(data, imaging.Options{})
	if err != nil {
		return "", err
	}
	mode, progressive, sampling := jpegMode(data)
	kind := "baseline"
	if progressive {
		kind = "progressive"
	}
	return fmt.Sprintf("%d×%d (%.1f MP) %s %s %s JPEG, %.1f MB", info.Width, info.Height,
		float64(info.Width*info.Height)/1e6, mode, sampling, kind, float64(len(data))/1e6), nil
}

// jpegMode reads the SOF segment: the colour mode, whether it is
// progressive (SOF2) and the chroma subsampling.
func jpegMode(data []byte) (mode string, progressive bool, sampling string) {
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			i++
			continue
		}
		m := data[i+1]
		if m == 0xff || m == 0x01 || (m >= 0xd0 && m <= 0xd7) {
			i++
			continue
		}
		n := int(data[i+2])<<8 | int(data[i+3])
		if m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc && i+10 <= len(data) {
			comps := int(data[i+9])
			mode = map[int]string{1: "grey", 3: "YCbCr", 4: "CMYK"}[comps]
			if comps == 3 && i+10+9 <= len(data) {
				h, v := data[i+11]>>4, data[i+11]&15
				sampling = map[[2]byte]string{{1, 1}: "4:4:4", {2, 1}: "4:2:2", {2, 2}: "4:2:0", {1, 2}: "4:4:0"}[[2]byte{h, v}]
			}
			return mode, m == 0xc2 || m == 0xc6 || m == 0xca || m == 0xce, sampling
		}
		i += 2 + n
	}
	return "?", false, ""
}

// notebook is a running bench/notebook_overlay.py --serve.
type notebook struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startNotebook(python, photo, geo, out string) (*notebook, error) {
	cmd := exec.Command(python, "bench/notebook_overlay.py", "--lib", "pillow", "--image", photo, "--geometry", geo, "--serve", "--out", out)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	nb := &notebook{cmd: cmd, in: in, out: bufio.NewScanner(stdout)}
	if !nb.out.Scan() || nb.out.Text() != "ready" {
		nb.close()
		return nil, fmt.Errorf("pillow pipeline did not start (python3-pil missing?)")
	}
	return nb, nil
}

// once times one run of the Pillow pipeline, inside Python.
func (nb *notebook) once() (time.Duration, error) {
	if _, err := io.WriteString(nb.in, "run\n"); err != nil {
		return 0, err
	}
	if !nb.out.Scan() {
		return 0, fmt.Errorf("pillow pipeline stopped: %v", nb.out.Err())
	}
	s, err := strconv.ParseFloat(strings.TrimSpace(nb.out.Text()), 64)
	return time.Duration(s * float64(time.Second)), err
}

func (nb *notebook) close() {
	nb.in.Close()
	_ = nb.cmd.Wait()
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

// spread is " (least–most)" of ds.
func spread(ds []time.Duration) string {
	return fmt.Sprintf(" (%s–%s)", ms(slices.Min(ds)), ms(slices.Max(ds)))
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// codecFloor times decoding the photo and encoding it again at full size
// with the codec segview uses (libjpeg-turbo when present).
func codecFloor(photo []byte) (time.Duration, string, error) {
	t0 := time.Now()
	img, info, err := imaging.Decode(photo, imaging.Options{})
	if err != nil {
		return 0, "", err
	}
	if err := imaging.EncodeJPEG(io.Discard, img, 85); err != nil {
		return 0, "", err
	}
	return time.Since(t0), info.Decoder, nil
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

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}
