// Package web holds segview's browser assets (web/static) and templates
// (web/templates). The assets are embedded in the binary and served under
// fingerprinted URLs so browsers may cache them for good.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
)

//go:embed static
var staticFS embed.FS

// Asset is one embedded file with its fingerprinted name.
type Asset struct {
	Name        string // its path under static, e.g. app.css or js/main.js
	URL         string // e.g. /static/app.3f2a9c1b.css
	ContentType string
	Body        []byte
}

// Assets returns the embedded static files keyed by their fingerprinted URL.
func Assets() (map[string]Asset, error) {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	return assetsFrom(sub)
}

// importSpec finds the module specifiers of a script's static imports and
// re-exports (import … from "./x.js", import "./x.js", export … from
// "./x.js") and of its dynamic imports (import("./x.js")). segview's
// modules import only their siblings, by a relative path.
var importSpec = regexp.MustCompile(`(\bfrom\s*|\bimport\s*\(?\s*)"([^"]*)"`)

// assetsFrom fingerprints every file of fsys. A script's URL holds a hash
// of its content with its imports rewritten to their own fingerprinted
// names, so a changed module changes the URLs of the modules that import
// it, up to the page's entry point: every URL can be cached for good.
func assetsFrom(fsys fs.FS) (map[string]Asset, error) {
	src := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		src[p] = b
		return err
	})
	if err != nil {
		return nil, err
	}
	urls := map[string]string{} // name → fingerprinted URL
	out := map[string]Asset{}
	var add func(name string, chain []string) error
	add = func(name string, chain []string) error {
		if _, done := urls[name]; done {
			return nil
		}
		if slices.Contains(chain, name) {
			return fmt.Errorf("web: modules import each other in a cycle: %s", strings.Join(append(chain, name), " → "))
		}
		body := src[name]
		if path.Ext(name) == ".js" {
			var rewriteErr error
			body = importSpec.ReplaceAllFunc(body, func(m []byte) []byte {
				sub := importSpec.FindSubmatch(m)
				spec := string(sub[2])
				dep, ok := sibling(name, spec)
				if _, exists := src[dep]; !ok || !exists {
					if rewriteErr == nil {
						rewriteErr = fmt.Errorf("web: %s imports %q, which is not a module next to it (write \"./name.js\")", name, spec)
					}
					return m
				}
				if err := add(dep, append(chain, name)); err != nil {
					if rewriteErr == nil {
						rewriteErr = err
					}
					return m
				}
				return []byte(string(sub[1]) + `"./` + path.Base(urls[dep]) + `"`)
			})
			if rewriteErr != nil {
				return rewriteErr
			}
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		url := "/static/" + strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		urls[name] = url
		out[url] = Asset{Name: name, URL: url, ContentType: contentType(ext), Body: body}
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(src)) {
		if err := add(name, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// sibling resolves a module specifier of the script name: only "./x.js",
// a script in the same directory, is one.
func sibling(name, spec string) (string, bool) {
	base, ok := strings.CutPrefix(spec, "./")
	if !ok || base == "" || strings.ContainsAny(base, `/\?#`) || path.Ext(base) != ".js" {
		return "", false
	}
	return path.Join(path.Dir(name), base), true
}

func contentType(ext string) string {
	switch ext {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	return "application/octet-stream"
}
