package handlers

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/auth"
	"github.com/segview/segview/internal/htmltest"
)

func TestClassifySignInError(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("callback: %w", &auth.Error{Status: http.StatusBadRequest, Message: "This sign-in has expired.",
		Hint: "Open the dashboard again to sign in.", Err: fmt.Errorf("no cookie")})
	p := classify(err)
	if p.Status != http.StatusBadRequest || p.Heading != "Sign-in failed" || p.Message != "This sign-in has expired." ||
		p.Hint != "Open the dashboard again to sign in." || p.Kind != "sign_in" {
		t.Errorf("classify = %+v", p)
	}
}

func TestGuardsOpenWithoutSignIn(t *testing.T) {
	t.Parallel()
	page, image := guards(nil)
	for _, mw := range []echo.MiddlewareFunc{page, image} {
		rec := httptest.NewRecorder()
		c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
		if err := mw(func(c echo.Context) error { return c.String(http.StatusOK, "open") })(c); err != nil || rec.Body.String() != "open" {
			t.Errorf("SEGVIEW_AUTH=none: handler not reached (%v, %q)", err, rec.Body)
		}
	}
}

func TestSignedOutPage(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, auth.SignedOutPath, nil), rec)
	if err := (&SignedOut{Page: Page{Project: "acme"}}).Show(c); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("status %d, Cache-Control %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
	doc := htmltest.Parse(t, rec.Body.Bytes())
	doc.One(t, "signed-out")
	if href := htmltest.Attr(doc.One(t, "sign-in"), "href"); href != auth.LoginPath {
		t.Errorf("sign-in link %q, want %s", href, auth.LoginPath)
	}
	// Nobody is signed in on this page: no name and no sign-out form.
	if n := len(doc.ByTestID("signout")) + len(doc.ByTestID("user")); n != 0 {
		t.Errorf("signed-out page shows %d sign-in elements", n)
	}
}
