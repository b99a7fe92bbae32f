// Package pycheck runs Python scripts in tests, to read segview's exports
// back with third-party readers installed from Debian outside the
// repository (python3-shapely, python3-pil, python3-numpy; .ci/run
// installs them). A test that needs a module skips without it, saying
// how to install it; with CI=true it fails instead, as the SDK check does.
package pycheck

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// python is the interpreter to use: SEGVIEW_PYTHON, else Debian's
// /usr/bin/python3 (where apt installs the modules), else python3 on PATH.
func python() (string, bool) {
	if p := os.Getenv("SEGVIEW_PYTHON"); p != "" {
		return p, true
	}
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3", true
	}
	p, err := exec.LookPath("python3")
	return p, err == nil
}

// Run runs script with the interpreter, with modules required, stdin as
// its standard input and args as sys.argv[1:], and returns its standard
// output. A missing interpreter or module skips the test (fails it with
// CI=true); a script that fails fails the test with its output.
func Run(t testing.TB, modules []string, script string, stdin []byte, args ...string) []byte {
	t.Helper()
	py, ok := python()
	if !ok {
		missing(t, "no python3 found")
	}
	if len(modules) > 0 {
		imp := "import " + strings.Join(modules, ", ")
		if out, err := exec.Command(py, "-c", imp).CombinedOutput(); err != nil {
			missing(t, py+": "+imp+" fails: "+strings.TrimSpace(string(out)))
		}
	}
	cmd := exec.Command(py, append([]string{"-c", script}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("python check failed: %v\n%s%s", err, stderr.String(), stdout.String())
	}
	return stdout.Bytes()
}

func missing(t testing.TB, msg string) {
	t.Helper()
	msg += " (apt-get install python3-shapely python3-pil python3-numpy, or set SEGVIEW_PYTHON)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: the third-party reader checks are required)")
	}
	t.Skip(msg)
}
