#!/usr/bin/env bash
# Routing and request/response rewriting through a real proxy to a real nginx:
# 404 for no route, Host preserved, X-Forwarded-*, Forwarded dropped, hop-by-hop
# headers removed both ways, absolute-form URIs routed by their host, HEAD,
# keep-alive reuse on both sides, the cold-start header on warm requests, and the
# admin/metrics endpoints (/queue JSON exactly as upstream, /readyz, /livez, /metrics).
source "$(dirname "$0")/lib.sh" "$@"
need curl

read -r B1 < <(free_ports 1)
BIG=$(head -c 3000 /dev/zero | tr '\0' c)
export B1 BIG
start_nginx <<'EOF'
server {
  listen 127.0.0.1:@B1@;
  location / {
    add_header X-Backend app always;
    add_header Keep-Alive "timeout=99" always;
    add_header Proxy-Authenticate "Basic realm=x" always;
    return 200 "uri=$request_uri|host=$http_host|xff=$http_x_forwarded_for|xfh=$http_x_forwarded_host|xfp=$http_x_forwarded_proto|xfport=$http_x_forwarded_port|fwd=$http_forwarded|via=$http_via|conn=$http_connection|ka=$http_keep_alive|pa=$http_proxy_authorization|te=$http_te|foo=$http_x_foo|bar=$http_x_bar|ua=$http_user_agent|upgrade=$http_upgrade|creq=$connection_requests\n";
  }
  location = /bighead {
    add_header X-Big1 "@BIG@"; add_header X-Big2 "@BIG@"; add_header X-Big3 "@BIG@"; add_header X-Big4 "@BIG@";
    return 200 "big head\n";
  }
  location = /body {
    echo_read_request_body;
    echo "got[$request_body]";
  }
}
EOF
wait_listening "$B1"

{ service app; endpoints app "$B1"; route app app.test app; route other other.test missing; } | put apps.yaml
start_kedahttp --log-requests true

# --- no route --------------------------------------------------------------------
curl -sS -D "$WORK/h" -o "$WORK/b" -H "Host: nowhere.test" "$PROXY/x"
expect_match "no route: 404" '^HTTP/1.1 404 Not Found' "$(cat "$WORK/h")"
expect_eq "no route: body is 'Not Found\\n'" "$(printf 'Not Found\nEND')" "$(cat "$WORK/b"; echo END)"
expect_match "no route: text/plain; charset=utf-8" '^Content-Type: text/plain; charset=utf-8' "$(tr -d '\r' <"$WORK/h")"
expect_match "no route: nosniff" '^X-Content-Type-Options: nosniff' "$(tr -d '\r' <"$WORK/h")"
expect_no_match "no route: no cold-start header" '^X-Keda-Http-Cold-Start' "$(cat "$WORK/h")"
expect_eq "host match is case-sensitive (as upstream)" 404 \
  "$(curl -sS -o /dev/null -w '%{http_code}' -H 'Host: APP.test' "$PROXY/")"

# --- a forwarded request -----------------------------------------------------------
body=$(curl -sS -D "$WORK/h" "$PROXY/path/x?q=1" -H "Host: app.test:8080" \
  -H "X-Forwarded-For: 10.0.0.1" -H "X-Forwarded-For: 10.0.0.2" -H "X-Forwarded-Port: 443" \
  -H "Forwarded: for=10.9.9.9;proto=https" \
  -H "Connection: keep-alive, X-Foo" -H "X-Foo: secret" -H "X-Bar: kept" -H "Keep-Alive: timeout=5" \
  -H "Proxy-Authorization: Basic Zm9vOmJhcg==" -H "TE: trailers" -H "User-Agent:")
