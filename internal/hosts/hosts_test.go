package hosts

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // "" when refused
	}{
		{"segview.example.com", "segview.example.com"},
		{"SegView.Example.COM", "segview.example.com"},
		{"segview.example.com:8443", "segview.example.com"},
		{"segview.example.com.", "segview.example.com"},
		{"segview.example.com.:80", "segview.example.com"},
		{"segview.example.com:", "segview.example.com"},
		{"localhost:8080", "localhost"},
		{"my_host.internal", "my_host.internal"},
		{"127.0.0.1", "127.0.0.1"},
		{"127.0.0.1:8080", "127.0.0.1"},
		{"[::1]", "::1"},
		{"[::1]:8080", "::1"},
		{"[0:0:0:0:0:0:0:1]:8080", "::1"},
		{"[2001:DB8::A]", "2001:db8::a"},
		{"[::ffff:127.0.0.1]:80", "::ffff:127.0.0.1"},

		{"", ""},
		{":8080", ""},
		{"::1", ""},                 // IPv6 without brackets
		{"[::1", ""},                // unclosed
		{"[::1]x", ""},              // junk after the bracket
		{"[::1]:http", ""},          // port not numeric
		{"[127.0.0.1]", ""},         // IPv4 in brackets
		{"[fe80::1%25eth0]", ""},    // zone
		{"example.com:http", ""},    // port not numeric
		{"example.com:123456", ""},  // port too long
		{"example.com:80:80", ""},   // two ports
		{"*.example.com", ""},       // wildcard
		{"exa mple.com", ""},        // space
		{"example..com", ""},        // empty label
		{"-example.com", ""},        // leading dash
		{"https://example.com", ""}, // a URL
		{"user@example.com", ""},    // userinfo
		{"example.com/path", ""},    // path
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, ok := Name(tt.in)
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("Name(%q) = %q, %t; want %q, %t", tt.in, got, ok, tt.want, tt.want != "")
			}
		})
	}
}

func TestPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		names   []string
		allowed []string
		refused []string
	}{
		{
			name:    "default: localhost and IP addresses, any port",
			allowed: []string{"localhost", "localhost:8080", "LOCALHOST.", "127.0.0.1:8080", "10.1.2.3", "[::1]:8080", "[2001:db8::1]", "192.168.1.5:80"},
			refused: []string{"", "evil.example", "evil.example:8080", "127.0.0.1.nip.io", "localhost.evil.example", "app.localhost", "0x7f000001", "::1", "[::1"},
		},
		{
			name:    "configured names only, any port, any case",
			names:   []string{"segview.example.com", "Review.Example.com:8443"},
			allowed: []string{"segview.example.com", "segview.example.com:8080", "SEGVIEW.example.com.", "review.example.com"},
			refused: []string{"localhost", "127.0.0.1", "[::1]", "evil.example", "sub.segview.example.com", "example.com", ""},
		},
		{
			name:    "configured IP addresses",
			names:   []string{"10.0.0.7", "[::1]:8080", "localhost"},
			allowed: []string{"10.0.0.7:8080", "[::1]", "[0::1]:9", "localhost:1"},
			refused: []string{"10.0.0.8", "127.0.0.1", "segview.example.com"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := NewPolicy(tt.names...)
			if err != nil {
				t.Fatal(err)
			}
			if p.IsDefault() != (len(tt.names) == 0) {
				t.Errorf("IsDefault = %t", p.IsDefault())
			}
			for _, h := range tt.allowed {
				if !p.Allows(h) {
					t.Errorf("Host %q refused", h)
				}
			}
			for _, h := range tt.refused {
				if p.Allows(h) {
					t.Errorf("Host %q allowed", h)
				}
			}
		})
	}
}

func TestNewPolicy(t *testing.T) {
	t.Parallel()
	p, err := NewPolicy("B.example.com", "a.example.com:80", "b.example.com.", "::1", "[0::1]:8080")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"::1", "a.example.com", "b.example.com"}, p.Names()); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if !p.Allows("[::1]:80") {
		t.Error("[::1]:80 refused, want ::1 served")
	}
	if got := p.String(); got != "::1,a.example.com,b.example.com" {
		t.Errorf("String() = %q", got)
	}
	if got := (Policy{}).String(); got != "localhost and IP addresses" {
		t.Errorf("default String() = %q", got)
	}
	for _, bad := range []string{"*.example.com", "https://example.com", ""} {
		if _, err := NewPolicy(bad); err == nil {
			t.Errorf("NewPolicy(%q) accepted", bad)
		}
	}
}
