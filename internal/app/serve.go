package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Serve listens on addr and serves until ctx is done, then shuts down
// gracefully. ready, if not nil, receives the address actually bound.
func (a *App) Serve(ctx context.Context, addr string, logger *slog.Logger, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      a.Config.RequestTimeout + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("segview is ready", "url", a.openURL(ln.Addr()), "demo", a.Config.Demo)
	if a.Config.Security.Hosts == nil && !listensOnLoopback(ln.Addr()) {
		logger.Info("segview answers only to localhost and IP addresses (DNS rebinding); set SEGVIEW_ALLOWED_HOSTS or SEGVIEW_PUBLIC_URL to the names people open it by",
			"addr", ln.Addr().String())
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	if serveErr := <-errc; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	return err
}

// openURL is the address a person opens in a browser: SEGVIEW_PUBLIC_URL,
// else the first name segview serves on the listener's port, else
// OpenURL.
func (a *App) openURL(addr net.Addr) string {
	sec := a.Config.Security
	if sec.PublicURL != "" {
		return sec.PublicURL + "/"
	}
	if _, port, err := net.SplitHostPort(addr.String()); err == nil && len(sec.Hosts) > 0 {
		return "http://" + net.JoinHostPort(sec.Hosts[0], port) + "/"
	}
	return OpenURL(addr)
}

// listensOnLoopback reports whether addr is a loopback address only.
func listensOnLoopback(addr net.Addr) bool {
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// OpenURL is the address a person opens in a browser for a listener.
func OpenURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/"
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}
