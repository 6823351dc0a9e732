#!/usr/bin/env bash
# Bodies stream through the proxy, both ways, without being buffered whole:
# 200 MiB down to a client reading at a limited rate and 200 MiB up (checked with
# sha256sum at the other end) while the proxy's peak RSS (VmHWM) stays far below
# that; chunked request bodies (re-chunked upstream) and chunked responses
# (unframed to an HTTP/1.0 client); a response's first bytes reach the client while
# the backend is still producing the rest; a client leaving mid-stream is counted. The same
# over HTTP/2 (h2c) to the same HTTP/1.1 backend.
source "$(dirname "$0")/lib.sh" "$@"
need curl
need sha256sum

mkdir -p "$WORK/www"
head -c 200M /dev/urandom >"$WORK/www/big"
head -c 30M /dev/urandom >"$WORK/mid"
big_sum=$(sha256sum <"$WORK/www/big" | cut -d' ' -f1)
mid_sum=$(sha256sum <"$WORK/mid" | cut -d' ' -f1)

read -r B1 < <(free_ports 1)
export B1 WWW=$WORK/www
start_nginx <<'EOF'
server {
  listen 127.0.0.1:@B1@;
  client_max_body_size 0;
  location /files/ { alias @WWW@/; }
  # Content-Length dropped by the (never matching) filter: a chunked download.
  location /chunked-files/ {
    alias @WWW@/;
    sub_filter "kedahttp-this-text-is-not-in-the-random-file" "";
    sub_filter_types *;
  }
  location = /upload {
    client_body_in_file_only on;
    echo_read_request_body;
    echo "$request_body_file|$http_content_length|$http_transfer_encoding";
  }
  location = /chunked { echo -n "part1-"; echo_flush; echo -n "part2"; }
  location = /drip { echo "first"; echo_flush; echo_sleep 30; echo "second"; }
}
EOF
wait_listening "$B1"
{
  service app; endpoints app "$B1"; route app app.test app
  route capped capped.test app '  timeouts:
    request: 2s
    responseHeader: 500ms'
} | put apps.yaml
start_kedahttp

# --- 200 MiB download, read at 100 MB/s: the backend is faster than the client ----------
sum=$(curl -sS --max-time 100 --limit-rate 100M -H "Host: app.test" "$PROXY/files/big" | sha256sum | cut -d' ' -f1)
expect_eq "200 MiB download (Content-Length): sha256 matches" "$big_sum" "$sum"

# --- 200 MiB upload with Content-Length ------------------------------------------------------
out=$(curl -sS --max-time 100 -H "Host: app.test" --data-binary @"$WORK/www/big" "$PROXY/upload")
IFS='|' read -r file length te <<<"$out"
expect_eq "200 MiB upload: Content-Length forwarded" "$((200 * 1024 * 1024))" "$length"
expect_eq "200 MiB upload: sha256 at the backend matches" "$big_sum" "$(sha256sum <"$file" | cut -d' ' -f1)"
rm -f "$file"

# --- chunked request body --------------------------------------------------------------------
out=$(curl -sS --max-time 100 -H "Host: app.test" -H "Transfer-Encoding: chunked" --data-binary @"$WORK/mid" "$PROXY/upload")
IFS='|' read -r file length te <<<"$out"
expect_eq "chunked upload: forwarded chunked, without Content-Length" "|chunked" "$length|$te"
expect_eq "chunked upload: sha256 at the backend matches" "$mid_sum" "$(sha256sum <"$file" | cut -d' ' -f1)"
rm -f "$file"

# --- chunked responses ---------------------------------------------------------------------
headers=$(curl -sS -D - -o "$WORK/b" -H "Host: app.test" "$PROXY/chunked" | tr -d '\r')
expect_match "chunked response: Transfer-Encoding: chunked" '^Transfer-Encoding: chunked$' "$headers"
expect_eq "chunked response: body" "part1-part2" "$(cat "$WORK/b")"
headers=$(curl -sS -0 -D - -o "$WORK/b" -H "Host: app.test" "$PROXY/chunked" | tr -d '\r')
expect_no_match "HTTP/1.0 client: no chunked framing" '^Transfer-Encoding' "$headers"
expect_match "HTTP/1.0 client: delimited by close" '^Connection: close$' "$headers"
expect_eq "HTTP/1.0 client: body" "part1-part2" "$(cat "$WORK/b")"
headers=$(curl -sS --max-time 100 --limit-rate 100M -D "$WORK/h" -H "Host: app.test" "$PROXY/chunked-files/big" \
  | sha256sum | cut -d' ' -f1)
expect_match "200 MiB chunked download: chunked" '^Transfer-Encoding: chunked' "$(tr -d '\r' <"$WORK/h")"
expect_eq "200 MiB chunked download: sha256 matches" "$big_sum" "$headers"

