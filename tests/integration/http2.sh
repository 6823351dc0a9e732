#!/usr/bin/env bash
# HTTP/2 (spec/interceptor.md 3.6, 3.9; upstream e2e D7 and T2): h2c with prior knowledge
# on the plain listener, h2 by ALPN on the TLS one; backends get HTTP/1.1 unless their
# Service port says `appProtocol: kubernetes.io/h2c`, then HTTP/2 (h2c, or h2 when the
# request came in over TLS). Real clients: curl, nghttp and h2load (Debian's nghttp2),
# and gRPC through @grpc/grpc-js; real backends: nginx, Node's http2, a grpc-js server.
source "$(dirname "$0")/lib.sh" "$@"
need curl
need nghttp
need h2load
need node
need openssl
export NODE_PATH=$ROOT/build/test-tools/node_modules
[ -d "$NODE_PATH/@grpc/grpc-js" ] || fail "npm package @grpc/grpc-js missing in $NODE_PATH: run scripts/install-test-tools.sh"
NODE_DIR=$ROOT/tests/integration/node

# Certificates: the proxy's own (also trusted as a root for backends, as upstream's pool)
# and the backends' (SANs: the names the proxy dials, service.namespace).
CERTS=$WORK/certs
mkdir -p "$CERTS"
(
  cd "$CERTS"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=test CA" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout proxy.key -out proxy.csr -subj "/CN=proxy" 2>/dev/null
  printf 'subjectAltName=DNS:*.example.test,DNS:grpc-tls.default,DNS:h2-tls.default\n' >proxy.ext
  openssl x509 -req -in proxy.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile proxy.ext \
    -out proxy.crt 2>/dev/null
) || fail "openssl"

read -r WEB H2C GRPC GRPC_TLS H2_TLS TLS_PORT < <(free_ports 6)
export WEB
start_nginx <<'CONF'
server {
  listen 127.0.0.1:@WEB@;
  location / { return 200 "uri=$request_uri|host=$http_host|xff=$http_x_forwarded_for|xfp=$http_x_forwarded_proto|proto=$server_protocol\n"; }
  location = /body { echo_read_request_body; echo "got[$request_body]"; }
}
CONF
node "$NODE_DIR/h2-echo-server.js" "$H2C" >"$WORK/node-h2c.log" 2>&1 &
H2C_PID=$!
PIDS+=("$H2C_PID")
node "$NODE_DIR/h2-echo-server.js" "$H2_TLS" "$CERTS/proxy.crt" "$CERTS/proxy.key" >"$WORK/node-h2tls.log" 2>&1 &
PIDS+=("$!")
node "$NODE_DIR/grpc-echo.js" serve "$GRPC" >"$WORK/node-grpc.log" 2>&1 &
PIDS+=("$!")
node "$NODE_DIR/grpc-echo.js" serve "$GRPC_TLS" "$CERTS/proxy.crt" "$CERTS/proxy.key" >"$WORK/node-grpctls.log" 2>&1 &
PIDS+=("$!")
wait_listening "$WEB" "$H2C" "$GRPC" "$GRPC_TLS" "$H2_TLS"

# manifests COLD_READY
manifests() {
  service web; endpoints web "$WEB"; route web web.example.test web
  service h2 kubernetes.io/h2c; endpoints h2 "$H2C"; route h2 h2.example.test h2
  service grpc kubernetes.io/h2c; endpoints grpc "$GRPC"; route grpc grpc.example.test grpc
  service grpc-tls kubernetes.io/h2c; endpoints grpc-tls "$GRPC_TLS"; route grpc-tls grpc-tls.example.test grpc-tls
  service h2-tls kubernetes.io/h2c; endpoints h2-tls "$H2_TLS"; route h2-tls h2-tls.example.test h2-tls
  service cold; endpoints cold "$WEB" "$1"; route cold cold.example.test cold
  service never; endpoints never "$WEB" false
  route never never.example.test never "  timeouts:
    readiness: 300ms"
}
manifests false | put routes.yaml
start_kedahttp --log-requests true --tls true --tls-port "$TLS_PORT" --tls-cert "$CERTS/proxy.crt" \
  --tls-key "$CERTS/proxy.key"
wait_listening "$TLS_PORT"

