package cdf

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/net/http/httpproxy"
)

func TestDownloadPolicyCheck(t *testing.T) {
	t.Parallel()
	public := DownloadPolicy{CDFHost: "westeurope-1.cognitedata.com"}
	local := DownloadPolicy{CDFHost: "127.0.0.1:9900", AllowPrivate: true}
	tests := []struct {
		policy DownloadPolicy
		url    string
		ok     bool
	}{
		{public, "https://storage.googleapis.com/bucket/obj?sig=x", true},
		{public, "https://westeurope-1.cognitedata.com/files/1", true},
		{public, "http://westeurope-1.cognitedata.com/files/1", true},
		{public, "http://storage.googleapis.com/bucket/obj", false},
		{public, "https://127.0.0.1/x", false},
		{public, "https://localhost/x", false},
		{public, "https://[::1]/x", false},
		{public, "https://10.1.2.3/x", false},
		{public, "https://192.168.0.10/x", false},
		{public, "https://169.254.169.254/latest/meta-data", false},
		{public, "https://100.64.0.1/x", false},
		{public, "https://[fd00::1]/x", false},
		{public, "https://[::ffff:10.0.0.1]/x", false},
		{public, "https://user:pass@storage.example/x", false},
		{public, "ftp://storage.example/x", false},
		{local, "http://127.0.0.1:9900/download/abc", true},
		{local, "http://127.0.0.1:4444/storage/abc", true},
		{local, "http://example.com/x", false},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		err = tt.policy.Check(u)
		if (err == nil) != tt.ok {
			t.Errorf("Check(%s) with CDF %s = %v, want ok=%v", tt.url, tt.policy.CDFHost, err, tt.ok)
		}
		var pe *PolicyError
		if err != nil && !errors.As(err, &pe) {
			t.Errorf("Check(%s) error is %T", tt.url, err)
		}
	}
}

func TestDownloadRefusesPrivateLinksWithoutARequest(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	c, err := New("https://x.cognitedata.com", "p", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Download(t.Context(), srv.URL+"/obj?sig=secret-sig")
	var pe *PolicyError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want *PolicyError", err)
	}
	if hits.Load() != 0 {
		t.Errorf("the refused link was requested")
	}
	if got := err.Error(); strings.Contains(got, "secret-sig") || strings.Contains(got, "/obj") {
		t.Errorf("error reveals the URL's path or query: %s", got)
	}
}

func TestDownloadClientRefusesPrivateDialsAndForeignRedirects(t *testing.T) {
	t.Parallel()
	var otherHits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { otherHits.Add(1) }))
	t.Cleanup(other.Close)
	otherURL, _ := url.Parse(other.URL)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Same address, other host name: a different host for the policy.
		http.Redirect(w, r, "http://localhost:"+otherURL.Port()+"/x", http.StatusFound)
	}))
	t.Cleanup(redirector.Close)

	strict := NewDownloadClient(DownloadPolicy{CDFHost: "x.cognitedata.com"})
	if _, err := strict.Get(other.URL); !isPolicy(err) {
		t.Errorf("dial to loopback: err = %v, want a policy refusal", err)
	}
	lenient := NewDownloadClient(DownloadPolicy{CDFHost: "127.0.0.1", AllowPrivate: true})
	if _, err := lenient.Get(redirector.URL); !isPolicy(err) {
		t.Errorf("redirect to another host: err = %v, want a policy refusal", err)
	}
	if otherHits.Load() != 0 {
		t.Errorf("a refused request reached the server")
	}
}

func isPolicy(err error) bool {
	var pe *PolicyError
	return errors.As(err, &pe)
}

