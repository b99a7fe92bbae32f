package app

import (
	"bytes"
	"context"
	"errors"
	"image/jpeg"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/segview/segview/internal/cdfsim"
)

// TestSIGTERMDrainsRenders sends the process a real SIGTERM, caught as
// cmd/web catches it, while a cold render is held in flight by the
// simulator (its image download waits on Fault.Hold): the listener closes
// at once, so new connections are refused, /readyz would say 503, and the
// render in flight still completes with its image before Serve returns.
// Not parallel: the signal is the process's.
func TestSIGTERMDrainsRenders(t *testing.T) {
	s := newStack(t, nil)
	src := firstOverlay(t, s)
	u, err := url.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	hold := make(chan struct{})
	held := make(chan string)
	s.sim.InjectFault(cdfsim.Fault{Match: "/download/", Hold: hold, Held: held})
	closed := make(chan struct{})
	s.app.listenersClosed = func() { close(closed) }

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- s.app.ServeListeners(ctx, ln, nil, slog.New(slog.NewTextHandler(io.Discard, nil))) }()

	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	type result struct {
		resp *http.Response
		body []byte
		err  error
	}
	rendered := make(chan result, 1)
	go func() {
		resp, err := client.Get(base + u.Path + "?width=640")
		if err != nil {
			rendered <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		rendered <- result{resp: resp, body: b, err: err}
	}()
	<-held // the render is downloading its image

	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-ctx.Done()
	<-closed
	if err := s.app.Ready(); !errors.Is(err, errShuttingDown) {
		t.Errorf("Ready while draining = %v, want errShuttingDown", err)
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Error("a new connection was accepted while draining")
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("a new connection while draining: %v, want connection refused", err)
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned with a render in flight: %v", err)
	case r := <-rendered:
		t.Fatalf("the render ended before its download was released: %+v", r)
	default:
	}

	close(hold)
	r := <-rendered
	if r.err != nil {
		t.Fatalf("the render in flight failed: %v", r.err)
	}
	if r.resp.StatusCode != http.StatusOK {
		t.Fatalf("the render in flight = %d: %s", r.resp.StatusCode, r.body)
	}
	if _, err := jpeg.Decode(bytes.NewReader(r.body)); err != nil {
		t.Errorf("the render in flight is not a JPEG: %v", err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve after draining = %v, want nil", err)
	}
}
