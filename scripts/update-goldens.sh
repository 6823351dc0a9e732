#!/usr/bin/env bash
# Rewrites expected.stdout / expected.stderr / expected.rc of CLI golden cases from the current binary.
# The only way goldens change; review the diff before committing. Usage: scripts/update-goldens.sh [CASE...]
set -u
cd "$(dirname "$0")/.."
kedahttp=$PWD/build/apps/kedahttp/kedahttp
cases=("$@")
[ ${#cases[@]} -eq 0 ] && cases=(tests/cli/*/)
for dir in "${cases[@]}"; do
  dir=${dir%/}; [ -d "$dir" ] || dir=tests/cli/$dir
  ( cd "$dir" || exit 1
    mapfile -t args < args
    if [ -f stdin ]; then "$kedahttp" "${args[@]}" < stdin > expected.stdout 2> stderr.tmp
    else "$kedahttp" "${args[@]}" < /dev/null > expected.stdout 2> stderr.tmp; fi
    echo $? > expected.rc
    if [ -d out ]; then rm -rf expected.out && mv out expected.out; fi
    if [ -s stderr.tmp ] || [ -f expected.stderr ]; then mv stderr.tmp expected.stderr; else rm -f stderr.tmp; fi
    echo "updated $dir (rc $(cat expected.rc))" )
done
