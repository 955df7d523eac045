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
# With --cluster, RabbitMQ and Elasticsearch clusters (3 nodes each on loopback, for the
# fault tests) run beside the single-node services, which stay the default.
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
# The clusters beside the single-node services, for the fault tests (issue 17): node i
# (1..size) listens on each base port + i - 1.
CLUSTER_SIZE=${NEWSROOM_CLUSTER_SIZE:-3}
CLUSTER_AMQP_PORT=${NEWSROOM_CLUSTER_AMQP_PORT:-5701}
CLUSTER_DIST_PORT=${NEWSROOM_CLUSTER_DIST_PORT:-25701}
CLUSTER_ES_PORT=${NEWSROOM_CLUSTER_ES_PORT:-9211}
CLUSTER_ES_TRANSPORT_PORT=${NEWSROOM_CLUSTER_ES_TRANSPORT_PORT:-9311}
CLUSTER_ES_HEAP=${NEWSROOM_CLUSTER_ES_HEAP:-384m}
CLUSTER_STATE=$STATE/cluster
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
        # when their tests run them beside the suite; newsroom-bench: bench/scale.py's.
        local vhost
        for vhost in newsroom newsroom-stack newsroom-container newsroom-bench; do
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

# Build (Maven) and lay out the distribution under var/ with our analysis plugin; the single
# node and the cluster's nodes all run from it, each with its own config, data and logs.
elasticsearch_distribution() {
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
    if is_root; then
        elasticsearch_user
        chown -R "$ES_USER" "$ES_HOME"
    fi
}

# Elasticsearch refuses to run as root: its nodes run as this system user.
elasticsearch_user() {
    id "$ES_USER" >/dev/null 2>&1 ||
        useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
}

# The distribution and the single node's config.
elasticsearch_install() {
    elasticsearch_distribution
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
        elasticsearch_user
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

# --- clusters (the fault tests': a node is killed and must come back) --------------------
# Each node has its own ports, data, logs, config and pid file under $CLUSTER_STATE, beside
# the single-node services, which stay untouched. Every node there was started by this
# script, so `down` stops whichever runs. `up` starts only the nodes that do not run: that
# is how a test brings back a node it killed with kill -9.

cluster_nodes() { seq "$CLUSTER_SIZE"; }

# node_alive PIDFILE: the pid in PIDFILE is the node of PIDFILE's directory, which its
# environment names (RABBITMQ_PID_FILE, ES_PATH_CONF). A kill -9 leaves the pid file behind,
# and with pid_max at 32768 (here) its number soon belongs to another process, or to a
# thread of another node (/proc/<thread id> exists too).
node_alive() {
    local pid
    pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] && node_process "$pid" "$(dirname "$1")"
}

# node_process PID DIR: process PID runs, started for the node in DIR.
node_process() { tr '\0' '\n' 2>/dev/null <"/proc/$1/environ" | grep -qF "=$2/"; }

# --- RabbitMQ cluster: newsroom-<i>@localhost, clustered with join_cluster. The nodes share
# the single node's Erlang cookie (Debian's wrapper runs them as the rabbitmq user), which is
# what lets them, and rabbitmqctl, talk to each other.

rabbitmq_node() { echo "newsroom-$1@localhost"; }
rabbitmq_node_dir() { echo "$CLUSTER_STATE/rabbitmq-$1"; }
rabbitmq_node_port() { echo $((CLUSTER_AMQP_PORT + $1 - 1)); }
rabbitmq_node_running() { node_alive "$(rabbitmq_node_dir "$1")/pid"; }
rabbitmq_node_ready() { rabbitmq-diagnostics -n "$(rabbitmq_node "$1")" -q check_running >/dev/null 2>&1; }

rabbitmq_cluster_url() {
    local i urls=()
    for i in $(cluster_nodes); do
        urls+=("amqp://$DEV_USER:$DEV_PASSWORD@127.0.0.1:$(rabbitmq_node_port "$i")/newsroom")
    done
    # dramatiq's convention for several brokers: URLs joined by ';'.
    (IFS=';' && echo "${urls[*]}")
}

