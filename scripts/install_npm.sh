#!/usr/bin/env bash
# Installs the npm packages of tools/ort (ONNX Runtime for Node, used by the interop tests) into
# tools/ort/node_modules. Install scripts are disabled: onnxruntime-node ships its CPU binaries
# (bin/napi-v*/linux/x64/*.node, libonnxruntime.so.1) inside the package; its postinstall only
# fetches optional GPU providers. Idempotent: returns at once when the pinned version is present.
set -euo pipefail
dir="$(cd "$(dirname "$0")/../tools/ort" && pwd)"
want="$(sed -n 's/.*"onnxruntime-node": *"\([^"]*\)".*/\1/p' "$dir/package.json")"
have="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$dir/node_modules/onnxruntime-node/package.json" 2>/dev/null | head -1 || true)"
if [ -n "$want" ] && [ "$have" = "$want" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  bash "$(dirname "$0")/install_deps.sh" npm  # Debian's npm (a nodejs that bundles npm needs none)
fi
echo "make deps: installing onnxruntime-node@$want into tools/ort (install scripts disabled)"
cd "$dir"
npm install --ignore-scripts --no-audit --no-fund --no-package-lock --loglevel=error
node -e "require('onnxruntime-node')" || { echo "make deps: onnxruntime-node does not load" >&2; exit 1; }
