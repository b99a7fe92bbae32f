// Package web holds segview's browser assets (web/static) and templates
// (web/templates). The assets are embedded in the binary and served under
// fingerprinted URLs so browsers may cache them for good.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// Asset is one embedded file with its fingerprinted name.
type Asset struct {
	Name        string // e.g. app.css
	URL         string // e.g. /static/app.3f2a9c1b.css
	ContentType string
	Body        []byte
}

// Assets returns the embedded static files keyed by their fingerprinted URL.
func Assets() (map[string]Asset, error) {
	out := map[string]Asset{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := path.Base(p)
		ext := path.Ext(name)
		url := "/static/" + strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		out[url] = Asset{Name: name, URL: url, ContentType: contentType(ext), Body: b}
		return nil
	})
	return out, err
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
