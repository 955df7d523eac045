#!/usr/bin/env bash
# The production stack on this machine: nginx (TLS, static files, X-Accel downloads) in front
# of gunicorn, with the relay, one process per consumer group and the dramatiq workers, all
# run by honcho from docker/Procfile against the running services (docker/services.sh).
#
#   docker/stack.sh up | down | status | env       (make up / make down)
#   docker/stack.sh manage createsuperuser          (manage.py with the stack's settings)
#
# Settings come from the environment, as in any deployment (config/settings/production.py);
# without DATABASE_URL and friends, those of docker/services.sh are used. Defaults here are
# for a local run: a self-signed certificate, https://localhost:8443/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK_DIR=${STACK_DIR:-$ROOT/var/stack}
PIDFILE=$STACK_DIR/honcho.pid
export STACK_DIR STACK_ROOT=$ROOT
export STACK_HTTPS_PORT=${STACK_HTTPS_PORT:-8443}
export STACK_HTTP_PORT=${STACK_HTTP_PORT:-8080}
export STACK_APP_PORT=${STACK_APP_PORT:-8001}
# How many of each Procfile process run side by side: relays share the outbox (SKIP LOCKED)
# and a group's consumers compete for its queue, so that one of them can stop or die.
STACK_CONCURRENCY=${STACK_CONCURRENCY:-relay=2,search-indexer=2,newsletter=2}

say() { echo "stack: $*"; }
die() {
    echo "stack: error: $*" >&2
    exit 1
}

