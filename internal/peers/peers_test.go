package peers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/golang/groupcache"
)

// cluster starts n Pools on real listeners, each with a group "values"
// whose getter counts its calls by key.
type cluster struct {
	pools  []*Pool
	groups []*groupcache.Group
	mu     sync.Mutex
	loads  map[string][]int // key → the replicas that computed it
}

func newCluster(t *testing.T, n int) *cluster {
	t.Helper()
	c := &cluster{loads: map[string][]int{}}
	var urls []string
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		urls = append(urls, "http://"+ln.Addr().String())
	}
	for i := range n {
		p, err := New(Options{Self: urls[i], Secret: []byte("shared")})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Set(urls); err != nil {
			t.Fatal(err)
		}
		g := p.NewGroup("values", 1<<20, groupcache.GetterFunc(func(_ context.Context, key string, dest groupcache.Sink) error {
			c.mu.Lock()
			c.loads[key] = append(c.loads[key], i)
			c.mu.Unlock()
			return dest.SetString("value of " + key)
		}))
		srv := &httptest.Server{Listener: lns[i], Config: &http.Server{Handler: p}}
		srv.Start()
		t.Cleanup(srv.Close)
		c.pools, c.groups = append(c.pools, p), append(c.groups, g)
	}
	return c
}

func TestPoolComputesEachKeyOnceOnItsOwner(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3)
	keys := []string{"a", "b/c", "d e", "f%2F", "g?h", "i"}
	for round := range 3 {
		for i, g := range c.groups {
			for _, k := range keys {
				var got string
				if err := g.Get(context.Background(), k, groupcache.StringSink(&got)); err != nil {
					t.Fatalf("replica %d, round %d, %q: %v", i, round, k, err)
				}
				if got != "value of "+k {
					t.Errorf("replica %d: %q = %q", i, k, got)
				}
			}
		}
	}
	for _, k := range keys {
		owner := slices.Index(c.pools[0].Peers(), c.pools[0].Owner(k))
		want := []int{slices.IndexFunc(c.pools, func(p *Pool) bool { return p.Self() == c.pools[0].Peers()[owner] })}
		if got := c.loads[k]; !slices.Equal(got, want) {
			t.Errorf("%q computed on replicas %v, want once on its owner %v", k, got, want)
		}
	}
	for i, p := range c.pools {
		if st, _ := p.GroupStats("values"); st.PeerErrors != 0 {
			t.Errorf("replica %d: %d peer errors", i, st.PeerErrors)
		}
	}
}

func TestPoolRefusesUnsignedRequests(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 1)
	srv := httptest.NewServer(c.pools[0])
	defer srv.Close()
	tests := []struct {
		name, path, sig string
		want            int
	}{
		{"no signature", BasePath + "values/a", "", http.StatusForbidden},
		{"wrong secret", BasePath + "values/a", (&Pool{secret: []byte("other")}).sign("values", "a"), http.StatusForbidden},
		{"signature of another key", BasePath + "values/a", c.pools[0].sign("values", "b"), http.StatusForbidden},
		{"signed", BasePath + "values/a", c.pools[0].sign("values", "a"), http.StatusOK},
		{"unknown group", BasePath + "other/a", c.pools[0].sign("other", "a"), http.StatusNotFound},
		{"outside the base path", "/metrics", "", http.StatusNotFound},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
		if tt.sig != "" {
			req.Header.Set(signatureHeader, tt.sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
	}
	if n := len(c.loads["a"]); n != 1 {
		t.Errorf("the value was computed %d times, want once (the signed request)", n)
	}
}

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	for _, o := range []Options{
		{Self: "http://10.0.0.1:8081"},
		{Self: "10.0.0.1:8081", Secret: []byte("s")},
		{Self: "http://u:p@10.0.0.1:8081", Secret: []byte("s")},
		{Self: "ftp://10.0.0.1", Secret: []byte("s")},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) = nil error", o)
		}
	}
}

func TestWatchFollowsDNS(t *testing.T) {
	t.Parallel()
	p, err := New(Options{Self: "http://10.0.0.1:8081", Secret: []byte("s")})
	if err != nil {
		t.Fatal(err)
	}
	answers := []struct {
		addrs []string
		err   error
		want  []string
	}{
		{[]string{"10.0.0.2", "10.0.0.1"}, nil, []string{"http://10.0.0.1:8081", "http://10.0.0.2:8081"}},
		// A failed lookup keeps the peers.
		{nil, errors.New("no such host"), []string{"http://10.0.0.1:8081", "http://10.0.0.2:8081"}},
		// Self is always a peer, even before DNS lists it.
		{[]string{"10.0.0.3", "fd00::4"}, nil, []string{"http://10.0.0.1:8081", "http://10.0.0.3:8081", "http://[fd00::4]:8081"}},
	}
	var step int
	resolve := func(_ context.Context, name string) ([]string, error) {
		if name != "segview-peers" {
			return nil, fmt.Errorf("asked for %q", name)
		}
		a := answers[step]
		return a.addrs, a.err
	}
	ticks := make(chan time.Time)
	reports := make(chan []string)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Watch(ctx, "segview-peers", resolve, ticks, func(peers []string, _ error) { reports <- peers })
	}()
	for i, a := range answers {
		got := <-reports
		if !slices.Equal(got, a.want) {
			t.Errorf("lookup %d: peers %v, want %v", i, got, a.want)
		}
		if i < len(answers)-1 {
			step++
			ticks <- time.Time{}
		}
	}
	cancel()
	<-done
}
