#!/usr/bin/env bash
# Routing end to end (spec/interceptor.md 2, 3.1): path prefixes (segment-aware,
# longest wins), header matchers, wildcard and catch-all hosts, host ports ignored,
# target.portName resolved through the Service (500 when it cannot be), a legacy
# HTTPScaledObject routed (and shadowed by an InterceptorRoute of the same name),
# and every route key in /queue.
source "$(dirname "$0")/lib.sh" "$@"
need curl

read -r B1 < <(free_ports 1)
export B1
start_nginx <<'EOF'
server {
  listen 127.0.0.1:@B1@;
  location / { return 200 "ok\n"; }
}
EOF
wait_listening "$B1"

# Every route points at the same nginx through its own Service (whose port name
# "http" selects the EndpointSlice port); route_of tells them apart by /queue.
svc() { service "$1"; endpoints "$1" "$B1"; }
{
  svc root; svc api; svc v2; svc wild; svc deep; svc any; svc named; svc legacy
  cat <<'EOF'
---
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata: {name: root, namespace: default}
spec:
  target: {service: root, port: 8080}
  rules: [{hosts: [shop.test]}]
  scalingMetric: {concurrency: {targetValue: 10}}
---
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata: {name: api, namespace: default}
spec:
  target: {service: api, port: 8080}
  rules: [{hosts: ["shop.test:8080"], paths: [{value: /api}]}]
  scalingMetric: {concurrency: {targetValue: 10}}
---
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata: {name: v2, namespace: default}
spec:
  target: {service: v2, port: 8080}
  rules: [{hosts: [shop.test], paths: [{value: /api}], headers: [{name: X-Version, value: "2"}]}]
  scalingMetric: {concurrency: {targetValue: 10}}
---
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata: {name: wild, namespace: default}
spec:
  target: {service: wild, port: 8080}
  rules: [{hosts: ["*.shop.test"]}]
  scalingMetric: {concurrency: {targetValue: 10}}
---
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata: {name: deep, namespace: default}
spec:
  target: {service: deep, port: 8080}
  rules: [{hosts: ["*.eu.shop.test"]}]
  scalingMetric: {concurrency: {targetValue: 10}}
---
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata: {name: any, namespace: default}
spec:
  target: {service: any, port: 8080}
  rules: [{paths: [{value: /catch}]}]
  scalingMetric: {concurrency: {targetValue: 10}}
---
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata: {name: named, namespace: default}
spec:
  target: {service: named, portName: http}
  rules: [{hosts: [named.test]}]
  scalingMetric: {concurrency: {targetValue: 10}}
---
apiVersion: http.keda.sh/v1beta1
kind: InterceptorRoute
metadata: {name: noport, namespace: default}
spec:
  target: {service: nosuchservice, portName: http}
  rules: [{hosts: [noport.test]}]
  scalingMetric: {concurrency: {targetValue: 10}}
---
apiVersion: http.keda.sh/v1alpha1
kind: HTTPScaledObject
metadata: {name: legacy, namespace: default}
spec:
  hosts: [legacy.test]
  scaleTargetRef: {name: legacy, kind: Deployment, apiVersion: apps/v1, service: legacy, port: 8080}
---
apiVersion: http.keda.sh/v1alpha1
kind: HTTPScaledObject
metadata: {name: root, namespace: default}
spec:
  hosts: [shadowed.test]
  scaleTargetRef: {name: root, kind: Deployment, apiVersion: apps/v1, service: root, port: 8080}
EOF
} | put routes.yaml
start_kedahttp

# route_of HOST PATH [CURL ARGS...]: the route that answered (its /queue RequestCount
# went up by one), or the status code when none did.
counts() {
  curl -sS "$ADMIN_URL/queue" | "$PYTHON" -c \
    'import json, sys; print(" ".join("%s=%d" % (k, v["RequestCount"]) for k, v in json.load(sys.stdin).items()))'
}
route_of() {
  local host=$1 path=$2 status before after entry
  shift 2
  before=" $(counts) "
  status=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 -H "Host: $host" "$@" "$PROXY$path")
  after=$(counts)
  for entry in $after; do
    if [[ "$before" != *" $entry "* ]]; then
      entry=${entry%=*}
      echo "${entry#default/}:$status"
      return
    fi
  done
  echo "$status"
}

expect_eq "host, any path" "root:200" "$(route_of shop.test /products)"
expect_eq "path prefix wins over the host's root" "api:200" "$(route_of shop.test /api/orders)"
expect_eq "path prefix is segment-aware" "root:200" "$(route_of shop.test /apix)"
expect_eq "the path is percent-decoded before matching" "api:200" "$(route_of shop.test /api%2Forders)"
expect_eq "the path is not cleaned (/api/../x stays under /api)" "api:200" "$(route_of shop.test /api/../x --path-as-is)"
expect_eq "the request's Host port is ignored" "api:200" "$(route_of shop.test:8080 /api)"
expect_eq "a header matcher makes the key more specific" "v2:200" "$(route_of shop.test /api/orders -H 'X-Version: 2')"
expect_eq "a header value must match exactly" "api:200" "$(route_of shop.test /api/orders -H 'X-Version: 3')"
expect_eq "wildcard host" "wild:200" "$(route_of a.shop.test /)"
expect_eq "the more specific wildcard wins" "deep:200" "$(route_of x.eu.shop.test /)"
expect_eq "a wildcard does not match its own base: the next one up does" "wild:200" "$(route_of eu.shop.test /)"
expect_eq "catch-all host with a path" "any:200" "$(route_of unknown.test /catch/me)"
expect_eq "catch-all does not take other paths" "404" "$(route_of unknown.test /other)"
expect_eq "exact host beats the catch-all" "root:200" "$(route_of shop.test /catch)"
expect_eq "target.portName resolved through the Service" "named:200" "$(route_of named.test /)"
expect_eq "portName without its Service: 500, not counted" "500" "$(route_of noport.test /)"
expect_eq "500 body" "Internal Server Error" "$(curl -sS -H 'Host: noport.test' "$PROXY/")"
expect_eq "legacy HTTPScaledObject routed" "legacy:200" "$(route_of legacy.test /)"
expect_eq "an HTTPScaledObject shadowed by an InterceptorRoute of its name is not routed" "404" \
  "$(route_of shadowed.test /)"
expect_eq "/queue: one key per route, sorted" \
  "default/any default/api default/deep default/legacy default/named default/noport default/root default/v2 default/wild" \
  "$(curl -sS "$ADMIN_URL/queue" | "$PYTHON" -c 'import json, sys; print(" ".join(json.load(sys.stdin)))')"
