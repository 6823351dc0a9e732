# shellcheck shell=bash
# Shared helpers of scripts/bench/proxy.sh and hold.sh (sourced, not run).

bench_pids=()
bench_tmp=""

# Stops every process the benchmark started, by PID (TERM, then KILL after a second), and
# removes the scratch directory unless KEEP is set.
bench_cleanup() {
  local pid
  for pid in "${bench_pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for _ in $(seq 1 20); do
    local alive=0
    for pid in "${bench_pids[@]}"; do
      kill -0 "$pid" 2>/dev/null && alive=1
    done
    ((alive)) || break
    sleep 0.05
  done
  for pid in "${bench_pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ -n "$bench_tmp" ] && [ -z "${KEEP:-}" ]; then
    rm -rf "$bench_tmp"
  elif [ -n "$bench_tmp" ]; then
    echo "kept $bench_tmp" >&2
  fi
}

# Benchmarks on 2 cores are meaningless while a compiler runs: wait (up to 15 min) for it to end.
bench_wait_for_builds() {
  local waited=0
  while pgrep -x cc1plus >/dev/null || pgrep -x collect2 >/dev/null || pgrep -x cc1 >/dev/null; do
    ((waited == 0)) && echo "waiting for a running build (cc1plus) to finish before measuring ..." >&2
    sleep 2
    waited=$((waited + 2))
    if ((waited > 900)); then
      echo "a build is still running after 15 minutes; giving up" >&2
      exit 3
    fi
  done
  ((waited == 0)) || echo "waited ${waited}s for a build to finish" >&2
  return 0
}

# bench_raise_nofile N: the soft open-files limit up to N (or the hard limit).
bench_raise_nofile() {
  local want=$1 hard
  hard=$(ulimit -Hn)
  [ "$hard" = unlimited ] || ((want <= hard)) || want=$hard
  ulimit -n "$want"
}

# bench_wait_port PORT [SECONDS]: until something accepts on 127.0.0.1:PORT.
bench_wait_port() {
  local port=$1 limit=${2:-10}
  for _ in $(seq 1 $((limit * 20))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on 127.0.0.1:$port after ${limit}s" >&2
  return 1
}

# bench_port_free PORT: fails when something already listens there.
bench_port_free() {
  if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
    echo "127.0.0.1:$1 is already in use; set BASE_PORT to another range" >&2
    return 1
  fi
}

# bench_pid_tree PID: PID and its children (nginx master + workers).
bench_pid_tree() {
  echo "$1"
  pgrep -P "$1" || true
}

# bench_rss_kib PID...: the sum of VmRSS, KiB.
bench_rss_kib() {
  local total=0 pid v
  for pid in "$@"; do
    v=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# bench_threads PID...: the sum of Threads.
bench_threads() {
  local total=0 pid v
  for pid in "$@"; do
    v=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# bench_cpu_ticks PID...: utime + stime of the processes, clock ticks.
bench_cpu_ticks() {
  local total=0 pid v
  for pid in "$@"; do
    v=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# nginx_conf DIR PORT BODY: an nginx.conf (worker_processes 1, no access log) in DIR whose
# server block on 127.0.0.1:PORT has BODY as its location / content.
bench_nginx_conf() {
  local dir=$1 port=$2 body=$3 extra_http=${4:-} log=${5:-off}
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<NGINX
worker_processes 1;
worker_rlimit_nofile 20000;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events {
  worker_connections 8192;
}
http {
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  log_format bench '\$msec \$status';
  access_log $log;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
$extra_http
  server {
    listen 127.0.0.1:$port backlog=4096;
    location / {
$body
    }
  }
}
NGINX
}

# bench_other_ticks PID...: CPU ticks (utime + stime + reaped children's) of every process on the
# machine except the given ones: what other work costs while a benchmark runs.
bench_other_ticks() {
  local exclude=" $* "
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v exclude="$exclude" '{
    pid = $1
    if (index(exclude, " " pid " ")) next
    sub(/^.*\) /, "")
    total += $12 + $13 + $14 + $15
  } END { printf "%d\n", total }'
}

# bench_wait_quiet PID...: waits (up to 15 minutes) until the processes other than the given ones
# use less than QUIET_PCT (default 10) % of a core over half a second: another session's build or
# tests on 2 cores would spoil the measurement.
bench_wait_quiet() {
  local hz limit=${QUIET_PCT:-10} waited=0 o0 o1 pct
  hz=$(getconf CLK_TCK)
  while :; do
    o0=$(bench_other_ticks $$ "$@")
    sleep 0.5
    o1=$(bench_other_ticks $$ "$@")
    pct=$(((o1 - o0) * 100 * 2 / hz))
    ((pct < limit)) && break
    ((waited == 0)) && echo "waiting for other processes to go quiet (${pct}% of a core) ..." >&2
    waited=$((waited + 1))
    if ((waited > 1800)); then
      echo "the machine stayed busy for 15 minutes; measuring anyway" >&2
      break
    fi
  done
  ((waited == 0)) || echo "waited about $((waited * 6 / 10))s for other processes to go quiet" >&2
  return 0
}

# bench_route_manifests DIR PORT: DIR/bench.yaml for kedahttp serve: an InterceptorRoute for Host
# bench.local, its Service, and an EndpointSlice whose one ready endpoint is 127.0.0.1:PORT.
bench_route_manifests() {
  mkdir -p "$1"
  cat >"$1/bench.yaml" <<YAML
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata: {name: bench, namespace: bench}
spec:
  target: {service: bench, port: 8080}
  scalingMetric: {concurrency: {targetValue: 100}}
  rules: [{hosts: [bench.local]}]
---
apiVersion: v1
kind: Service
metadata: {name: bench, namespace: bench}
spec:
  ports: [{name: http, port: 8080, targetPort: $2}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: bench-1
  namespace: bench
  labels: {kubernetes.io/service-name: bench}
addressType: IPv4
ports: [{name: http, port: $2, protocol: TCP}]
endpoints: [{addresses: [127.0.0.1], conditions: {ready: true}}]
YAML
}
