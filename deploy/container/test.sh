#!/usr/bin/env bash
# Builds the container image from deploy/container/Containerfile and runs it the way
# compose.yaml does, on this machine, with Podman and images made only from Debian's packages
# (no registry but Debian's mirror is needed): `make container-test`.
#
# 1. A Debian 12 base image from debootstrap (once; kept as localhost/mailtls-debian:bookworm).
# 2. The MailTLS image with PREBUILT=1 (the release binary and dist/ of `make dist release`);
#    the other stage of the Containerfile compiles the same from source with a Rust image.
# 3. One container as the Containerfile says: read-only root, no capabilities, uid 10001; the
#    page and /healthz answer, the process is not root, the root filesystem takes no write.
# 4. compose.yaml with podman-compose: three replicas, Debian's redis-server with
#    deploy/redis/mailtls.conf, Debian's HAProxy with deploy/container/haproxy.cfg; /healthz
#    through the balancer, every replica on the store, a check link's page in each language,
#    then down.
#
# Podman here: `runc` (crun refuses this machine's hybrid cgroups) and no default ulimits (the
# defaults exceed what the machine allows); both are set for this script only.
set -euo pipefail
cd "$(dirname "$0")/../.."

BASE=localhost/mailtls-debian:bookworm
IMAGE=localhost/mailtls:test
STORE_IMAGE=localhost/mailtls-redis:test
BALANCER_IMAGE=localhost/mailtls-haproxy:test
PORT=${MAILTLS_TEST_PORT:-18080}
say() { printf '\033[1mcontainer-test:\033[0m %s\n' "$*"; }

conf=$(mktemp)
trap 'rm -f "$conf"' EXIT
printf '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\n' > "$conf"
export CONTAINERS_CONF=$conf

# Waits until `curl` of $1 answers with a body matching $2 (within 60 s).
wait_for() {
    for _ in $(seq 1 120); do
        if body=$(curl -fsS --max-time 2 "$1" 2>/dev/null) && grep -q "$2" <<<"$body"; then
            return 0
        fi
        sleep 0.5
    done
    echo "container-test: $1 did not answer with $2" >&2
    return 1
}

if ! podman image exists "$BASE"; then
    say "making $BASE with debootstrap (once)"
    rootfs=$(mktemp -d)
    debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >/dev/null
    tar -C "$rootfs" -c . | podman import - "$BASE" >/dev/null
    rm -rf "$rootfs"
fi

test -x target/release/probe-api && test -f dist/index.html \
    || { echo "container-test: run make dist release first" >&2; exit 1; }
say "building $IMAGE"
podman build -q -f deploy/container/Containerfile \
    --build-arg RUST_IMAGE="$BASE" --build-arg RUNTIME_IMAGE="$BASE" --build-arg PREBUILT=1 \
    -t "$IMAGE" . >/dev/null

say "one container: read-only, no capabilities, not root"
podman rm -f mailtls-test >/dev/null 2>&1 || true
podman run -d --name mailtls-test --read-only --cap-drop ALL --security-opt no-new-privileges \
    -p "127.0.0.1:$PORT:8080" "$IMAGE" >/dev/null
trap 'podman rm -f mailtls-test >/dev/null 2>&1 || true; rm -f "$conf"' EXIT
wait_for "http://127.0.0.1:$PORT/healthz" '^ok$'
curl -fsS "http://127.0.0.1:$PORT/check?lang=de" | grep -q '<html lang=de>'
[ "$(podman exec mailtls-test id -u)" = 10001 ] || { echo "container-test: not uid 10001" >&2; exit 1; }
if podman exec mailtls-test sh -c 'echo x > /usr/local/share/mailtls/x' 2>/dev/null; then
    echo "container-test: the root filesystem took a write" >&2
    exit 1
fi
podman logs mailtls-test 2>&1 | grep -q '"message":"MailTLS .* started".*"store":"embedded"' \
    || { podman logs mailtls-test >&2; echo "container-test: no JSON start line" >&2; exit 1; }
podman stop --time 45 mailtls-test >/dev/null
podman rm mailtls-test >/dev/null

say "compose: three replicas, Redis, HAProxy"
podman build -q -t "$STORE_IMAGE" - >/dev/null <<EOF
FROM $BASE
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server && rm -rf /var/lib/apt/lists/*
USER redis
EOF
podman build -q -t "$BALANCER_IMAGE" - >/dev/null <<EOF
FROM $BASE
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends haproxy && rm -rf /var/lib/apt/lists/*
USER haproxy
EOF
compose=tools/venv/bin/podman-compose
if [ ! -x "$compose" ]; then
    python3 -m venv tools/venv
    tools/venv/bin/pip install -q podman-compose==1.2.0
fi
export MAILTLS_IMAGE=$IMAGE MAILTLS_STORE_IMAGE=$STORE_IMAGE MAILTLS_BALANCER_IMAGE=$BALANCER_IMAGE
export MAILTLS_STORE_PASSWORD=container-test-$RANDOM$RANDOM MAILTLS_PORT=$PORT
down() { "$compose" -f deploy/container/compose.yaml down -t 45 >/dev/null 2>&1 || true; }
trap 'down; rm -f "$conf"' EXIT
"$compose" -f deploy/container/compose.yaml up -d --no-build >/dev/null 2>&1
wait_for "http://127.0.0.1:$PORT/healthz" '^ok$'
for replica in replica1 replica2 replica3; do
    container=$(podman ps --format '{{.Names}}' | grep "_${replica}_\|-${replica}-" | head -1)
    on_store=no
    for _ in $(seq 1 60); do
        if podman logs "$container" 2>&1 | grep -q '"store":"redis://store:6379/0"'; then
            on_store=yes
            break
        fi
        sleep 0.5
    done
    [ "$on_store" = yes ] \
        || { podman logs "$container" >&2; echo "container-test: $replica is not on the store" >&2; exit 1; }
done
# Round robin: six requests through HAProxy, and every replica logged some of them.
for _ in 1 2 3 4 5 6; do
    curl -fsS "http://127.0.0.1:$PORT/robots.txt" >/dev/null
done
for replica in replica1 replica2 replica3; do
    container=$(podman ps --format '{{.Names}}' | grep "_${replica}_\|-${replica}-" | head -1)
    podman logs "$container" 2>&1 | grep -q '"route":"/robots.txt"' \
        || { echo "container-test: $replica served no request" >&2; exit 1; }
done
# Each language's build of the page (dist/ and dist/en/ are both in the image).
curl -fsS "http://127.0.0.1:$PORT/check?lang=en" | grep -q '<html lang=en>' \
    || { echo "container-test: ?lang=en did not get the English page" >&2; exit 1; }
curl -fsS "http://127.0.0.1:$PORT/check?lang=de" | grep -q '<html lang=de>' \
    || { echo "container-test: ?lang=de did not get the German page" >&2; exit 1; }
say "all passed"
