#!/usr/bin/env bash
# Installs the Debian packages the proxy/hold benchmarks need, only those missing:
#   wrk (load generator), nginx-light (backend and reverse-proxy peer), golang-go (the Go ReverseProxy peer).
# Not part of the test suite; scripts/setup.sh does not call it.
# Usage: scripts/bench/install-tools.sh
set -euo pipefail

packages=(wrk golang-go)
# Any nginx flavour will do for the peers (nginx-light, nginx-core, nginx-full ...).
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || packages+=(nginx-light)
"$(dirname "$0")/../apt-install-missing.sh" --label install-tools "${packages[@]}"
# The package's own nginx service is not used: the benchmarks start their nginx with their own config.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
  echo "install-tools: note: a system nginx service is running (the benchmarks do not use it)"
fi
for tool in wrk nginx go; do
  command -v "$tool" >/dev/null || { [ -x /usr/sbin/$tool ] || { echo "install-tools: $tool missing" >&2; exit 1; }; }
done
echo "install-tools: wrk, nginx and go are installed"