# Node 1 lists every node as running.
rabbitmq_cluster_formed() {
    local running i
    running=$(rabbitmqctl -n "$(rabbitmq_node 1)" -q cluster_status --formatter json 2>/dev/null |
        grep -o '"running_nodes":\[[^]]*\]') || return 1
    for i in $(cluster_nodes); do
        [[ $running == *"\"$(rabbitmq_node "$i")\""* ]] || return 1
    done
}

rabbitmq_node_start() {
    local dir port
    dir=$(rabbitmq_node_dir "$1")
    port=$(rabbitmq_node_port "$1")
    tcp_open 127.0.0.1 "$port" && die "port $port is taken by something else; set NEWSROOM_CLUSTER_AMQP_PORT"
    mkdir -p "$dir/mnesia" "$dir/log"
    cat >"$dir/rabbitmq.conf" <<CONF
# Written by docker/services.sh: node $1 of the local cluster.
cluster_name = newsroom-cluster
# As the single node: a dramatiq job's message stays unacked while a long transcode runs.
consumer_timeout = 21600000
# A node cut off from the majority stops serving instead of diverging from it.
cluster_partition_handling = pause_minority
CONF
    # No plugins: the single node's enabled_plugins would otherwise apply here too.
    echo '[].' >"$dir/enabled_plugins"
    rm -f "$dir/pid"
    chown rabbitmq:rabbitmq "$dir" "$dir/mnesia" "$dir/log" "$dir/rabbitmq.conf" "$dir/enabled_plugins"
    # The node writes its own (beam's) pid to RABBITMQ_PID_FILE; data goes under
    # RABBITMQ_MNESIA_BASE/<node name>, logs under RABBITMQ_LOG_BASE. Its Erlang distribution
    # port, like AMQP, listens on loopback only.
    RABBITMQ_NODENAME=$(rabbitmq_node "$1") RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
        RABBITMQ_NODE_PORT=$port RABBITMQ_DIST_PORT=$((CLUSTER_DIST_PORT + $1 - 1)) \
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}' \
        RABBITMQ_CONFIG_FILE=$dir/rabbitmq.conf RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins \
        RABBITMQ_MNESIA_BASE=$dir/mnesia RABBITMQ_LOG_BASE=$dir/log RABBITMQ_PID_FILE=$dir/pid \
        setsid rabbitmq-server >"$dir/log/console.log" 2>&1 </dev/null &
}

rabbitmq_cluster_up() {
    command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
    is_root || die "the RabbitMQ cluster runs its nodes as the rabbitmq user: run as root"
    local i node started=()
    # All at once: after `down`, each node waits for the others' tables before it starts.
    for i in $(cluster_nodes); do
        rabbitmq_node_running "$i" && continue
        rabbitmq_node_start "$i"
        started+=("$i")
    done
    for i in $(cluster_nodes); do
        if ! wait_for 180 "RabbitMQ node $(rabbitmq_node "$i")" rabbitmq_node_ready "$i"; then
            tail -n 30 "$(rabbitmq_node_dir "$i")/log/$(rabbitmq_node "$i").log" >&2 2>/dev/null || true
            die "RabbitMQ node $i did not start; see $(rabbitmq_node_dir "$i")/log/"
        fi
    done
    # Join once: a node that comes back after a crash knows its cluster and rejoins by itself,
    # while a reset would throw its quorum queue replicas away.
    # (The CLI logs the node's restart as errors: into join.log with the rest.)
    local log
    for i in $(seq 2 "$CLUSTER_SIZE"); do
        [ -e "$(rabbitmq_node_dir "$i")/joined" ] && continue
        node=$(rabbitmq_node "$i")
        log=$(rabbitmq_node_dir "$i")/log/join.log
        { rabbitmqctl -n "$node" -q stop_app &&
            rabbitmqctl -n "$node" -q join_cluster "$(rabbitmq_node 1)" &&
            rabbitmqctl -n "$node" -q start_app; } >"$log" 2>&1 ||
            { tail -n 20 "$log" >&2; die "RabbitMQ node $node could not join $(rabbitmq_node 1)"; }
        touch "$(rabbitmq_node_dir "$i")/joined"
    done
    wait_for 120 "the RabbitMQ cluster" rabbitmq_cluster_formed ||
        die "not every node runs in the RabbitMQ cluster; see $CLUSTER_STATE/rabbitmq-*/log/"
    # Users, vhosts and permissions are cluster-wide: set them through node 1.
    local ctl=(rabbitmqctl -n "$(rabbitmq_node 1)" -q)
    "${ctl[@]}" list_users | grep -q "^$DEV_USER\b" ||
        "${ctl[@]}" add_user "$DEV_USER" "$DEV_PASSWORD" >/dev/null
    local vhost
    for vhost in newsroom newsroom-bench; do  # the fault tests', bench/scale.py's
        "${ctl[@]}" list_vhosts | grep -qx "$vhost" || "${ctl[@]}" add_vhost "$vhost"
        "${ctl[@]}" set_permissions -p "$vhost" "$DEV_USER" ".*" ".*" ".*"
    done
    say "RabbitMQ cluster of $CLUSTER_SIZE nodes on 127.0.0.1:$(rabbitmq_node_port 1)-$(rabbitmq_node_port "$CLUSTER_SIZE")" \
        "(started: ${started[*]:-none}; logs: $CLUSTER_STATE/rabbitmq-*/log/)"
}

