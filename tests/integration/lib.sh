# shellcheck shell=bash
# Shared kit of the integration tests (tests/integration/<name>.sh), sourced by each:
#   source "$(dirname "$0")/lib.sh" "$@"      # $1: path of the kedahttp binary
# Everything runs on 127.0.0.1 with real sockets: nginx (Debian's nginx-light, with
# its echo module) and node `ws` backends, curl/python3/node clients, and
# `kedahttp serve` reading a manifest directory this kit writes. Ports are picked
# at random below the kernel's ephemeral range (so no client socket can take them)
# and checked free. Every process started here is killed by PID on exit, and the
# scratch directory removed (KEEP=1 keeps it, for debugging).
set -euo pipefail

KEDAHTTP=$(realpath "${1:?usage: $0 path/to/kedahttp}")
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kedahttp-it-$TEST_NAME.XXXXXX")
chmod 755 "$WORK" # nginx workers read and write here
MANIFESTS=$WORK/manifests
# Debian's python3 (a version manager's shim in front of it can take a second per start).
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
mkdir -p "$MANIFESTS"
PIDS=()
KPID=""
CHECKS=0

cleanup() {
  local rc=$?
  local pid
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$rc" -eq 0 ]; then
    echo "$TEST_NAME: $CHECKS checks passed"
  fi
  if [ "${KEEP:-0}" = 1 ]; then
    echo "kept $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

# --- assertions ---------------------------------------------------------------

fail() {
  echo "FAIL [$TEST_NAME]: $*" >&2
  local log
  for log in "$WORK"/kedahttp*.log "$WORK"/nginx-error.log "$WORK"/node*.log; do
    [ -s "$log" ] || continue
    echo "--- last lines of $(basename "$log")" >&2
    tail -n 25 "$log" >&2
  done
  exit 1
}

ok() {
  CHECKS=$((CHECKS + 1))
  echo "ok - $*"
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
  [ "$2" == "$3" ] || fail "$1: expected [$2], got [$3]"
  ok "$1"
}

# expect_match WHAT REGEX ACTUAL (grep -E, multi-line ACTUAL: any line)
expect_match() {
  grep -qE -- "$2" <<<"$3" || fail "$1: no line matches /$2/ in:
$3"
  ok "$1"
}

# expect_no_match WHAT REGEX ACTUAL
expect_no_match() {
  if grep -qiE -- "$2" <<<"$3"; then
    fail "$1: a line matches /$2/ in:
$3"
  fi
  ok "$1"
}

# wait_for WHAT SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds.
wait_for() {
  local what=$1 seconds=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${seconds}s waiting for: $what"
    sleep 0.1
  done
}

need() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] \
    || fail "$1 is not installed (scripts/setup.sh installs it)"
}

# --- ports --------------------------------------------------------------------

# free_ports N: N distinct ports in 20000-32767 that nothing listens on now.
free_ports() {
  "$PYTHON" - "$1" <<'PY'
import random, socket, sys
n, chosen = int(sys.argv[1]), []
while len(chosen) < n:
    port = random.randint(20000, 32767)
    if port in chosen:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        chosen.append(port)
    except OSError:
        pass
    finally:
        s.close()
print(" ".join(map(str, chosen)))
PY
}

# --- backends -----------------------------------------------------------------

NGINX_MODULE=/usr/lib/nginx/modules/ngx_http_echo_module.so

# start_nginx < CONFIG: runs nginx in the foreground with the `server { ... }` blocks
# read from stdin inside an http block whose logs and temp files live in $WORK.
# @NAME@ in CONFIG is replaced by the value of the exported variable NAME.
start_nginx() {
  need nginx
  [ -f "$NGINX_MODULE" ] || fail "nginx's echo module is missing (Debian package libnginx-mod-http-echo, pulled in by nginx-light)"
  mkdir -p "$WORK/nginx-body" "$WORK/nginx-proxy"
  cat >"$WORK/nginx.conf" <<EOF
load_module $NGINX_MODULE;
daemon off;
user root root;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 512; }
http {
  access_log $WORK/nginx-access.log;
  client_body_temp_path $WORK/nginx-body;
  proxy_temp_path $WORK/nginx-proxy;
  fastcgi_temp_path $WORK/nginx-proxy;
  uwsgi_temp_path $WORK/nginx-proxy;
  scgi_temp_path $WORK/nginx-proxy;
  default_type text/plain;
  keepalive_requests 100000;
  server_tokens off;
$(perl -pe 's/@([A-Z][A-Z0-9_]*)@/exists $ENV{$1} ? $ENV{$1} : die "unset: $1\n"/ge')
}
EOF
  /usr/sbin/nginx -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log" &
  NGINX_PID=$!
  PIDS+=("$NGINX_PID")
}

# wait_listening PORT...: until each port accepts connections (10 s).
wait_listening() {
  local port
  for port in "$@"; do
    wait_for "127.0.0.1:$port to listen" 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"
  done
}

# --- manifests ----------------------------------------------------------------

