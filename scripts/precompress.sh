#!/usr/bin/env bash
# Writes .gz (and .br, when brotli is installed) beside every text and wasm file in a trunk
# output directory; probe-api serves them to browsers that accept them.
set -euo pipefail
dir=${1:-dist}
for file in "$dir"/*.{html,js,css,wasm}; do
    [ -f "$file" ] || continue
    gzip -9 -k -f -n "$file"
    if command -v brotli >/dev/null; then
        brotli -q 11 -k -f "$file"
    fi
done