rabbitmq_cluster_down() {
    local i stopped=() stops=()
    for i in $(cluster_nodes); do
        rabbitmq_node_running "$i" || continue
        # Given the pid file, stop waits until the node's VM has exited.
        rabbitmqctl -n "$(rabbitmq_node "$i")" -q stop "$(rabbitmq_node_dir "$i")/pid" >/dev/null 2>&1 &
        stops+=($!)
        stopped+=("$i")
    done
    for i in "${stops[@]}"; do wait "$i" || true; done
    [ "${#stopped[@]}" -eq 0 ] || say "RabbitMQ cluster stopped (nodes ${stopped[*]})"
}

rabbitmq_cluster_status() {
    local i failed=0
    for i in $(cluster_nodes); do
        if rabbitmq_node_running "$i" && tcp_open 127.0.0.1 "$(rabbitmq_node_port "$i")"; then
            say "RabbitMQ $i/$CLUSTER_SIZE up    $(rabbitmq_node "$i")  127.0.0.1:$(rabbitmq_node_port "$i")"
        else
            say "RabbitMQ $i/$CLUSTER_SIZE down  $(rabbitmq_node "$i")  127.0.0.1:$(rabbitmq_node_port "$i")"
            failed=1
        fi
    done
    return "$failed"
}

# --- Elasticsearch cluster: newsroom-es-<i>, one cluster run from the single node's
# distribution (and plugin), each node with its own config, data and logs.

elasticsearch_node_dir() { echo "$CLUSTER_STATE/elasticsearch-$1"; }
elasticsearch_node_port() { echo $((CLUSTER_ES_PORT + $1 - 1)); }
elasticsearch_node_running() { node_alive "$(elasticsearch_node_dir "$1")/pid"; }

elasticsearch_cluster_url() {
    local i urls=()
    for i in $(cluster_nodes); do
        urls+=("http://127.0.0.1:$(elasticsearch_node_port "$i")")
    done
    (IFS=',' && echo "${urls[*]}")
}

# elasticsearch_cluster_health STATUS: every node is in the cluster, at STATUS or better.
elasticsearch_cluster_health() {
    curl -sf --max-time 5 "http://127.0.0.1:$(elasticsearch_node_port 1)/_cluster/health?wait_for_nodes=$CLUSTER_SIZE&wait_for_status=$1&timeout=1s" |
        grep -q '"timed_out":false'
}

