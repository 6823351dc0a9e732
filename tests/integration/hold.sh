#!/usr/bin/env bash
# The cold-start hold's limits with real clients (--hold-max-requests 1): a second
# request while one is held gets 503 with Retry-After at once; a client that leaves
# while held is noticed (kedahttp_client_closed_requests_total, /queue Concurrency
# and kedahttp_held_requests back to 0) and its place in the hold is given back.
source "$(dirname "$0")/lib.sh" "$@"
need curl

read -r B1 < <(free_ports 1)
export B1
start_nginx <<'EOF'
server {
  listen 127.0.0.1:@B1@;
  location / { return 200 "app $request_uri\n"; }
}
EOF
wait_listening "$B1"
{ service app; route app app.test app; } | put routes.yaml
start_kedahttp --hold-max-requests 1 --retry-after 7s

held() { [ "$(queue_field default/app Concurrency)" = "$1" ] && [ "$(metric kedahttp_held_requests)" = "$1" ]; }

curl -sS --max-time 60 -o /dev/null -H "Host: app.test" "$PROXY/first" 2>/dev/null &
c1=$!
PIDS+=("$c1")
wait_for "one request held" 10 held 1
ok "one request held"

out=$(curl -sS --max-time 30 -D "$WORK/h" -H "Host: app.test" "$PROXY/second")
headers=$(tr -d '\r' <"$WORK/h")
expect_match "hold full: 503" '^HTTP/1.1 503 ' "$headers"
expect_match "hold full: Retry-After from --retry-after" '^Retry-After: 7$' "$headers"
expect_eq "hold full: body" "Service Unavailable" "$out"
expect_eq "kedahttp_hold_rejections_total 1" 1 "$(metric kedahttp_hold_rejections_total)"
expect_eq "the rejected request was counted, and is over" "2 1" \
  "$(queue_field default/app RequestCount) $(queue_field default/app Concurrency)"

# The held client goes away.
kill -TERM "$c1"
wait "$c1" 2>/dev/null || true
gone() { [ "$(metric kedahttp_client_closed_requests_total)" = 1 ]; }
wait_for "the proxy notices the client left" 10 gone
ok "kedahttp_client_closed_requests_total 1"
wait_for "nothing held any more" 10 held 0
ok "/queue Concurrency and kedahttp_held_requests back to 0"

# Its place is free again: the next request is held, not refused, and released by a scale-up.
curl -sS --max-time 60 -D "$WORK/h3" -o "$WORK/b3" -H "Host: app.test" "$PROXY/third" &
c3=$!
PIDS+=("$c3")
wait_for "the next request held" 10 held 1
ok "the next request is held (the hold was given back)"
endpoints app "$B1" | put slice.yaml
wait "$c3" || fail "the held request failed"
expect_eq "released: backend's body" "app /third" "$(cat "$WORK/b3")"
expect_eq "no further rejection" 1 "$(metric kedahttp_hold_rejections_total)"
expect_eq "nothing reached the backend but the released request" "1" "$(wc -l <"$WORK/nginx-access.log")"
