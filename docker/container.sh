#!/usr/bin/env bash
# Builds Newsroom's container image and smoke-tests docker/compose.yaml on this machine, with
# Debian's docker.io and docker-compose and no image registry: the base image is a Debian
# bookworm made here by debootstrap and imported.
#
#   docker/container.sh daemon base build smoke     # the steps run in the order given
#
#   daemon  install docker.io, docker-compose and debootstrap if missing; start dockerd
#   base    debootstrap bookworm and import it as newsroom-base:bookworm (skipped if present)
#   build   build the application image (newsroom:latest) from docker/Dockerfile
#   smoke   run the compose stack against the services of `docker/services.sh env`, in a
#           database and RabbitMQ vhost of its own; fetch pages from it; take it down
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOGS=${NEWSROOM_VAR:-$ROOT/var}/containers
BASE_IMAGE=newsroom-base:bookworm
IMAGE=${NEWSROOM_IMAGE:-newsroom:latest}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# What the smoke test creates on the services, and drops afterwards.
SMOKE_PROJECT=newsroom-smoke
SMOKE_DATABASE=newsroom_container
SMOKE_VHOST=newsroom-container
SMOKE_PORT=${SMOKE_PORT:-8077}

say() { echo "$*"; }
warn() { echo "container: $*" >&2; }
die() {
    warn "error: $*"
    exit 1
}
# Seconds since the step began, for the step's last line.
elapsed() { echo "$((SECONDS - $1)) s"; }

# --- daemon ------------------------------------------------------------------------------

daemon_running() { docker info >/dev/null 2>&1; }

step_daemon() {
    local began=$SECONDS missing=() package
    for package in docker.io docker-compose debootstrap; do
        dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q "ok installed" ||
            missing+=("$package")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        [ "$(id -u)" -eq 0 ] || die "${missing[*]} missing: apt-get install ${missing[*]}"
        warn "apt-get install ${missing[*]}"
        # No init system here: the packages must not try to start dockerd themselves.
        local policy=/usr/sbin/policy-rc.d added_policy=0
        if [ ! -e "$policy" ]; then
            printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && added_policy=1
        fi
        local status=0
        { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends "${missing[@]}"; } >"$LOGS/apt.log" 2>&1 || status=$?
        [ "$added_policy" -eq 1 ] && rm -f "$policy"
        [ "$status" -eq 0 ] || die "apt-get install failed, see $LOGS/apt.log"
    fi
    if ! daemon_running; then
        [ "$(id -u)" -eq 0 ] || die "dockerd is not running and only root can start it"
        # The daemon with its defaults (overlay2, bridge network); setsid lets it outlive make.
        setsid dockerd >"$LOGS/dockerd.log" 2>&1 </dev/null &
        local tries=0
        until daemon_running; do
            tries=$((tries + 1))
            [ "$tries" -le 60 ] || die "dockerd did not start; see $LOGS/dockerd.log"
            sleep 1
        done
    fi
    say "daemon: $(docker version -f 'dockerd {{.Server.Version}}') ready ($(elapsed "$began"))"
}

# --- base --------------------------------------------------------------------------------