// A link the client does not follow is a *PolicyError that names its
// scheme and host, never its path or query (a signature), and no request
// is made for it.
func TestDownloadRefusedLinks(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	tlsSrv := quietTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	plainSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(plainSrv.Close)
	tlsHost := strings.TrimPrefix(tlsSrv.URL, "https://")
	plainHost := strings.TrimPrefix(plainSrv.URL, "http://")
	tests := []struct {
		name     string
		url      string
		wantLink string
		want     string // in the reason
	}{
		{"file", "file:///etc/passwd?sig=s3cret-sig", "file:", `scheme "file" is not allowed`},
		{"file with host", "file://storage.example/etc/passwd", "file://storage.example", `scheme "file" is not allowed`},
		{"gopher", "gopher://storage.example:70/1obj?sig=s3cret-sig", "gopher://storage.example:70", `scheme "gopher" is not allowed`},
		{"ftp", "ftp://storage.example/obj", "ftp://storage.example", `scheme "ftp" is not allowed`},
		{"relative", "/files/obj?sig=s3cret-sig", "", "it is a relative URL"},
		{"scheme-relative", "//storage.example/obj?sig=s3cret-sig", "", "it is a relative URL"},
		{"no host", "https:///obj?sig=s3cret-sig", "https:", "it has no host"},
		{"not a URL", "https://storage.example/%zz?sig=s3cret-sig", "", "it is not a valid URL"},
		{"plain http elsewhere", "http://storage.example/obj?sig=s3cret-sig", "http://storage.example", "not https"},
		{"credentials", "https://user:pw@storage.example/obj", "https://storage.example", "credentials"},
		{"untrusted certificate", tlsSrv.URL + "/obj?sig=s3cret-sig", "https://" + tlsHost, "the TLS handshake failed"},
		{"storage not speaking TLS", "https://" + plainHost + "/obj?sig=s3cret-sig", "https://" + plainHost, "the TLS handshake failed"},
	}
	// CDF on loopback, so that loopback links are allowed and only the
	// rule under test refuses them.
	c, err := New("http://127.0.0.1:1", "p", nil, WithRetry(RetryPolicy{MaxAttempts: 3}))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := c.Download(t.Context(), tt.url)
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want *PolicyError", err, err)
			}
			if pe.Link != tt.wantLink || !strings.Contains(pe.Reason, tt.want) {
				t.Errorf("PolicyError = {Link: %q, Reason: %q}, want link %q and a reason with %q", pe.Link, pe.Reason, tt.wantLink, tt.want)
			}
			if msg := err.Error(); strings.Contains(msg, "s3cret-sig") || strings.Contains(msg, "/obj") || strings.Contains(msg, "passwd") {
				t.Errorf("error reveals the path or query: %s", msg)
			}
		})
	}
	t.Cleanup(func() {
		if n := hits.Load(); n != 0 {
			t.Errorf("%d refused links reached a server", n)
		}
	})
}

// quietTLSServer is httptest.NewTLSServer without the log lines of the
// handshakes the tests make fail.
func quietTLSServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// connectProxy is an egress proxy on loopback that answers CONNECT by
// connecting to origin, wherever the client asked to go, and records the
// targets it was asked for.
type connectProxy struct {
	*httptest.Server
	mu      sync.Mutex
	targets []string
}

func newConnectProxy(t *testing.T, origin string) *connectProxy {
	t.Helper()
	p := &connectProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.targets = append(p.targets, r.Method+" "+r.Host)
		p.mu.Unlock()
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		up, err := net.Dial("tcp", origin)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			up.Close()
			return
		}
		go func() {
			defer up.Close()
			defer conn.Close()
			done := make(chan struct{})
			go func() { _, _ = io.Copy(up, buf); close(done) }()
			_, _ = io.Copy(conn, up)
			<-done
		}()
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *connectProxy) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.targets...)
}

