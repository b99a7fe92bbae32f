package web

import (
	"path"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// specifier finds every module specifier in a served script, whatever the
// form of the import.
var specifier = regexp.MustCompile(`(?:\bfrom|\bimport)\s*\(?\s*["']([^"']*)["']`)

// hashed is the name of a fingerprinted sibling module.
var hashed = regexp.MustCompile(`^\./[a-z0-9_-]+\.[0-9a-f]{10}\.js$`)

// TestServedModulesImportHashedURLs checks the embedded scripts as served:
// every import names a fingerprinted URL that is served, and every module
// is reached from the entry point.
func TestServedModulesImportHashedURLs(t *testing.T) {
	t.Parallel()
	assets, err := Assets()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Asset{}
	for url, a := range assets {
		if a.URL != url {
			t.Errorf("%s is keyed by %s", a.URL, url)
		}
		byName[a.Name] = a
	}
	main, ok := byName["js/main.js"]
	if !ok {
		t.Fatal("no js/main.js among the assets")
	}
	reached := map[string]bool{}
	var walk func(a Asset)
	walk = func(a Asset) {
		if reached[a.URL] {
			return
		}
		reached[a.URL] = true
		for _, m := range specifier.FindAllStringSubmatch(string(a.Body), -1) {
			spec := m[1]
			if !hashed.MatchString(spec) {
				t.Errorf("%s imports %q, not a fingerprinted sibling", a.Name, spec)
				continue
			}
			dep, ok := assets[path.Join(path.Dir(a.URL), spec)]
			if !ok {
				t.Errorf("%s imports %q, which is not served", a.Name, spec)
				continue
			}
			if dep.ContentType != "text/javascript; charset=utf-8" {
				t.Errorf("%s is served as %q", dep.URL, dep.ContentType)
			}
			walk(dep)
		}
	}
	walk(main)
	for name, a := range byName {
		if strings.HasSuffix(name, ".js") && !reached[a.URL] {
			t.Errorf("%s is not imported from js/main.js", name)
		}
	}
	if len(reached) < 5 {
		t.Errorf("js/main.js reaches %d modules; the import graph was not followed", len(reached))
	}
}

// TestModuleURLFollowsContent changes one module and checks that its URL
// changes, and so do the URLs of the modules importing it, up to the
// entry point; the rest stay.
func TestModuleURLFollowsContent(t *testing.T) {
	t.Parallel()
	files := func(leaf string) fstest.MapFS {
		return fstest.MapFS{
			"app.css":     {Data: []byte("body{}")},
			"js/main.js":  {Data: []byte("import { a } from \"./a.js\";\nimport \"./c.js\";\na();\n")},
			"js/a.js":     {Data: []byte("export { b as a } from \"./b.js\";\n")},
			"js/b.js":     {Data: []byte("export function b() { return " + leaf + "; }\n")},
			"js/c.js":     {Data: []byte("const later = () => import(\"./b.js\");\n")},
			"js/lone.js":  {Data: []byte("export const x = 1;\n")},
			"favicon.svg": {Data: []byte("<svg/>")},
		}
	}
	urls := func(fsys fstest.MapFS) map[string]string {
		t.Helper()
		assets, err := assetsFrom(fsys)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for url, a := range assets {
			out[a.Name] = url
		}
		return out
	}
	before, after := urls(files("1")), urls(files("2"))
	for name, changes := range map[string]bool{
		"js/b.js": true, "js/a.js": true, "js/c.js": true, "js/main.js": true,
		"js/lone.js": false, "app.css": false, "favicon.svg": false,
	} {
		if (before[name] != after[name]) != changes {
			t.Errorf("%s: %s before, %s after; want changed: %v", name, before[name], after[name], changes)
		}
	}
	assets, err := assetsFrom(files("1"))
	if err != nil {
		t.Fatal(err)
	}
	a := assets[before["js/a.js"]]
	want := `export { b as a } from "./` + path.Base(before["js/b.js"]) + `";` + "\n"
	if string(a.Body) != want {
		t.Errorf("js/a.js served as %q, want %q", a.Body, want)
	}
	if c := string(assets[before["js/c.js"]].Body); !strings.Contains(c, `import("./`+path.Base(before["js/b.js"])+`")`) {
		t.Errorf("js/c.js's dynamic import not rewritten: %q", c)
	}
}

func TestAssetsRefuseBadImports(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		main    string
		wantErr string
	}{
		{"missing module", `import "./gone.js";`, `"./gone.js"`},
		{"parent directory", `import "../app.js";`, `"../app.js"`},
		{"bare name", `import { x } from "lib";`, `"lib"`},
		{"absolute path", `import "/static/js/a.js";`, `"/static/js/a.js"`},
		{"cycle", `import "./a.js";`, "cycle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fsys := fstest.MapFS{
				"js/main.js": {Data: []byte(tt.main)},
				"js/a.js":    {Data: []byte(`import "./main.js";`)},
			}
			_, err := assetsFrom(fsys)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want one containing %s", err, tt.wantErr)
			}
		})
	}
}
