// Command rrproxy is the load balancer of bench/load.sh's replica runs: a
// reverse proxy that sends each request to the next backend in turn, with
// no affinity, as a Kubernetes Service may.
//
//	rrproxy -addr 127.0.0.1:9000 -backends http://127.0.0.1:9001,http://127.0.0.1:9002
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	backends := flag.String("backends", "", "comma-separated backend base URLs")
	flag.Parse()
	var targets []*url.URL
	for _, b := range strings.Split(*backends, ",") {
		u, err := url.Parse(strings.TrimSpace(b))
		if err != nil || u.Host == "" {
			log.Fatalf("rrproxy: backend %q: not a URL", b)
		}
		targets = append(targets, u)
	}
	var next atomic.Uint64
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(targets[(next.Add(1)-1)%uint64(len(targets))])
		},
		Transport: &http.Transport{MaxIdleConnsPerHost: 256},
	}
	log.Fatal(http.ListenAndServe(*addr, proxy))
}
