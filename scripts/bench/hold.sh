#!/usr/bin/env bash
# Benchmark: 10,000 requests held for a target at zero, then one ready endpoint appears.
#
#   backend    nginx, worker_processes 1, `return 200 "ok"`, access log with $msec (when each
#              forwarded request reached it)
#   kedahttp   `kedahttp serve` with default settings (only --bind 127.0.0.1 and the ports set),
#              --manifests DIR with an InterceptorRoute for Host hold.local, its Service, and an
#              EndpointSlice whose only endpoint is not ready
#   client     build/bench/holdclient (scripts/bench/holdclient.cpp): N connections, one GET each,
#              opened in batches, all held at once
#
# Steps: idle RSS of kedahttp -> open N requests -> wait for /metrics kedahttp_held_requests = N ->
# RSS with N held -> the client renames an EndpointSlice with one ready endpoint over the old one
# (write tmp + rename, wall clock before/after) -> every response's first byte, wall clock.
# Reports: all served (200s), RSS per held request above idle, time to the first response and
# p50/p99/max, measured from the rename and from kedahttp's "manifests reloaded" log line, and when
# the first forwarded request reached the backend (its access log, ms resolution).
#
# Before starting and again before the readiness change, the script waits for running compilers
# and for other processes to go quiet (QUIET_PCT, default 10 % of a core): 2 shared cores.
#
# Usage: scripts/bench/hold.sh [N]   (default 10000, about 15 s)
#   env: BASE_PORT=28180, BATCH=500 (connections opened at a time), KEEP=1 keeps the scratch dir;
#   diagnosis only (their timings are not figures): PERF=1 profiles kedahttp over the release into
#   build/bench/hold-perf.txt, STRACE=1 writes its syscall timeline to build/bench/hold-strace.txt
#   (small N), MALLOC_STATS=1 has glibc print its heap totals (idle, held) into kedahttp's log (gdb).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

count=${1:-10000}
batch=${BATCH:-500}
base=${BASE_PORT:-28180}
backend_port=$base
proxy_port=$((base + 3))
admin_port=$((base + 13))
metrics_port=$((base + 14))
kedahttp=build/apps/kedahttp/kedahttp
client=build/bench/holdclient

[ -x "$kedahttp" ] || { echo "build kedahttp first: scripts/setup.sh" >&2; exit 2; }
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "run scripts/bench/install-tools.sh first" >&2; exit 2; }
export PATH=$PATH:/usr/sbin
for port in $backend_port $proxy_port $admin_port $metrics_port; do bench_port_free "$port"; done

mkdir -p build/bench
if [ ! -x "$client" ] || [ scripts/bench/holdclient.cpp -nt "$client" ]; then
  g++ -std=c++20 -O2 -Wall -Wextra -o "$client" scripts/bench/holdclient.cpp
fi

bench_raise_nofile 20000
if (($(ulimit -n) < count + 200)); then
  echo "open-files limit $(ulimit -n) is too low for $count held requests" >&2
  exit 2
fi

bench_tmp=$(mktemp -d /tmp/kedahttp-hold.XXXXXX)
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
# kedahttp also watches the parent of a --manifests directory (to see it replaced as a whole):
# keep that parent free of the files written during the run (logs), so they wake nothing.
manifests=$bench_tmp/watched/manifests
mkdir -p "$manifests"

bench_nginx_conf "$bench_tmp/backend" "$backend_port" '      return 200 "ok";' "" "$bench_tmp/backend/access.log bench"

cat >"$manifests/route.yaml" <<YAML
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata:
  name: hold
  namespace: bench
spec:
  target:
    service: hold
    port: 8080
  scalingMetric:
    concurrency:
      targetValue: 100
  rules:
  - hosts: [hold.local]
---
apiVersion: v1
kind: Service
metadata:
  name: hold
  namespace: bench
spec:
  ports:
  - name: http
    port: 8080
    targetPort: $backend_port
YAML
slice() { # slice READY
  cat <<YAML
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: hold-1
  namespace: bench
  labels:
    kubernetes.io/service-name: hold
addressType: IPv4
ports:
- name: http
  port: $backend_port
  protocol: TCP
endpoints:
- addresses: [127.0.0.1]
  conditions:
    ready: $1
YAML
}
slice false >"$manifests/endpointslice.yaml"
# The ready version waits outside the watched directory (same filesystem, so rename is atomic).
slice true >"$bench_tmp/watched/endpointslice.ready.yaml"

