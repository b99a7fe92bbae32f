package handlers

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/htmltest"
	"github.com/segview/segview/web"
	"github.com/segview/segview/web/templates"
)

// TestPageLoadsModules checks that pages load the script as an ES module
// by its fingerprinted URL, with the request's nonce, preload the modules
// it imports, and that each is served for good.
func TestPageLoadsModules(t *testing.T) {
	t.Parallel()
	assets, err := web.Assets()
	if err != nil {
		t.Fatal(err)
	}
	page := assetURLs(assets)
	if !strings.HasPrefix(page.JS, "/static/js/main.") || len(page.Modules) < 5 || slices.Contains(page.Modules, page.JS) {
		t.Fatalf("entry %q, modules %v", page.JS, page.Modules)
	}
	b := page.Base("Start")
	b.Nonce = "n0nce"
	var buf bytes.Buffer
	if err := templates.Home(templates.HomePage{Base: b}).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	doc := htmltest.Parse(t, buf.Bytes())
	scripts := doc.ByTag("script")
	if len(scripts) != 1 || htmltest.Attr(scripts[0], "type") != "module" || htmltest.Attr(scripts[0], "src") != page.JS ||
		htmltest.Attr(scripts[0], "nonce") != "n0nce" {
		t.Errorf("scripts: %d, the first of type %q, src %q, nonce %q", len(scripts), htmltest.Attr(scripts[0], "type"),
			htmltest.Attr(scripts[0], "src"), htmltest.Attr(scripts[0], "nonce"))
	}
	var preloaded []string
	for _, l := range doc.ByTag("link") {
		if htmltest.Attr(l, "rel") == "modulepreload" {
			preloaded = append(preloaded, htmltest.Attr(l, "href"))
		}
	}
	if !slices.Equal(preloaded, page.Modules) {
		t.Errorf("preloaded %v, want %v", preloaded, page.Modules)
	}

	h := &Static{Assets: assets}
	serve := func(path string) (*httptest.ResponseRecorder, error) {
		rec := httptest.NewRecorder()
		return rec, h.Serve(echo.New().NewContext(httptest.NewRequest(http.MethodGet, path, nil), rec))
	}
	for _, url := range append([]string{page.JS}, page.Modules...) {
		rec, err := serve(url)
		if err != nil || rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/javascript; charset=utf-8" ||
			rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("%s: %v, status %d, %q, %q", url, err, rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"))
		}
	}
	for _, url := range []string{"/static/js/main.js", "/static/app.js", "/static/js/"} {
		if _, err := serve(url); !errors.Is(err, echo.ErrNotFound) {
			t.Errorf("%s: %v, want not found", url, err)
		}
	}
}