step_base() {
    local began=$SECONDS
    if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
        say "base: $BASE_IMAGE already present ($(elapsed "$began"))"
        return
    fi
    local rootfs
    rootfs=$(mktemp -d "${TMPDIR:-/tmp}/newsroom-base.XXXXXX")
    # shellcheck disable=SC2064  # the path is known now
    trap "rm -rf '$rootfs'" RETURN
    debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" \
        >"$LOGS/debootstrap.log" 2>&1 || die "debootstrap failed, see $LOGS/debootstrap.log"
    # The suites a Debian machine follows, security updates included.
    rm -f "$rootfs/etc/apt/sources.list"
    cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $DEBIAN_MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${DEBIAN_MIRROR%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    # The image reaches the mirrors and PyPI the way this machine does: its apt settings
    # (a proxy, a snapshot's validity) and its CA bundle, which trusts a TLS-inspecting proxy.
    # The bundle goes to ca-certificates' local folder too, so installing that package keeps it.
    local conf
    for conf in /etc/apt/apt.conf /etc/apt/apt.conf.d/*; do
        [ -f "$conf" ] && grep -Eq 'Acquire::(.*::Proxy|Check-)' "$conf" &&
            cp "$conf" "$rootfs/etc/apt/apt.conf.d/"
    done
    if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
        mkdir -p "$rootfs/etc/ssl/certs" "$rootfs/usr/local/share/ca-certificates"
        cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
        cp /etc/ssl/certs/ca-certificates.crt "$rootfs/usr/local/share/ca-certificates/host.crt"
    fi
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | docker import --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
    say "base: $BASE_IMAGE imported ($(elapsed "$began"))"
}

# --- build -------------------------------------------------------------------------------

step_build() {
    local began=$SECONDS
    docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 || die "$BASE_IMAGE is missing: run 'base'"
    # The classic builder: Debian's docker.io has no buildx.
    DOCKER_BUILDKIT=0 docker build -f "$ROOT/docker/Dockerfile" -t "$IMAGE" "$ROOT" \
        >"$LOGS/build.log" 2>&1 || {
        tail -n 30 "$LOGS/build.log" >&2
        die "the image did not build, see $LOGS/build.log"
    }
    local reused
    reused=$(grep -c -- '---> Using cache' "$LOGS/build.log" || true)
    say "build: $IMAGE built, $reused steps from the cache ($(elapsed "$began"))"
}

# --- smoke -------------------------------------------------------------------------------

compose() {
    docker-compose --project-name "$SMOKE_PROJECT" --file "$ROOT/docker/compose.yaml" "$@"
}

# The HTTP status of one GET to the web container, as the TLS proxy in front would send it.
http_status() {
    curl -s -o "$2" -w '%{http_code}' -H 'X-Forwarded-Proto: https' \
        "http://127.0.0.1:$SMOKE_PORT$1" || true
}

smoke_cleanup() {
    local began=$SECONDS
    compose logs --no-color >"$LOGS/smoke.log" 2>&1 || true
    compose down --volumes --timeout 30 >>"$LOGS/smoke.log" 2>&1 || true
    psql "$ADMIN_DATABASE_URL" -q -c "DROP DATABASE IF EXISTS $SMOKE_DATABASE WITH (FORCE)" \
        >/dev/null 2>&1 || true
    say "smoke: stack, volume and database removed ($(elapsed "$began"))"
}

step_smoke() {
    local began=$SECONDS
    : "${DATABASE_URL:?set DATABASE_URL (eval \"\$(docker/services.sh env)\")}"
    : "${RABBITMQ_URL:?set RABBITMQ_URL (eval \"\$(docker/services.sh env)\")}"
    docker image inspect "$IMAGE" >/dev/null 2>&1 || die "$IMAGE is missing: run 'build'"
    # The same servers and credentials as the suite, a database and a vhost of its own: the
    # stack's consumers then never take the suite's messages, nor its relay the suite's events.
    # CREATE and DROP DATABASE run from PostgreSQL's maintenance database, always there.
    ADMIN_DATABASE_URL=${DATABASE_URL%/*}/postgres
    export PGOPTIONS="-c client_min_messages=warning"
    export DATABASE_URL=${DATABASE_URL%/*}/$SMOKE_DATABASE
    export RABBITMQ_URL=${RABBITMQ_URL%/*}/$SMOKE_VHOST
    export SEARCH_INDEX_PREFIX=newsroom-container SEARCH_INDEX_REPLICAS=0
    export SECRET_KEY=container-smoke-only ALLOWED_HOSTS=127.0.0.1,localhost
    export GUNICORN_BIND=127.0.0.1:$SMOKE_PORT WEB_CONCURRENCY=2 GUNICORN_GRACEFUL_TIMEOUT=5
    ! curl -s -o /dev/null "http://127.0.0.1:$SMOKE_PORT/" ||
        die "port $SMOKE_PORT is taken; set SMOKE_PORT"
    trap smoke_cleanup EXIT
    # What an interrupted run may have left.
    compose down --volumes --timeout 5 >/dev/null 2>&1 || true
    psql "$ADMIN_DATABASE_URL" -q -v ON_ERROR_STOP=1 \
        -c "DROP DATABASE IF EXISTS $SMOKE_DATABASE WITH (FORCE)" \
        -c "CREATE DATABASE $SMOKE_DATABASE" || die "cannot create the database $SMOKE_DATABASE"
    compose run --rm --no-deps web sh -c \
        'python manage.py migrate --noinput -v 0 && python manage.py setup_topology >/dev/null' \
        >"$LOGS/migrate.log" 2>&1 || {
        tail -n 30 "$LOGS/migrate.log" >&2
        die "migrate or setup_topology failed in the container (is the vhost $SMOKE_VHOST there?)"
    }
    say "smoke: database migrated, queues declared ($(elapsed "$began"))"
    compose up -d --no-build >"$LOGS/up.log" 2>&1 || die "compose up failed, see $LOGS/up.log"

    # Ready when /healthz answers; the admin's sign-in page stands in where there is none.
    local body=$LOGS/smoke-page.html tries=0 ready="" waited=$SECONDS
    until [ -n "$ready" ]; do
        local path
        for path in /healthz /admin/login/; do
            if [ "$(http_status "$path" "$body")" = 200 ]; then
                ready=$path
                break
            fi
        done
        tries=$((tries + 1))
        [ -n "$ready" ] || [ "$tries" -le 90 ] ||
            die "the web container never answered; logs in $LOGS/smoke.log"
        [ -n "$ready" ] || sleep 1
    done
    say "smoke: ready, GET $ready 200 after $(elapsed "$waited")"

    # A page Wagtail renders from the database, and a hashed static file from collectstatic.
    local status
    status=$(http_status /en/ "$body")
    say "smoke: GET /en/ $status, $(wc -c <"$body") bytes, title: $(tr -s ' \n' ' ' <"$body" |
        sed -n 's|.*<title> *\([^<]*[^< ]\) *</title>.*|\1|p')"
    [ "$status" = 200 ] || die "the home page answered $status"
    http_status /admin/login/ "$body" >/dev/null
    local asset
    asset=$(grep -o '/static/[^"]*\.[0-9a-f]\{12\}\.css' "$body" | head -n 1)
    [ -n "$asset" ] || die "the sign-in page links no hashed stylesheet"
    status=$(http_status "$asset" "$body")
    say "smoke: GET $asset $status"
    [ "$status" = 200 ] || die "the static file answered $status"

    # Every process stayed up (a crash shows as a restart) and the consumers are connected.
    sleep 5
    local container state failed=0
    for container in $(compose ps -q); do
        state=$(docker inspect -f '{{.Name}} {{.State.Status}} restarts={{.RestartCount}}' \
            "$container")
        say "smoke: ${state#/}"
        case "$state" in *" running restarts=0") ;; *) failed=1 ;; esac
    done
    [ "$failed" -eq 0 ] || die "a container is not running; logs in $LOGS/smoke.log"
    if command -v rabbitmqctl >/dev/null; then
        rabbitmqctl -q list_queues -p "$SMOKE_VHOST" name consumers | sort |
            awk '$2 ~ /^[0-9]+$/ && $2 > 0 {print "smoke: queue " $1 " consumers=" $2}'
    fi
    say "smoke: passed ($(elapsed "$began"))"
}

main() {
    [ "$#" -gt 0 ] || {
        sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
    }
    mkdir -p "$LOGS"
    local step
    for step in "$@"; do
        case "$step" in
        daemon | base | build | smoke) ;;
        *) die "unknown step '$step' (daemon, base, build, smoke)" ;;
        esac
    done
    for step in "$@"; do "step_$step"; done
}

main "$@"
