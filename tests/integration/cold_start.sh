#!/usr/bin/env bash
# Scale from zero with real clients: requests for a target without ready endpoints
# are held (counted in /queue, kedahttp_held_requests) until an EndpointSlice with a
# ready endpoint is written, then forwarded with X-KEDA-HTTP-Cold-Start: true and
# Server-Timing: cold-start;dur=..., a held request's body included. Readiness and
# request deadlines answer 504; a fallback Service serves when readiness expires;
# a placeholder answers at once (and wins over a fallback).
source "$(dirname "$0")/lib.sh" "$@"
need curl

read -r B1 B2 < <(free_ports 2)
export B1 B2
start_nginx <<'EOF'
server {
  listen 127.0.0.1:@B1@;
  location / { return 200 "app $request_uri\n"; }
  location = /body { echo_read_request_body; echo "got[$request_body]"; }
  location = /upload {
    client_max_body_size 0;
    client_body_in_file_only on;
    echo_read_request_body;
    echo "$request_body_file";
  }
}
server {
  listen 127.0.0.1:@B2@;
  location / { return 200 "fallback $request_uri host=$http_host\n"; }
}
EOF
wait_listening "$B1" "$B2"

{
  service app
  route app app.test app
  service slow
  route slow slow.test slow '  timeouts:
    readiness: 1s'
  service deadline
  route deadline deadline.test deadline '  timeouts:
    request: 1s'
  service fbapp
  service fallback
  endpoints fallback "$B2"
  route fb fb.test fbapp '  coldStart:
    fallback:
      service:
        name: fallback
        port: 8080
  timeouts:
    readiness: 1s'
  service phapp
  route ph ph.test phapp '  coldStart:
    placeholder:
      response:
        statusCode: 418
        body: "<h1>Loading</h1>"
        headers:
          X-Placeholder: "yes"
    fallback:
      service:
        name: fallback
        port: 8080'
} | put routes.yaml
endpoints app "$B1" false | put app-slice.yaml # present, but not ready
start_kedahttp

# --- held until an EndpointSlice says ready --------------------------------------------
expect_eq "/queue: app idle" 0 "$(queue_field default/app Concurrency)"
# The first client sends a second request on the same connection after the held one.
curl -sS --max-time 60 -D "$WORK/h1" -H "Host: app.test" -w '%{num_connects}\n' \
  -o "$WORK/b1" "$PROXY/cold" -o "$WORK/b1b" "$PROXY/cold-next" >"$WORK/c1-connects" &
c1=$!
curl -sS --max-time 60 -D "$WORK/h2" -o "$WORK/b2" -H "Host: app.test" --data-binary 'held-body' "$PROXY/body" &
c2=$!
# A held upload larger than what the hold buffers (64 KiB): the rest follows the release.
head -c 3M /dev/urandom >"$WORK/upload"
curl -sS --max-time 60 -o "$WORK/b4" -H "Host: app.test" --data-binary @"$WORK/upload" "$PROXY/upload" &
c4=$!
PIDS+=("$c1" "$c2" "$c4")
held_three() { [ "$(queue_field default/app Concurrency)" = 3 ] && [ "$(metric kedahttp_held_requests)" = 3 ]; }
wait_for "three requests held (/queue Concurrency 3, kedahttp_held_requests 3)" 10 held_three
ok "three requests held while the target is not ready"
sleep 0.5
kill -0 "$c1" 2>/dev/null || fail "the held request ended before the target was ready"
expect_eq "nothing reached the backend while held" 0 "$(wc -l <"$WORK/nginx-access.log")"

generation=$(routes_generation)
endpoints app "$B1" true | put app-slice.yaml # the app "scaled up"
wait "$c1" || fail "held GET failed"
wait "$c2" || fail "held POST failed"
wait "$c4" || fail "held upload failed"
expect_eq "released: the held 3 MiB upload arrived whole" "$(sha256sum <"$WORK/upload" | cut -d' ' -f1)" \
  "$(sha256sum <"$(cat "$WORK/b4")" | cut -d' ' -f1)"
headers=$(tr -d '\r' <"$WORK/h1")
expect_match "released: 200" '^HTTP/1.1 200' "$headers"
expect_eq "released: backend's body" "app /cold" "$(cat "$WORK/b1")"
expect_match "released: X-Keda-Http-Cold-Start: true" '^X-Keda-Http-Cold-Start: true$' "$headers"
expect_match "released: Server-Timing cold-start;dur=<ms>" '^Server-Timing: cold-start;dur=[0-9]+$' "$headers"
expect_eq "released: the held request's body was kept and forwarded" "got[held-body]" "$(cat "$WORK/b2")"
expect_eq "a second request on the held connection: answered on it" "app /cold-next|1 0" \
  "$(cat "$WORK/b1b")|$(paste -sd' ' "$WORK/c1-connects")"