bench_wait_for_builds
bench_wait_quiet

nginx -c "$bench_tmp/backend/nginx.conf" -p "$bench_tmp/backend" &
backend_pid=$!
bench_pids+=("$backend_pid")
"$kedahttp" serve --manifests "$manifests" --bind 127.0.0.1 --port "$proxy_port" --admin-port "$admin_port" \
  --metrics-port "$metrics_port" >"$bench_tmp/kedahttp.log" 2>&1 &
kedahttp_pid=$!
bench_pids+=("$kedahttp_pid")
bench_wait_port "$backend_port"
bench_wait_port "$proxy_port"
bench_wait_port "$metrics_port"

listen_drops() { # TcpExt ListenOverflows + ListenDrops: connections the accept queues refused
  awk '/^TcpExt:/ { if (!h) { for (i = 1; i <= NF; i++) col[$i] = i; h = 1 } else print $col["ListenOverflows"] + $col["ListenDrops"] }' /proc/net/netstat
}
held() { curl -s --max-time 2 "http://127.0.0.1:$metrics_port/metrics" | awk '$1 == "kedahttp_held_requests" {print $2}'; }
ready=$(curl -s --max-time 2 "http://127.0.0.1:$admin_port/debug/routes" | python3 -c 'import json,sys; print(json.load(sys.stdin)["routes"][0]["ready"])')
[ "$ready" = False ] || { echo "the target should start not ready (got ready=$ready)" >&2; exit 1; }

sleep 1
idle_kib=$(bench_rss_kib "$kedahttp_pid")
if [ -n "${MALLOC_STATS:-}" ]; then
  gdb -p "$kedahttp_pid" -batch -ex 'call (void)malloc_stats()' >/dev/null 2>&1 || true
fi
idle_threads=$(bench_threads "$kedahttp_pid")
sockstat_idle=$(grep '^TCP:' /proc/net/sockstat)
echo "hold.sh: $count requests, batches of $batch; kedahttp $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet -- libinterceptor apps 2>/dev/null || echo '+changes') built $(date -u -r build/libinterceptor/libinterceptor.so +%FT%TZ 2>/dev/null || echo '?'); $(nginx -v 2>&1 | sed 's/.*version: //'); $(nproc) cores"
echo "kedahttp pid $kedahttp_pid: idle RSS ${idle_kib} KiB, ${idle_threads} threads; somaxconn $(cat /proc/sys/net/core/somaxconn) (unchanged)"

drops0=$(listen_drops)
# The client: opens the requests, then waits for SIGUSR1 to rename the ready slice into place.
"$client" --port "$proxy_port" --host hold.local --count "$count" --batch "$batch" \
  --rename "$bench_tmp/watched/endpointslice.ready.yaml" "$manifests/endpointslice.yaml" \
  --arrivals "$bench_tmp/arrivals.txt" --connect-deadline 60 --trigger-deadline 1200 --response-deadline 60 \
  >"$bench_tmp/client.out" 2>"$bench_tmp/client.err" &
client_pid=$!
bench_pids+=("$client_pid")

t0=$(date +%s.%N)
for _ in $(seq 1 1200); do # 60 s
  grep -q '^sent' "$bench_tmp/client.out" && break
  kill -0 "$client_pid" 2>/dev/null || break
  sleep 0.05
done
grep -q '^sent' "$bench_tmp/client.out" || { echo "the client did not open its requests:" >&2; cat "$bench_tmp/client.err" >&2; exit 1; }
t_sent=$(date +%s.%N)
n=0
for _ in $(seq 1 600); do # 60 s
  n=$(held)
  [ "${n:-0}" -ge "$count" ] && break
  sleep 0.1
done
t_held=$(date +%s.%N)
echo "kedahttp_held_requests $n after $(python3 -c "print(f'{$t_sent - $t0:.2f}')") s to send, $(python3 -c "print(f'{$t_held - $t_sent:.2f}')") s more until held"
if [ "${n:-0}" -lt "$count" ]; then
  echo "only $n of $count requests held" >&2