elasticsearch_node_configure() {
    local dir i seeds=() names=()
    dir=$(elasticsearch_node_dir "$1")
    for i in $(cluster_nodes); do
        seeds+=("127.0.0.1:$((CLUSTER_ES_TRANSPORT_PORT + i - 1))")
        names+=("newsroom-es-$i")
    done
    mkdir -p "$dir/config" "$dir/data" "$dir/logs"
    cp "$ES_HOME/config/log4j2.properties" "$dir/config/"
    # The JVM's GC log and heap dumps go to paths relative to the distribution, which all
    # nodes share: give each node its own.
    sed -e "s|=data\$|=$dir/data|" -e "s|logs/|$dir/logs/|g" \
        "$ES_HOME/config/jvm.options" >"$dir/config/jvm.options"
    cat >"$dir/config/elasticsearch.yml" <<YAML
# Written by docker/services.sh: node $1 of the local cluster.
cluster.name: newsroom-cluster
node.name: newsroom-es-$1
network.host: 127.0.0.1
http.port: $(elasticsearch_node_port "$1")
transport.port: $((CLUSTER_ES_TRANSPORT_PORT + $1 - 1))
discovery.seed_hosts: [$(IFS=',' && echo "${seeds[*]}")]
path.data: $dir/data
path.logs: $dir/logs
xpack.security.enabled: false
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
YAML
    # Bootstrapping only forms the cluster the first time: a node with a cluster state joins
    # its own, and Elasticsearch warns when the setting outlives that.
    [ -d "$dir/data/_state" ] ||
        echo "cluster.initial_master_nodes: [$(IFS=',' && echo "${names[*]}")]" >>"$dir/config/elasticsearch.yml"
    rm -f "$dir/pid"
    chown -R "$ES_USER" "$dir/config"
    chown "$ES_USER" "$dir" "$dir/data" "$dir/logs"
}

elasticsearch_cluster_up() {
    is_root || die "the Elasticsearch cluster runs its nodes as $ES_USER: run as root"
    # The single node's `up` keeps the distribution current; here it is only installed when
    # missing, never replaced under running nodes.
    [ -d "$ES_HOME/plugins/newsroom-analysis" ] || elasticsearch_distribution
    elasticsearch_user
    local java_home i port started=() launchers=()
    java_home=$(java17_home) || die "no Java found; install openjdk-17-jdk-headless"
    for i in $(cluster_nodes); do
        elasticsearch_node_running "$i" && continue
        port=$(elasticsearch_node_port "$i")
        tcp_open 127.0.0.1 "$port" && die "port $port is taken by something else; set NEWSROOM_CLUSTER_ES_PORT"
        elasticsearch_node_configure "$i"
        # In parallel: a node's start waits for the cluster to form, which needs a majority.
        runuser -u "$ES_USER" -- env ES_PATH_CONF="$(elasticsearch_node_dir "$i")/config" \
            ES_JAVA_HOME="$java_home" ES_JAVA_OPTS="-Xms$CLUSTER_ES_HEAP -Xmx$CLUSTER_ES_HEAP" \
            "$ES_HOME/bin/elasticsearch" -d -p "$(elasticsearch_node_dir "$i")/pid" \
            >"$(elasticsearch_node_dir "$i")/logs/console.log" 2>&1 </dev/null &
        launchers+=($!)
        started+=("$i")
    done
    for i in "${!launchers[@]}"; do
        wait "${launchers[$i]}" || {
            tail -n 30 "$(elasticsearch_node_dir "${started[$i]}")/logs/console.log" >&2
            die "Elasticsearch node ${started[$i]} failed to start"
        }
    done
    if ! wait_for 180 "the Elasticsearch cluster" elasticsearch_cluster_health yellow; then
        tail -n 30 "$(elasticsearch_node_dir 1)/logs/newsroom-cluster.log" >&2 2>/dev/null || true
        die "the Elasticsearch cluster did not form; see $CLUSTER_STATE/elasticsearch-*/logs/"
    fi
    # Yellow answers every search; green (replicas back on a returning node) is worth a
    # short wait so that a test starts from a whole cluster.
    local health=green
    wait_for 60 "green Elasticsearch cluster health" elasticsearch_cluster_health green || health=yellow
    say "Elasticsearch cluster of $CLUSTER_SIZE nodes, $health, on $(elasticsearch_cluster_url)" \
        "(heap $CLUSTER_ES_HEAP each; started: ${started[*]:-none}; logs: $CLUSTER_STATE/elasticsearch-*/logs/)"
}

elasticsearch_cluster_down() {
    local i stopped=() pids=()
    for i in $(cluster_nodes); do
        elasticsearch_node_running "$i" || continue
        pids[i]=$(cat "$(elasticsearch_node_dir "$i")/pid")
        kill "${pids[i]}"
        stopped+=("$i")
    done
    # By pid: a node deletes its pid file as soon as it begins to shut down, and an exiting
    # JVM no longer shows its environment.
    for i in "${stopped[@]}"; do
        for _ in $(seq 60); do
            node_process "${pids[i]}" "$(elasticsearch_node_dir "$i")" ||
                [ "$(cat "/proc/${pids[i]}/comm" 2>/dev/null)" = java ] || break
            sleep 1
        done
    done
    [ "${#stopped[@]}" -eq 0 ] || say "Elasticsearch cluster stopped (nodes ${stopped[*]})"
}

