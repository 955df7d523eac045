#!/usr/bin/env bash
# Starts, stops and describes the real services Newsroom's tests and developers use:
# PostgreSQL and RabbitMQ from Debian's packages, an Elasticsearch 8.14 node from Maven
# Central, ffmpeg, nginx (the production stack's front), and chromium with chromedriver and
# axe-core for the browser tests.
# Idempotent: `up` reuses whatever already runs or is already downloaded.
#
#   docker/services.sh up | down | status | env
#   eval "$(docker/services.sh env)"     # point a shell at the running services
#
# A service whose URL is already in the environment (DATABASE_URL, RABBITMQ_URL,
# ELASTICSEARCH_URL) is not started here, only checked.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${NEWSROOM_VAR:-$ROOT/var}/services
LOGS=$STATE/logs

PG_PORT=${NEWSROOM_PG_PORT:-5432}
AMQP_PORT=${NEWSROOM_AMQP_PORT:-5672}
ES_PORT=${NEWSROOM_ES_PORT:-9200}
ES_HEAP=${NEWSROOM_ES_HEAP:-512m}
ES_VERSION=8.14.1
ES_BUILD=$ROOT/docker/elasticsearch
ES_STATE=$STATE/elasticsearch
ES_HOME=$ES_STATE/elasticsearch-$ES_VERSION
ES_USER=newsroom-es
# Credentials of the local development services only; never used outside this machine.
DEV_USER=newsroom
DEV_PASSWORD=newsroom

say() { echo "$*"; }
warn() { echo "services: $*" >&2; }
die() {
    warn "error: $*"
    exit 1
}
is_root() { [ "$(id -u)" -eq 0 ]; }

# --- helpers -----------------------------------------------------------------------------

APT_UPDATED=0
apt_install() {
    is_root || die "$* is missing; install it (apt-get install $*) or set the service's URL"
    if [ "$APT_UPDATED" -eq 0 ]; then
        warn "apt-get update"
        apt-get update -q >"$LOGS/apt.log" 2>&1 || die "apt-get update failed, see $LOGS/apt.log"
        APT_UPDATED=1
    fi
    warn "apt-get install $*"
    # Packages must not start their daemons from postinst: there is no init system here and
    # this script starts each service itself, with its own settings.
    local policy=/usr/sbin/policy-rc.d added_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && added_policy=1
    fi
    local status=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
        >>"$LOGS/apt.log" 2>&1 || status=$?
    [ "$added_policy" -eq 1 ] && rm -f "$policy"
    [ "$status" -eq 0 ] || die "apt-get install $* failed, see $LOGS/apt.log"
}

# wait_for SECONDS DESCRIPTION COMMAND...: retry COMMAND every second until it succeeds.
wait_for() {
    local seconds=$1 what=$2
    shift 2
    for _ in $(seq "$seconds"); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 1
    done
    warn "$what did not come up within ${seconds}s"
    return 1
}

