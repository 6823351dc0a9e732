#!/usr/bin/env bash
# Manifest changes apply without a restart: a new InterceptorRoute file renamed into
# the watched directory becomes routable (and appears in /queue), a changed one
# reroutes, one in a subdirectory created later is seen, a file written in place is
# seen, an invalid version leaves the last good one serving, a removed file stops
# routing (and leaves /queue), and a request in flight when its route goes away completes.
source "$(dirname "$0")/lib.sh" "$@"
need curl

read -r B1 B2 < <(free_ports 2)
export B1 B2
start_nginx <<'EOF'
server {
  listen 127.0.0.1:@B1@;
  location / { return 200 "one $request_uri\n"; }
}
server {
  listen 127.0.0.1:@B2@;
  location / { return 200 "two $request_uri\n"; }
  location = /slow { echo_sleep 3; echo "slow done"; }
}
EOF
wait_listening "$B1" "$B2"
{ service one; endpoints one "$B1"; service two; endpoints two "$B2"; } | put services.yaml
route one one.test one | put one.yaml
start_kedahttp

code() { curl -sS -o /dev/null -w '%{http_code}' --max-time 10 -H "Host: $1" "$PROXY/"; }
queue_keys() { curl -sS "$ADMIN_URL/queue" | "$PYTHON" -c 'import json, sys; print(" ".join(json.load(sys.stdin)))'; }
# change WHAT COMMAND...: runs COMMAND (a manifest change), then waits for the reload.
change() {
  local what=$1 generation
  shift
  generation=$(routes_generation)
  "$@"
  wait_reload "$generation"
  ok "reloaded after: $what"
}

expect_eq "one.test routed at start" "one /" "$(curl -sS -H 'Host: one.test' "$PROXY/")"
expect_eq "two.test not routed yet" 404 "$(code two.test)"

route two two.test two >"$WORK/two.yaml"
change "a new file renamed in" mv "$WORK/two.yaml" "$MANIFESTS/two.yaml"
expect_eq "new route: two.test routed" "two /x" "$(curl -sS -H 'Host: two.test' "$PROXY/x")"
expect_eq "new route: in /queue" "default/one default/two" "$(queue_keys)"

rehost_one() { route one uno.test one | put one.yaml; }
change "a changed file renamed over the old one" rehost_one
expect_eq "changed route: the old host is gone" 404 "$(code one.test)"
expect_eq "changed route: the new host routes" "one /" "$(curl -sS -H 'Host: uno.test' "$PROXY/")"

# A new subdirectory, then a file in it: the directory's own event may reload first.
mkdir "$MANIFESTS/sub"
route three three.test two >"$WORK/three.yaml"
mv "$WORK/three.yaml" "$MANIFESTS/sub/three.yaml"
three_routed() { [ "$(code three.test)" = 200 ]; }
wait_for "three.test routed (a file in a new subdirectory)" 10 three_routed
expect_eq "subdirectory route: routed" "two /" "$(curl -sS -H 'Host: three.test' "$PROXY/")"

write_four() { route four four.test two >"$MANIFESTS/sub/four.yaml"; }
change "a file written in place" write_four
expect_eq "written in place: routed" "two /" "$(curl -sS -H 'Host: four.test' "$PROXY/")"

# An invalid version (no scalingMetric) does not take the route away.
break_one() { sed '/scalingMetric/,$d' "$MANIFESTS/one.yaml" | put one.yaml; }
change "an invalid version" break_one
expect_eq "invalid version: the last good one still routes" "one /" "$(curl -sS -H 'Host: uno.test' "$PROXY/")"
expect_match "invalid version: logged" 'scalingMetric' "$(cat "$WORK/kedahttp.log")"

# A request in flight when its route is removed completes.
curl -sS --max-time 30 -o "$WORK/slow.out" -H "Host: two.test" "$PROXY/slow" &
slow=$!
PIDS+=("$slow")
wait_for "the slow request in flight" 10 bash -c "curl -sS $ADMIN_URL/queue | grep -q '\"default/two\":{\"Concurrency\":1'"
change "a file removed" rm "$MANIFESTS/two.yaml"
expect_eq "removed route: two.test 404" 404 "$(code two.test)"
expect_eq "removed route: gone from /queue (keys sorted)" "default/four default/one default/three" "$(queue_keys)"
wait "$slow" || fail "the in-flight request failed when its route went away"
expect_eq "in-flight request on the removed route completed" "slow done" "$(cat "$WORK/slow.out")"
