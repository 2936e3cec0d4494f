#!/usr/bin/env bash
# Installs the pinned npm packages of tools/ort (ONNX Runtime for Node, used by the interop tests)
# and tools/report (Chart.js, inlined into every report page at build time, and playwright-core,
# which drives Debian's chromium in the report's browser test) into <dir>/node_modules.
# Install scripts are disabled: onnxruntime-node ships its CPU binaries (bin/napi-v*/linux/x64/*.node,
# libonnxruntime.so.1) inside the package, its postinstall only fetches optional GPU providers;
# playwright-core needs no browser download (the tests use /usr/bin/chromium).
# Idempotent: a folder whose pinned versions are all present is left alone.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

# Every "name": "version" pair of the folder's package.json dependencies.
pinned() { node -e 'const d=require(process.argv[1]).dependencies; for (const k in d) console.log(k + " " + d[k])' "$1/package.json"; }

installed() {  # dir name version
  local file="$1/node_modules/$2/package.json"
  [ -f "$file" ] && [ "$(node -e 'console.log(require(process.argv[1]).version)' "$file")" = "$3" ]
}

if ! command -v npm >/dev/null 2>&1; then
  bash "$root/scripts/install_deps.sh" npm  # Debian's npm (a nodejs that bundles npm needs none)
fi
for dir in "$root/tools/ort" "$root/tools/report"; do
  missing=0
  while read -r name version; do
    installed "$dir" "$name" "$version" || missing=1
  done < <(pinned "$dir")
  [ "$missing" = 0 ] && continue
  echo "make deps: installing the npm packages of ${dir#$root/} (install scripts disabled)"
  (cd "$dir" && npm install --ignore-scripts --no-audit --no-fund --no-package-lock --loglevel=error)
done
node -e "require('$root/tools/ort/node_modules/onnxruntime-node')" || { echo "make deps: onnxruntime-node does not load" >&2; exit 1; }
[ -f "$root/tools/report/node_modules/chart.js/dist/chart.umd.min.js" ] || { echo "make deps: chart.js is missing" >&2; exit 1; }