# tcp_open HOST PORT: something accepts connections there.
tcp_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# url_host_port URL: "host port" of a service URL (default port from $2).
url_host_port() {
    local rest=${1#*://}
    rest=${rest#*@}
    rest=${rest%%/*}
    local host=${rest%%:*} port=$2
    [[ $rest == *:* ]] && port=${rest##*:}
    echo "$host $port"
}

mark_started() { touch "$STATE/started-$1"; }
was_started() { [ -e "$STATE/started-$1" ]; }

# --- PostgreSQL --------------------------------------------------------------------------

pg_version_dir() { find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n 1; }
pg_cluster_port() { pg_lsclusters -h 2>/dev/null | awk -v v="$1" '$1 == v && $2 == "main" { print $3 }'; }

postgres_url() {
    if [ -n "${DATABASE_URL:-}" ]; then
        echo "$DATABASE_URL"
        return
    fi
    local port=$PG_PORT version
    version=$(pg_version_dir)
    if [ -n "$version" ] && [ -n "$(pg_cluster_port "$version")" ]; then
        port=$(pg_cluster_port "$version")
    fi
    echo "postgres://$DEV_USER:$DEV_PASSWORD@127.0.0.1:$port/newsroom"
}

postgres_version() { psql "$(postgres_url)" -tAc "show server_version" 2>/dev/null | awk '{print $1}'; }

postgres_up() {
    if [ -n "${DATABASE_URL:-}" ]; then
        read -r host port < <(url_host_port "$DATABASE_URL" 5432)
        tcp_open "$host" "$port" || die "DATABASE_URL is set but nothing answers on $host:$port"
        say "PostgreSQL   reusing DATABASE_URL ($host:$port)"
        return
    fi
    if ! command -v pg_ctlcluster >/dev/null || [ -z "$(pg_version_dir)" ]; then
        apt_install postgresql
    fi
    local version port
    version=$(pg_version_dir)
    if [ -z "$(pg_cluster_port "$version")" ]; then
        is_root || die "no PostgreSQL cluster; create one or set DATABASE_URL"
        pg_createcluster "$version" main -p "$PG_PORT" >>"$LOGS/postgresql-setup.log" 2>&1
    fi
    port=$(pg_cluster_port "$version")
    local started="already running"
    if ! pg_isready -q -h 127.0.0.1 -p "$port"; then
        is_root || die "PostgreSQL $version is stopped; start it or set DATABASE_URL"
        pg_ctlcluster "$version" main start
        wait_for 60 "PostgreSQL" pg_isready -q -h 127.0.0.1 -p "$port" ||
            die "PostgreSQL did not start; see /var/log/postgresql/postgresql-$version-main.log"
        mark_started postgresql
        started="started"
    fi
    if is_root; then
        # Role and database, created once; CREATEDB lets the test runner make test_newsroom.
        runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1 >/dev/null <<SQL
DO \$\$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DEV_USER') THEN
        CREATE ROLE $DEV_USER LOGIN CREATEDB PASSWORD '$DEV_PASSWORD';
    END IF;
END \$\$;
SQL
        if ! runuser -u postgres -- psql -p "$port" -tAc \
            "SELECT 1 FROM pg_database WHERE datname = 'newsroom'" | grep -q 1; then
            runuser -u postgres -- createdb -p "$port" -O "$DEV_USER" newsroom
        fi
    fi
    psql "$(postgres_url)" -tAc "select 1" >/dev/null ||
        die "cannot sign in to $(postgres_url); check the newsroom role"
    say "PostgreSQL   $(postgres_version) $started on 127.0.0.1:$port" \
        "(log: /var/log/postgresql/postgresql-$version-main.log)"
}

postgres_down() {
    local version
    version=$(pg_version_dir)
    if was_started postgresql && [ -n "$version" ]; then
        pg_ctlcluster "$version" main stop || true
        rm -f "$STATE/started-postgresql"
        say "PostgreSQL   stopped"
    fi
}

postgres_status() {
    local version
    if version=$(postgres_version) && [ -n "$version" ]; then
        say "PostgreSQL   up    $version  $(postgres_url)"
    else
        say "PostgreSQL   down"
        return 1
    fi
}

# --- RabbitMQ ----------------------------------------------------------------------------

rabbitmq_url() {
    echo "${RABBITMQ_URL:-amqp://$DEV_USER:$DEV_PASSWORD@127.0.0.1:$AMQP_PORT/newsroom}"
}

rabbitmq_running() { rabbitmqctl -q status >/dev/null 2>&1; }
rabbitmq_version() { rabbitmqctl -q version 2>/dev/null; }

rabbitmq_up() {
    if [ -n "${RABBITMQ_URL:-}" ]; then
        read -r host port < <(url_host_port "$RABBITMQ_URL" 5672)
        tcp_open "$host" "$port" || die "RABBITMQ_URL is set but nothing answers on $host:$port"
        say "RabbitMQ     reusing RABBITMQ_URL ($host:$port)"
        return
    fi
    command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
    local started="already running"
    if ! rabbitmq_running; then
        is_root || die "RabbitMQ is stopped; start it or set RABBITMQ_URL"
        # Debian's wrapper runs the node as the rabbitmq user; setsid detaches it from this
        # shell so it outlives `make`. The node's own logs stay in /var/log/rabbitmq.
        RABBITMQ_NODE_PORT=$AMQP_PORT setsid rabbitmq-server >"$LOGS/rabbitmq.log" 2>&1 </dev/null &
        if ! wait_for 120 "RabbitMQ" rabbitmq-diagnostics -q check_port_listener "$AMQP_PORT"; then
            tail -n 30 "$LOGS/rabbitmq.log" >&2 || true
            die "RabbitMQ did not start; see $LOGS/rabbitmq.log and /var/log/rabbitmq/"
        fi
        mark_started rabbitmq
        started="started"
    fi
    if is_root; then
        rabbitmqctl -q list_users | grep -q "^$DEV_USER\b" ||
            rabbitmqctl -q add_user "$DEV_USER" "$DEV_PASSWORD" >/dev/null
        # newsroom-stack and newsroom-container: the production stack's and the containers',
        # when their tests run them beside the suite.
        local vhost
        for vhost in newsroom newsroom-stack newsroom-container; do
            rabbitmqctl -q list_vhosts | grep -qx "$vhost" || rabbitmqctl -q add_vhost "$vhost"
            rabbitmqctl -q set_permissions -p "$vhost" "$DEV_USER" ".*" ".*" ".*"
        done
        # A dramatiq worker holds a job's message unacked while the job runs: the default
        # 30-minute consumer timeout would close its channel under a long transcode and have
        # the job run twice. Six hours, like VIDEO_MAX_DURATION (rabbitmq.conf in production).
        rabbitmqctl -q eval 'application:set_env(rabbit, consumer_timeout, 21600000).' >/dev/null
    fi
    tcp_open 127.0.0.1 "$AMQP_PORT" || die "RabbitMQ runs but nothing accepts AMQP on $AMQP_PORT"
    say "RabbitMQ     $(rabbitmq_version) $started on 127.0.0.1:$AMQP_PORT" \
        "(log: $LOGS/rabbitmq.log, /var/log/rabbitmq/)"
}

rabbitmq_down() {
    if was_started rabbitmq; then
        rabbitmqctl -q stop >/dev/null 2>&1 || true
        rm -f "$STATE/started-rabbitmq"
        say "RabbitMQ     stopped"
    fi
}

rabbitmq_status() {
    if [ -n "${RABBITMQ_URL:-}" ]; then
        read -r host port < <(url_host_port "$RABBITMQ_URL" 5672)
        tcp_open "$host" "$port" && { say "RabbitMQ     up    $(rabbitmq_url)"; return; }
    elif rabbitmq_running; then
        say "RabbitMQ     up    $(rabbitmq_version)  $(rabbitmq_url)"
        return
    fi
    say "RabbitMQ     down"
    return 1
}

# --- Elasticsearch -----------------------------------------------------------------------

elasticsearch_url() { echo "${ELASTICSEARCH_URL:-http://127.0.0.1:$ES_PORT}"; }

# The node's version; GET / is not served by the test distribution, the nodes API is.
elasticsearch_version() {
    curl -sf --max-time 5 "$(elasticsearch_url)/_nodes/_local?filter_path=nodes.*.version" |
        grep -o '"version":"[^"]*"' | head -n 1 | cut -d'"' -f4
}

elasticsearch_healthy() {
    curl -sf --max-time 10 \
        "$(elasticsearch_url)/_cluster/health?wait_for_status=yellow&timeout=5s" |
        grep -qE '"status":"(yellow|green)"'
}

java17_home() {
    local candidate
    for candidate in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-arm64 \
        "${JAVA_HOME:-}"; do
        [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && { echo "$candidate"; return; }
    done
    command -v java >/dev/null && dirname "$(dirname "$(readlink -f "$(command -v java)")")"
}

# Build (Maven) and lay out the node under var/: distribution, our analysis plugin, config.
elasticsearch_install() {
    local plugin_zip=$ES_BUILD/analysis-plugin/target/newsroom-analysis-$ES_VERSION.zip
    if [ ! -x "$ES_BUILD/target/elasticsearch-$ES_VERSION/bin/elasticsearch" ] || [ ! -f "$plugin_zip" ]; then
        command -v mvn >/dev/null || apt_install maven
        warn "building the Elasticsearch node with Maven (downloads are cached in ~/.m2)"
        mvn -q -B -f "$ES_BUILD/pom.xml" package >"$LOGS/elasticsearch-build.log" 2>&1 ||
            die "Maven build failed, see $LOGS/elasticsearch-build.log"
    fi
    if [ ! -d "$ES_HOME/plugins/newsroom-analysis" ] || [ "$plugin_zip" -nt "$ES_HOME/plugins/newsroom-analysis" ]; then
        rm -rf "$ES_HOME"
        mkdir -p "$ES_STATE"
        cp -a "$ES_BUILD/target/elasticsearch-$ES_VERSION" "$ES_HOME"
        ES_JAVA_HOME=$(java17_home) "$ES_HOME/bin/elasticsearch-plugin" install --batch --silent \
            "file://$plugin_zip" >"$LOGS/elasticsearch-plugin.log" 2>&1 ||
            die "installing the analysis plugin failed, see $LOGS/elasticsearch-plugin.log"
    fi
    mkdir -p "$ES_STATE/config" "$ES_STATE/data" "$ES_STATE/logs"
    cp "$ES_HOME/config/jvm.options" "$ES_HOME/config/log4j2.properties" "$ES_STATE/config/"
    mkdir -p "$ES_STATE/config/jvm.options.d"
    cat >"$ES_STATE/config/elasticsearch.yml" <<YAML
# Written by docker/services.sh: a single-node development cluster on loopback.
cluster.name: newsroom-dev
node.name: newsroom-dev-1
discovery.type: single-node
network.host: 127.0.0.1
http.port: $ES_PORT
path.data: $ES_STATE/data
path.logs: $ES_STATE/logs
# The security module is in the distribution; a loopback dev node needs no TLS or users.
xpack.security.enabled: false
# A full developer disk must not turn test indices read-only.
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
YAML
    if is_root; then
        # Elasticsearch refuses to run as root.
        id "$ES_USER" >/dev/null 2>&1 ||
            useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
        chown -R "$ES_USER" "$ES_STATE"
    fi
}

elasticsearch_up() {
    if [ -n "${ELASTICSEARCH_URL:-}" ]; then
        elasticsearch_healthy || die "ELASTICSEARCH_URL is set but $(elasticsearch_url) is not healthy"
        say "Elasticsearch reusing ELASTICSEARCH_URL ($(elasticsearch_version))"
        return
    fi
    local started="already running"
    if ! elasticsearch_healthy; then
        tcp_open 127.0.0.1 "$ES_PORT" && die "port $ES_PORT is taken by something else; set NEWSROOM_ES_PORT"
        elasticsearch_install
        local java_home run_as=()
        java_home=$(java17_home) || die "no Java found; install openjdk-17-jdk-headless"
        is_root && run_as=(runuser -u "$ES_USER" --)
        "${run_as[@]}" env ES_PATH_CONF="$ES_STATE/config" ES_JAVA_HOME="$java_home" \
            ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP" \
            "$ES_HOME/bin/elasticsearch" -d -p "$ES_STATE/elasticsearch.pid" \
            >"$LOGS/elasticsearch.log" 2>&1 </dev/null ||
            { tail -n 30 "$LOGS/elasticsearch.log" >&2; die "Elasticsearch failed to start"; }
        if ! wait_for 120 "Elasticsearch" elasticsearch_healthy; then
            tail -n 30 "$ES_STATE/logs/newsroom-dev.log" >&2 2>/dev/null || true
            die "Elasticsearch is not healthy; see $ES_STATE/logs/newsroom-dev.log"
        fi
        mark_started elasticsearch
        started="started"
    fi
    say "Elasticsearch $(elasticsearch_version) $started on $(elasticsearch_url)" \
        "(heap $ES_HEAP; log: $ES_STATE/logs/newsroom-dev.log)"
}

elasticsearch_down() {
    local pidfile=$ES_STATE/elasticsearch.pid
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        kill "$(cat "$pidfile")"
        for _ in $(seq 60); do
            if [ ! -f "$pidfile" ] || ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then break; fi
            sleep 1
        done
        say "Elasticsearch stopped"
    fi
    rm -f "$STATE/started-elasticsearch"
}

elasticsearch_status() {
    if elasticsearch_healthy; then
        say "Elasticsearch up    $(elasticsearch_version)  $(elasticsearch_url)"
    else
        say "Elasticsearch down"
        return 1
    fi
}

# --- ffmpeg ------------------------------------------------------------------------------

ffmpeg_version() { ffmpeg -hide_banner -version 2>/dev/null | awk 'NR == 1 { print $3 }'; }

ffmpeg_up() {
    if ! command -v ffprobe >/dev/null || ! command -v ffmpeg >/dev/null; then
        apt_install ffmpeg
    fi
    say "ffmpeg       $(ffmpeg_version) ($(command -v ffmpeg), $(command -v ffprobe))"
}

ffmpeg_status() {
    if command -v ffprobe >/dev/null; then
        say "ffmpeg       ok    $(ffmpeg_version)"
    else
        say "ffmpeg       missing"
        return 1
    fi
}

# --- nginx (the production stack's front, docker/stack.sh) ------------------------------

nginx_version() { nginx -v 2>&1 | sed 's|.*nginx/||'; }

nginx_up() {
    command -v nginx >/dev/null || apt_install nginx
    say "nginx        $(nginx_version) ($(command -v nginx); started by docker/stack.sh)"
}

nginx_status() {
    if command -v nginx >/dev/null; then
        say "nginx        ok    $(nginx_version)"
    else
        say "nginx        missing"
        return 1
    fi
}

# --- browser (Debian's chromium and its chromedriver, for the browser tests) -------------
# and axe-core, the accessibility engine the portal's browser tests run in each page. No
# Debian package carries a current axe-core (WCAG 2.2 rules need 4.10+): its npm tarball is
# checked against the integrity the registry published for it, pinned here.

browser_version() { chromedriver --version 2>/dev/null | awk '{ print $2 }'; }

AXE_VERSION=4.14.1
AXE_INTEGRITY=sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==
AXE_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/newsroom
# Where the tests look for it (tests/integration/axe.py).
AXE_DIR=$STATE/axe-core

# has_integrity FILE INTEGRITY: FILE's SHA-512 is the one of a sha512-<base64> string (npm's).
has_integrity() {
    local expected
    expected=$(echo "${2#sha512-}" | base64 -d | od -An -v -tx1 | tr -d ' \n')
    [ -n "$expected" ] && [ "$(sha512sum "$1" | cut -d' ' -f1)" = "$expected" ]
}

axe_up() {
    if [ "$(cat "$AXE_DIR/INTEGRITY" 2>/dev/null)" = "$AXE_INTEGRITY" ] && [ -s "$AXE_DIR/axe.min.js" ]; then
        return
    fi
    local tarball=$AXE_CACHE/axe-core-$AXE_VERSION.tgz
    if [ ! -f "$tarball" ] || ! has_integrity "$tarball" "$AXE_INTEGRITY"; then
        mkdir -p "$AXE_CACHE"
        command -v curl >/dev/null || apt_install curl ca-certificates
        warn "downloading axe-core $AXE_VERSION from the npm registry"
        curl -sSfL --retry 3 --max-time 120 -o "$tarball.part" \
            "https://registry.npmjs.org/axe-core/-/axe-core-$AXE_VERSION.tgz" ||
            die "downloading axe-core $AXE_VERSION failed"
        if ! has_integrity "$tarball.part" "$AXE_INTEGRITY"; then
            rm -f "$tarball.part"
            die "axe-core-$AXE_VERSION.tgz does not match its pinned integrity ($AXE_INTEGRITY)"
        fi
        mv "$tarball.part" "$tarball"
    fi
    rm -rf "$AXE_DIR"
    mkdir -p "$AXE_DIR"
    tar -xzf "$tarball" -C "$AXE_DIR" --strip-components=1 package/axe.min.js package/LICENSE ||
        die "unpacking $tarball failed"
    echo "$AXE_INTEGRITY" >"$AXE_DIR/INTEGRITY"
}

browser_up() {
    if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
        apt_install chromium chromium-driver
    fi
    axe_up
    say "browser      chromium $(browser_version) ($(command -v chromium), $(command -v chromedriver))," \
        "axe-core $AXE_VERSION ($AXE_DIR/axe.min.js)"
}

browser_status() {
    if command -v chromedriver >/dev/null && command -v chromium >/dev/null &&
        [ "$(cat "$AXE_DIR/INTEGRITY" 2>/dev/null)" = "$AXE_INTEGRITY" ]; then
        say "browser      ok    chromium $(browser_version), axe-core $AXE_VERSION"
    else
        say "browser      missing (chromium, chromedriver or axe-core $AXE_VERSION)"
        return 1
    fi
}

# --- verbs -------------------------------------------------------------------------------

usage() {
    cat >&2 <<USAGE
usage: docker/services.sh up|down [service…] | status | env
  up      install what is missing (with ffmpeg and the browser), start PostgreSQL, RabbitMQ
          and Elasticsearch, wait until ready
  down    stop the services that 'up' started
          (up/down take service names to act on some only: postgres rabbitmq elasticsearch;
          up also: ffmpeg nginx browser)
  status  show each service with its version (exit 1 if one is down)
  env     print 'export DATABASE_URL=… RABBITMQ_URL=… ELASTICSEARCH_URL=…' lines for eval
USAGE
}

main() {
    case "${1:-}" in
    up)
        mkdir -p "$LOGS"
        shift
        local service services=("$@")
        [ "${#services[@]}" -gt 0 ] || services=(postgres rabbitmq elasticsearch ffmpeg nginx browser)
        for service in "${services[@]}"; do
            case "$service" in
            postgres | rabbitmq | elasticsearch | ffmpeg | nginx | browser) "${service}_up" ;;
            *) usage; return 2 ;;
            esac
        done
        say "logs: $LOGS"
        ;;
    down)
        mkdir -p "$STATE"
        shift
        local service services=("$@")
        [ "${#services[@]}" -gt 0 ] || services=(elasticsearch rabbitmq postgres)
        for service in "${services[@]}"; do
            case "$service" in
            postgres | rabbitmq | elasticsearch) "${service}_down" ;;
            *) usage; return 2 ;;
            esac
        done
        ;;
    status)
        local failed=0
        postgres_status || failed=1
        rabbitmq_status || failed=1
        elasticsearch_status || failed=1
        ffmpeg_status || failed=1
        nginx_status || failed=1
        browser_status || failed=1
        return "$failed"
        ;;
    env)
        echo "export DATABASE_URL=$(postgres_url)"
        echo "export RABBITMQ_URL=$(rabbitmq_url)"
        echo "export ELASTICSEARCH_URL=$(elasticsearch_url)"
        ;;
    -h | --help | help)
        usage
        ;;
    *)
        usage
        exit 2
        ;;
    esac
}

main "$@"