# --- h2c with prior knowledge -> HTTP/1.1 backend ---------------------------------------
curl -sS --http2-prior-knowledge -D "$WORK/h" -o "$WORK/b" "$PROXY/x?y=1" -H "Host: web.example.test"
headers=$(tr -d '\r' <"$WORK/h")
expect_match "h2c prior knowledge answered in HTTP/2" '^HTTP/2 200' "$headers"
expect_match "backend got HTTP/1.1 with :authority as Host" '^uri=/x\?y=1\|host=web\.example\.test\|xff=127\.0\.0\.1\|xfp=http\|proto=HTTP/1\.1$' "$(cat "$WORK/b")"
expect_match "cold-start header, lowercase as HTTP/2 wants" '^x-keda-http-cold-start: false$' "$headers"
expect_eq "request body forwarded" "got[hello-h2]" \
  "$(curl -sS --http2-prior-knowledge "$PROXY/body" -H "Host: web.example.test" -d 'hello-h2')"
curl -sS --http2-prior-knowledge -D "$WORK/h" -o "$WORK/b" "$PROXY/" -H "Host: nowhere.test"
expect_match "no route over HTTP/2: 404" '^HTTP/2 404' "$(tr -d '\r' <"$WORK/h")"
expect_eq "no route over HTTP/2: upstream's body" "Not Found" "$(cat "$WORK/b")"
expect_match "no route over HTTP/2: nosniff" '^x-content-type-options: nosniff$' "$(tr -d '\r' <"$WORK/h")"
# Ten streams at a time on one connection (curl 7.88 cannot reuse an h2c connection; h2load can).
out=$(h2load -n 200 -c 1 -m 10 -H ':authority: web.example.test' "$PROXY/multi" 2>&1)
expect_match "200 multiplexed requests on one connection" 'requests: 200 total, 200 started, 200 done, 200 succeeded' "$out"
expect_match "all 200" 'status codes: 200 2xx' "$out"
expect_match "access log says HTTP/2.0" '"GET /x HTTP/2.0" 200 ' "$(cat "$WORK/kedahttp.log")"

# --- HTTP/2 backend (appProtocol kubernetes.io/h2c) --------------------------------------
printf ping >"$WORK/ping"
out=$(nghttp -v -H ':authority: h2.example.test' -d "$WORK/ping" "$PROXY/echo" 2>&1)
expect_match "h2c backend spoken to in h2c" '^protocol=h2c$' "$out"
expect_match "h2c backend: method and path" '^path=/echo$' "$out"
expect_match "h2c backend: :authority preserved" '^authority=h2\.example\.test$' "$out"
expect_match "h2c backend: X-Forwarded-For" '^xff=127\.0\.0\.1$' "$out"
expect_match "h2c backend: body" '^body=ping$' "$out"
expect_match "h2c backend: trailers reach the client" 'x-echo-trailer: done' "$out"

# HTTP/1.1 clients reach HTTP/2 backends too (upstream picks the transport by appProtocol).
out=$(printf 'POST /h1 HTTP/1.1\r\nHost: h2.example.test\r\nContent-Length: 5\r\n\r\nhello' | raw "127.0.0.1:$PORT")
expect_match "HTTP/1.1 client to an h2c backend: 200" '^HTTP/1.1 200 OK$' "$out"
expect_match "... chunked (HTTP/2 has no length here)" '^Transfer-Encoding: chunked$' "$out"
expect_match "... the backend heard h2c" '^protocol=h2c$' "$out"
expect_match "... with the body" '^body=hello$' "$out"
expect_match "... and the backend's trailer comes after the last chunk" '^x-echo-trailer: done$' "$out"
expect_match "... the connection stays open for the next request" '\[open\]' "$out"
body=$(curl -sS "$PROXY/big" -H "Host: h2.example.test" --data-binary @<(head -c 3000000 /dev/zero | tr '\0' x))
sed -n 's/^body=//p' <<<"$body" | tr -d '\n' >"$WORK/echoed"
expect_eq "a 3 MB upload over HTTP/1.1 to an h2c backend (windows open as it is sent)" 3000000 "$(wc -c <"$WORK/echoed")"
expect_eq "... every byte as sent" 0 "$(tr -d x <"$WORK/echoed" | wc -c)"

# 100 Continue from an HTTP/2 backend: passed over, the final head and body arrive intact.
out=$(curl -sS -H "Host: h2.example.test" -H "Expect: 100-continue" --data-binary 'continued' "$PROXY/expect")
expect_match "HTTP/1.1 client, Expect: 100-continue, HTTP/2 backend: the body arrives" '^body=continued$' "$out"
printf continued >"$WORK/continued"
out=$(nghttp -H ':authority: h2.example.test' -H 'expect: 100-continue' -d "$WORK/continued" "$PROXY/expect2" 2>&1)
expect_match "HTTP/2 client, the same" '^body=continued$' "$out"

