#!/usr/bin/env bash
# Slow clients and the read-header timeout (--read-header-timeout 1s): a connection that
# sends nothing, or only part of a head, is closed without a response; an idle keep-alive
# connection between two requests is not (as Go's server: the timer starts at the head).
source "$(dirname "$0")/lib.sh" "$@"
need python3

read -r B1 < <(free_ports 1)
export B1
start_nginx <<'EOF2'
server {
  listen 127.0.0.1:@B1@;
  location / { return 200 "app\n"; }
}
EOF2
wait_listening "$B1"
{ service app; route app app.test app; endpoints app "$B1"; } | put routes.yaml
start_kedahttp --read-header-timeout 1s

out=$(python3 - "$PORT" <<'PY'
import socket, sys, time
port = int(sys.argv[1])

def closed_within(sock, limit):
    """Seconds until the peer closes (recv returns b''), or None if it did not within `limit`."""
    sock.settimeout(limit)
    start = time.monotonic()
    try:
        data = sock.recv(4096)
    except socket.timeout:
        return None, b""
    return time.monotonic() - start, data

# 1. Nothing sent at all.
s = socket.create_connection(("127.0.0.1", port))
t, data = closed_within(s, 15)
print("silent", "closed" if t is not None and t < 15 else "open", repr(data))

# 2. Half a head, then silence.
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"GET / HTTP/1.1\r\nHost: app.test\r\n")
t, data = closed_within(s, 15)
print("partial", "closed" if t is not None else "open", repr(data))

# 3. A request, 2.5 s idle on keep-alive, another request: both answered.
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(10)
s.sendall(b"GET /one HTTP/1.1\r\nHost: app.test\r\n\r\n")
first = s.recv(4096)
time.sleep(2.5)
s.sendall(b"GET /two HTTP/1.1\r\nHost: app.test\r\n\r\n")
second = s.recv(4096)
print("keepalive", first.split(b"\r\n")[0].decode(), "|", second.split(b"\r\n")[0].decode())
PY
)
expect_match "a silent connection is closed, without a response" "^silent closed b''$" "$out"
expect_match "a partial head is closed, without a response" "^partial closed b''$" "$out"
expect_match "an idle keep-alive connection is not timed out" "^keepalive HTTP/1.1 200 OK \| HTTP/1.1 200 OK$" "$out"
