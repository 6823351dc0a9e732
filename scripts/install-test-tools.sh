#!/usr/bin/env bash
# Installs what the integration tests (tests/integration/) use besides Debian's packages:
# the npm package `ws` (WebSocket client and echo server), into build/test-tools/.
# scripts/test.sh calls it; it does nothing when the right version is already there.
# Usage: scripts/install-test-tools.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ws_version=8.18.3
prefix=build/test-tools
installed=$(node -p "require('./$prefix/node_modules/ws/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$ws_version" ]; then
  echo "install-test-tools: installing ws@$ws_version into $prefix"
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-audit --no-fund --no-save --loglevel=error "ws@$ws_version"
fi
