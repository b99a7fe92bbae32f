// Package deploy holds segview's Kubernetes manifests (deploy/kubernetes)
// and an example Secret (deploy/examples). This test validates them
// offline: each document is decoded strictly into the Kubernetes API types
// (k8s.io/api with k8s.io/apimachinery's strict decoding), so an unknown
// field, a duplicate field or a wrong type fails, as kubeconform would
// without fetching schemas; then the pieces are checked against each
// other and against segview's configuration. The Kubernetes modules are
// imported by this test alone, never by the binary.
package deploy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/segview/segview/internal/config"
)

// decoder decodes the kinds segview's manifests use, strictly.
var decoder = func() runtime.Decoder {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, appsv1.AddToScheme, autoscalingv2.AddToScheme, policyv1.AddToScheme} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	return serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
}()

// decodeFile decodes every YAML document of path strictly.
func decodeFile(path string) ([]runtime.Object, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []runtime.Object
	for i := 1; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", path, i, err)
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		obj, _, err := decoder.Decode(doc, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", path, i, err)
		}
		objs = append(objs, obj)
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("%s: no manifest", path)
	}
	return objs, nil
}

func stripComments(doc []byte) []byte {
	var out []byte
	for line := range bytes.Lines(doc) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out = append(out, line...)
		}
	}
	return out
}

// TestBadManifestsFail: the decoding is strict; each bad fixture fails.
func TestBadManifestsFail(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil || len(paths) < 5 {
		t.Fatalf("bad fixtures: %v, %v", paths, err)
	}
	want := map[string]string{
		"unknown-field.yaml":        `unknown field "spec.replica"`,
		"nested-unknown-field.yaml": `unknown field "spec.template.spec.containers[0].readinessProbe.httpGet.url"`,
		"wrong-type.yaml":           "cannot unmarshal",
		"duplicate-field.yaml":      `key "maxUnavailable" already set`,
		"unknown-kind.yaml":         "no kind",
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			_, err := decodeFile(path)
			if err == nil {
				t.Fatal("decoded without an error")
			}
			if w, ok := want[filepath.Base(path)]; !ok || !strings.Contains(err.Error(), w) {
				t.Errorf("error %q, want one containing %q", err, w)
			}
		})
	}
}

// manifests are the decoded objects of deploy/kubernetes and
// deploy/examples.
type manifests struct {
	deployment    *appsv1.Deployment
	services      map[string]*corev1.Service
	hpa           *autoscalingv2.HorizontalPodAutoscaler
	pdb           *policyv1.PodDisruptionBudget
	configMap     *corev1.ConfigMap
	secret        *corev1.Secret
	filesDecoded  int
	objectsByFile map[string]int
}

