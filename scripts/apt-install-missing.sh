#!/usr/bin/env bash
# apt-get installs those of the given Debian packages that are not installed yet
# (with sudo when not root). Used by scripts/setup.sh and scripts/bench/install-tools.sh.
# Usage: scripts/apt-install-missing.sh [--label NAME] PACKAGE...
set -euo pipefail
label=setup
if [ "${1:-}" = "--label" ]; then
  label=$2
  shift 2
fi
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0
echo "$label: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
