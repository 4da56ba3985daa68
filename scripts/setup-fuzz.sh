#!/usr/bin/env bash
# Installs what `make fuzz` needs: a nightly toolchain (libFuzzer's instrumentation needs
# unstable compiler flags) from rustup's dist server, and cargo-fuzz from crates.io. Skips what
# is already there.
set -euo pipefail
CARGO_FUZZ_VERSION=0.13.2

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "setup-fuzz: installing a nightly toolchain (minimal profile)"
    rustup toolchain install nightly --profile minimal
fi
if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
    echo "setup-fuzz: installing cargo-fuzz $CARGO_FUZZ_VERSION from crates.io"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi
