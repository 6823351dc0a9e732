#!/usr/bin/env bash
# Benchmark: kedahttp serve as a reverse proxy next to nginx and Go's httputil.ReverseProxy,
# side by side in one run (shared/spec/dependencies.md 3.1 is the baseline this follows).
#
#   direct    the backend itself: nginx, worker_processes 1, `return 200 "ok"`
#   nginx     nginx as a reverse proxy, worker_processes 1, upstream keepalive 1024,
#             proxy_http_version 1.1, Connection ""
#   go        build/bench/goproxy (scripts/bench/goproxy): httputil.NewSingleHostReverseProxy,
#             Transport with MaxIdleConns = MaxIdleConnsPerHost = 1024, Debian's golang-go
#   kedahttp  `kedahttp serve` (default workers = one per core) with an InterceptorRoute for Host
#             bench.local and an EndpointSlice whose one ready endpoint is the backend
#
# Both nginx get worker_connections 8192, listen backlog 4096 (kedahttp's) and keepalive_requests
# 1000000, so that no side closes connections the others keep (nginx's default is 1000).
# Load: wrk -t2 -cC -dDs --timeout 3s --latency -H 'Host: bench.local', C in CONNS. Each rep loops
# over the conn counts and, within each, over the targets (so targets alternate), with a 1 s
# warm-up before every measured run. RSS and threads of the target (nginx: master + worker) are
# sampled 3 s into each run; CPU (% of one core) over the run for the target, the backend, wrk, the
# kernel's softirq time, and "other" (anything else running on the machine spoils the run). A run
# during which a compiler started or other processes used more than MAX_OTHER (15) % of a core is measured
# again (up to 3 tries); before each run the script waits for the machine to be quiet (QUIET_PCT).
# Prints one table; medians over the reps.
#
# Usage: scripts/bench/proxy.sh [REPS]   (default 3; about 3 minutes on a quiet machine)
#   env: CONNS="64 1000" DURATION=5 TARGETS="direct nginx go kedahttp" BASE_PORT=28080 KEEP=1
#        KEDAHTTP=path/to/kedahttp (another build, e.g. of an older commit, for an A/B comparison)
#        KEDAHTTP_FLAGS="--workers 1" (extra serve flags, for experiments; the README's figures use none)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

reps=${1:-3}
conns_list=${CONNS:-64 1000}
duration=${DURATION:-5}
targets=${TARGETS:-direct nginx go kedahttp}
base=${BASE_PORT:-28080}
declare -A port=([direct]=$base [nginx]=$((base + 1)) [go]=$((base + 2)) [kedahttp]=$((base + 3)))
admin_port=$((base + 13))
metrics_port=$((base + 14))
kedahttp=${KEDAHTTP:-build/apps/kedahttp/kedahttp} # KEDAHTTP=path: another build, for A/B runs
goproxy=build/bench/goproxy

[ -x "$kedahttp" ] || { echo "build kedahttp first: scripts/setup.sh" >&2; exit 2; }
export PATH=$PATH:/usr/sbin
for tool in wrk nginx go; do
  command -v $tool >/dev/null || { echo "$tool missing: run scripts/bench/install-tools.sh" >&2; exit 2; }
done
for p in "${port[@]}" $admin_port $metrics_port; do bench_port_free "$p"; done

# The Go peer, built from scripts/bench/goproxy with Debian's golang-go, offline.
mkdir -p build/bench
if [ ! -x "$goproxy" ] || [ scripts/bench/goproxy/main.go -nt "$goproxy" ]; then
  (cd scripts/bench/goproxy && GOPROXY=off GOFLAGS=-mod=mod GOCACHE="$PWD/../../../build/bench/go-cache" \
    go build -o "../../../$goproxy" .)
fi

bench_raise_nofile 20000
bench_tmp=$(mktemp -d /tmp/kedahttp-proxy.XXXXXX)
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

bench_nginx_conf "$bench_tmp/backend" "${port[direct]}" '      return 200 "ok";'
bench_nginx_conf "$bench_tmp/nginx" "${port[nginx]}" '      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";' "  upstream backend {
    server 127.0.0.1:${port[direct]};
    keepalive 1024;
    keepalive_requests 1000000;
  }"

manifests=$bench_tmp/watched/manifests # its parent is watched too: no logs there
bench_route_manifests "$manifests" "${port[direct]}"

bench_wait_for_builds

declare -A pid
nginx -c "$bench_tmp/backend/nginx.conf" -p "$bench_tmp/backend" &
pid[direct]=$!
bench_pids+=("${pid[direct]}")
nginx -c "$bench_tmp/nginx/nginx.conf" -p "$bench_tmp/nginx" &
pid[nginx]=$!
bench_pids+=("${pid[nginx]}")
"$goproxy" -listen "127.0.0.1:${port[go]}" -target "http://127.0.0.1:${port[direct]}" 2>"$bench_tmp/go.log" &
pid[go]=$!
bench_pids+=("${pid[go]}")
"$kedahttp" serve --manifests "$manifests" --bind 127.0.0.1 --port "${port[kedahttp]}" --admin-port "$admin_port" \
  --metrics-port "$metrics_port" --shutdown-delay 0s --drain-timeout 1s ${KEDAHTTP_FLAGS:-} >"$bench_tmp/kedahttp.log" 2>&1 &
