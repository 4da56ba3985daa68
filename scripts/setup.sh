#!/usr/bin/env bash
# Installs what building and running MailTLS needs, and nothing that is already there at the
# right version. Sources: rustup's dist server (the wasm32 target), crates.io (trunk,
# wasm-bindgen-cli), npm (binaryen's wasm-opt, terser, axe-core). Safe to run again and again.
#   scripts/setup.sh          everything
#   scripts/setup.sh base     the wasm32 target, the npm tools and every crate (seconds)
#   scripts/setup.sh tools    trunk and wasm-bindgen-cli (built from crates.io: minutes, once)
# `make test` runs `tools` beside the test packages, the lint and the unit tests, which do not
# need them (Makefile).
set -euo pipefail
cd "$(dirname "$0")/.."
part=${1:-all}
case $part in
    all|base|tools) ;;
    *) echo "usage: setup.sh [base|tools]" >&2; exit 2 ;;
esac

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
AXE_VERSION=4.14.1
TERSER_VERSION=5.51.4

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

command -v cargo >/dev/null || { echo "setup: cargo is missing; install Rust 1.95.0 with rustup first" >&2; exit 1; }

# The toolchain named in rust-toolchain.toml, with the wasm32 target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen-cli must match the wasm-bindgen the lock file resolved, exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$WASM_BINDGEN_VERSION" ] || { echo "setup: no wasm-bindgen in Cargo.lock" >&2; exit 1; }
if ! grep -q "^wasm_bindgen = \"$WASM_BINDGEN_VERSION\"" Trunk.toml; then
    echo "setup: Trunk.toml's [tools] wasm_bindgen must be \"$WASM_BINDGEN_VERSION\" (the version in Cargo.lock)" >&2
    exit 1
fi

# Build tools, not shipped code: trunk's own release profile asks for fat LTO and one codegen
# unit, and both default to TLS for downloads they never make here (trunk runs offline, with
# wasm-bindgen and wasm-opt on PATH). Built without their TLS features, without LTO, with 16
# codegen units and without optimisation, the two take 140 s here instead of 268 s at opt-level
# 1 and 380 s with their own profiles, and run as fast where it shows: `trunk build --release`
# 28 s either way, the browser tests 2 s slower (README, "Times"). Only these installs see it.
tool_install() {
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
        CARGO_PROFILE_RELEASE_OPT_LEVEL=0 cargo install --no-default-features "$@"
}

install_tools() {
    if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
        say "installing trunk $TRUNK_VERSION from crates.io (takes a few minutes once)"
        tool_install trunk --version "$TRUNK_VERSION" --locked
    fi
    if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
        say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION from crates.io (takes a minute once)"
        # Not --locked: its lock file names a webpki-roots release the registry no longer has.
        tool_install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
    fi
}

if [ "$part" = tools ]; then
    install_tools
    exit 0
fi

# binaryen from npm: Debian's wasm-opt is too old for what Rust 1.95 emits. terser (the JS glue's
# minifier, scripts/finish-page.mjs) and axe-core (the accessibility rules the browser tests run
# on the page) come with it, from the same lock file.
if ! tools/npm/node_modules/.bin/wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION" \
    || ! grep -q "\"version\": \"$AXE_VERSION\"" tools/npm/node_modules/axe-core/package.json 2>/dev/null \
    || ! grep -q "\"version\": \"$TERSER_VERSION\"" tools/npm/node_modules/terser/package.json 2>/dev/null; then
    if ! command -v npm >/dev/null; then
        if [ "$(id -u)" = 0 ]; then
            say "installing nodejs and npm from Debian"
            DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=5 update -q
            DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=5 install -y -q nodejs npm
        else
            echo "setup: npm is missing; install the Debian packages nodejs and npm" >&2
            exit 1
        fi
    fi
    say "installing binaryen $BINARYEN_VERSION (wasm-opt), terser $TERSER_VERSION and axe-core $AXE_VERSION from npm into tools/npm"
    npm ci --prefix tools/npm --no-audit --no-fund --loglevel=error
fi

# trunk runs cargo offline, so every crate must already be downloaded.
cargo fetch --locked

[ "$part" = base ] || install_tools
