#!/usr/bin/env bash
# Installs what the integration tests (tests/integration/) use besides Debian's packages,
# into build/test-tools/: the npm packages `ws` (WebSocket client and echo server) and
# `@grpc/grpc-js` + `@grpc/proto-loader` (gRPC client and server, for HTTP/2 and gRPC
# through the proxy). scripts/test.sh calls it; it does nothing when the right versions
# are already there.
# Usage: scripts/install-test-tools.sh
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(ws@8.18.3 @grpc/grpc-js@1.14.7 @grpc/proto-loader@0.8.1)
prefix=build/test-tools
missing=()
for spec in "${packages[@]}"; do
  name=${spec%@*}
  version=${spec##*@}
  installed=$(node -p "require('./$prefix/node_modules/$name/package.json').version" 2>/dev/null || true)
  [ "$installed" = "$version" ] || missing+=("$spec")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-test-tools: installing ${missing[*]} into $prefix"
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-audit --no-fund --no-save --loglevel=error "${packages[@]}"
fi