running() { [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

# The settings every process of the stack shares.
configure() {
    if [ -z "${DATABASE_URL:-}" ]; then
        eval "$(bash "$ROOT/docker/services.sh" env)"
    fi
    export DATABASE_URL RABBITMQ_URL ELASTICSEARCH_URL
    export PATH="$ROOT/.venv/bin:/usr/sbin:$PATH"
    export DJANGO_SETTINGS_MODULE=config.settings.production
    export ALLOWED_HOSTS=${ALLOWED_HOSTS:-localhost,127.0.0.1}
    export MEDIA_ROOT=${MEDIA_ROOT:-$ROOT/var/media}
    export STATIC_ROOT=${STATIC_ROOT:-$ROOT/static}
    export SENDFILE_BACKEND=django_sendfile.backends.nginx
    export SENDFILE_URL=${SENDFILE_URL:-/_protected}
    # nginx is the proxy whose X-Forwarded-For Django may read.
    export TRUSTED_PROXIES=${TRUSTED_PROXIES:-127.0.0.1/32}
    # Every process writes its metrics here; /metrics adds them up (prometheus_client).
    export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-$STACK_DIR/metrics}
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    if [ -z "${SECRET_KEY:-}" ]; then
        [ -s "$STACK_DIR/secret-key" ] || (umask 077 &&
            python -c 'import secrets; print(secrets.token_urlsafe(50))' >"$STACK_DIR/secret-key")
        SECRET_KEY=$(cat "$STACK_DIR/secret-key")
    fi
    export SECRET_KEY
    # Uploads are limited by Django (VIDEO_UPLOAD_MAX_BYTES); nginx lets a little more in
    # for the multipart envelope, so that Django's clear error is what a client gets.
    export UPLOAD_MAX_BYTES=$((${VIDEO_UPLOAD_MAX_BYTES:-21474836480} + 1048576))
    # Workers of an nginx started as root run as www-data, which needs its temp folders.
    if [ "$(id -u)" -eq 0 ]; then export NGINX_USER="user www-data;"; else export NGINX_USER=""; fi
}

certificate() {
    [ -s "$STACK_DIR/tls/cert.pem" ] && return
    mkdir -p "$STACK_DIR/tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$STACK_DIR/tls/key.pem" -out "$STACK_DIR/tls/cert.pem" 2>/dev/null ||
        die "openssl could not make a self-signed certificate"
    chmod 600 "$STACK_DIR/tls/key.pem"
}

nginx_config() {
    mkdir -p "$STACK_DIR"/nginx/{body,proxy,fastcgi,uwsgi,scgi}
    [ -z "$NGINX_USER" ] || chown -R www-data "$STACK_DIR/nginx"
    # Only our variables: nginx's own ($host, $request_uri…) stay as they are.
    envsubst '${STACK_DIR} ${STACK_ROOT} ${STACK_HTTPS_PORT} ${STACK_HTTP_PORT} ${STACK_APP_PORT}
        ${STATIC_ROOT} ${MEDIA_ROOT} ${UPLOAD_MAX_BYTES} ${SENDFILE_URL} ${NGINX_USER}' \
        <"$ROOT/docker/nginx.conf.template" >"$STACK_DIR/nginx.conf"
    nginx -q -t -p "$STACK_DIR" -c "$STACK_DIR/nginx.conf" -g "daemon off;" ||
        die "nginx refuses $STACK_DIR/nginx.conf"
}

wait_ready() {
    local deadline=$((SECONDS + ${STACK_START_TIMEOUT:-120}))
    until curl -skf -o /dev/null "https://127.0.0.1:$STACK_HTTPS_PORT${STACK_READY_PATH:-/readyz}"; do
        running || return 1
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 1
    done
}

up() {
    mkdir -p "$STACK_DIR/logs"
    if running; then
        say "already running (pid $(cat "$PIDFILE")): https://localhost:$STACK_HTTPS_PORT/"
        return
    fi
    [ -x "$ROOT/.venv/bin/python" ] || die "no .venv: run make install"
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || die "nginx is missing: make services"
    configure
    cd "$ROOT"
    python manage.py migrate --noinput >"$STACK_DIR/logs/migrate.log" 2>&1 ||
        die "migrate failed (are the services running? make services); see $STACK_DIR/logs/migrate.log"
    # The exchange, the groups' queues and their dead-letter queues (idempotent).
    if [ -n "${RABBITMQ_URL:-}" ]; then
        python manage.py setup_topology >"$STACK_DIR/logs/setup_topology.log" 2>&1 ||
            die "setup_topology failed; see $STACK_DIR/logs/setup_topology.log"
    fi
    python manage.py collectstatic --noinput >"$STACK_DIR/logs/collectstatic.log" 2>&1 ||
        die "collectstatic failed; see $STACK_DIR/logs/collectstatic.log"
    certificate
    nginx_config
    # Counters start from zero with the stack, without the setup commands' own.
    rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    # Its own session: `down` stops honcho, which stops every process it started. honcho
    # kills what has not stopped 5 s after its SIGTERM, a constant of its code: the grace
    # is raised to gunicorn's graceful_timeout (30 s) plus a margin.
    setsid python -c 'import sys, honcho.command, honcho.manager
honcho.manager.KILL_WAIT = int(sys.argv.pop(1))
honcho.command.main()' "${STACK_KILL_WAIT:-35}" --no-colour start -f "$ROOT/docker/Procfile" \
        -d "$ROOT" -c "$STACK_CONCURRENCY" >>"$STACK_DIR/logs/stack.log" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    if ! wait_ready; then
        tail -n 40 "$STACK_DIR/logs/stack.log" >&2 || true
        down
        die "the stack did not become ready; see $STACK_DIR/logs/"
    fi
    say "up: https://localhost:$STACK_HTTPS_PORT/ (self-signed certificate), logs in $STACK_DIR/logs/"
}

down() {
    if ! running; then
        rm -f "$PIDFILE"
        say "not running"
        return
    fi
    local pid
    pid=$(cat "$PIDFILE")
    # honcho passes SIGTERM on to each process (graceful stops: gunicorn finishes its
    # requests, workers their jobs' current step, consumers their batch) and exits last.
    kill -TERM "$pid"
    local deadline=$((SECONDS + ${STACK_STOP_TIMEOUT:-60}))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.5; done
    # Whatever outlived the deadline goes with its session.
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$PIDFILE"
    say "down"
}

status() {
    if ! running; then
        say "not running"
        return 1
    fi
    say "running (pid $(cat "$PIDFILE")): https://localhost:$STACK_HTTPS_PORT/"
    curl -sk -H "Accept: text/plain" "https://127.0.0.1:$STACK_HTTPS_PORT/readyz" || true
    echo
}

case "${1:-}" in
up) up ;;
down) down ;;
status) status ;;
manage)
    shift
    mkdir -p "$STACK_DIR"
    configure
    cd "$ROOT"
    exec python manage.py "$@"
    ;;
env)
    mkdir -p "$STACK_DIR"
    configure
    for name in DJANGO_SETTINGS_MODULE DATABASE_URL RABBITMQ_URL ELASTICSEARCH_URL SECRET_KEY \
        ALLOWED_HOSTS MEDIA_ROOT STATIC_ROOT SENDFILE_BACKEND SENDFILE_URL TRUSTED_PROXIES \
        PROMETHEUS_MULTIPROC_DIR; do
        printf 'export %s=%q\n' "$name" "${!name}"
    done
    ;;
*)
    echo "usage: docker/stack.sh up|down|status|env|manage <command>…" >&2
    exit 2
    ;;
esac
