#!/usr/bin/env bash
# Installs the tools the benchmarks need: testssl.sh (Debian) and sslyze (PyPI, into tools/venv)
# to compare MailTLS with, and wrk (Debian) to load the HTTP service. Skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
SSLYZE_VERSION=6.3.1

if ! command -v testssl >/dev/null || ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=5 update -q
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=5 install -y -q --no-install-recommends testssl.sh bsdextrautils wrk
    else
        echo "setup-bench: install the Debian packages testssl.sh and wrk" >&2
        exit 1
    fi
fi
if ! tools/venv/bin/python -m sslyze --help >/dev/null 2>&1; then
    python3 -m venv tools/venv
    tools/venv/bin/pip install --quiet "sslyze==$SSLYZE_VERSION"
fi