headers=$(tr -d '\r' <"$WORK/h")
expect_match "forwarded: 200" '^HTTP/1.1 200' "$headers"
expect_match "path and query unchanged" '^uri=/path/x\?q=1\|' "$body"
expect_match "Host preserved, port included" '\|host=app.test:8080\|' "$body"
expect_match "X-Forwarded-For: incoming lines joined, client appended" '\|xff=10.0.0.1, 10.0.0.2, 127.0.0.1\|' "$body"
expect_match "X-Forwarded-Host defaults to Host" '\|xfh=app.test:8080\|' "$body"
expect_match "X-Forwarded-Proto defaults to http" '\|xfp=http\|' "$body"
expect_match "X-Forwarded-Port passes through" '\|xfport=443\|' "$body"
expect_match "Forwarded dropped, no Via" '\|fwd=\|via=\|' "$body"
expect_match "Connection, Keep-Alive, Proxy-Authorization removed" '\|conn=\|ka=\|pa=\|' "$body"
expect_match "TE: trailers survives" '\|te=trailers\|' "$body"
expect_match "headers named in Connection removed, others kept" '\|foo=\|bar=kept\|' "$body"
expect_match "no User-Agent added" '\|ua=\|' "$body"
expect_match "response header passes" '^X-Backend: app' "$headers"
expect_no_match "response Keep-Alive removed" '^Keep-Alive:' "$headers"
expect_no_match "response Proxy-Authenticate removed" '^Proxy-Authenticate:' "$headers"
expect_match "X-Keda-Http-Cold-Start: false when warm" '^X-Keda-Http-Cold-Start: false$' "$headers"
expect_no_match "no Server-Timing when warm" '^Server-Timing:' "$headers"

body=$(curl -sS "$PROXY/" -H "Host: app.test" -H "X-Forwarded-Host: edge.test" -H "X-Forwarded-Proto: https" \
  -H "TE: gzip" -H "User-Agent: it/1")
expect_match "incoming X-Forwarded-Host/-Proto kept" '\|xfh=edge.test\|xfp=https\|' "$body"
expect_match "TE other than trailers removed" '\|te=\|' "$body"
expect_match "User-Agent forwarded" '\|ua=it/1\|' "$body"
expect_match "no X-Forwarded-For from the client: just the peer" '\|xff=127.0.0.1\|' "$body"

# --- absolute-form request targets route by their host ------------------------------
body=$(curl -sS -D "$WORK/h" --request-target "http://app.test/abs?q=2" -H "Host: nowhere.test" "$PROXY/")
expect_match "absolute-form: routed by the URI's host" '^HTTP/1.1 200' "$(cat "$WORK/h")"
expect_match "absolute-form: backend sees origin-form and the URI's host" '^uri=/abs\?q=2\|host=app.test\|' "$body"
expect_eq "absolute-form with an unknown host: 404 even with a known Host header" 404 \
  "$(curl -sS -o /dev/null -w '%{http_code}' --request-target "http://nowhere.test/" -H "Host: app.test" "$PROXY/")"

# --- HEAD, request bodies --------------------------------------------------------------
get_length=$(curl -sS -o /dev/null -w '%{size_download}' -H "Host: app.test" "$PROXY/head")
head_out=$(curl -sS -I -H "Host: app.test" "$PROXY/head" | tr -d '\r')
expect_match "HEAD: 200" '^HTTP/1.1 200' "$head_out"
expect_match "HEAD: Content-Length of the GET" "^Content-Length: $get_length\$" "$head_out"
expect_eq "POST body forwarded (Content-Length)" "got[hello=world]" \
  "$(curl -sS -H "Host: app.test" --data-binary 'hello=world' "$PROXY/body")"

# --- a response head larger than 8 KiB (Beast's default limit; Go takes up to 10 MiB) ---------------
out=$(curl -sS -D "$WORK/h" -H "Host: app.test" "$PROXY/bighead")
expect_eq "12 KiB response head: forwarded" "big head" "$out"
expect_match "12 KiB response head: its headers intact" "^X-Big4: $BIG" "$(tr -d '\r' <"$WORK/h")"

# --- keep-alive: one client connection, pooled upstream connections -----------------------
out=$(curl -sS -w 'connects=%{num_connects}\n' -H "Host: app.test" "$PROXY/k1" "$PROXY/k2" "$PROXY/k3")
expect_eq "three requests on one client connection" "1 0 0" \
  "$(grep -o 'connects=[0-9]*' <<<"$out" | cut -d= -f2 | paste -sd' ')"
expect_match "the upstream connection is reused" '\|creq=([2-9]|[1-9][0-9]+)$' "$out"