# An answer before the request body is in: the client is told to stop (RST_STREAM NO_ERROR),
# its window is given back, the request is no longer in flight.
head -c 5000000 /dev/zero >"$WORK/5mb"
out=$(timeout 20 nghttp -v -H ':authority: nowhere.example.test' -d "$WORK/5mb" "$PROXY/upload" 2>&1) \
  || fail "a 5 MB upload to no route hung or failed: $(tail -3 <<<"$out")"
expect_match "5 MB upload to no route: 404 at once" ':status: 404' "$out"
expect_match "... then RST_STREAM(NO_ERROR) for the rest of the body" 'recv RST_STREAM.*\n.*NO_ERROR|error_code=NO_ERROR' "$out"
out=$(timeout 20 nghttp -H ':authority: web.example.test' -d "$WORK/5mb" "$PROXY/early1" "$PROXY/early2" 2>&1) \
  || fail "uploads answered early hung: $(tail -3 <<<"$out")"
# (nginx answers 413 at once: the body is over its 1 MB client_max_body_size.)
expect_eq "two 5 MB uploads on one connection, each answered before its body is in" 2 \
  "$(grep -c '<title>413 Request Entity Too Large</title>' <<<"$out")"
idle_web() { [ "$(queue_field default/web Concurrency)" = 0 ]; }
wait_for "no request left in flight" 10 idle_web
ok "answered-early uploads are not left in flight"

# HTTP/2 backend connections are pooled with their sessions: one after the other, requests
# (from either client protocol) reuse a connection to the backend, at most one per worker here
# (kedahttp runs 2), instead of one per request.
for i in 1 2 3 4 5 6; do
  proto=--http1.1
  [ $((i % 2)) -eq 0 ] && proto=--http2-prior-knowledge
  curl -sS $proto -H "Host: h2.example.test" "$PROXY/pool$i" | sed -n 's/^session=//p'
done >"$WORK/sessions"
expect_eq "6 sequential requests to an HTTP/2 backend answered" 6 "$(wc -l <"$WORK/sessions")"
distinct=$(sort -u "$WORK/sessions" | wc -l)
[ "$distinct" -le 2 ] || fail "6 sequential requests used $distinct backend connections: $(tr '\n' ' ' <"$WORK/sessions")"
ok "6 sequential requests used $distinct pooled HTTP/2 backend connection(s)"
# The backend restarts: the pooled connections it closed are noticed, and new ones dialled.
kill "$H2C_PID"
wait "$H2C_PID" 2>/dev/null || true
node "$NODE_DIR/h2-echo-server.js" "$H2C" >"$WORK/node-h2c-2.log" 2>&1 &
H2C_PID=$!
PIDS+=("$H2C_PID")
wait_listening "$H2C"
for i in 1 2 3 4; do
  curl -sS -o /dev/null -w '%{http_code}\n' -H "Host: h2.example.test" "$PROXY/after-restart$i"
done >"$WORK/codes"
expect_eq "after the HTTP/2 backend restarted: every request answered on a new connection" "200 200 200 200" \
  "$(paste -sd' ' "$WORK/codes")"

# --- gRPC (upstream e2e D7): unary and a bidirectional stream ------------------------------
out=$(node "$NODE_DIR/grpc-echo.js" call "127.0.0.1:$PORT" grpc.example.test 2>&1) || fail "grpc call: $out"
expect_eq "gRPC through the proxy: unary over h2c, a bidi stream, EOF after CloseSend" \
  "$(printf 'unary: h2c says hello\nstream: echo alice\nstream: echo bob\nstream: echo charlie\nEOF')" "$out"