# --- the same over HTTP/2 (h2c): windows open only as bytes move on ------------------------------
sum=$(curl -sS --http2-prior-knowledge --max-time 100 --limit-rate 100M -H "Host: app.test" "$PROXY/files/big" \
  | sha256sum | cut -d' ' -f1)
expect_eq "HTTP/2: 200 MiB download, read at 100 MB/s: sha256 matches" "$big_sum" "$sum"
out=$(curl -sS --http2-prior-knowledge --max-time 100 -H "Host: app.test" --data-binary @"$WORK/www/big" "$PROXY/upload")
IFS='|' read -r file length te <<<"$out"
expect_eq "HTTP/2: 200 MiB upload, Content-Length kept for the HTTP/1.1 backend" "$((200 * 1024 * 1024))" "$length"
expect_eq "HTTP/2: 200 MiB upload: sha256 at the backend matches" "$big_sum" "$(sha256sum <"$file" | cut -d' ' -f1)"
rm -f "$file"
out=$(curl -sS --http2-prior-knowledge --max-time 100 -H "Host: app.test" -X POST -T - "$PROXY/upload" <"$WORK/mid")
IFS='|' read -r file length te <<<"$out"
expect_eq "HTTP/2: an upload of unknown length goes chunked" "|chunked" "$length|$te"
expect_eq "HTTP/2: ... sha256 at the backend matches" "$mid_sum" "$(sha256sum <"$file" | cut -d' ' -f1)"
rm -f "$file"
sum=$(curl -sS --http2-prior-knowledge --max-time 100 -H "Host: app.test" "$PROXY/chunked-files/big" | sha256sum | cut -d' ' -f1)
expect_eq "HTTP/2: 200 MiB chunked download: sha256 matches" "$big_sum" "$sum"

# --- the proxy's memory stayed far below the 200 MiB that went through it ------------------------
hwm_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$KPID/status")
echo "kedahttp VmHWM: $hwm_kib KiB"
[ "$hwm_kib" -lt $((64 * 1024)) ] || fail "peak RSS $hwm_kib KiB: bodies were buffered (limit 64 MiB)"
ok "peak RSS below 64 MiB after 1.4 GiB of bodies, HTTP/1.1 and HTTP/2"

# --- streaming: the first bytes arrive while the backend still sleeps 30 s ----------------------
# The client reads "first", then leaves: a client gone mid-response.
out=$("$PYTHON" - "$PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
s.sendall(b"GET /drip HTTP/1.1\r\nHost: app.test\r\n\r\n")
data = b""
try:
    while b"first" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
except socket.timeout:
    pass
print("got first" if b"first" in data else "timed out: " + repr(data))
s.close()
PY
)
expect_eq "first bytes streamed before the backend finished" "got first" "$out"
gone() { [ "$(metric kedahttp_client_closed_requests_total)" = 1 ]; }
wait_for "the client leaving mid-stream is counted" 10 gone
ok "a client leaving mid-stream is counted"
idle() { [ "$(queue_field default/app Concurrency)" = 0 ]; }
wait_for "Concurrency back to 0" 10 idle
ok "Concurrency back to 0 after the client left"

# --- HTTP/2: the first bytes stream too, and a stream reset mid-response is a client gone -------
curl -sS -N --http2-prior-knowledge --max-time 3 -H "Host: app.test" -o "$WORK/drip.out" "$PROXY/drip" 2>/dev/null || true
expect_match "HTTP/2: first bytes streamed before the backend finished" '^first$' "$(cat "$WORK/drip.out")"
gone2() { [ "$(metric kedahttp_client_closed_requests_total)" = 2 ]; }
wait_for "the HTTP/2 client leaving mid-stream is counted" 10 gone2
ok "HTTP/2: a client leaving mid-stream is counted"
wait_for "Concurrency back to 0 after HTTP/2" 10 idle
ok "HTTP/2: Concurrency back to 0"

# --- the request deadline also cuts a response still streaming after the head came in time -----
for proto in --http1.1 --http2-prior-knowledge; do
  start=$SECONDS
  curl -sS -N $proto --max-time 20 -H "Host: capped.test" -o "$WORK/capped.out" "$PROXY/drip" 2>/dev/null && rc=0 || rc=$?
  took=$((SECONDS - start))
  expect_match "$proto: the head and first bytes came (response-header timeout met)" '^first$' "$(cat "$WORK/capped.out")"
  [ "$rc" -ne 0 ] && [ "$rc" -ne 28 ] && [ "$took" -le 6 ] \
    || fail "$proto: the 2 s request deadline did not cut the dripping response (curl exit $rc after ${took}s)"
  ok "$proto: cut at the request deadline (curl exit $rc after ${took}s), not after the backend's 30 s"
done