func load(t *testing.T) manifests {
	t.Helper()
	paths, err := filepath.Glob("kubernetes/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	examples, err := filepath.Glob("examples/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := manifests{services: map[string]*corev1.Service{}, objectsByFile: map[string]int{}}
	for _, path := range append(paths, examples...) {
		objs, err := decodeFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m.filesDecoded++
		m.objectsByFile[path] = len(objs)
		for _, obj := range objs {
			switch o := obj.(type) {
			case *appsv1.Deployment:
				m.deployment = o
			case *corev1.Service:
				m.services[o.Name] = o
			case *autoscalingv2.HorizontalPodAutoscaler:
				m.hpa = o
			case *policyv1.PodDisruptionBudget:
				m.pdb = o
			case *corev1.ConfigMap:
				m.configMap = o
			case *corev1.Secret:
				m.secret = o
			default:
				t.Errorf("%s: unexpected %T", path, obj)
			}
		}
	}
	if m.deployment == nil || m.hpa == nil || m.pdb == nil || m.configMap == nil || m.secret == nil || len(m.services) != 2 {
		t.Fatalf("manifests: want a Deployment, two Services, an HPA, a PDB, a ConfigMap and a Secret; got %+v", m)
	}
	return m
}

// TestManifests checks what the manifests promise: probes on the routes
// segview serves, a non-root read-only container without capabilities,
// resources that hold the memory budget, a grace period that covers the
// drain, Services, HPA and PDB that select the pods, and a configuration
// segview accepts.
func TestManifests(t *testing.T) {
	t.Parallel()
	m := load(t)
	d := m.deployment
	pod := d.Spec.Template
	podLabels := labels.Set(pod.Labels)
	if sel := d.Spec.Selector; sel == nil || !labels.SelectorFromSet(sel.MatchLabels).Matches(podLabels) {
		t.Errorf("the Deployment's selector does not select its pods")
	}
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("containers = %d, want 1", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}

	t.Run("probes", func(t *testing.T) {
		for _, p := range []struct {
			name  string
			probe *corev1.Probe
			path  string
		}{
			{"liveness", c.LivenessProbe, "/healthz"},
			{"readiness", c.ReadinessProbe, "/readyz"},
			{"startup", c.StartupProbe, "/healthz"},
		} {
			if p.probe == nil || p.probe.HTTPGet == nil {
				t.Errorf("%s probe: none", p.name)
				continue
			}
			if p.probe.HTTPGet.Path != p.path || ports[p.probe.HTTPGet.Port.String()] == 0 {
				t.Errorf("%s probe: GET %s on port %s, want %s on a named container port", p.name, p.probe.HTTPGet.Path, p.probe.HTTPGet.Port.String(), p.path)
			}
		}
		// A lost identity provider shows on /readyz within 30 s; the
		// probe must then take the pod out within a few seconds more.
		if r := c.ReadinessProbe; r != nil && r.PeriodSeconds*r.FailureThreshold > 15 {
			t.Errorf("readiness probe notices a failure after %d s, want at most 15", r.PeriodSeconds*r.FailureThreshold)
		}
	})

	t.Run("security", func(t *testing.T) {
		psc, sc := pod.Spec.SecurityContext, c.SecurityContext
		if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
			t.Errorf("the pod must run as a non-root user: %+v", psc)
		}
		if psc != nil && (psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault) {
			t.Errorf("the pod's seccomp profile is not RuntimeDefault")
		}
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("the root filesystem must be read-only")
		}
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("privilege escalation must be off")
		}
		if sc == nil || sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" || len(sc.Capabilities.Add) != 0 {
			t.Errorf("capabilities must drop ALL and add none")
		}
		if pod.Spec.AutomountServiceAccountToken == nil || *pod.Spec.AutomountServiceAccountToken {
			t.Errorf("segview needs no Kubernetes API token: automountServiceAccountToken must be false")
		}
	})

	env := map[string]string{}
	for k, v := range m.configMap.Data {
		env[k] = v
	}
	for k, v := range m.secret.StringData {
		env[k] = v
	}
	// The container's own variables: a field reference gets an example
	// value, and $(NAME) is expanded as the kubelet does.
	for _, e := range c.Env {
		v := e.Value
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			v = "10.0.0.7"
		}
		env[e.Name] = kubeletVar.ReplaceAllStringFunc(v, func(ref string) string { return env[ref[2:len(ref)-1]] })
	}

	t.Run("memory budget", func(t *testing.T) {
		bytesOf := func(key string, def int64) int64 {
			if v, ok := env[key]; ok {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					t.Fatalf("%s=%q: %v", key, v, err)
				}
				return n
			}
			return def
		}
		turns := bytesOf("SEGVIEW_RENDER_CONCURRENCY", 0)
		if turns == 0 {
			t.Fatal("SEGVIEW_RENDER_CONCURRENCY must be set: its default is the node's CPUs, not the pod's")
		}
		const perTurn, rest = 128 << 20, 128 << 20
		// Outputs twice: the shared group's and this replica's copies.
		budget := bytesOf("SEGVIEW_IMAGE_CACHE_BYTES", config.DefaultImageCacheBytes) +
			2*bytesOf("SEGVIEW_OUTPUT_CACHE_BYTES", config.DefaultOutputCacheBytes) +
			bytesOf("SEGVIEW_PEER_CACHE_BYTES", config.DefaultPeerCacheBytes) +
			32<<20 + 4<<20 + // finished jobs, job pages' files
			turns*perTurn + rest
		req, lim := c.Resources.Requests.Memory(), c.Resources.Limits.Memory()
		if req.IsZero() || lim.IsZero() {
			t.Fatal("memory request and limit must be set")
		}
		if req.Value() < budget || lim.Value() < req.Value() {
			t.Errorf("memory request %s and limit %s, want request ≥ the budget %d MiB ≤ limit", req, lim, budget>>20)
		}
		gomem, err := resource.ParseQuantity(strings.TrimSuffix(env["GOMEMLIMIT"], "B"))
		if err != nil {
			t.Fatalf("GOMEMLIMIT=%q: %v", env["GOMEMLIMIT"], err)
		}
		if gomem.Value() < budget || gomem.Value() >= lim.Value() {
			t.Errorf("GOMEMLIMIT %s, want between the budget (%d MiB) and the limit %s", &gomem, budget>>20, lim)
		}
		if cpu := c.Resources.Requests.Cpu(); cpu.IsZero() {
			t.Error("a CPU request is needed for the HPA's utilization target")
		}
	})

	t.Run("drain", func(t *testing.T) {
		shutdown, err := time.ParseDuration(env["SEGVIEW_SHUTDOWN_TIMEOUT"])
		if err != nil {
			shutdown = config.DefaultShutdownTimeout
		}
		var preStop time.Duration
		if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
			preStop = time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
		}
		if preStop == 0 {
			t.Error("a preStop sleep lets the endpoints go before the listener closes")
		}
		grace := 30 * time.Second
		if g := pod.Spec.TerminationGracePeriodSeconds; g != nil {
			grace = time.Duration(*g) * time.Second
		}
		if grace <= preStop+shutdown {
			t.Errorf("terminationGracePeriodSeconds %s, want more than preStop %s + SEGVIEW_SHUTDOWN_TIMEOUT %s", grace, preStop, shutdown)
		}
	})

	t.Run("services", func(t *testing.T) {
		for name, s := range m.services {
			if !labels.SelectorFromSet(s.Spec.Selector).Matches(podLabels) || len(s.Spec.Selector) == 0 {
				t.Errorf("Service %s does not select the pods", name)
			}
			for _, p := range s.Spec.Ports {
				if ports[p.TargetPort.String()] == 0 {
					t.Errorf("Service %s: targetPort %s is not a named container port", name, p.TargetPort.String())
				}
			}
		}
		if peers := m.services["segview-peers"]; peers == nil || peers.Spec.ClusterIP != corev1.ClusterIPNone {
			t.Errorf("segview-peers must be headless (clusterIP: None)")
		}
	})

	t.Run("autoscaling and disruptions", func(t *testing.T) {
		ref := m.hpa.Spec.ScaleTargetRef
		if ref.Kind != "Deployment" || ref.Name != d.Name {
			t.Errorf("the HPA scales %s/%s, want Deployment/%s", ref.Kind, ref.Name, d.Name)
		}
		minReplicas := int32(1)
		if m.hpa.Spec.MinReplicas != nil {
			minReplicas = *m.hpa.Spec.MinReplicas
		}
		if minReplicas < 2 || m.hpa.Spec.MaxReplicas < minReplicas {
			t.Errorf("HPA replicas %d..%d, want at least 2", minReplicas, m.hpa.Spec.MaxReplicas)
		}
		sel := m.pdb.Spec.Selector
		if sel == nil || !labels.SelectorFromSet(sel.MatchLabels).Matches(podLabels) {
			t.Errorf("the PodDisruptionBudget does not select the pods")
		}
		if mu := m.pdb.Spec.MaxUnavailable; mu == nil || mu.IntValue() < 1 || int32(mu.IntValue()) >= minReplicas {
			t.Errorf("PDB maxUnavailable %v, want at least 1 and fewer than the HPA's %d replicas", mu, minReplicas)
		}
	})

	t.Run("configuration", func(t *testing.T) {
		for _, from := range c.EnvFrom {
			switch {
			case from.ConfigMapRef != nil && from.ConfigMapRef.Name != m.configMap.Name:
				t.Errorf("envFrom names ConfigMap %s, the manifest is %s", from.ConfigMapRef.Name, m.configMap.Name)
			case from.SecretRef != nil && from.SecretRef.Name != m.secret.Name:
				t.Errorf("envFrom names Secret %s, the example is %s", from.SecretRef.Name, m.secret.Name)
			}
		}
		documented := documentedVariables(t)
		for name := range env {
			if segviewName.MatchString(name) && !documented[name] {
				t.Errorf("%s is not a variable of docs/configuration.md", name)
			}
		}
		for _, name := range []string{"CDF_PROJECT", "CDF_CLUSTER", "IDP_CLIENT_ID", "IDP_TOKEN_URL"} {
			if _, ok := m.configMap.Data[name]; !ok {
				t.Errorf("the ConfigMap lacks the toolkit's %s", name)
			}
		}
		for _, name := range []string{"IDP_CLIENT_SECRET", "SEGVIEW_SESSION_KEY", "SEGVIEW_PEER_SECRET"} {
			if _, ok := m.secret.StringData[name]; !ok {
				t.Errorf("the Secret lacks %s", name)
			}
			if _, ok := m.configMap.Data[name]; ok {
				t.Errorf("%s is a secret: it belongs in the Secret, not the ConfigMap", name)
			}
		}
		// The example's secrets are placeholders; with real-looking values
		// segview accepts the whole configuration.
		env["SEGVIEW_SESSION_KEY"] = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
		cfg, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, nil)
		if err != nil {
			t.Fatalf("segview refuses the ConfigMap and Secret: %v", err)
		}
		if cfg.Demo || cfg.MetricsAddr != fmt.Sprintf(":%d", ports["metrics"]) || cfg.Addr != fmt.Sprintf(":%d", ports["http"]) {
			t.Errorf("config: demo %t, addr %q, metrics %q; want the container ports %v", cfg.Demo, cfg.Addr, cfg.MetricsAddr, ports)
		}
		// The replicas share their work: found through the headless
		// Service, reached on the peers' port, which the public Service
		// does not expose.
		p := cfg.Peers
		if !p.Enabled() || p.Addr != fmt.Sprintf(":%d", ports["peers"]) || p.Self != fmt.Sprintf("http://10.0.0.7:%d", ports["peers"]) {
			t.Errorf("peers: %+v; want enabled on the container port %d, self at the pod's IP", p, ports["peers"])
		}
		if headless := m.services["segview-peers"]; headless == nil || p.DNS != headless.Name {
			t.Errorf("SEGVIEW_PEERS_DNS=%q, want the headless Service segview-peers", p.DNS)
		}
		for name, svc := range m.services {
			exposes := false
			for _, sp := range svc.Spec.Ports {
				exposes = exposes || sp.TargetPort.String() == "peers" || int(sp.TargetPort.IntValue()) == int(ports["peers"])
			}
			if exposes != (svc.Spec.ClusterIP == corev1.ClusterIPNone) {
				t.Errorf("Service %s: exposes the peers' port %t; only the headless Service may", name, exposes)
			}
		}
	})
}

// kubeletVar is a reference to another variable in a container's env.
var kubeletVar = regexp.MustCompile(`\$\([A-Za-z_][A-Za-z0-9_]*\)`)

var segviewName = regexp.MustCompile(`^(SEGVIEW_[A-Z0-9_]+|CDF_[A-Z0-9_]+|IDP_[A-Z0-9_]+|LOGIN_FLOW)$`)

// documentedVariables are the names in the first column of the
// configuration table.
func documentedVariables(t *testing.T) map[string]bool {
	t.Helper()
	doc, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile("`([^`]+)`")
	names := map[string]bool{}
	for line := range strings.Lines(string(doc)) {
		cells := strings.Split(line, "|")
		if !strings.HasPrefix(line, "|") || len(cells) < 3 {
			continue
		}
		for _, m := range code.FindAllStringSubmatch(cells[1], -1) {
			names[m[1]] = true
		}
	}
	return names
}
