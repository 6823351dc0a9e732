#!/usr/bin/env bash
# WebSocket through the proxy with the npm package `ws` on both ends (client and echo
# backend): the upgrade is held while the backend is scaled to zero and completes with
# X-KEDA-HTTP-Cold-Start: true once an EndpointSlice says ready; text, a 4 MiB binary
# message and 200 ordered messages echo intact; the open tunnel counts as one request
# in flight (/queue Concurrency 1) until the close handshake, after which it is
# recorded as code 200 (as upstream) and Concurrency is back to 0.
source "$(dirname "$0")/lib.sh" "$@"
need node
export NODE_PATH=$ROOT/build/test-tools/node_modules
[ -d "$NODE_PATH/ws" ] || fail "npm package ws missing in $NODE_PATH: run scripts/install-test-tools.sh"

read -r B1 < <(free_ports 1)
node "$ROOT/tests/integration/node/ws-echo-server.js" "$B1" >"$WORK/node-server.log" 2>&1 &
PIDS+=("$!")
wait_listening "$B1"

{ service chat; route chat ws.test chat; } | put routes.yaml
start_kedahttp

mkdir -p "$WORK/ws"
node "$ROOT/tests/integration/node/ws-client.js" "ws://127.0.0.1:$PORT/chat?x=1" ws.test "$WORK/ws" \
  >"$WORK/node-client.log" 2>&1 &
client=$!
PIDS+=("$client")

held() { [ "$(queue_field default/chat Concurrency)" = 1 ] && [ "$(metric kedahttp_held_requests)" = 1 ]; }
wait_for "the upgrade request held (backend scaled to zero)" 10 held
ok "upgrade request held while the backend is not ready"
endpoints chat "$B1" | put slice.yaml

wait_for "the client's echoes" 30 test -e "$WORK/ws/open"
log=$(cat "$WORK/node-client.log")
expect_match "101 through the proxy, cold start reported" '^upgrade status=101 cold-start=true$' "$log"
expect_match "backend saw the path, the client's Host and X-Forwarded-For" \
  '^greeting: hello /chat\?x=1 host=ws.test xff=127.0.0.1$' "$log"
expect_match "text echo" '^text echo ok$' "$log"
expect_match "binary echo" '^4 MiB binary echo ok$' "$log"
expect_match "ordered messages" '^200 messages echoed in order$' "$log"
expect_eq "an open WebSocket counts as one request in flight" 1 "$(queue_field default/chat Concurrency)"
expect_eq "the open WebSocket is not held any more" 0 "$(metric kedahttp_held_requests)"

touch "$WORK/ws/close"
wait "$client" || fail "ws client failed: $(cat "$WORK/node-client.log")"
expect_match "close handshake through the tunnel" '^closed 1000$' "$(cat "$WORK/node-client.log")"
idle() { [ "$(queue_field default/chat Concurrency)" = 0 ]; }
wait_for "Concurrency back to 0 after the close" 10 idle
ok "Concurrency back to 0 after the close"
expect_match "the upgrade is recorded as 200 (as upstream)" \
  '^interceptor_request_count_total\{code="200",method="GET",route_name="chat",route_namespace="default"\} 1$' \
  "$(curl -sS "$METRICS_URL/metrics")"