pid[kedahttp]=$!
bench_pids+=("${pid[kedahttp]}")

for t in $targets; do
  bench_wait_port "${port[$t]}"
  body=$(curl -s --max-time 2 -H 'Host: bench.local' -w ' %{http_code}' "http://127.0.0.1:${port[$t]}/" || true)
  [ "$body" = "ok 200" ] || { echo "$t answers '$body', not 'ok 200'" >&2; exit 1; }
done

versions="wrk $(wrk -v 2>&1 | awk 'NR==1 {print $2}'), $(nginx -v 2>&1 | sed 's/.*version: //'), $(go version | awk '{print $3}'), kedahttp ${KEDAHTTP:+$KEDAHTTP }$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet -- libinterceptor apps 2>/dev/null || echo '+changes') built $(date -u -r build/libinterceptor/libinterceptor.so +%FT%TZ 2>/dev/null || echo '?')"
echo "proxy.sh: $reps reps x conns {$conns_list} x targets {$targets}, ${duration}s each; $versions; $(nproc) cores"

max_other=${MAX_OTHER:-15} # % of a core used by other processes beyond which a run is repeated
all_pids=()
for t in direct nginx go kedahttp; do mapfile -t -O "${#all_pids[@]}" all_pids < <(bench_pid_tree "${pid[$t]}"); done
sample_at=$(awk -v d="$duration" 'BEGIN {print (d >= 5 ? 3 : d * 0.6)}')
results=$bench_tmp/results.tsv
: >"$results"
for rep in $(seq 1 "$reps"); do
  for c in $conns_list; do
    for t in $targets; do
      url="http://127.0.0.1:${port[$t]}/"
      for attempt in 1 2 3; do
        bench_wait_for_builds
        mapfile -t pids < <(bench_pid_tree "${pid[$t]}")
        mapfile -t backend_pids < <(bench_pid_tree "${pid[direct]}")
        bench_wait_quiet "${all_pids[@]}"
        wrk -t2 -c"$c" -d1s --timeout 3s -H 'Host: bench.local' "$url" >/dev/null 2>&1 || true
        cpu0=$(bench_cpu_ticks "${pids[@]}")
        bcpu0=$(bench_cpu_ticks "${backend_pids[@]}")
        irq0=$(awk '$1 == "cpu" {print $7 + $8}' /proc/stat)
        other0=$(bench_other_ticks $$ "${pids[@]}" "${backend_pids[@]}")
        t0=$(date +%s%N)
        /usr/bin/time -f '%U %S' -o "$bench_tmp/wrk.time" \
          wrk -t2 -c"$c" -d"${duration}s" --timeout 3s --latency -H 'Host: bench.local' "$url" >"$bench_tmp/wrk.out" 2>&1 &
        wrk_pid=$!
        bench_pids+=("$wrk_pid")
        sleep "$sample_at"
        rss=$(bench_rss_kib "${pids[@]}")
        threads=$(bench_threads "${pids[@]}")
        wait "$wrk_pid" || true
        unset 'bench_pids[-1]'
        cpu1=$(bench_cpu_ticks "${pids[@]}")
        bcpu1=$(bench_cpu_ticks "${backend_pids[@]}")
        irq1=$(awk '$1 == "cpu" {print $7 + $8}' /proc/stat)
        other1=$(bench_other_ticks $$ "${pids[@]}" "${backend_pids[@]}" "$wrk_pid")
        t1=$(date +%s%N)
        # CPU over the run, % of one core: the target, the backend (for the proxies), wrk, the kernel's
        # irq+softirq time (loopback TCP is processed there), and every other process on the machine
        # (other sessions' work shows there and spoils the run).
        hz=$(getconf CLK_TCK)
        wrk_ticks=$(awk -v hz="$hz" '{printf "%.0f", ($1 + $2) * hz}' "$bench_tmp/wrk.time" 2>/dev/null || echo 0)
        cpu=$(awk -v tgt=$((cpu1 - cpu0)) -v be=$((bcpu1 - bcpu0)) -v w="$wrk_ticks" -v other=$((other1 - other0)) -v irq=$((irq1 - irq0)) -v self="$t" \
          -v hz="$hz" -v ns=$((t1 - t0)) 'BEGIN {
            s = ns / 1e9; if (self == "direct") be = 0
            k = 100 / hz / s
            printf "%.0f/%.0f/%.0f/%.0f/%.0f", tgt * k, be * k, w * k, irq * k, other * k }')
        # Another process busy during the run (a build, another session's tests) makes it meaningless on
        # 2 cores: measure again (up to 3 times), and flag it in the table if it stays so.
        other_pct=${cpu##*/}
        if { pgrep -x cc1plus >/dev/null || ((other_pct > max_other)); } && ((attempt < 3)); then
          echo "  (other processes used ${other_pct}% of a core during $t c=$c: measuring again)" >&2
          continue
        fi
        break
      done
      awk -v t="$t" -v c="$c" -v rep="$rep" -v rss="$rss" -v thr="$threads" -v cpu="$cpu" '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        $1 == "Requests/sec:" { rps = $2 }
        /Socket errors/ { gsub(",", ""); err = $4 + $6 + $8; tmo = $10 }
        /Non-2xx/ { non2xx = $NF }
        END { printf "%s\t%s\t%s\t%.0f\t%.3f\t%.3f\t%d\t%d\t%s\t%d\t%d\t%d\n", t, c, rep, rps, p50, p99, rss, thr, cpu, err + 0, tmo + 0, non2xx + 0 }
      ' "$bench_tmp/wrk.out" >>"$results"
      tail -1 "$results" | awk -F'\t' '{printf "  rep %s  c=%-5s %-9s %8s req/s  p50 %7.2f ms  p99 %7.2f ms  RSS %5.1f MiB  cpu%% tgt/backend/wrk/softirq/other %s  errors %s timeouts %s non-2xx %s\n", $3, $2, $1, $4, $5, $6, $7 / 1024, $9, $10, $11, $12}'
    done
  done
done

if grep -qE '\[(warning|error|critical)\]' "$bench_tmp/kedahttp.log"; then
  echo "kedahttp logged:"
  grep -E '\[(warning|error|critical)\]' "$bench_tmp/kedahttp.log" | sort | uniq -c | sort -rn | head -5
fi

python3 - "$results" "$targets" <<'PY'
import statistics, sys
from collections import defaultdict
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
order = sys.argv[2].split()
names = {"direct": "backend (direct)", "nginx": "nginx proxy", "go": "Go ReverseProxy", "kedahttp": "kedahttp serve"}
runs = defaultdict(list)
for t, c, rep, rps, p50, p99, rss, thr, cpu, err, tmo, non2xx in rows:
    runs[(t, int(c))].append(dict(rps=float(rps), p50=float(p50), p99=float(p99), rss=int(rss), thr=int(thr),
                                  cpu=cpu, err=int(err), tmo=int(tmo), non2xx=int(non2xx)))
med = lambda xs: statistics.median(xs)
print()
print("| target | conns | req/s runs | **median** | p50 ms (med) | p99 ms med (min) | RSS MiB (max) | threads | CPU % target/backend/wrk/softirq/other (rep 1..N) | target CPU us/req (med) | x nginx | x go | errors/timeouts/non-2xx |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for c in sorted({c for _, c in runs}):
    base = {t: med([r["rps"] for r in runs[(t, c)]]) for t in order if (t, c) in runs}
    for t in order:
        rs = runs.get((t, c))
        if not rs:
            continue
        m = base[t]
        x = lambda peer: f"{m / base[peer]:.2f}" if peer in base and base[peer] else "-"
        p99s = [r["p99"] for r in rs]
        errs = ",".join(f"{r['err']}/{r['tmo']}/{r['non2xx']}" for r in rs)
        if all(r["err"] == r["tmo"] == r["non2xx"] == 0 for r in rs):
            errs = "0" 
        runs_txt = " ".join("%.0f" % r["rps"] for r in rs)
        print(f"| {names[t]} | {c} | {runs_txt} | **{m:.0f}** | "
              f"{med([r['p50'] for r in rs]):.2f} | {med(p99s):.2f} ({min(p99s):.2f}) | "
              f"{max(r['rss'] for r in rs) / 1024:.1f} | {max(r['thr'] for r in rs)} | {' '.join(r['cpu'] for r in rs)} | "
              f"{med([int(r['cpu'].split('/')[0]) / 100 / r['rps'] * 1e6 for r in rs if r['rps']]):.0f} | "
              f"{x('nginx')} | {x('go')} | {errs} |")
print()
for c in sorted({c for _, c in runs}):
    if ("kedahttp", c) in runs and ("nginx", c) in runs and ("go", c) in runs:
        k = med([r["rps"] for r in runs[("kedahttp", c)]])
        n = med([r["rps"] for r in runs[("nginx", c)]])
        g = med([r["rps"] for r in runs[("go", c)]])
        kp = med([r["p99"] for r in runs[("kedahttp", c)]])
        np_ = med([r["p99"] for r in runs[("nginx", c)]])
        print(f"-c{c}: kedahttp {k / n:.2f}x nginx req/s (goal >= 1) {'MET' if k >= n else 'NOT MET'}; "
              f"p99 {kp:.2f} vs {np_:.2f} ms (goal <=) {'MET' if kp <= np_ else 'NOT MET'}; "
              f"{k / g:.2f}x go (goal >= 3) {'MET' if k >= 3 * g else 'NOT MET'}")
PY
