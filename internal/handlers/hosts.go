package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/segview/segview/internal/hosts"
)

// healthPath answers health probes on any host: Kubernetes' probes name
// the pod's IP address, and the answer says nothing but "ok".
const healthPath = "/healthz"

// hostError is a request for a host name segview does not serve.
type hostError struct {
	host string
}

func (e *hostError) Error() string { return "host not served: " + clip(e.host) }

// hostGuard refuses every request whose Host header the policy does not
// serve, before any other work: a page on an attacker's name that resolves
// to segview (DNS rebinding) would otherwise be segview's own origin to the
// browser, free to read pages and post verdicts. Probes and the metrics
// scrape are exempt.
func hostGuard(p hosts.Policy) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if probePaths[r.URL.Path] || p.Allows(r.Host) {
				return next(c)
			}
			return &hostError{host: r.Host}
		}
	}
}
