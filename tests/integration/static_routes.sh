#!/usr/bin/env bash
# Static routes (spec/interceptor.md 3.2, 3.7) served by a real proxy: inline and
# ConfigMap bodies (explicit and path-derived keys, Content-Type by extension or
# sniffed), configured headers and status, Always vs WhenUnavailable (static while
# the target is down, forwarded once it is up), a missing ConfigMap key (500), and
# static traffic is never counted nor held (it must not scale the app up).
source "$(dirname "$0")/lib.sh" "$@"
need curl

read -r B1 < <(free_ports 1)
export B1
start_nginx <<'EOF'
server {
  listen 127.0.0.1:@B1@;
  location / { return 200 "backend $request_uri\n"; }
}
EOF
wait_listening "$B1"

service site | put service.yaml
put routes.yaml <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: pages
  namespace: default
  labels:
    http.keda.sh/response-body: "true"
data:
  down.html: "<h1>Down</h1>"
  index.html: "<h1>Loading</h1>"
  styles.css: "body { color: red }"
---
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata:
  name: site
  namespace: default
spec:
  target:
    service: site
    port: 8080
  rules:
    - hosts: [site.test, static.site.test]
  scalingMetric:
    concurrency:
      targetValue: 10
  staticRoutes:
    - rules:
        - paths: [{value: /healthz}]
      responseMode: Always
      response:
        body: ok-static
        headers:
          X-Static: "1"
    - rules:
        - headers: [{name: X-Debug, value: "1"}]
      responseMode: Always
      response:
        statusCode: 202
        body: debug
    - rules:
        - paths: [{value: /maintenance}]
      response:
        statusCode: 503
        bodyFromConfigMap:
          name: pages
          key: down.html
    - rules:
        - paths: [{value: /broken}]
      response:
        bodyFromConfigMap:
          name: pages
          key: missing.html
    - rules:
        - hosts: [static.site.test]
      response:
        bodyFromConfigMap:
          name: pages
EOF
start_kedahttp

# get HOST PATH [CURL ARGS...]: "<code>|<content-type>|<body>", headers in $WORK/h.
get() {
  local host=$1 path=$2
  shift 2
  curl -sS --max-time 10 -D "$WORK/h" -o "$WORK/b" -w '%{http_code}|%{content_type}|' -H "Host: $host" "$@" "$PROXY$path"
  cat "$WORK/b"
}

expect_eq "Always: inline body, default 200, sniffed text/plain" \
  "200|text/plain; charset=utf-8|ok-static" "$(get site.test /healthz)"
expect_match "Always: configured header" '^X-Static: 1' "$(tr -d '\r' <"$WORK/h")"
expect_no_match "static: no cold-start header" '^X-Keda-Http-Cold-Start' "$(cat "$WORK/h")"
expect_eq "header rule: configured status" "202|text/plain; charset=utf-8|debug" "$(get site.test /any -H 'X-Debug: 1')"
expect_eq "WhenUnavailable, target down: ConfigMap key, .html type" \
  "503|text/html; charset=utf-8|<h1>Down</h1>" "$(get site.test /maintenance/x)"
expect_eq "explicit ConfigMap key missing: 500" "500|text/plain; charset=utf-8|Internal Server Error" \
  "$(get site.test /broken)"
expect_eq "path-derived key: / is index.html" "200|text/html; charset=utf-8|<h1>Loading</h1>" "$(get static.site.test /)"
expect_eq "path-derived key: /styles.css, .css type" "200|text/css; charset=utf-8|body { color: red }" \
  "$(get static.site.test /styles.css)"
expect_eq "path-derived key missing: empty body, no Content-Type" "200||" "$(get static.site.test /missing.js)"
expect_eq "HTTP/2: Always, the same answer" "200|text/plain; charset=utf-8|ok-static" \
  "$(get site.test /healthz --http2-prior-knowledge)"
expect_match "HTTP/2: configured header" '^x-static: 1' "$(tr -d '\r' <"$WORK/h")"
expect_eq "HTTP/2: ConfigMap body with its type" "503|text/html; charset=utf-8|<h1>Down</h1>" \
  "$(get site.test /maintenance/x --http2-prior-knowledge)"
expect_eq "static answers are not counted" 0 "$(queue_field default/site RequestCount)"

# Not static: counted and held for a cold start (here: until its client gives up).
expect_eq "other paths are held (target down): the client gives up" 28 \
  "$(curl -s -o /dev/null --max-time 1 -H 'Host: site.test' "$PROXY/app" || echo $?)"
expect_eq "that request was counted" 1 "$(queue_field default/site RequestCount)"

# The target comes up: WhenUnavailable forwards, Always stays static.
generation=$(routes_generation)
endpoints site "$B1" | put slice.yaml
wait_reload "$generation"
expect_eq "WhenUnavailable, target up: forwarded" "200|text/plain|backend /maintenance/x" "$(get site.test /maintenance/x)"
expect_no_match "static forward: no cold-start header" '^X-Keda-Http-Cold-Start' "$(cat "$WORK/h")"
expect_eq "Always, target up: still static" "200|text/plain; charset=utf-8|ok-static" "$(get site.test /healthz)"
expect_eq "forwarded static traffic is not counted either" 1 "$(queue_field default/site RequestCount)"
expect_no_match "the backend never saw /healthz" 'healthz' "$(cat "$WORK/nginx-access.log")"