fi
# A compiler (or another session's tests) on 2 cores spoils the timings: wait for it to end.
bench_wait_for_builds
mapfile -t backend_pids < <(bench_pid_tree "$backend_pid")
bench_wait_quiet "$kedahttp_pid" "${backend_pids[@]}" "$client_pid"
sleep 1 # let allocations settle, then sample
cpu0=$(bench_cpu_ticks "$kedahttp_pid")
sleep 1
cpu1=$(bench_cpu_ticks "$kedahttp_pid")
held_kib=$(bench_rss_kib "$kedahttp_pid")
if [ -n "${MALLOC_STATS:-}" ]; then # glibc's per-arena totals, idle then held, into the log (diagnosis only)
  gdb -p "$kedahttp_pid" -batch -ex 'call (void)malloc_stats()' \
    -ex 'call (int)malloc_info(0, *(void**)&stderr)' >/dev/null 2>&1 || true
fi
held_threads=$(bench_threads "$kedahttp_pid")
sockstat_held=$(grep '^TCP:' /proc/net/sockstat)
drops1=$(listen_drops)
n_before=$(held)

build_during=""
pgrep -x cc1plus >/dev/null && build_during="WARNING: a compiler was running at the readiness change; timings are not meaningful"
other0=$(bench_other_ticks $$ "$kedahttp_pid" "${backend_pids[@]}" "$client_pid")
k0=$(bench_cpu_ticks "$kedahttp_pid")
perf_pid=""
if [ -n "${STRACE:-}" ]; then # syscall timeline of kedahttp over the release, us resolution (small N only)
  strace -f --seccomp-bpf -tt -T -p "$kedahttp_pid" -o "$bench_tmp/strace.txt" \
    -e trace=read,inotify_add_watch,openat,connect,sendto,sendmsg,writev,write,recvfrom,recvmsg,epoll_wait,shutdown,close \
    2>/dev/null &
  perf_pid=$!
  bench_pids+=("$perf_pid")
  sleep 1
elif [ -n "${PERF:-}" ]; then # profile kedahttp over the release (the timings of such a run are not figures)
  perf record -F 2999 -g -p "$kedahttp_pid" -o "$bench_tmp/perf.data" >/dev/null 2>"$bench_tmp/perf.err" &
  perf_pid=$!
  bench_pids+=("$perf_pid")
  sleep 1
fi
r0=$(date +%s%N)
kill -USR1 "$client_pid"
client_rc=0
wait "$client_pid" || client_rc=$?
r1=$(date +%s%N)
k1=$(bench_cpu_ticks "$kedahttp_pid")
other1=$(bench_other_ticks $$ "$kedahttp_pid" "${backend_pids[@]}" "$client_pid" "$perf_pid")
if [ -n "${STRACE:-}" ]; then
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  cp "$bench_tmp/strace.txt" build/bench/hold-strace.txt
  echo "strace of the release: build/bench/hold-strace.txt"
elif [ -n "$perf_pid" ]; then
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  perf report -i "$bench_tmp/perf.data" --stdio --no-children --sort dso,symbol -g none --percent-limit 0.3 2>/dev/null \
    | grep -v '^$' >build/bench/hold-perf.txt || true
  echo "perf profile of the release: build/bench/hold-perf.txt"
fi
release_cpu=$(awk -v k=$((k1 - k0)) -v o=$((other1 - other0)) -v hz="$(getconf CLK_TCK)" -v ns=$((r1 - r0)) \
  'BEGIN { s = ns / 1e9; printf "kedahttp %.0f%%, other processes %.0f%% of one core over the %.2f s release", k / hz / s * 100, o / hz / s * 100, s }')
after_kib=$(bench_rss_kib "$kedahttp_pid")
sleep 0.5 # let the backend's log and kedahttp's log lines land

cat "$bench_tmp/client.out"
[ -s "$bench_tmp/client.err" ] && cat "$bench_tmp/client.err"
grep -E 'warn|error|critical' "$bench_tmp/kedahttp.log" | head -5 || true

python3 - "$bench_tmp" "$count" "$idle_kib" "$held_kib" "$after_kib" "$n_before" "$((cpu1 - cpu0))" "$(getconf CLK_TCK)" \
  "$idle_threads" "$held_threads" "$sockstat_idle" "$sockstat_held" "$client_rc" "$release_cpu" "$((drops1 - drops0))" <<'PY'
