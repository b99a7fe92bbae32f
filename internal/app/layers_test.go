package app

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// layers place every package of the module: a package imports only
// packages of lower layers (test files aside), so no import climbs back
// towards the command and there is no cycle. docs/architecture.md draws
// them; a new package must be placed here.
var layers = map[string]int{
	"cmd/web":    70,
	"cmd/cdfsim": 70,
	// Benchmark commands and their data, against the simulator.
	"bench":              70,
	"bench/exportbench":  70,
	"bench/overlaybench": 70,
	"bench/rrproxy":      70,
	"bench/resampleout":  70,
	"bench/benchproc":    30,
	"bench/benchdata":    30,
	// The Kubernetes manifests' test (test files only: the k8s.io modules
	// never reach the binary).
	"deploy": 70,

	"internal/app": 60, // wiring

	"internal/handlers": 50,

	// What the handlers use: the one reader of CDF's metadata, the
	// renderer of images, verdicts, exports, sign-in, configuration.
	"internal/jobs":    40,
	"internal/render":  40,
	"internal/verdict": 40,
	"internal/export":  40,
	"internal/auth":    40,
	"internal/config":  40,

	"internal/segment": 30, // the results' vocabulary, pure

	"internal/overlay":      20,
	"internal/imaging":      20,
	"internal/cdf":          20,
	"internal/cdfsim":       20,
	"internal/hosts":        20,
	"internal/buildversion": 20,
	"web":                   20,
	"web/templates":         20,

	// The registry of /metrics, injected into whatever records (a
	// nil *Metrics records nothing); it reads the caches' Stats.
	"internal/metrics": 15,

	"internal/geom": 10,
	// T.81's tables that the JPEG decoder and encoder share.
	"internal/jpegspec":  5,
	"internal/jpegturbo": 10,
	"internal/jpegscale": 10,
	"internal/jpegenc":   10,
	"internal/lru":       10,
	"internal/flight":    10,
	// groupcache among the replicas: no segview imports.
	"internal/peers": 10,

	// Test helpers and test-only packages.
	"internal/jpegturbo/turbotest": 11, // imports jpegturbo
	"internal/auth/authtest":       10,
	"internal/htmltest":            10,
	"internal/httptestclient":      10,
	"internal/metrics/metricstest": 10,
	"internal/imagetest":           10,
	"internal/sdkcheck":            10,
	"internal/cocotest":            10,
	"internal/pycheck":             10,
	"internal/e2e":                 10,
}

// Imports that no layering would refuse but that must not exist.
var forbidden = []struct{ from, to, why string }{
	{"internal/handlers", "internal/cdfsim", "only the wiring starts the simulator (demo mode)"},
	{"internal/jobs", "internal/render", "image sizes reach the reader through its Sizes interface"},
	{"internal/render", "internal/jobs", "the renderer draws what it is given"},
}

// TestImportLayers checks the module's import graph against layers: each
// package imports only packages of lower layers, and none of forbidden.
func TestImportLayers(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the packages with")
	}
	const module = "github.com/segview/segview/"
	out, err := exec.Command(goTool, "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		layer, ok := layers[pkg]
		if !ok {
			t.Errorf("package %s has no layer: place it in layers and in docs/architecture.md", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			dep, ours := strings.CutPrefix(imp, module)
			if !ours {
				continue
			}
			if l, ok := layers[dep]; ok && l >= layer {
				t.Errorf("%s (layer %d) imports %s (layer %d): an import must go down a layer", pkg, layer, dep, l)
			}
			if i := slices.IndexFunc(forbidden, func(f struct{ from, to, why string }) bool { return f.from == pkg && f.to == dep }); i >= 0 {
				t.Errorf("%s imports %s: %s", pkg, dep, forbidden[i].why)
			}
		}
	}
}
