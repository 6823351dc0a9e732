#!/usr/bin/env bash
# --log-format json: every line kedahttp writes is one JSON object, including the
# access log (--log-requests) and a rejection whose reason is full of quotes.
source "$(dirname "$0")/lib.sh" "$@"
need curl
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
# Invalid: both port and portName (a reason with quotes in it).
cat <<'EOF2' | put bad.yaml
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata:
  name: "bad"
spec:
  target: {service: app, port: 8080, portName: http}
  scalingMetric: {concurrency: {targetValue: 1}}
EOF2
start_kedahttp --log-format json --log-requests true

expect_eq "a request through the proxy" "app" "$(curl -sS --max-time 10 -H 'Host: app.test' -H 'User-Agent: say "hi"' "$PROXY/x?q=1")"
wait_for "the access log line" 10 grep -q '/x HTTP/1.1' "$WORK/kedahttp.log"

check=$(python3 - "$WORK/kedahttp.log" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
docs = [json.loads(line) for line in lines]          # raises on the first invalid line
assert all(set(d) == {"time", "level", "msg"} for d in docs), docs
assert any("rejected" in d["msg"] and '"object"' in d["msg"] for d in docs), docs
access = [d for d in docs if "/x HTTP/1.1" in d["msg"]]
assert len(access) == 1 and '"say "hi""' in access[0]["msg"], access
print(f"{len(docs)} lines, all JSON")
PY
) || fail "log lines are not all JSON: $(cat "$WORK/kedahttp.log")"
expect_match "every log line parses as JSON" 'lines, all JSON$' "$check"