import datetime, re, sys
tmp, count, idle_kib, held_kib, after_kib, n_held, cpu_ticks, clk, idle_thr, held_thr, ss_idle, ss_held, client_rc, release_cpu, listen_drops = sys.argv[1:]
count, idle_kib, held_kib, after_kib, n_held = int(count), int(idle_kib), int(held_kib), int(after_kib), int(n_held)
out = open(f"{tmp}/client.out").read()
m = re.search(r"^rename (\d+) (\d+)", out, re.M)
rename_before, rename_after = int(m.group(1)), int(m.group(2))
done = dict(kv.split("=") for kv in re.search(r"^done (.*)$", out, re.M).group(1).split())
arrivals = sorted(int(line.split()[0]) for line in open(f"{tmp}/arrivals.txt") if line.strip())

# kedahttp's "manifests reloaded" line: spdlog's default pattern, local time, ms.
reload_ns = None
for line in open(f"{tmp}/kedahttp.log"):
    m = re.match(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\] \[info\] manifests reloaded", line)
    if m:
        t = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()
        reload_ns = round(t * 1000) * 1_000_000
        break
# The backend's access log: "$msec $status", written when the response was sent.
backend_ms = sorted(float(l.split()[0]) for l in open(f"{tmp}/backend/access.log") if l.strip())

def pct(values, p):
    if not values:
        return float("nan")
    k = max(0, min(len(values) - 1, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[k]

def ms(ns):
    return ns / 1e6

print()
print(f"| held requests | {n_held} of {count} (kedahttp_held_requests just before the change) |")
print(f"| served (200) | {done.get('ok')} of {count}; responses {done.get('responses')}, failed {done.get('failed')}, "
      f"pending {done.get('pending')}, before the change {done.get('early')}; "
      + ", ".join(f"{k}={v}" for k, v in done.items() if k.startswith('status_')) + " |")
print(f"| kedahttp RSS idle / {count} held / after release | {idle_kib/1024:.1f} / {held_kib/1024:.1f} / {after_kib/1024:.1f} MiB "
      f"(threads {idle_thr} / {held_thr}) |")
per = (held_kib - idle_kib) * 1024 / max(1, n_held)
print(f"| RSS per held request above idle | **{per:.0f} bytes** ({per/1024:.2f} KiB; goal < 2 KiB) |")
print(f"| kedahttp CPU while holding | {int(cpu_ticks) * 100 / int(clk):.1f}% of one core over 1 s |")
print(f"| accept-queue overflows/drops while connecting (TcpExt) | {listen_drops} (somaxconn {open('/proc/sys/net/core/somaxconn').read().strip()}, unchanged) |")
print(f"| kernel TCP (/proc/net/sockstat) idle / held | {ss_idle} / {ss_held} |")
print(f"| CPU during the release | {release_cpu} |")
print(f"| rename() took | {(rename_after - rename_before)/1e3:.0f} us |")
if reload_ns:
    print(f"| rename -> \"manifests reloaded\" log line | {ms(reload_ns - rename_after):.0f} ms (log has ms resolution) |")
if backend_ms:
    print(f"| rename -> first request at the backend (access log, ms) | {backend_ms[0]*1e3 - rename_after/1e6:.1f} ms |")
    if reload_ns:
        print(f"| reload log line -> first request at the backend | {backend_ms[0]*1e3 - reload_ns/1e6:+.0f} ms (both ms resolution) |")
    print(f"| backend saw | {len(backend_ms)} requests over {backend_ms[-1] - backend_ms[0]:.3f} s |")
print()
if arrivals:
    rel = [a - rename_after for a in arrivals]
    print("| response first byte, ms | first | p50 | p99 | max |")
    print("|---|---|---|---|---|")
    print(f"| from the rename | {ms(rel[0]):.1f} | {ms(pct(rel, 50)):.1f} | {ms(pct(rel, 99)):.1f} | {ms(rel[-1]):.1f} |")
    if reload_ns:
        rr = [a - reload_ns for a in arrivals]
        print(f"| from the \"manifests reloaded\" line (±1 ms) | {ms(rr[0]):.1f} | {ms(pct(rr, 50)):.1f} | "
              f"{ms(pct(rr, 99)):.1f} | {ms(rr[-1]):.1f} |")
ok = int(done.get("ok", 0)) == count
print()
print("all served" if ok else f"NOT all served (client exit {client_rc})")
PY
[ -z "$build_during" ] || echo "$build_during"
