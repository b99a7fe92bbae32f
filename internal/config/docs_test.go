package config

import (
	"go/ast"
	goparser "go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/segview/segview/internal/jpegturbo"
)

// configurationDoc is the reference table of every variable.
const configurationDoc = "../../docs/configuration.md"

// readElsewhere are the variables the table documents that other packages
// read from the process environment, outside Load.
var readElsewhere = []string{
	jpegturbo.EnvVar, // SEGVIEW_JPEG: the codec choice, read where the codec is opened
}

// envName is the shape of the variables segview reads: its own, and the
// Cognite Toolkit's.
var envName = regexp.MustCompile(`^(SEGVIEW_[A-Z0-9_]+|CDF_[A-Z0-9_]+|IDP_[A-Z0-9_]+|LOGIN_FLOW)$`)

// TestEveryVariableDocumented keeps docs/configuration.md true to the code:
// every variable Load reads, in any mode, has exactly one row in the table,
// and every variable the table names is one the code reads.
func TestEveryVariableDocumented(t *testing.T) {
	t.Parallel()
	documented := documentedVariables(t)
	read := variablesRead(t)
	for _, name := range readElsewhere {
		read[name] = true
	}

	for _, name := range sortedKeys(read) {
		switch n := documented[name]; {
		case n == 0:
			t.Errorf("%s is read by the code but has no row in %s: add one (variable, default, meaning)", name, configurationDoc)
		case n > 1:
			t.Errorf("%s has %d rows in %s: keep one", name, n, configurationDoc)
		}
	}
	for _, name := range sortedKeys(documented) {
		if !read[name] {
			t.Errorf("%s is in the table of %s but the code does not read it: remove its row or fix its name", name, configurationDoc)
		}
	}
}

// documentedVariables counts the variables named in the first column of
// the configuration table, e.g. "| `IDP_CLIENT_SECRET` / `IDP_CLIENT_SECRET_FILE` |".
func documentedVariables(t *testing.T) map[string]int {
	t.Helper()
	doc, err := os.ReadFile(configurationDoc)
	if err != nil {
		t.Fatalf("reading the configuration reference: %v", err)
	}
	code := regexp.MustCompile("`([^`]+)`")
	names := map[string]int{}
	for line := range strings.Lines(string(doc)) {
		cells := strings.Split(line, "|")
		if !strings.HasPrefix(line, "|") || len(cells) < 3 {
			continue
		}
		for _, m := range code.FindAllStringSubmatch(cells[1], -1) {
			if envName.MatchString(m[1]) {
				names[m[1]]++
			}
		}
	}
	// A table that did not parse would make every variable look missing;
	// say so once instead.
	if len(names) < 10 {
		t.Fatalf("found %d variables in the table of %s; is the table still there?", len(names), configurationDoc)
	}
	return names
}

// variablesRead is every variable Load looks up, in each mode (demo, a
// service principal, a static token, sign-in with the person's or the
// service's identity), together with every variable-shaped string literal
// in the package's source, so that a variable read only in a branch these
// modes miss is found too.
func variablesRead(t *testing.T) map[string]bool {
	t.Helper()
	read := map[string]bool{}
	modes := []map[string]string{
		{},
		{"CDF_PROJECT": "p", "CDF_CLUSTER": "westeurope-1", "IDP_TENANT_ID": "t", "IDP_CLIENT_ID": "c", "IDP_CLIENT_SECRET": "s"},
		{"CDF_PROJECT": "p", "CDF_URL": "https://example.cognitedata.com", "LOGIN_FLOW": FlowToken, "CDF_TOKEN": "x"},
		{"CDF_PROJECT": "p", "CDF_CLUSTER": "westeurope-1", "SEGVIEW_AUTH": "oidc", "SEGVIEW_OIDC_ISSUER": "https://idp.example.com",
			"SEGVIEW_OIDC_CLIENT_ID": "c", "SEGVIEW_SESSION_KEY_FILE": "/key", "SEGVIEW_PUBLIC_URL": "https://segview.example.com"},
		{"CDF_PROJECT": "p", "CDF_CLUSTER": "westeurope-1", "SEGVIEW_AUTH": "oidc", "SEGVIEW_CDF_IDENTITY": "service",
			"SEGVIEW_OIDC_ISSUER": "https://idp.example.com", "SEGVIEW_OIDC_CLIENT_ID": "c", "SEGVIEW_SESSION_KEY_FILE": "/key",
			"IDP_TENANT_ID": "t", "IDP_CLIENT_ID": "c", "IDP_CLIENT_SECRET_FILE": "/secret"},
	}
	for _, env := range modes {
		record := func(key string) (string, bool) {
			read[key] = true
			v, ok := env[key]
			return v, ok
		}
		// Only the names looked up matter here, not whether the mode is valid.
		_, _ = Load(record, noFiles)
	}

	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := goparser.ParseFile(fset, name, nil, goparser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && envName.MatchString(s) {
					read[s] = true
				}
			}
			return true
		})
	}
	return read
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
