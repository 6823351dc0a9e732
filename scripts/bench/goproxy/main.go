// The Go peer of scripts/bench/proxy.sh: net/http/httputil.ReverseProxy, the engine the
// upstream KEDA HTTP Add-on interceptor is built on, standard library only.
// Its Transport keeps up to 1024 idle upstream connections (DefaultTransport keeps 2 per host),
// as in shared/spec/dependencies.md 3.1.
//
// Usage: goproxy -listen 127.0.0.1:28082 -target http://127.0.0.1:28080
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:28082", "address to listen on")
	target := flag.String("target", "http://127.0.0.1:28080", "backend URL")
	flag.Parse()

	u, err := url.Parse(*target)
	if err != nil {
		log.Fatalf("bad -target: %v", err)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns = 1024
	transport.MaxIdleConnsPerHost = 1024
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.Transport = transport
	log.Fatal(http.ListenAndServe(*listen, proxy))
}
