// Package bench holds segview's end-to-end benchmarks: the whole router
// against the CDF simulator in this process, over loopback HTTP. The
// side-by-side comparison with Pillow and OpenCV is bench/run.sh.
//
//	go test -run '^$' -bench . -benchtime 10x ./bench/
package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/segview/segview/bench/benchdata"
	"github.com/segview/segview/internal/app"
	"github.com/segview/segview/internal/cdfsim"
	"github.com/segview/segview/internal/config"
)

const project = "bench"

// server runs segview against a simulator holding files photo copies of a
// 12 MP JPEG, job 1 with 20 segments × 500 vertices on each, and job 2 with
// 60 segments × 1000 vertices.
func server(b *testing.B, files int) string {
	b.Helper()
	photo, err := benchdata.Photo(4000, 3000)
	if err != nil {
		b.Fatal(err)
	}
	sim, err := cdfsim.New(cdfsim.Options{Project: project, ClientID: "bench", ClientSecret: "bench-secret"})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	job := cdfsim.Job{ID: 1, Status: cdfsim.StatusCompleted, Created: now, Started: now, StatusAt: now,
		Points: []cdfsim.Point{{X: 0.3, Y: 0.4, Label: 1}}, Box: &cdfsim.Box{XMin: 0.1, YMin: 0.1, XMax: 0.9, YMax: 0.9}}
	segs := benchdata.Blobs(20, 500, 1)
	for i := 1; i <= files; i++ {
		sim.AddFile(cdfsim.File{ID: int64(i), Name: "photo.jpg", MimeType: "image/jpeg", Data: photo})
		job.Items = append(job.Items, cdfsim.JobItem{FileID: int64(i), Segments: segs})
	}
	sim.AddJob(job)
	sim.AddJob(cdfsim.Job{ID: 2, Status: cdfsim.StatusCompleted, Created: now, Started: now, StatusAt: now,
		Items: []cdfsim.JobItem{{FileID: 1, Segments: benchdata.Blobs(60, 1000, 2)}}})
	ctx, cancel := context.WithCancel(context.Background())
	simURL, err := sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	env := map[string]string{
		"CDF_PROJECT": project, "CDF_URL": simURL, "IDP_TOKEN_URL": sim.TokenURL(simURL),
		"IDP_CLIENT_ID": "bench", "IDP_CLIENT_SECRET": "bench-secret",
	}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, nil)
	if err != nil {
		b.Fatal(err)
	}
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), "0.0.0-bench")
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	b.Cleanup(func() { srv.Close(); a.Close(); cancel(); sim.Close() })
	return srv.URL
}

func get(b *testing.B, url string) {
	b.Helper()
	resp, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || n == 0 {
		b.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
}

// BenchmarkColdOverlay is P1: a 12 MP JPEG never seen before, to a 1600 px
// JPEG overlay, including the download from the simulator.
func BenchmarkColdOverlay(b *testing.B) {
	base := server(b, b.N+1)
	get(b, fmt.Sprintf("%s/projects/%s/jobs/2", base, project)) // the token and the connection
	b.ResetTimer()
	for i := range b.N {
		get(b, fmt.Sprintf("%s/projects/%s/jobs/1/files/%d/overlay.jpg?width=1600", base, project, i+1))
	}
}

// BenchmarkWarmOverlay is P2: the same overlay again, from the cached decode.
func BenchmarkWarmOverlay(b *testing.B) {
	base := server(b, 1)
	url := fmt.Sprintf("%s/projects/%s/jobs/1/files/1/overlay.jpg?width=1600", base, project)
	get(b, url)
	b.ResetTimer()
	for range b.N {
		get(b, url)
	}
}

// BenchmarkRedrawNewView is P2 without the output cache: every request
// asks for a view not drawn before (a threshold that hides nothing), so it
// draws and encodes on the cached decode.
func BenchmarkRedrawNewView(b *testing.B) {
	base := server(b, 1)
	url := fmt.Sprintf("%s/projects/%s/jobs/1/files/1/overlay.jpg?width=1600", base, project)
	get(b, url)
	b.ResetTimer()
	for i := range b.N {
		get(b, fmt.Sprintf("%s&min_score=%g", url, float64(i+1)*1e-9))
	}
}

// BenchmarkExport is P3: the full-resolution JPEG export, warm.
func BenchmarkExport(b *testing.B) {
	base := server(b, 1)
	url := fmt.Sprintf("%s/projects/%s/jobs/1/files/1/overlay.jpg?export=1", base, project)
	get(b, url)
	b.ResetTimer()
	for range b.N {
		get(b, url)
	}
}

// BenchmarkJobPage is P4: the page of a job with 60 segments × 1000
// vertices, warm.
func BenchmarkJobPage(b *testing.B) {
	base := server(b, 1)
	url := fmt.Sprintf("%s/projects/%s/jobs/2", base, project)
	get(b, url)
	b.ResetTimer()
	for range b.N {
		get(b, url)
	}
}
