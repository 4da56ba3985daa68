#!/usr/bin/env bash
# Reports what a browser downloads on first load of one language's build of the page
# (index.html, JS, wasm, CSS: dist/ is German, dist/en/ English), raw and compressed. With
# --check, fails when the gzip total (what every browser can get) or the brotli total (what
# current browsers get) exceeds its budget.
set -euo pipefail
dir=dist
budget=185000
budget_brotli=150000
check=false
for arg in "$@"; do
    case $arg in
        --check) check=true ;;
        *) dir=$arg ;;
    esac
done

if $check && ! command -v brotli >/dev/null; then
    echo "size-report: brotli is missing (Debian package brotli): the brotli budget cannot be checked" >&2
    exit 1
fi
total_raw=0 total_gzip=0 total_brotli=0
printf '%-40s %10s %10s %10s\n' file raw gzip brotli
for file in "$dir"/*.{html,js,css,wasm}; do
    [ -f "$file" ] || continue
    raw=$(stat -c %s "$file")
    gzip=$(gzip -9 -n -c "$file" | wc -c)
    if command -v brotli >/dev/null; then brotli=$(brotli -q 11 -c "$file" | wc -c); else brotli=0; fi
    printf '%-40s %10d %10d %10d\n' "$(basename "$file")" "$raw" "$gzip" "$brotli"
    total_raw=$((total_raw + raw)) total_gzip=$((total_gzip + gzip)) total_brotli=$((total_brotli + brotli))
done
printf '%-40s %10d %10d %10d\n' "total (budgets: gzip $budget, brotli $budget_brotli)" "$total_raw" "$total_gzip" "$total_brotli"
if [ "$total_raw" -eq 0 ]; then
    echo "size-report: $dir holds no page (index.html, JS, CSS, wasm): build it with make dist" >&2
    exit 1
fi
if $check && [ "$total_gzip" -gt "$budget" ]; then
    echo "size-report: $dir: first load is $total_gzip bytes gzip-compressed, over the budget of $budget" >&2
    exit 1
fi
if $check && [ "$total_brotli" -gt "$budget_brotli" ]; then
    echo "size-report: $dir: first load is $total_brotli bytes brotli-compressed, over the budget of $budget_brotli" >&2
    exit 1
fi