# --- pipelining: two requests in one write, two responses in order -----------------------------
out=$(printf 'GET /p1 HTTP/1.1\r\nHost: app.test\r\n\r\nGET /p2 HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n' \
  | raw "127.0.0.1:$PORT")
expect_eq "pipelined requests answered in order" "/p1 /p2" \
  "$(grep -o '^uri=[^|]*' <<<"$out" | cut -d= -f2 | paste -sd' ')"
expect_match "Connection: close from the client: echoed" '^Connection: close$' "$out"
expect_eq "Connection: close from the client: the connection is closed" "[closed]" "$(tail -n 1 <<<"$out")"

# --- route to a Service without endpoints, and a request counted there -----------------------
expect_eq "/queue before: other has no requests" 0 "$(queue_field default/other RequestCount)"

# --- admin ------------------------------------------------------------------------------
app_requests=$(wc -l <"$WORK/nginx-access.log")
expected=$(printf '{"default/app":{"Concurrency":0,"RequestCount":%d},"default/other":{"Concurrency":0,"RequestCount":0}}\n' \
  "$app_requests")
expect_eq "/queue: upstream's JSON, keys sorted, newline-terminated" "$expected" \
  "$(curl -sS "$ADMIN_URL/queue"; echo)"
expect_match "/queue: application/json" '^Content-Type: application/json' \
  "$(curl -sS -D - -o /dev/null "$ADMIN_URL/queue" | tr -d '\r')"
for method in POST PUT DELETE; do
  expect_eq "/queue answers $method too (upstream accepts any method)" 200 \
    "$(curl -sS -o /dev/null -w '%{http_code}' -X "$method" "$ADMIN_URL/queue")"
done
expect_eq "/readyz: 200 OK" "200 OK" "$(curl -sS -w '%{http_code}' -o "$WORK/b" "$ADMIN_URL/readyz") $(cat "$WORK/b")"
expect_eq "/livez: 200, empty" "200 0" "$(curl -sS -o /dev/null -w '%{http_code} %{size_download}' "$ADMIN_URL/livez")"
expect_eq "admin: other paths 404 as Go's mux" "404 page not found" "$(curl -sS "$ADMIN_URL/nothing")"

# --- metrics ----------------------------------------------------------------------------
metrics=$(curl -sS "$METRICS_URL/metrics")
expect_match "count: 404 with empty route labels" \
  '^interceptor_request_count_total\{code="404",method="GET",route_name="",route_namespace=""\} [0-9]+$' "$metrics"
expect_match "count: 200 GET of default/app" \
  '^interceptor_request_count_total\{code="200",method="GET",route_name="app",route_namespace="default"\} [0-9]+$' "$metrics"
expect_match "count: HEAD and POST" 'method="HEAD",route_name="app".*|method="POST",route_name="app"' "$metrics"
expect_match "duration histogram with upstream's buckets" \
  '^interceptor_request_duration_seconds_bucket\{code="200",method="GET",route_name="app",route_namespace="default",le="0.005"\} ' "$metrics"
expect_match "duration +Inf bucket" '^interceptor_request_duration_seconds_bucket\{.*le="\+Inf"\} ' "$metrics"
expect_match "duration sum and count" '^interceptor_request_duration_seconds_count\{code="200",method="GET",route_name="app"' "$metrics"
expect_match "concurrency gauge per route" \
  '^interceptor_request_concurrency\{route_name="app",route_namespace="default"\} 0$' "$metrics"
for name in kedahttp_hold_rejections_total kedahttp_held_requests kedahttp_client_closed_requests_total; do
  expect_match "$name exported" "^$name 0\$" "$metrics"
done
expect_match "TYPE lines" '^# TYPE interceptor_request_duration_seconds histogram$' "$metrics"

# --- access log (--log-requests): Apache combined format, body bytes, path without query -----
log=$(cat "$WORK/kedahttp.log")
expect_match "access log: a 404 with its body size" \
  '127\.0\.0\.1:[0-9]+ - - \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} \+0000\] "GET /x HTTP/1\.1" 404 10 "" "curl/[0-9.]+"$' "$log"
expect_match "access log: path without the query, no User-Agent" \
  ' - - \[[^]]+\] "GET /path/x HTTP/1\.1" 200 [0-9]+ "" ""$' "$log"
