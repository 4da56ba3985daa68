#!/usr/bin/env bash
# Removes the content-hashed files of earlier builds from a page directory that upgrades are
# copied into (docs/operating.md, "Upgrading the page"): every file whose name carries a build
# hash (frontend-0123456789abcdef_bg.wasm, its .br and .gz) that the current index.html does not
# name — in DIR and in each language's build below it (dist/en/, with its own index.html). Run
# it a day after an upgrade, when no browser still holds a page of the old build.
#   prune-dist.sh --dry-run /usr/local/share/mailtls/dist   # only list
#   prune-dist.sh /usr/local/share/mailtls/dist             # remove
set -euo pipefail

usage() { echo "usage: prune-dist.sh [--dry-run] DIR" >&2; exit 2; }
dry_run=false
dir=
for arg in "$@"; do
    case "$arg" in
        --dry-run) dry_run=true ;;
        -*) usage ;;
        *) [ -z "$dir" ] || usage; dir=$arg ;;
    esac
done
[ -n "$dir" ] || usage
index="$dir/index.html"
[ -f "$index" ] || { echo "prune-dist: $index not found" >&2; exit 1; }

# One build's directory: its hashed files that its index.html does not name.
prune() {
    local build=$1 path name original
    for path in "$build"/*; do
        [ -f "$path" ] || continue
        name=$(basename "$path")
        # The build's hashed names: a 12-16 digit lowercase hex part between - or _ and . or _.
        [[ "$name" =~ [-_][0-9a-f]{12,16}[._] ]] || continue
        original=${name%.br}
        original=${original%.gz}
        if ! grep -qF "$original" "$build/index.html"; then
            if $dry_run; then
                echo "would remove $path"
            else
                rm -- "$path"
                echo "removed $path"
            fi
        fi
    done
}

prune "$dir"
for build in "$dir"/*/; do
    [ -f "$build/index.html" ] && prune "${build%/}"
done
exit 0