// fakeResolver answers from a table; unknown names do not resolve.
type fakeResolver map[string][]netip.Addr

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// Through an egress proxy the private-address rule applies to the link's
// host, not to the proxy: a proxy on loopback (a private address, as
// 10.0.0.1:3128 would be) is used, and a link whose host is or resolves
// to a private address is refused before the proxy is asked. NO_PROXY is
// honoured: a link it exempts is dialed directly, under the dialer's check.
// No test traffic leaves 127.0.0.0/8: the resolver is a table, and the
// proxy connects every CONNECT to the local storage server.
func TestDownloadThroughAPrivateProxy(t *testing.T) {
	t.Parallel()
	storage := quietTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write([]byte("png bytes"))
	}))
	proxy := newConnectProxy(t, storage.Listener.Addr().String())
	proxyURL, _ := url.Parse(proxy.URL)
	resolver := fakeResolver{
		"storage.example.com":  {netip.MustParseAddr("203.0.113.10")},
		"internal.example.com": {netip.MustParseAddr("10.20.30.40")},
		"mixed.example.com":    {netip.MustParseAddr("203.0.113.11"), netip.MustParseAddr("192.168.1.5")},
		"local.example.com":    {netip.MustParseAddr("127.0.0.1")},
		"metadata.example.com": {netip.MustParseAddr("169.254.169.254")},
		"shared.example.com":   {netip.MustParseAddr("100.64.1.1")},
		"v6.example.com":       {netip.MustParseAddr("fd00::1")},
	}
	envProxy := (&httpproxy.Config{HTTPSProxy: proxy.URL, NoProxy: "direct.example.com,127.0.0.1"}).ProxyFunc()
	policy := DownloadPolicy{
		CDFHost:  "westeurope-1.cognitedata.com",
		Proxy:    func(r *http.Request) (*url.URL, error) { return envProxy(r.URL) },
		Resolver: resolver,
	}
	dl := NewDownloadClient(policy)
	pool := x509.NewCertPool()
	pool.AddCert(storage.Certificate())
	dl.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: pool}
	c, err := New("https://westeurope-1.cognitedata.com", "p", nil, WithDownloadPolicy(policy), WithDownloadClient(dl),
		WithRetry(RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		url     string
		get     bool   // through the download client, past Client.Download's own check
		refused string // the reason; "" means the download succeeds
		proxied bool   // the proxy was asked to connect
	}{
		{name: "public host through the proxy", url: "https://storage.example.com/obj?sig=x", proxied: true},
		{name: "host resolving to 10/8", url: "https://internal.example.com/obj?sig=x", refused: "resolves to a private address"},
		{name: "host with one private address", url: "https://mixed.example.com/obj", refused: "resolves to a private address"},
		{name: "host resolving to loopback", url: "https://local.example.com/obj", refused: "resolves to a private address"},
		{name: "host resolving to link-local", url: "https://metadata.example.com/latest", refused: "resolves to a private address"},
		{name: "host resolving to shared space", url: "https://shared.example.com/obj", refused: "resolves to a private address"},
		{name: "host resolving to a unique local v6", url: "https://v6.example.com/obj", refused: "resolves to a private address"},
		{name: "host that does not resolve", url: "https://nowhere.example.com/obj", refused: "could not be resolved"},
		{name: "literal private address", url: "https://10.1.2.3/obj", refused: "private address"},
		{name: "literal private address past Check", url: "https://10.1.2.3/obj", get: true, refused: "private address"},
		{name: "NO_PROXY: dialed directly and checked", url: "https://127.0.0.1:" + proxyURL.Port() + "/obj", get: true, refused: "private address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(proxy.seen())
			var err error
			if tt.get {
				var resp *http.Response
				if resp, err = dl.Get(tt.url); err == nil {
					resp.Body.Close()
				}
			} else {
				var body []byte
				body, _, err = c.Download(t.Context(), tt.url)
				if err == nil && string(body) != "png bytes" {
					t.Errorf("body = %q", body)
				}
			}
			var pe *PolicyError
			switch {
			case tt.refused == "" && err != nil:
				t.Errorf("err = %v, want a download", err)
			case tt.refused != "" && (!errors.As(err, &pe) || !strings.Contains(pe.Reason, tt.refused)):
				t.Errorf("err = %v, want a *PolicyError saying %q", err, tt.refused)
			}
			seen := proxy.seen()[before:]
			if tt.proxied != (len(seen) > 0) {
				t.Errorf("the proxy was asked %q, want proxied=%v", seen, tt.proxied)
			}
			if tt.proxied && (len(seen) != 1 || seen[0] != "CONNECT storage.example.com:443") {
				t.Errorf("the proxy was asked %q, want one CONNECT storage.example.com:443", seen)
			}
		})
	}
}
