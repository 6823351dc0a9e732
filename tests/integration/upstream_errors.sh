#!/usr/bin/env bash
# What the proxy answers when the backend misbehaves (spec/interceptor.md 3.6, 3.8):
# a ready endpoint nobody listens on (dials retried until the request deadline: 504),
# a backend that closes without answering (502), one slower than the response-header
# timeout (504), over HTTP/1.1 and HTTP/2; and the pool copes with backends closing
# connections: one that closes after every response, one whose idle pooled connection timed out.
source "$(dirname "$0")/lib.sh" "$@"
need curl

read -r B1 B2 B3 DEAD < <(free_ports 4)
export B1 B2 B3
start_nginx <<'EOF'
server {
  listen 127.0.0.1:@B1@;
  location / { return 200 "app $request_uri\n"; }
  location = /hangup { return 444; }
  location = /slow-head { echo_sleep 3; echo "late"; }
}
server {
  listen 127.0.0.1:@B2@;
  keepalive_timeout 0;
  location / { return 200 "closer $request_uri\n"; }
}
server {
  listen 127.0.0.1:@B3@;
  keepalive_timeout 1s;
  location / { return 200 "idle $request_uri c=$connection\n"; }
}
EOF
wait_listening "$B1" "$B2" "$B3"
{
  service app; endpoints app "$B1"; route app app.test app '  timeouts:
    responseHeader: 1s'
  service dead; endpoints dead "$DEAD"; route dead dead.test dead '  timeouts:
    request: 1s'
  service closer; endpoints closer "$B2"; route closer closer.test closer
  service idle; endpoints idle "$B3"; route idle idle.test idle
} | put routes.yaml
start_kedahttp

# get HOST PATH: "<code> <body>"
get() { curl -sS --max-time 30 -o "$WORK/b" -w '%{http_code} ' -H "Host: $1" "$PROXY$2"; cat "$WORK/b"; }

expect_eq "nothing listens on the endpoint: dials retried until the request deadline, 504" \
  "504 Gateway Timeout" "$(get dead.test /)"
expect_eq "backend closes without a response: 502" "502 Bad Gateway" "$(get app.test /hangup)"
expect_eq "backend slower than the response-header timeout: 504" "504 Gateway Timeout" "$(get app.test /slow-head)"
expect_eq "the route still works afterwards" "200 app /after" "$(get app.test /after)"

# The same over HTTP/2: errors are streams answered with upstream's status and body.
get2() { curl -sS --http2-prior-knowledge --max-time 30 -o "$WORK/b" -w '%{http_code} ' -H "Host: $1" "$PROXY$2"; cat "$WORK/b"; }
expect_eq "HTTP/2: nothing listens: 504" "504 Gateway Timeout" "$(get2 dead.test /)"
expect_eq "HTTP/2: backend closes without a response: 502" "502 Bad Gateway" "$(get2 app.test /hangup)"
expect_eq "HTTP/2: backend slower than the response-header timeout: 504" "504 Gateway Timeout" "$(get2 app.test /slow-head)"
expect_eq "HTTP/2: the route still works afterwards" "200 app /after2" "$(get2 app.test /after2)"

out=$(curl -sS -w '|%{num_connects}\n' -H "Host: closer.test" "$PROXY/1" "$PROXY/2" "$PROXY/3")
expect_eq "backend closing after each response: every request answered, client kept alive" \
  "closer /1 |1 closer /2 |0 closer /3 |0" "$(paste -sd' ' <<<"$out")"

first=$(get idle.test /first)
expect_match "idle backend: first request" '^200 idle /first' "$first"
sleep 2 # the backend closes the pooled connection meanwhile
second=$(get idle.test /second)
expect_match "a pooled connection the backend closed: retried on a new one" '^200 idle /second' "$second"
[ "${first##*c=}" != "${second##*c=}" ] || fail "the second request reused a connection the backend had closed"
ok "the retry used a new backend connection"

first=$(get2 idle.test /first2)
expect_match "HTTP/2: idle backend: first request" '^200 idle /first2' "$first"
sleep 2
second=$(get2 idle.test /second2)
expect_match "HTTP/2: a pooled connection the backend closed: retried on a new one" '^200 idle /second2' "$second"
[ "${first##*c=}" != "${second##*c=}" ] || fail "HTTP/2: the second request reused a connection the backend had closed"
ok "HTTP/2: the retry used a new backend connection"

metrics=$(curl -sS "$METRICS_URL/metrics")
expect_match "metrics: the 502s recorded (HTTP/1.1 and HTTP/2)" '^interceptor_request_count_total\{code="502",method="GET",route_name="app",route_namespace="default"\} 2$' "$metrics"
expect_match "metrics: the 504s recorded (HTTP/1.1 and HTTP/2)" '^interceptor_request_count_total\{code="504",method="GET",route_name="dead",route_namespace="default"\} 2$' "$metrics"
