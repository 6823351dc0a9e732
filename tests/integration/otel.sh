#!/usr/bin/env bash
# OpenTelemetry: tracing (spec/interceptor.md 3.14, upstream e2e O2) and the OTLP metrics
# push (6, upstream e2e O1). Tracing: with OTEL_EXPORTER_OTLP_TRACES_ENABLED
# the incoming traceparent's trace id is kept, the backend gets a new span id (the client
# span's), and the collector receives a server span "keda-http-interceptor" and a client
# span with http.response.status_code, service and cold-start, from service.name
# keda-http-interceptor. Real parts: nginx reports the traceparent it got; a Python OTLP/HTTP
# receiver decodes the protobuf it is sent; clients are curl and nghttp (HTTP/2).
source "$(dirname "$0")/lib.sh" "$@"
need curl
need nghttp

read -r WEB COLLECTOR < <(free_ports 2)
export WEB
start_nginx <<'CONF'
server {
  listen 127.0.0.1:@WEB@;
  location / { return 200 "traceparent=$http_traceparent|baggage=$http_baggage\n"; }
}
CONF
"$PYTHON" "$ROOT/tests/integration/python/otlp_receiver.py" "$COLLECTOR" "$WORK/spans.jsonl" &
PIDS+=("$!")
wait_listening "$WEB" "$COLLECTOR"
{ service app; endpoints app "$WEB"; route app app.test app; } | put routes.yaml

export OTEL_EXPORTER_OTLP_TRACES_ENABLED=true OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/protobuf
export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$COLLECTOR OTEL_BSP_SCHEDULE_DELAY=100
export OTEL_EXPORTER_OTLP_HEADERS="X-Test-Header=from-env"
start_kedahttp

TRACE=0af7651916cd43dd8448eb211c80319c
PARENT=b7ad6b7169203331
body=$(curl -sS "$PROXY/traced" -H "Host: app.test" -H "traceparent: 00-$TRACE-$PARENT-01" -H "baggage: k=v")
expect_match "backend: the trace id is kept, the span id is new" "^traceparent=00-$TRACE-[0-9a-f]{16}-01\|" "$body"
sent_span=$(sed -E 's/^traceparent=00-[0-9a-f]{32}-([0-9a-f]{16})-01.*/\1/' <<<"$body")
[ "$sent_span" != "$PARENT" ] || fail "the backend got the client's own span id"
expect_match "baggage passes through" '\|baggage=k=v$' "$body"

spans_of() { grep "\"trace_id\": \"$1\"" "$WORK/spans.jsonl" 2>/dev/null || true; }
two_spans() { [ "$(spans_of "$TRACE" | wc -l)" -ge 2 ]; }
wait_for "2 spans at the collector" 10 two_spans
server=$(spans_of "$TRACE" | grep '"kind": "server"')
client=$(spans_of "$TRACE" | grep '"kind": "client"')
field() { "$PYTHON" -c 'import json, sys; d = json.loads(sys.argv[1]); import builtins; print(eval(sys.argv[2], {"d": d, "b": builtins}, d))' "$1" "$2"; }
expect_eq "server span name" "keda-http-interceptor" "$(field "$server" 'name')"
expect_eq "server span's parent is the caller's span" "$PARENT" "$(field "$server" 'parent_span_id')"
expect_eq "service.name" "keda-http-interceptor" "$(field "$server" 'service')"
expect_eq "server span status code" "200" "$(field "$server" 'attributes["http.response.status_code"]')"
expect_eq "server span path" "/traced" "$(field "$server" 'attributes["url.path"]')"
expect_eq "client span is the server span's child" "$(field "$server" 'span_id')" "$(field "$client" 'parent_span_id')"
expect_eq "client span's id is what the backend got" "$sent_span" "$(field "$client" 'span_id')"
expect_eq "client span: http.response.status_code=200 (e2e O2)" "200" \
  "$(field "$client" 'attributes["http.response.status_code"]')"
expect_eq "client span: service attribute" "keda-http-interceptor-proxy-upstream" "$(field "$client" 'attributes["service"]')"
expect_eq "client span: cold-start attribute" "false" "$(field "$client" 'attributes["cold-start"]')"
expect_eq "exporter sends OTEL_EXPORTER_OTLP_HEADERS" "from-env" "$(field "$client" 'd["x-test-header"]')"

# No traceparent: a new trace, sent to the backend too.
body=$(curl -sS "$PROXY/fresh" -H "Host: app.test")
expect_match "a new trace for a request without one" '^traceparent=00-[0-9a-f]{32}-[0-9a-f]{16}-01\|' "$body"
NEW=$(sed -E 's/^traceparent=00-([0-9a-f]{32}).*/\1/' <<<"$body")
new_spans() { [ "$(spans_of "$NEW" | wc -l)" -ge 2 ]; }
wait_for "spans of the new trace" 10 new_spans
expect_eq "root server span: no parent" "" "$(field "$(spans_of "$NEW" | grep '"kind": "server"')" 'parent_span_id')"

