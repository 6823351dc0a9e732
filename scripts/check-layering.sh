#!/usr/bin/env bash
# Checks the module layering of DESIGN.md: a module includes only modules of lower layers
# (or its own), and only `manifest` includes yaml-cpp.
set -u
cd "$(dirname "$0")/../libinterceptor/kedahttp" || exit 1
declare -A layer=(
  [util]=0 [core]=1 [spec]=2 [manifest]=2 [validate]=3 [gen]=3 [routing]=3 [queue]=3 [hold]=3
  [report]=4 [proxy]=4 [net]=5 [source]=5 [sim]=5
)
# Same-layer modules that may use each other (manifest converts YAML to spec types; gen checks its output
# with validate; net serves what source loads).
allowed=" manifest->spec gen->validate net->source "
status=0
for dir in */; do
  module=${dir%/}
  [ -n "${layer[$module]+x}" ] || { echo "layering: module '$module' has no layer in scripts/check-layering.sh"; status=1; continue; }
  while IFS=: read -r file _ include; do
    used=$(sed -E 's/.*<kedahttp\/([a-z_]+)\/.*/\1/' <<<"$include")
    [ "$used" = "$module" ] && continue
    if [ "${layer[$used]}" -gt "${layer[$module]}" ] || { [ "${layer[$used]}" -eq "${layer[$module]}" ] && [[ "$allowed" != *" $module->$used "* ]]; }; then
      echo "layering: $file includes kedahttp/$used (layer ${layer[$used]}) from $module (layer ${layer[$module]})"
      status=1
    fi
  done < <(grep -rHn '#include <kedahttp/' "$dir")
  if [ "$module" != manifest ] && grep -rln 'yaml-cpp' "$dir" >/dev/null; then
    echo "layering: $module includes yaml-cpp; only manifest may"; status=1
  fi
done
[ $status -eq 0 ] && echo "layering: ok"
exit $status
