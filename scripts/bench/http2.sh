#!/usr/bin/env bash
# Benchmark: HTTP/2 clients (h2c with prior knowledge) through kedahttp serve and through nginx,
# side by side in one run, both forwarding to the same HTTP/1.1 backend.
#
#   backend   nginx, worker_processes 1, `return 200 "ok"`
#   nginx     nginx, worker_processes 1, `listen ... http2` (h2c), proxy_pass to the backend with
#             upstream keepalive 1024, proxy_http_version 1.1
#   kedahttp  `kedahttp serve` (default workers = one per core), InterceptorRoute for bench.local
#
# Load: h2load -cC -m10 -D5 (C connections, 10 streams each at a time), `:authority: bench.local`,
# after a 1 s warm-up; targets alternate within each rep; medians over the reps. h2load comes from
# Debian's nghttp2-client (scripts/setup.sh installs it).
#
# Usage: scripts/bench/http2.sh [REPS]   (default 3; about a minute)
#   env: CONNS="16 200" STREAMS=10 DURATION=5 BASE_PORT=28380
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

reps=${1:-3}
conns_list=${CONNS:-16 200}
streams=${STREAMS:-10}
duration=${DURATION:-5}
base=${BASE_PORT:-28380}
backend_port=$base
declare -A port=([nginx]=$((base + 1)) [kedahttp]=$((base + 3)))
admin_port=$((base + 13))
metrics_port=$((base + 14))
kedahttp=build/apps/kedahttp/kedahttp
[ -x "$kedahttp" ] || { echo "build kedahttp first: scripts/setup.sh" >&2; exit 2; }
export PATH=$PATH:/usr/sbin
for tool in h2load nginx; do
  command -v $tool >/dev/null || { echo "$tool missing: run scripts/setup.sh" >&2; exit 2; }
done
for p in "$backend_port" "${port[@]}" $admin_port $metrics_port; do bench_port_free "$p"; done

bench_raise_nofile 20000
bench_tmp=$(mktemp -d /tmp/kedahttp-http2.XXXXXX)
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

bench_nginx_conf "$bench_tmp/backend" "$backend_port" '      return 200 "ok";'
bench_nginx_conf "$bench_tmp/nginx" "${port[nginx]}" '      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";' "  http2_max_concurrent_streams 250;
  upstream backend {
    server 127.0.0.1:$backend_port;
    keepalive 1024;
    keepalive_requests 1000000;
  }"
sed -i "s|listen 127.0.0.1:${port[nginx]} backlog=4096;|listen 127.0.0.1:${port[nginx]} backlog=4096 http2;|" \
  "$bench_tmp/nginx/nginx.conf"

manifests=$bench_tmp/watched/manifests
bench_route_manifests "$manifests" "$backend_port"

bench_wait_for_builds
declare -A pid
nginx -c "$bench_tmp/backend/nginx.conf" -p "$bench_tmp/backend" &
backend_pid=$!
bench_pids+=("$backend_pid")
nginx -c "$bench_tmp/nginx/nginx.conf" -p "$bench_tmp/nginx" &
pid[nginx]=$!
bench_pids+=("${pid[nginx]}")
"$kedahttp" serve --manifests "$manifests" --bind 127.0.0.1 --port "${port[kedahttp]}" --admin-port "$admin_port" \
  --metrics-port "$metrics_port" --shutdown-delay 0s --drain-timeout 1s >"$bench_tmp/kedahttp.log" 2>&1 &
pid[kedahttp]=$!
bench_pids+=("${pid[kedahttp]}")

bench_wait_port "$backend_port"
for t in nginx kedahttp; do
  bench_wait_port "${port[$t]}"
  body=$(curl -s --http2-prior-knowledge --max-time 2 -H 'Host: bench.local' -w ' %{http_version} %{http_code}' \
    "http://127.0.0.1:${port[$t]}/" || true)
  [ "$body" = "ok 2 200" ] || { echo "$t answers '$body', not 'ok 2 200' over h2c" >&2; exit 1; }
done

echo "http2.sh: $reps reps x conns {$conns_list} x $streams streams, ${duration}s each; $(h2load --version | head -1), $(nginx -v 2>&1 | sed 's/.*version: //'), kedahttp $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $(nproc) cores"
all_pids=("$backend_pid")
for t in nginx kedahttp; do mapfile -t -O "${#all_pids[@]}" all_pids < <(bench_pid_tree "${pid[$t]}"); done
results=$bench_tmp/results.tsv
: >"$results"
for rep in $(seq 1 "$reps"); do
  for c in $conns_list; do
    for t in nginx kedahttp; do
      url="http://127.0.0.1:${port[$t]}/"
      bench_wait_for_builds
      bench_wait_quiet "${all_pids[@]}"
      h2load -c"$c" -m"$streams" -D1 -H ':authority: bench.local' "$url" >/dev/null 2>&1 || true
      mapfile -t pids < <(bench_pid_tree "${pid[$t]}")
      h2load -c"$c" -m"$streams" -D"$duration" -H ':authority: bench.local' "$url" >"$bench_tmp/h2load.out" 2>&1 || true
      rss=$(bench_rss_kib "${pids[@]}")
      awk -v t="$t" -v c="$c" -v rep="$rep" -v rss="$rss" '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        /^finished in/ { gsub(",", ""); for (i = 1; i <= NF; i++) if ($(i + 1) == "req/s") rps = $i }
        /^requests:/ { ok = $8 + 0; failed = $10 + 0; errored = $12 + 0 }
        /^status codes:/ { s2xx = $3 + 0 }
        /^time for request:/ { mean = ms($6) }
        END { printf "%s\t%s\t%s\t%.0f\t%.3f\t%d\t%d\t%d\n", t, c, rep, rps, mean, rss, failed + errored, s2xx }
      ' "$bench_tmp/h2load.out" >>"$results"
      tail -1 "$results" | awk -F'\t' '{printf "  rep %s  c=%-4s %-9s %8s req/s  mean %6.2f ms  RSS %5.1f MiB  failed %s  2xx %s\n", $3, $2, $1, $4, $5, $6 / 1024, $7, $8}'
    done
  done
done

python3 - "$results" <<'PY'
import statistics, sys
from collections import defaultdict
runs = defaultdict(list)
for line in open(sys.argv[1]):
    t, c, rep, rps, mean, rss, failed, ok = line.split("\t")
    runs[(t, int(c))].append((float(rps), float(mean), int(rss), int(failed)))
print()
print("| conns x streams | nginx req/s (median) | kedahttp req/s (median) | kedahttp / nginx | mean latency kedahttp / nginx | RSS kedahttp / nginx | failed |")
print("|---|---|---|---|---|---|---|")
for c in sorted({c for _, c in runs}):
    n, k = runs[("nginx", c)], runs[("kedahttp", c)]
    med = lambda rs, i: statistics.median(r[i] for r in rs)
    print(f"| {c} x 10 | {med(n, 0):.0f} | {med(k, 0):.0f} | **{med(k, 0) / med(n, 0):.2f}** | "
          f"{med(k, 1):.2f} / {med(n, 1):.2f} ms | {max(r[2] for r in k) / 1024:.1f} / {max(r[2] for r in n) / 1024:.1f} MiB | "
          f"{sum(r[3] for r in k)} / {sum(r[3] for r in n)} |")
PY
