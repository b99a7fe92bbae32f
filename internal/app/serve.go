package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/segview/segview/internal/config"
)

// Serve listens on addr (and on SEGVIEW_METRICS_ADDR for /metrics, when
// set) and serves until ctx is done, then shuts down gracefully (see
// ServeListeners). ready, if not nil, receives the address actually bound.
func (a *App) Serve(ctx context.Context, addr string, logger *slog.Logger, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	var metricsLn net.Listener
	if a.Config.MetricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", a.Config.MetricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("listening on %s (SEGVIEW_METRICS_ADDR): %w", a.Config.MetricsAddr, err)
		}
	}
	var peerLn net.Listener
	if a.Peers != nil {
		if peerLn, err = net.Listen("tcp", a.Config.Peers.Addr); err != nil {
			ln.Close()
			if metricsLn != nil {
				metricsLn.Close()
			}
			return fmt.Errorf("listening on %s (SEGVIEW_PEER_ADDR): %w", a.Config.Peers.Addr, err)
		}
	}
	if ready != nil {
		ready(ln.Addr())
	}
	return a.serve(ctx, ln, metricsLn, peerLn, logger)
}

// ServeListeners serves the dashboard on ln and, when metricsLn is not
// nil, /metrics alone on metricsLn, until ctx is done. It then drains:
// /readyz answers 503, the listeners close (new connections are refused),
// and the requests in flight (renders, exports) get up to
// SEGVIEW_SHUTDOWN_TIMEOUT to finish before their connections are closed.
func (a *App) ServeListeners(ctx context.Context, ln, metricsLn net.Listener, logger *slog.Logger) error {
	return a.serve(ctx, ln, metricsLn, nil, logger)
}

// serve is ServeListeners with, when peerLn is not nil, the peers' requests
// (package peers) answered on peerLn alone.
func (a *App) serve(ctx context.Context, ln, metricsLn, peerLn net.Listener, logger *slog.Logger) error {
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      a.Config.RequestTimeout + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	if a.listenersClosed != nil {
		// Shutdown closes the listeners before it runs these.
		srv.RegisterOnShutdown(a.listenersClosed)
	}
	servers := []*http.Server{srv}
	listeners := []net.Listener{ln}
	url := a.openURL(ln.Addr())
	attrs := []any{"url", url, "demo", a.Config.Demo}
	if metricsLn != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", a.Metrics.Handler())
		servers = append(servers, &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 10 * time.Second,
			WriteTimeout:      time.Minute,
			ErrorLog:          srv.ErrorLog,
		})
		listeners = append(listeners, metricsLn)
		attrs = append(attrs, "metrics", "http://"+metricsLn.Addr().String()+"/metrics")
	}
	if peerLn != nil && a.Peers != nil {
		servers = append(servers, &http.Server{
			Handler:           a.Peers,
			ReadHeaderTimeout: 10 * time.Second,
			WriteTimeout:      a.Config.RequestTimeout + 30*time.Second,
			IdleTimeout:       2 * time.Minute,
			MaxHeaderBytes:    1 << 20, // an output's key names its view
			ErrorLog:          srv.ErrorLog,
		})
		listeners = append(listeners, peerLn)
		attrs = append(attrs, "peers", a.Peers.Self(), "peer_listener", peerLn.Addr().String())
	}
	logger.Info("segview is ready at "+url, attrs...)
	if a.Config.Security.Hosts == nil && !listensOnLoopback(ln.Addr()) {
		logger.Info("segview answers only to localhost and IP addresses (DNS rebinding); set SEGVIEW_ALLOWED_HOSTS or SEGVIEW_PUBLIC_URL to the names people open it by",
			"addr", ln.Addr().String())
	}
	errc := make(chan error, len(servers))
	for i, s := range servers {
		go func() { errc <- s.Serve(listeners[i]) }()
	}
	select {
	case err := <-errc:
		for _, s := range servers {
			s.Close()
		}
		return err
	case <-ctx.Done():
	}
	if a.ready != nil {
		a.ready.stop()
	}
	timeout := cmp.Or(a.Config.ShutdownTimeout, config.DefaultShutdownTimeout)
	logger.Info("shutting down: waiting for the requests in flight", "timeout", timeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var errs []error
	for _, s := range servers {
		if err := s.Shutdown(shutdownCtx); err != nil {
			errs = append(errs, err, s.Close())
		}
	}
	for range servers {
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
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
