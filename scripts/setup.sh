#!/usr/bin/env bash
# Installs the Debian packages kedahttp needs (only those missing) and builds Release into build/.
# Usage: scripts/setup.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake ninja-build g++ pkg-config ccache
  libcli11-dev libcpp-httplib-dev libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev
  catch2 libboost1.74-dev libssl-dev libexpected-dev libnghttp2-dev
  # integration tests (tests/integration/): backends and clients
  nginx-light curl python3 nodejs nghttp2-client openssl
)
# npm comes with some nodejs builds (and conflicts with Debian's npm package then).
command -v npm >/dev/null 2>&1 || packages+=(npm)

scripts/apt-install-missing.sh --label setup "${packages[@]}"

[ "${1:-}" = "--no-build" ] && exit 0

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}"
cmake --build build
echo "setup: built build/apps/kedahttp/kedahttp"
