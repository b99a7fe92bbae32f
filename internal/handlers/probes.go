package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/metrics"
)

// Probe and scrape paths: Kubernetes and Prometheus name the pod's IP
// address, so the host guard lets them through on any host, and they
// need no sign-in. None says more than whether segview can serve, or
// counts of what it served.
const (
	readyPath   = "/readyz"
	metricsPath = "/metrics"
)

// probePaths are answered on any host (see hostGuard).
var probePaths = map[string]bool{healthPath: true, readyPath: true, metricsPath: true}

// Readiness handles GET /readyz: 200 when segview can serve, 503 when it
// cannot (no CDF token obtainable, as last checked in the background).
type Readiness struct {
	// Ready reports the last background check; nil means always ready.
	Ready func() error
}

// Show handles GET /readyz. The reason is a short sanitized message: the
// token failure's status and OAuth2 error code, never a secret.
func (h *Readiness) Show(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	if h.Ready != nil {
		if err := h.Ready(); err != nil {
			msg := []rune(err.Error())
			if len(msg) > 300 {
				msg = append(msg[:300], '…')
			}
			return c.String(http.StatusServiceUnavailable, "not ready: "+string(msg)+"\n")
		}
	}
	return c.String(http.StatusOK, "ok\n")
}

// observeRequests records every answered request in m by method, route
// pattern (never the raw path, whose ids would make a series each) and
// status. It runs outermost, so an error is answered by the error handler
// first and its status is the one recorded.
func observeRequests(m *metrics.Metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err) // answers once: the error handler skips a committed response
			}
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			m.Request(c.Request().Method, route, c.Response().Status, time.Since(start))
			return err
		}
	}
}