elasticsearch_cluster_status() {
    local i port failed=0
    for i in $(cluster_nodes); do
        port=$(elasticsearch_node_port "$i")
        if elasticsearch_node_running "$i" &&
            curl -sf --max-time 5 "http://127.0.0.1:$port/_nodes/_local?filter_path=nodes.*.name" >/dev/null; then
            say "Elasticsearch $i/$CLUSTER_SIZE up    newsroom-es-$i  http://127.0.0.1:$port"
        else
            say "Elasticsearch $i/$CLUSTER_SIZE down  newsroom-es-$i  http://127.0.0.1:$port"
            failed=1
        fi
    done
    return "$failed"
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
usage: docker/services.sh up|down [--cluster] [service…] | status [--cluster] | env [--cluster]
  up      install what is missing (with ffmpeg and the browser), start PostgreSQL, RabbitMQ
          and Elasticsearch, wait until ready
  down    stop the services that 'up' started, and the clusters' nodes that run
          (up/down take service names to act on some only: postgres rabbitmq elasticsearch
          rabbitmq-cluster elasticsearch-cluster; up also: ffmpeg nginx browser)
  status  show each service with its version (exit 1 if one is down)
  env     print 'export DATABASE_URL=… RABBITMQ_URL=… ELASTICSEARCH_URL=…' lines for eval
  --cluster  also (up, status) or only (down) the clusters beside the single-node services:
          \$NEWSROOM_CLUSTER_SIZE (default 3) RabbitMQ nodes newsroom-<i>@localhost on AMQP
          ports $CLUSTER_AMQP_PORT… and Elasticsearch nodes newsroom-es-<i> on $CLUSTER_ES_PORT…;
          env --cluster points RABBITMQ_URL and ELASTICSEARCH_URL at all their nodes
USAGE
}

main() {
    local verb=${1:-} cluster=0 argument services=()
    [ "$#" -eq 0 ] || shift
    for argument in "$@"; do
        if [ "$argument" = --cluster ]; then cluster=1; else services+=("$argument"); fi
    done
    local clusters=(rabbitmq-cluster elasticsearch-cluster) service
    case "$verb" in
    up)
        mkdir -p "$LOGS"
        [ "${#services[@]}" -gt 0 ] || services=(postgres rabbitmq elasticsearch ffmpeg nginx browser)
        [ "$cluster" -eq 0 ] || services+=("${clusters[@]}")
        for service in "${services[@]}"; do
            case "$service" in
            postgres | rabbitmq | elasticsearch | ffmpeg | nginx | browser | rabbitmq-cluster | \
                elasticsearch-cluster) "${service//-/_}_up" ;;
            *) usage; return 2 ;;
            esac
        done
        say "logs: $LOGS"
        ;;
    down)
        mkdir -p "$STATE"
        if [ "${#services[@]}" -eq 0 ]; then
            # Every cluster node was started here, so a plain `down` stops those that run.
            services=("${clusters[@]}")
            [ "$cluster" -eq 1 ] || services+=(elasticsearch rabbitmq postgres)
        elif [ "$cluster" -eq 1 ]; then
            services+=("${clusters[@]}")
        fi
        for service in "${services[@]}"; do
            case "$service" in
            postgres | rabbitmq | elasticsearch | rabbitmq-cluster | elasticsearch-cluster)
                "${service//-/_}_down" ;;
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
        if [ "$cluster" -eq 1 ]; then
            rabbitmq_cluster_status || failed=1
            elasticsearch_cluster_status || failed=1
        fi
        return "$failed"
        ;;
    env)
        echo "export DATABASE_URL=$(postgres_url)"
        if [ "$cluster" -eq 1 ]; then
            # Quoted: the ';' between the URLs would end the export under eval.
            echo "export RABBITMQ_URL='$(rabbitmq_cluster_url)'"
            echo "export ELASTICSEARCH_URL=$(elasticsearch_cluster_url)"
        else
            echo "export RABBITMQ_URL=$(rabbitmq_url)"
            echo "export ELASTICSEARCH_URL=$(elasticsearch_url)"
        fi
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
