#!/usr/bin/env bash
# The TLS listener (spec/interceptor.md 3.10, upstream e2e T1): certificates chosen by
# SNI (an exact lookup over SANs, the default on a miss), every request re-encrypted to
# the backend with SNI `service.namespace`, verified against the system roots and the
# serving certificates unless skip-verify. Real parts: openssl-made certificates, curl
# and openssl s_client as clients, a Python ssl backend that reports what it saw.
source "$(dirname "$0")/lib.sh" "$@"
need openssl
need curl

CERTS=$WORK/certs
mkdir -p "$CERTS/store/nested"
cd "$CERTS"
openssl_quiet() { openssl "$@" >/dev/null 2>&1 || fail "openssl $*"; }
# leaf NAME CN SANS [CA]: NAME.crt + NAME.key signed by the test CA
leaf() {
  openssl_quiet req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2"
  printf 'subjectAltName=%s\n' "$3" >"$1.ext"
  openssl_quiet x509 -req -in "$1.csr" -CA "${4:-ca}.crt" -CAkey "${4:-ca}.key" -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.crt"
}
openssl_quiet req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=kedahttp test CA"
openssl_quiet req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.crt -days 2 -subj "/CN=unknown CA"
leaf default "wildcard" "DNS:*.example.test"
leaf store/exact "exact" "DNS:exact.example.test"
leaf store/nested/pem "pem-pair" "DNS:pem.example.test,IP:127.0.0.2"
mv store/nested/pem.crt store/nested/pem.pem
mv store/nested/pem.key store/nested/pem-key.pem
leaf store/backend "backend" "DNS:secure.default,DNS:cold.default" # a serving certificate the backends use too
leaf untrusted "untrusted" "DNS:plain.default" other-ca
rm -f store/*.csr store/*.ext store/nested/*.csr store/nested/*.ext
cd - >/dev/null

# Two HTTPS backends: one with a certificate from the store (trusted: serving certs are
# roots), one signed by an unknown CA.
read -r TRUSTED UNTRUSTED < <(free_ports 2)
"$PYTHON" "$ROOT/tests/integration/python/https_echo.py" "$TRUSTED" "$CERTS/store/backend.crt" "$CERTS/store/backend.key" &
PIDS+=("$!")
"$PYTHON" "$ROOT/tests/integration/python/https_echo.py" "$UNTRUSTED" "$CERTS/untrusted.crt" "$CERTS/untrusted.key" &
PIDS+=("$!")
wait_listening "$TRUSTED" "$UNTRUSTED"

# routes COLD_READY
routes() {
  service secure
  endpoints secure "$TRUSTED"
  service plain
  endpoints plain "$UNTRUSTED"
  service cold
  endpoints cold "$TRUSTED" "$1"
  route secure-route tls-test.example.test secure
  route plain-route untrusted.example.test plain
  route cold-route cold.example.test cold
}
routes false | put routes.yaml

read -r TLS_PORT < <(free_ports 1)
start_kedahttp --tls true --tls-port "$TLS_PORT" --tls-cert "$CERTS/default.crt" --tls-key "$CERTS/default.key" \
  --tls-cert-store "$CERTS/store"
wait_listening "$TLS_PORT"
expect_match "startup log names the SNI certificates" \
  'TLS: 6 names served by SNI: \*\.example\.test, 127\.0\.0\.2, cold\.default, exact\.example\.test, pem\.example\.test, secure\.default \(other names: the default certificate\)' \
  "$(cat "$WORK/kedahttp.log")"

# https NAME PATH [CURL ARGS]: a request for NAME on the TLS port, verified against the test CA.
https() {
  local name=$1 path=$2
  shift 2
  curl -sS --max-time 10 --cacert "$CERTS/ca.crt" --resolve "$name:$TLS_PORT:127.0.0.1" "$@" "https://$name:$TLS_PORT$path"
}

# T1: TLS termination with the wildcard default certificate, then re-encryption.
body=$(https tls-test.example.test /hello)
expect_match "re-encrypted with SNI service.namespace" '^sni=secure\.default$' "$body"
expect_match "Host preserved" '^host=tls-test\.example\.test:'"$TLS_PORT"'$' "$body"
expect_match "X-Forwarded-Proto is https" '^proto=https$' "$body"
expect_match "X-Forwarded-For is the client" '^xff=127\.0\.0\.1$' "$body"
expect_match "path preserved" '^path=/hello$' "$body"

# served_cn NAME: the subject CN of the certificate the TLS port presents for SNI NAME.
served_cn() {
  openssl s_client -connect "127.0.0.1:$TLS_PORT" -servername "$1" </dev/null 2>/dev/null \
    | openssl x509 -noout -subject 2>/dev/null | sed -E 's/.*CN ?= ?//'
}
expect_eq "SNI exact.example.test: the store's .crt/.key pair" "exact" "$(served_cn exact.example.test)"
expect_eq "SNI pem.example.test: the store's .pem/-key.pem pair (nested directory)" "pem-pair" \
  "$(served_cn pem.example.test)"
expect_eq "SNI of an IP SAN matches its text form" "pem-pair" "$(served_cn 127.0.0.2)"
expect_eq "SNI with no exact SAN: the default certificate (no wildcard lookup)" "wildcard" \
  "$(served_cn anything.example.test)"

# Keep-alive over TLS (HTTP/1.1): two requests, one connection each side.
out=$(https tls-test.example.test /one --http1.1 -v -o /dev/null https://tls-test.example.test:"$TLS_PORT"/two 2>&1)
expect_match "second request reuses the client connection" 'Re-using existing connection' "$out"
expect_eq "both answered" "2" "$(grep -c '< HTTP/1.1 200' <<<"$out")"

# A backend certificate nobody trusts: 502, never sent in the clear.
expect_eq "backend with an unknown CA: 502" "502" \
  "$(https untrusted.example.test / -o /dev/null -w '%{http_code}')"

# Cold start through the TLS listener: the request waits parked, then goes when ready.
https cold.example.test /wake --http1.1 -D "$WORK/cold.headers" -o "$WORK/cold.body" &
CURL=$!
sleep 0.3
expect_eq "held: counted while waiting" "1" "$(queue_field default/cold-route Concurrency)"
routes true | put routes.yaml
wait "$CURL" || fail "cold start curl failed"
expect_match "cold start over TLS answered" '^HTTP/1.1 200' "$(cat "$WORK/cold.headers")"
expect_match "cold start header" '^X-Keda-Http-Cold-Start: true|^X-KEDA-HTTP-Cold-Start: true' \
  "$(tr -d '\r' <"$WORK/cold.headers")"
expect_match "cold start body from the backend" '^path=/wake$' "$(cat "$WORK/cold.body")"

# Plain HTTP on the TLS port: the handshake fails, the connection is closed, nothing crashes.
out=$(printf 'GET / HTTP/1.1\r\nHost: tls-test.example.test\r\n\r\n' | RAW_QUIET=3 raw "127.0.0.1:$TLS_PORT")
expect_match "plain HTTP on the TLS port is closed" '\[closed\]' "$out"
expect_eq "plain listener still serves" "404" "$(curl -sS -o /dev/null -w '%{http_code}' "$PROXY/" -H 'Host: nowhere')"
kill -0 "$KPID" || fail "kedahttp died"

# skip-verify: the untrusted backend is reachable.
kill -TERM "$KPID"
wait "$KPID" 2>/dev/null || true
start_kedahttp --tls true --tls-port "$TLS_PORT" --tls-cert "$CERTS/default.crt" --tls-key "$CERTS/default.key" \
  --tls-skip-verify true
wait_listening "$TLS_PORT"
body=$(https untrusted.example.test /skip)
expect_match "skip-verify: the unknown CA is accepted" '^sni=plain\.default$' "$body"

# Without a default certificate an unknown name is refused at the handshake.
kill -TERM "$KPID"
wait "$KPID" 2>/dev/null || true
start_kedahttp --tls true --tls-port "$TLS_PORT" --tls-cert "$WORK/none.crt" --tls-key "$WORK/none.key" \
  --tls-cert-store "$CERTS/store"
wait_listening "$TLS_PORT"
expect_eq "no default: a known name is served" "exact" "$(served_cn exact.example.test)"
out=$(https unknown.example.test / -o /dev/null 2>&1 || true)
expect_match "no default: an unknown name fails the handshake" 'alert|SSL|TLS' "$out"

# Configuration errors stop the start with the reason.
cp "$CERTS/default.crt" "$CERTS/store/lonely.crt"
kill -TERM "$KPID"
wait "$KPID" 2>/dev/null || true
out=$("$KEDAHTTP" serve --bind 127.0.0.1 --port "$PORT" --admin-port "$ADMIN" --manifests "$MANIFESTS" \
  --tls true --tls-port "$TLS_PORT" --tls-cert-store "$CERTS/store" 2>&1) && fail "started with a lonely certificate"
expect_match "a certificate without its key is an error" 'certificate .*/store/lonely.crt has no key \(expected .*/store/lonely.key\)' "$out"
rm "$CERTS/store/lonely.crt"
out=$("$KEDAHTTP" serve --bind 127.0.0.1 --port "$PORT" --admin-port "$ADMIN" --manifests "$MANIFESTS" \
  --tls true --tls-port "$TLS_PORT" --tls-cert "$CERTS/default.crt" --tls-key "$CERTS/default.key" \
  --tls-cipher-suites TLS_FAKE 2>&1) && fail "started with an unknown cipher suite"
expect_match "an unknown cipher suite is an error" 'unknown cipher suite "TLS_FAKE"' "$out"
out=$(KEDA_HTTP_PROXY_TLS_ENABLED=true KEDA_HTTP_PROXY_TLS_CERT_PATH=$CERTS/default.crt \
  KEDA_HTTP_PROXY_TLS_KEY_PATH=$CERTS/default.key KEDA_HTTP_TLS_MIN_VERSION=1.1 \
  "$KEDAHTTP" serve --bind 127.0.0.1 --port "$PORT" --admin-port "$ADMIN" --tls-port "$TLS_PORT" \
  --manifests "$MANIFESTS" 2>&1) && fail "started with TLS 1.1"
expect_match "the environment configures TLS too (a bad minimum version)" 'minimum TLS version "1.1": must be 1.2 or 1.3' "$out"
