package app

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/segview/segview/internal/config"
)

// The address the start-up log tells people to open is one segview serves.
func TestOpenURL(t *testing.T) {
	t.Parallel()
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	anywhere := &net.TCPAddr{IP: net.IPv6unspecified, Port: 8080}
	tests := []struct {
		name     string
		sec      config.Security
		addr     net.Addr
		want     string
		loopback bool
	}{
		{"loopback, no names", config.Security{}, local, "http://127.0.0.1:8080/", true},
		{"every address, no names", config.Security{}, anywhere, "http://localhost:8080/", false},
		{"public URL", config.Security{PublicURL: "https://segview.example.com", Hosts: []string{"segview.example.com"}}, anywhere,
			"https://segview.example.com/", false},
		{"allowed hosts", config.Security{Hosts: []string{"segview.internal"}}, anywhere, "http://segview.internal:8080/", false},
		{"allowed IPv6", config.Security{Hosts: []string{"::1"}}, local, "http://[::1]:8080/", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := &App{Config: config.Config{Security: tt.sec}}
			if got := a.openURL(tt.addr); got != tt.want {
				t.Errorf("openURL = %q, want %q", got, tt.want)
			}
			if got := listensOnLoopback(tt.addr); got != tt.loopback {
				t.Errorf("listensOnLoopback = %t, want %t", got, tt.loopback)
			}
		})
	}
}

// TestReadyLine: the start-up line names the address to open as it is,
// readable and clickable in a terminal's text log.
func TestReadyLine(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // serve, then shut down at once
	if err := s.app.ServeListeners(ctx, ln, nil, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
		t.Fatal(err)
	}
	want := "segview is ready at http://" + ln.Addr().String() + "/"
	if !strings.Contains(logs.String(), want) {
		t.Errorf("log %q lacks %q", logs.String(), want)
	}
}
