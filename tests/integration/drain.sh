#!/usr/bin/env bash
# Graceful drain on SIGTERM with real clients: /readyz turns 503 at once while the
# admin server stays up; during the shutdown delay requests are still served, with
# Connection: close; then new connections are refused while an in-flight request
# completes with 200, and the process exits 0 by itself. With a short drain timeout
# a request still in flight is cut and the process exits anyway. An HTTP/2 client gets a
# GOAWAY when the listeners close, and its stream in flight still completes.
source "$(dirname "$0")/lib.sh" "$@"
need curl
need nghttp

read -r B1 < <(free_ports 1)
export B1
start_nginx <<'NGINX'
server {
  listen 127.0.0.1:@B1@;
  location / { return 200 "app $request_uri\n"; }
  location = /slow { echo_sleep 5; echo "slow done"; }
  location = /endless { echo "started"; echo_flush; echo_sleep 60; echo "never"; }
}
NGINX
wait_listening "$B1"
{ service app; endpoints app "$B1"; route app app.test app; } | put apps.yaml
SHUTDOWN_DELAY=2s start_kedahttp --drain-timeout 30s

# A keep-alive connection opened before the signal, used again after it.
"$PYTHON" - "$PORT" "$WORK/keepalive.out" "$WORK/keepalive.go" <<'PY' &
import os, socket, sys, time
port, out, go = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), timeout=20)
def exchange(path):
    s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: app.test\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data or not data.endswith(b"\n") or b"app " not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data
first = exchange(b"/before")
open(go + ".ready", "w").close()
while not os.path.exists(go):
    time.sleep(0.05)
second = exchange(b"/after")
s.settimeout(5)
try:
    closed = s.recv(1) == b""
except (socket.timeout, ConnectionResetError):
    closed = False
with open(out, "wb") as f:
    f.write(first + b"\n=====\n" + second + b"\n=====\n" + (b"closed" if closed else b"open"))
PY
client_py=$!
PIDS+=("$client_py")

curl -sS --max-time 60 -o "$WORK/slow.out" -w '%{http_code}' -H "Host: app.test" "$PROXY/slow" >"$WORK/slow.code" &
slow=$!
PIDS+=("$slow")
in_flight() { [ "$(queue_field default/app Concurrency)" = 1 ]; }
wait_for "the slow request in flight" 10 in_flight
ok "a request is in flight"

wait_for "the keep-alive connection's first exchange" 10 test -e "$WORK/keepalive.go.ready"
kill -TERM "$KPID"
draining() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$ADMIN_URL/readyz")" = 503 ]; }
wait_for "/readyz 503 after SIGTERM" 5 draining
expect_eq "/readyz body while draining" "Service Unavailable" "$(curl -sS "$ADMIN_URL/readyz")"

# Within the shutdown delay: still served, with Connection: close.
touch "$WORK/keepalive.go"
wait "$client_py" || true
out=$(tr -d '\r' <"$WORK/keepalive.out")
expect_match "before the signal: kept alive" '^app /before$' "$out"
second=$(awk '/^=====$/ { n++; next } n == 1' <<<"$out")
expect_match "during the delay: an existing connection is still served" '^app /after$' "$second"
expect_match "during the delay: with Connection: close" '^Connection: close$' "$second"
expect_eq "during the delay: then the connection is closed" closed "$(tail -n 1 <<<"$out")"

# After the delay: new connections are refused, the in-flight request goes on.
refused() { ! curl -s -o /dev/null --max-time 2 -H "Host: app.test" "$PROXY/new"; }
wait_for "new connections refused after the delay" 10 refused
ok "new connections refused after the shutdown delay"
wait "$slow" || fail "the in-flight request failed"
expect_eq "the in-flight request completed" "200 slow done" "$(cat "$WORK/slow.code") $(cat "$WORK/slow.out")"
rc=0
wait "$KPID" || rc=$?
expect_eq "kedahttp exits 0 once drained" 0 "$rc"
expect_match "log: drain" 'draining' "$(cat "$WORK/kedahttp.log")"

# --- a drain timeout cuts what is still in flight -------------------------------------------
mv "$WORK/kedahttp.log" "$WORK/kedahttp-first.log"
start_kedahttp --drain-timeout 1s
curl -sS --max-time 60 -N -o "$WORK/endless.out" -H "Host: app.test" "$PROXY/endless" 2>"$WORK/endless.err" &
endless=$!
PIDS+=("$endless")
started() { grep -q started "$WORK/endless.out"; }
wait_for "the endless response started" 10 started
kill -TERM "$KPID"
rc=0
wait "$KPID" || rc=$?
expect_eq "drain timeout: kedahttp exits 0" 0 "$rc"
rc=0
wait "$endless" || rc=$?
[ "$rc" -ne 0 ] || fail "the cut response looked complete to the client"
ok "drain timeout: the response still in flight is cut (curl exit $rc)"
expect_match "log: drain timeout" 'drain timeout' "$(cat "$WORK/kedahttp.log")"

# --- HTTP/2: GOAWAY when the listeners close, the stream in flight completes -----------------
mv "$WORK/kedahttp.log" "$WORK/kedahttp-second.log"
start_kedahttp --drain-timeout 30s
nghttp -v -H ':authority: app.test' "$PROXY/slow" >"$WORK/h2.out" 2>&1 &
h2=$!
PIDS+=("$h2")
wait_for "the HTTP/2 request in flight" 10 in_flight
kill -TERM "$KPID"
wait "$h2" || fail "the HTTP/2 request failed: $(tail -5 "$WORK/h2.out")"
out=$(cat "$WORK/h2.out")
expect_match "HTTP/2: the client is sent a GOAWAY (no error)" 'recv GOAWAY frame' "$out"
expect_match "... NO_ERROR" 'error_code=NO_ERROR' "$out"
expect_match "HTTP/2: the stream in flight completes with 200" ':status: 200' "$out"
expect_match "... and its body" '^slow done$' "$out"
rc=0
wait "$KPID" || rc=$?
expect_eq "kedahttp exits 0 after the HTTP/2 drain" 0 "$rc"