# put FILE: writes stdin to $MANIFESTS/FILE atomically (a temporary file renamed over it).
put() {
  cat >"$MANIFESTS/.$1.tmp"
  mv -f "$MANIFESTS/.$1.tmp" "$MANIFESTS/$1"
}

# service NAME [APP_PROTOCOL]: a Service in namespace default with port 8080 named http
# (and that appProtocol, e.g. kubernetes.io/h2c).
service() {
  cat <<EOF
---
apiVersion: v1
kind: Service
metadata:
  name: $1
  namespace: default
spec:
  ports:
    - name: http
      port: 8080
      targetPort: 8080${2:+
      appProtocol: $2}
EOF
}

# endpoints SERVICE BACKEND_PORT [true|false]: an EndpointSlice of SERVICE with one
# endpoint, 127.0.0.1:BACKEND_PORT (port named http), ready or not.
endpoints() {
  cat <<EOF
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: $1-abcde
  namespace: default
  labels:
    kubernetes.io/service-name: $1
addressType: IPv4
endpoints:
  - addresses: ["127.0.0.1"]
    conditions:
      ready: ${3:-true}
ports:
  - name: http
    port: $2
    protocol: TCP
EOF
}

# route NAME HOST SERVICE [EXTRA]: an InterceptorRoute for HOST (all paths) to
# SERVICE:8080; EXTRA is YAML appended under spec (indented by two spaces).
route() {
  cat <<EOF
---
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata:
  name: $1
  namespace: default
spec:
  target:
    service: $3
    port: 8080
  rules:
    - hosts: ["$2"]
  scalingMetric:
    concurrency:
      targetValue: 100
${4:-}
EOF
}

# --- kedahttp -----------------------------------------------------------------

# start_kedahttp [FLAGS...]: serve $MANIFESTS on fresh ports (--shutdown-delay
# $SHUTDOWN_DELAY, 0s by default), wait for /readyz 200.
# Sets KPID, PORT, ADMIN, METRICS, PROXY (base URL), ADMIN_URL, METRICS_URL.
start_kedahttp() {
  read -r PORT ADMIN METRICS < <(free_ports 3)
  PROXY=http://127.0.0.1:$PORT
  ADMIN_URL=http://127.0.0.1:$ADMIN
  METRICS_URL=http://127.0.0.1:$METRICS
  "$KEDAHTTP" serve --bind 127.0.0.1 --port "$PORT" --admin-port "$ADMIN" --metrics-port "$METRICS" \
    --shutdown-delay "${SHUTDOWN_DELAY:-0s}" --workers 2 --manifests "$MANIFESTS" "$@" >"$WORK/kedahttp.log" 2>&1 &
  KPID=$!
  PIDS+=("$KPID")
  local deadline=$((SECONDS + 10))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$ADMIN_URL/readyz" 2>/dev/null)" = 200 ]; do
    kill -0 "$KPID" 2>/dev/null || fail "kedahttp exited before it was ready"
    [ "$SECONDS" -lt "$deadline" ] || fail "kedahttp not ready after 10 s"
    sleep 0.1
  done
}

# queue_field KEY FIELD: a number from /queue ("default/app" "Concurrency").
queue_field() {
  curl -sS --max-time 10 "$ADMIN_URL/queue" | "$PYTHON" -c \
    'import json, sys; print(json.load(sys.stdin).get(sys.argv[1], {}).get(sys.argv[2], "absent"))' "$1" "$2"
}

# metric 'NAME{LABELS}': its value on /metrics (0 when the series is absent).
metric() {
  curl -sS --max-time 10 "$METRICS_URL/metrics" | awk -v series="$1" 'index($0, series " ") == 1 { v = $NF } END { print (v == "" ? 0 : v) }'
}

# routes_generation: the manifest generation the control plane serves.
routes_generation() {
  curl -sS --max-time 10 "$ADMIN_URL/debug/routes" | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["generation"])'
}

generation_above() {
  [ "$(routes_generation)" -gt "$1" ]
}

# wait_reload OLD_GENERATION: until a newer generation is served.
wait_reload() {
  wait_for "a manifest reload after generation $1" 10 generation_above "$1"
}

# raw HOST_PORT: sends stdin as is over one TCP connection, prints everything the
# server sends back (CRLF shown as LF) until it closes or is quiet for RAW_QUIET s (2),
# then a last line "[closed]" or "[open]".
raw() {
  "$PYTHON" -c '
import os, socket, sys
host, port = sys.argv[1].rsplit(":", 1)
data = sys.stdin.buffer.read()
s = socket.create_connection((host, int(port)), timeout=10)
s.sendall(data)
s.settimeout(float(os.environ.get("RAW_QUIET", "2")))
out, end = b"", b"[closed]"
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
except socket.timeout:
    end = b"[open]"
except ConnectionResetError:
    pass
sys.stdout.buffer.write(out.replace(b"\r\n", b"\n") + b"\n" + end + b"\n")
' "$1"
}
