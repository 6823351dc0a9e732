#!/usr/bin/env bash
# Runs one CLI golden case: tests/cli/<case>/
#   args             arguments, one per line (run from inside the case folder)
#   stdin            optional: piped to the command
#   expected.stdout  exact standard output
#   expected.stderr  optional: exact standard error
#   expected.rc      exit code
# Regenerate with scripts/update-goldens.sh after a deliberate change.
set -u
#   expected.out/    optional: the directory `out` the command must write, compared file by file
kedahttp=$1
case_dir=$2
# Run in a scratch copy so that files a command writes never land in the source tree.
work=$(mktemp -d /tmp/kedahttp-cli.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$case_dir"/. "$work"/
rm -rf "$work/out"
cd "$work" || exit 1
mapfile -t args < args
if [ -f stdin ]; then
  "$kedahttp" "${args[@]}" < stdin > /tmp/kedahttp-cli.$$.out 2> /tmp/kedahttp-cli.$$.err
else
  "$kedahttp" "${args[@]}" < /dev/null > /tmp/kedahttp-cli.$$.out 2> /tmp/kedahttp-cli.$$.err
fi
rc=$?
status=0
if ! diff -u expected.stdout /tmp/kedahttp-cli.$$.out; then
  echo "FAIL: stdout differs"; status=1
fi
if [ -f expected.stderr ] && ! diff -u expected.stderr /tmp/kedahttp-cli.$$.err; then
  echo "FAIL: stderr differs"; status=1
fi
expected_rc=$(cat expected.rc)
if [ "$rc" != "$expected_rc" ]; then
  echo "FAIL: exit code $rc, expected $expected_rc"; cat /tmp/kedahttp-cli.$$.err; status=1
fi
if [ -d expected.out ] && ! diff -ru expected.out out; then
  echo "FAIL: files written to out/ differ"; status=1
fi
rm -f /tmp/kedahttp-cli.$$.out /tmp/kedahttp-cli.$$.err
exit $status
