#!/usr/bin/env bash
# Requests the proxy must refuse before they reach a backend, over raw sockets:
# malformed request lines and header lines (400), ambiguous framing that could
# smuggle a second request past the proxy (both Content-Length and
# Transfer-Encoding, differing duplicate Content-Lengths, bad chunk sizes: 400;
# a Transfer-Encoding other than "chunked": 501), a missing or doubled Host on
# HTTP/1.1 (400), heads over 64 KiB (431). Each refusal closes the connection and
# the backend never sees the request, nor what followed it on the connection.
source "$(dirname "$0")/lib.sh" "$@"
need curl

read -r B1 < <(free_ports 1)
export B1
start_nginx <<'EOF'
server {
  listen 127.0.0.1:@B1@;
  large_client_header_buffers 32 16k;
  location / { return 200 "uri=$request_uri\n"; }
  location = /body { echo_read_request_body; echo "got[$request_body]"; }
}
EOF
wait_listening "$B1"
{ service app; endpoints app "$B1"; route app app.test app; } | put apps.yaml
start_kedahttp
export RAW_QUIET=3

# refused NAME STATUS PAYLOAD: PAYLOAD (printf format) gets STATUS, Connection: close, and a closed connection.
refused() {
  local out
  out=$(printf "$3" | raw "127.0.0.1:$PORT")
  expect_match "$1: $2" "^HTTP/1.1 $2 " "$out"
  expect_eq "$1: one response" 1 "$(grep -c '^HTTP/1.1 ' <<<"$out")"
  expect_match "$1: Connection: close" '^Connection: close$' "$out"
  expect_eq "$1: connection closed" "[closed]" "$(tail -n 1 <<<"$out")"
}

refused "garbage request line" 400 'GARBAGE\r\n\r\n'
refused "request line with a fourth part" 400 'GET / HTTP/1.1 x\r\nHost: app.test\r\n\r\n'
refused "header line without a colon" 400 'GET / HTTP/1.1\r\nHost: app.test\r\nBroken\r\n\r\n'
refused "space before the colon" 400 'GET / HTTP/1.1\r\nHost: app.test\r\nX-A : b\r\n\r\n'
refused "control character in a value" 400 'GET / HTTP/1.1\r\nHost: app.test\r\nX-A: a\001b\r\n\r\n'
refused "Content-Length then Transfer-Encoding" 400 \
  'POST /body HTTP/1.1\r\nHost: app.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: app.test\r\n\r\n'
refused "Transfer-Encoding then Content-Length" 400 \
  'POST /body HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\nContent-Length: 30\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: app.test\r\n\r\n'
refused "two differing Content-Lengths" 400 \
  'POST /body HTTP/1.1\r\nHost: app.test\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcdGET /smuggled HTTP/1.1\r\nHost: app.test\r\n\r\n'
refused "Content-Length not a number" 400 'POST /body HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5x\r\n\r\nabcde'
refused "negative Content-Length" 400 'POST /body HTTP/1.1\r\nHost: app.test\r\nContent-Length: -1\r\n\r\n'
refused "chunk size not hex" 400 \
  'POST /body HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nhello\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: app.test\r\n\r\n'
refused "chunk size overflowing 64 bits" 400 \
  'POST /body HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: app.test\r\n\r\n'
refused "chunk without its CRLF" 400 \
  'POST /body HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: app.test\r\n\r\n'
refused "Transfer-Encoding: gzip (not chunked)" 501 \
  'POST /body HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: gzip\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: app.test\r\n\r\n'
refused "Transfer-Encoding: gzip, chunked" 501 \
  'POST /body HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'
refused "HTTP/1.1 without Host" 400 'GET / HTTP/1.1\r\n\r\n'
refused "two Host headers" 400 'GET / HTTP/1.1\r\nHost: app.test\r\nHost: other.test\r\n\r\n'

# 431 over the 64 KiB head limit; just under it passes.
big_header=$(head -c 70000 /dev/zero | tr '\0' a)
refused "head over 64 KiB" 431 "GET / HTTP/1.1\r\nHost: app.test\r\nX-Big: $big_header\r\n\r\n"
some_headers=""
for i in $(seq 15); do
  some_headers+="X-H$i: $(head -c 4000 /dev/zero | tr '\0' b)\r\n"
done
out=$(printf "GET /under-limit HTTP/1.1\r\nHost: app.test\r\n${some_headers}Connection: close\r\n\r\n" | raw "127.0.0.1:$PORT")
expect_match "a 60 KiB head passes" '^HTTP/1.1 200 ' "$out"

# What a backend must never see.
expect_no_match "nothing smuggled reached the backend" 'smuggled' "$(cat "$WORK/nginx-access.log")"

# Well-formed cousins are forwarded: identical duplicate Content-Lengths (Go accepts
# them), chunk extensions and trailers, HTTP/1.0 without Host (catch-all only: 404 here).
out=$(printf 'POST /body HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5\r\nContent-Length: 5\r\nConnection: close\r\n\r\nabcde' \
  | raw "127.0.0.1:$PORT")
expect_match "identical duplicate Content-Lengths: forwarded" '^got\[abcde\]$' "$out"
out=$(printf 'POST /body HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n' \
  | raw "127.0.0.1:$PORT")
expect_match "chunk extensions and trailers: body forwarded" '^got\[abcde\]$' "$out"
out=$(printf 'GET / HTTP/1.0\r\n\r\n' | raw "127.0.0.1:$PORT")
expect_match "HTTP/1.0 without Host: routed (no catch-all here: 404)" '^HTTP/1.1 404 ' "$out"

# The proxy still serves normally afterwards.
expect_eq "still serving" "uri=/after" "$(curl -sS -H 'Host: app.test' "$PROXY/after")"