# A 404 is traced too (server span only), with status ERROR only from 500 up.
curl -sS -o /dev/null "$PROXY/" -H "Host: nowhere.test" -H "traceparent: 00-11111111111111111111111111111111-2222222222222222-01"
lonely() { [ "$(spans_of 11111111111111111111111111111111 | wc -l)" -ge 1 ]; }
wait_for "the 404's span" 10 lonely
span404=$(spans_of 11111111111111111111111111111111)
expect_eq "404: one span, the server's" "server" "$(field "$span404" 'kind')"
expect_eq "404: status code attribute" "404" "$(field "$span404" 'attributes["http.response.status_code"]')"

# An unsampled parent: propagated with flags 00, nothing exported (parentbased_always_on).
body=$(curl -sS "$PROXY/quiet" -H "Host: app.test" -H "traceparent: 00-33333333333333333333333333333333-4444444444444444-00")
expect_match "unsampled: flags 00 sent on" '^traceparent=00-33333333333333333333333333333333-[0-9a-f]{16}-00\|' "$body"

# HTTP/2 requests are traced the same way.
out=$(nghttp -H ':authority: app.test' -H "traceparent: 00-55555555555555555555555555555555-6666666666666666-01" "$PROXY/h2")
expect_match "HTTP/2: trace id kept" '^traceparent=00-55555555555555555555555555555555-[0-9a-f]{16}-01\|' "$out"
h2_spans() { [ "$(spans_of 55555555555555555555555555555555 | wc -l)" -ge 2 ]; }
wait_for "the HTTP/2 request's spans" 10 h2_spans
expect_eq "HTTP/2 server span protocol" "2" \
  "$(field "$(spans_of 55555555555555555555555555555555 | grep '"kind": "server"')" 'attributes["network.protocol.version"]')"
sleep 0.5
expect_eq "nothing exported for the unsampled trace" "" "$(spans_of 33333333333333333333333333333333)"

# Console exporter: JSON lines on stdout.
kill -TERM "$KPID"
wait "$KPID" 2>/dev/null || true
OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=console start_kedahttp
curl -sS -o /dev/null "$PROXY/console" -H "Host: app.test"
console_span() { grep -q '"Name":"keda-http-interceptor"' "$WORK/kedahttp.log"; }
wait_for "a span on stdout" 10 console_span
expect_match "console exporter prints the server span" '"SpanKind":"Server".*"url.path":"/console"' "$(cat "$WORK/kedahttp.log")"

# Tracing off: the client's traceparent goes through untouched.
kill -TERM "$KPID"
wait "$KPID" 2>/dev/null || true
OTEL_EXPORTER_OTLP_TRACES_ENABLED=false start_kedahttp
body=$(curl -sS "$PROXY/off" -H "Host: app.test" -H "traceparent: 00-$TRACE-$PARENT-01")
expect_match "tracing off: traceparent unchanged" "^traceparent=00-$TRACE-$PARENT-01\|" "$body"

# The OTLP metrics push (e2e O1): the three instruments reach the collector.
kill -TERM "$KPID"
wait "$KPID" 2>/dev/null || true
OTEL_EXPORTER_OTLP_METRICS_ENABLED=true OTEL_METRIC_EXPORT_INTERVAL=200 start_kedahttp
curl -sS -o /dev/null "$PROXY/m1" -H "Host: app.test"
curl -sS -o /dev/null "$PROXY/m2" -H "Host: app.test"
POINTS=$WORK/spans.jsonl.metrics
point() { grep "\"metric\": \"$1\"" "$POINTS" 2>/dev/null | grep "\"route_name\": \"app\"" | tail -1; }
two_counted() { [ "$(field "$(point interceptor.request.count)" 'value')" = 2 ]; }
wait_for "a push with both requests counted" 10 two_counted
count=$(point interceptor.request.count)
expect_eq "count: attributes as upstream" "{'code': 200, 'method': 'GET', 'route_name': 'app', 'route_namespace': 'default'}" \
  "$(field "$count" 'dict(sorted(attributes.items()))')"
expect_eq "count: a monotonic cumulative sum" "True cumulative" "$(field "$count" 'f"{monotonic} {temporality}"')"
expect_eq "resource and scope" "keda-http-interceptor keda-interceptor-proxy" "$(field "$count" 'f"{service} {scope}"')"
duration=$(point interceptor.request.duration)
expect_eq "duration: a histogram in seconds with both requests" "histogram s 2" "$(field "$duration" 'f"{kind} {unit} {count}"')"
expect_eq "duration: upstream's buckets" "[0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0]" \
  "$(field "$duration" 'bounds')"
expect_eq "duration: 15 bucket counts adding up to the count" "15 2" \
  "$(field "$duration" 'f"{len(bucket_counts)} {b.sum(bucket_counts)}"')"
concurrency=$(point interceptor.request.concurrency)
expect_eq "concurrency: an up-down sum, 0 now" "False 0" "$(field "$concurrency" 'f"{monotonic} {value}"')"

# Bad settings stop the start with the reason.
kill -TERM "$KPID"
wait "$KPID" 2>/dev/null || true
out=$(OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=zipkin "$KEDAHTTP" serve --bind 127.0.0.1 --port "$PORT" \
  --admin-port "$ADMIN" --metrics-port "$METRICS" --manifests "$MANIFESTS" 2>&1) && fail "started with protocol zipkin"
expect_match "unknown protocol is refused" 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=zipkin: must be console, http/protobuf or grpc' "$out"
