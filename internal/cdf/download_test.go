package cdf

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
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
	if got := err.Error(); strings.Contains(got, "secret-sig") || strings.Contains(got, srv.URL) {
		t.Errorf("error reveals the URL: %s", got)
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