# --- TLS listener: h2 by ALPN ---------------------------------------------------------------
https() {
  curl -sS --max-time 10 --cacert "$CERTS/ca.crt" --resolve "$1:$TLS_PORT:127.0.0.1" "${@:3}" "https://$1:$TLS_PORT$2"
}
https h2-tls.example.test /tls -D "$WORK/h" -o "$WORK/b" --http2
expect_match "ALPN h2 on the TLS listener" '^HTTP/2 200' "$(tr -d '\r' <"$WORK/h")"
expect_match "re-encrypted to an HTTP/2 backend: h2" '^protocol=h2$' "$(cat "$WORK/b")"
expect_match "X-Forwarded-Proto https" '^xfp=https$' "$(cat "$WORK/b")"
https web.example.test /tls -o /dev/null --http1.1 -w '%{http_version} %{http_code}\n' >"$WORK/v" || true
expect_eq "HTTP/1.1 still served on the TLS listener (ALPN http/1.1)" "1.1 502" "$(cat "$WORK/v")" # nginx has no TLS: 502
# The backend protocol follows the Service port, not the client: HTTP/1.1 in, h2 out.
https h2-tls.example.test /tls-h1 -D "$WORK/h" -o "$WORK/b" --http1.1
expect_match "HTTP/1.1 client to an HTTP/2 backend over TLS: 200" '^HTTP/1.1 200' "$(tr -d '\r' <"$WORK/h")"
expect_match "... spoken to in h2" '^protocol=h2$' "$(cat "$WORK/b")"
# upstream e2e T2: gRPC over TLS to a TLS backend whose port says h2c: answered in h2.
out=$(node "$NODE_DIR/grpc-echo.js" call "127.0.0.1:$TLS_PORT" grpc-tls.example.test "$CERTS/ca.crt" 2>&1) \
  || fail "grpc over TLS: $out"
expect_eq "gRPC over TLS: answered in h2" \
  "$(printf 'unary: h2 says hello\nstream: echo alice\nstream: echo bob\nstream: echo charlie\nEOF')" "$out"

# --- cold start and readiness timeout over HTTP/2 --------------------------------------------
curl -sS --http2-prior-knowledge -D "$WORK/cold.h" -o "$WORK/cold.b" "$PROXY/wake" -H "Host: cold.example.test" &
CURL=$!
sleep 0.3
expect_eq "held HTTP/2 stream counted" "1" "$(queue_field default/cold Concurrency)"
manifests true | put routes.yaml
wait "$CURL" || fail "cold start over HTTP/2 failed"
expect_match "cold start over HTTP/2: 200" '^HTTP/2 200' "$(tr -d '\r' <"$WORK/cold.h")"
expect_match "cold start over HTTP/2: header true" '^x-keda-http-cold-start: true$' "$(tr -d '\r' <"$WORK/cold.h")"
expect_match "cold start over HTTP/2: Server-Timing" '^server-timing: cold-start;dur=[0-9]+$' "$(tr -d '\r' <"$WORK/cold.h")"
expect_eq "count back to 0" "0" "$(queue_field default/cold Concurrency)"
expect_eq "readiness timeout over HTTP/2: 504" "504" \
  "$(curl -sS --http2-prior-knowledge -o /dev/null -w '%{http_code}' "$PROXY/" -H "Host: never.example.test")"
expect_eq "HTTP/2 requests in the metrics" "1" \
  "$(metric 'interceptor_request_count_total{code="504",method="GET",route_name="never",route_namespace="default"}')"

# --- bad input ----------------------------------------------------------------------------
out=$(printf 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nthis is not a frame at all, just bytes' | RAW_QUIET=2 raw "127.0.0.1:$PORT")
expect_match "garbage after the preface: connection closed" '\[closed\]' "$out"
kill -0 "$KPID" || fail "kedahttp died"
expect_eq "still serving HTTP/1.1 on the same port" "200" \
  "$(curl -sS -o /dev/null -w '%{http_code}' "$PROXY/" -H "Host: web.example.test")"

# A request head over --max-header-bytes: 431, as Go's server (nghttp2 itself refuses any header
# block over 64 KiB with REFUSED_STREAM, so the limit is checked below that).
kill -TERM "$KPID"
wait "$KPID" 2>/dev/null || true
start_kedahttp --max-header-bytes 16384
big=$(head -c 6000 /dev/zero | tr '\0' b)
expect_eq "HTTP/2 request head over the limit: 431" "431" \
  "$(curl -sS --http2-prior-knowledge -o /dev/null -w '%{http_code}' "$PROXY/" -H "Host: web.example.test" \
     -H "X-Big1: $big" -H "X-Big2: $big" -H "X-Big3: $big")"
expect_eq "... a head under it is served" "200" \
  "$(curl -sS --http2-prior-knowledge -o /dev/null -w '%{http_code}' "$PROXY/" -H "Host: web.example.test" -H "X-Big1: $big")"
