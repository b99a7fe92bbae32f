package peers

import (
	"context"
	"net"
	"net/url"
	"slices"
	"time"
)

// Resolver looks a name up; *net.Resolver's LookupHost is one.
type Resolver func(ctx context.Context, name string) ([]string, error)

// Watch keeps p's peers to the addresses name resolves to (a Kubernetes
// headless service lists its ready pods), each reached at self's scheme
// and port. It resolves at once and then at each value of ticks, until ctx
// is done. A failed lookup keeps the peers as they were; report, when not
// nil, is told each lookup's peers or error.
func (p *Pool) Watch(ctx context.Context, name string, resolve Resolver, ticks <-chan time.Time, report func([]string, error)) {
	self, _ := url.Parse(p.self)
	port := self.Port()
	if port == "" {
		port = "80"
		if self.Scheme == "https" {
			port = "443"
		}
	}
	last := []string(nil)
	for {
		addrs, err := resolve(ctx, name)
		var peers []string
		if err == nil {
			for _, a := range addrs {
				peers = append(peers, (&url.URL{Scheme: self.Scheme, Host: net.JoinHostPort(a, port)}).String())
			}
			slices.Sort(peers)
			if !slices.Equal(peers, last) {
				p.Set(peers)
				last = peers
			}
		}
		if report != nil {
			report(p.Peers(), err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticks:
		}
	}
}