expect_match "the second request was not a cold start" '^X-Keda-Http-Cold-Start: false$' "$headers"
expect_match "released POST: cold start too" '^X-Keda-Http-Cold-Start: true' "$(tr -d '\r' <"$WORK/h2")"
wait_reload "$generation"

headers=$(curl -sS -D - -o /dev/null -H "Host: app.test" "$PROXY/warm" | tr -d '\r')
expect_match "warm: X-Keda-Http-Cold-Start: false" '^X-Keda-Http-Cold-Start: false$' "$headers"
expect_no_match "warm: no Server-Timing" '^Server-Timing' "$headers"
expect_eq "/queue: app RequestCount 5, Concurrency back to 0" "5 0" \
  "$(queue_field default/app RequestCount) $(queue_field default/app Concurrency)"
expect_eq "kedahttp_held_requests back to 0" 0 "$(metric kedahttp_held_requests)"

# The app scales back to zero: requests are held again.
generation=$(routes_generation)
endpoints app "$B1" false | put app-slice.yaml
wait_reload "$generation"
curl -sS --max-time 60 -D "$WORK/h3" -o "$WORK/b3" -H "Host: app.test" "$PROXY/again" &
c3=$!
PIDS+=("$c3")
held_one() { [ "$(queue_field default/app Concurrency)" = 1 ]; }
wait_for "held again after scale-to-zero" 10 held_one
ok "held again after scale-to-zero"
endpoints app "$B1" true | put app-slice.yaml
wait "$c3" || fail "second cold start failed"
expect_match "second cold start: 200 with cold-start true" '^X-Keda-Http-Cold-Start: true' "$(tr -d '\r' <"$WORK/h3")"

# --- readiness timeout: 504 ---------------------------------------------------------------
out=$(curl -sS --max-time 30 -w '%{http_code}' -H "Host: slow.test" "$PROXY/")
expect_eq "readiness timeout: 504 Gateway Timeout" "$(printf 'Gateway Timeout\n504')" "$out"
out=$(curl -sS --max-time 30 -w '%{http_code}' -H "Host: deadline.test" "$PROXY/")
expect_eq "request timeout while held: 504" "$(printf 'Gateway Timeout\n504')" "$out"
expect_eq "/queue: the timed-out requests were counted" "1 0" \
  "$(queue_field default/slow RequestCount) $(queue_field default/slow Concurrency)"

# --- fallback ------------------------------------------------------------------------------
out=$(curl -sS --max-time 30 -D "$WORK/h" -H "Host: fb.test" "$PROXY/fb?x=1")
expect_eq "fallback: served by the fallback Service after the readiness timeout" "fallback /fb?x=1 host=fb.test" "$out"
expect_no_match "fallback: no cold-start header" '^X-Keda-Http-Cold-Start' "$(cat "$WORK/h")"
expect_eq "fallback: counted against the primary route" 1 "$(queue_field default/fb RequestCount)"

# --- placeholder -----------------------------------------------------------------------------
out=$(curl -sS --max-time 30 -D "$WORK/h" -H "Host: ph.test" "$PROXY/")
headers=$(tr -d '\r' <"$WORK/h")
expect_match "placeholder: its status (and it wins over the fallback)" '^HTTP/1.1 418 ' "$headers"
expect_eq "placeholder: its body" "<h1>Loading</h1>" "$out"
expect_match "placeholder: its headers" '^X-Placeholder: yes$' "$headers"
expect_match "placeholder: body sniffed as HTML" '^Content-Type: text/html; charset=utf-8$' "$headers"
expect_no_match "placeholder: no cold-start header" '^X-Keda-Http-Cold-Start' "$headers"
expect_eq "placeholder: counted (it drives the scale-up)" 1 "$(queue_field default/ph RequestCount)"
endpoints phapp "$B1" true | put phapp-slice.yaml
wait_for "phapp ready" 10 bash -c "[ \"\$(curl -sS -H 'Host: ph.test' $PROXY/ph)\" = 'app /ph' ]"
ok "placeholder: once the target is ready, requests are forwarded"

# --- metrics of all that ---------------------------------------------------------------------
metrics=$(curl -sS "$METRICS_URL/metrics")
expect_match "metrics: 504 of route slow" '^interceptor_request_count_total\{code="504",method="GET",route_name="slow",route_namespace="default"\} 1$' "$metrics"
expect_match "metrics: 418 of route ph" '^interceptor_request_count_total\{code="418",method="GET",route_name="ph",route_namespace="default"\} 1$' "$metrics"
expect_match "metrics: 200 of route app" '^interceptor_request_count_total\{code="200",method="GET",route_name="app",route_namespace="default"\} 4$' "$metrics"
expect_match "metrics: held request durations include the wait" \
  '^interceptor_request_duration_seconds_bucket\{code="504",method="GET",route_name="slow",route_namespace="default",le="0.5"\} 0$' "$metrics"
