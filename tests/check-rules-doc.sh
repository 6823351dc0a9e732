#!/usr/bin/env bash
# docs/rules.md must be exactly what `kedahttp validate --list-rules --output markdown` prints.
set -u
if ! diff -u "$2" <("$1" validate --list-rules --output markdown); then
  echo "docs/rules.md is stale: run build/apps/kedahttp/kedahttp validate --list-rules --output markdown > docs/rules.md"
  exit 1
fi
