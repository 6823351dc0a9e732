#!/usr/bin/env bash
# Configuration from upstream's environment variables (spec/interceptor.md 5.1): ports,
# the cold-start header switch, timeouts, the deprecated names that override the new
# ones, a flag winning over the environment, /metrics off, and a bad value refused.
source "$(dirname "$0")/lib.sh" "$@"
need curl

read -r B1 < <(free_ports 1)
export B1
start_nginx <<'EOF2'
server {
  listen 127.0.0.1:@B1@;
  location / { return 200 "app\n"; }
}
EOF2
wait_listening "$B1"
{ service app; route app app.test app; endpoints app "$B1"; service cold; route cold cold.test cold; } | put routes.yaml

# run_with_env VAR=VALUE... -- FLAG...: kedahttp with ports from the environment only
# (no --port/--admin-port/--metrics-port flags); sets PORT, ADMIN, METRICS, KPID.
run_with_env() {
  local env_vars=()
  while [ "$1" != "--" ]; do env_vars+=("$1"); shift; done
  shift
  read -r PORT ADMIN METRICS < <(free_ports 3)
  env KEDA_HTTP_PROXY_PORT="$PORT" KEDA_HTTP_ADMIN_PORT="$ADMIN" OTEL_PROM_EXPORTER_PORT="$METRICS" "${env_vars[@]}" \
    "$KEDAHTTP" serve --bind 127.0.0.1 --shutdown-delay 0s --manifests "$MANIFESTS" "$@" >"$WORK/kedahttp.log" 2>&1 &
  KPID=$!
  PIDS+=("$KPID")
  wait_for "kedahttp ready on the ports from the environment" 10 \
    curl -sf --max-time 2 "http://127.0.0.1:$ADMIN/readyz"
}

stop() { kill -TERM "$KPID"; wait "$KPID" 2>/dev/null || true; }

# time_of HOST: "<status> fast|slow" of a request for HOST: fast is under 20 s, far from
# the 60 s a losing setting would give, and far above the 1 s a winning one gives.
time_of() {
  curl -s -o /dev/null --max-time 70 -w '%{http_code} %{time_total}' -H "Host: $1" "http://127.0.0.1:$PORT/" \
    | awk '{ printf "%s %s", $1, ($2 < 20 ? "fast" : "slow") }'
}

# Ports, cold-start header off, readiness timeout, all from the environment.
run_with_env KEDA_HTTP_ENABLE_COLD_START_HEADER=false KEDA_HTTP_READINESS_TIMEOUT=1s --
headers=$(curl -sS --max-time 10 -D - -o /dev/null -H 'Host: app.test' "http://127.0.0.1:$PORT/" | tr -d '\r')
expect_match "KEDA_HTTP_PROXY_PORT: proxied" '^HTTP/1.1 200 OK$' "$headers"
expect_no_match "KEDA_HTTP_ENABLE_COLD_START_HEADER=false: no cold-start header" '^X-Keda-Http-Cold-Start' "$headers"
expect_match "OTEL_PROM_EXPORTER_PORT: metrics there" '^interceptor_request_count_total' \
  "$(curl -sS --max-time 5 "http://127.0.0.1:$METRICS/metrics")"
expect_eq "KEDA_HTTP_READINESS_TIMEOUT=1s: 504 after about a second, not a minute" "504 fast" "$(time_of cold.test)"
stop

# The deprecated KEDA_CONDITION_WAIT_TIMEOUT overrides KEDA_HTTP_READINESS_TIMEOUT when set.
run_with_env KEDA_HTTP_READINESS_TIMEOUT=60s KEDA_CONDITION_WAIT_TIMEOUT=1s --
expect_eq "KEDA_CONDITION_WAIT_TIMEOUT=1s wins over KEDA_HTTP_READINESS_TIMEOUT=60s" "504 fast" "$(time_of cold.test)"
expect_match "and a deprecation warning is logged" 'KEDA_CONDITION_WAIT_TIMEOUT is deprecated' "$(cat "$WORK/kedahttp.log")"
stop

# A flag wins over the environment; the default cold-start header is on.
run_with_env KEDA_HTTP_READINESS_TIMEOUT=60s OTEL_PROM_EXPORTER_ENABLED=false -- --readiness-timeout 1s
expect_eq "--readiness-timeout 1s wins over KEDA_HTTP_READINESS_TIMEOUT=60s" "504 fast" "$(time_of cold.test)"
expect_match "cold-start header on by default" '^X-Keda-Http-Cold-Start: false' \
  "$(curl -sS --max-time 10 -D - -o /dev/null -H 'Host: app.test' "http://127.0.0.1:$PORT/" | tr -d '\r')"
expect_eq "OTEL_PROM_EXPORTER_ENABLED=false: nothing on the metrics port" "000" \
  "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$METRICS/metrics" || true)"
stop

# A bad value is refused before anything starts.
set +e
msg=$(KEDA_HTTP_REQUEST_TIMEOUT=soon "$KEDAHTTP" serve --manifests "$MANIFESTS" 2>&1)
rc=$?
set -e
expect_eq "a bad KEDA_HTTP_REQUEST_TIMEOUT exits 2" 2 "$rc"
expect_match "and says why" 'request timeout "soon": time: invalid duration "soon"' "$msg"
