#!/usr/bin/env bash
# Installs what `make container-test` needs from Debian: Podman, runc (crun refuses hybrid
# cgroups, as some virtual machines have), debootstrap for the base image, curl. As root it
# installs what is missing; otherwise it names the missing packages and stops.
set -euo pipefail
PACKAGES=(podman runc debootstrap curl python3-venv)
missing=()
for package in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "setup-container: missing Debian packages: ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=5 update -q
apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=5 install -y -q --no-install-recommends "${missing[@]}"
