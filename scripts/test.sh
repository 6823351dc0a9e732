#!/usr/bin/env bash
# Installs the Debian packages that are missing, builds Release into build/ and
# runs the whole suite (unit tests, CLI golden cases, layering and docs checks,
# integration tests against real sockets).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/install-test-tools.sh
ctest --test-dir build --output-on-failure -j2
