#!/usr/bin/env bash
# Installs the Debian packages the tests need: a real browser, real mail servers, a real DNS
# server (Knot, for domain checks), openssl, procps (kill), Python (its plistlib and XML parsers
# read the settings files the page generates), and the reverse proxies the shipped snippets in
# deploy/ are tested with (nginx, HAProxy), systemd-analyze for the shipped unit, curl (the audit
# tests log in with it), rsyslog (the servers' syslog for the audit), GNU time (peak memory of a
# run), and Redis (the
# store replicas share their limits in; the tests start their own, on loopback, without disk).
# As root it installs what is missing; otherwise it names the missing packages and stops.
set -euo pipefail

PACKAGES=(chromium chromium-driver curl dovecot-imapd dovecot-pop3d postfix knot openssl brotli iproute2 util-linux procps python3 nginx haproxy systemd redis-server time rsyslog)

missing=()
for package in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "setup-test: missing Debian packages: ${missing[*]}" >&2
    echo "setup-test: install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
printf '\033[1msetup-test:\033[0m installing %s\n' "${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Postfix asks how to deliver mail; the tests run their own instances, so "No configuration".
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=5 update -q
apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=5 install -y -q --no-install-recommends "${missing[@]}"
