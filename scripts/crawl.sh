#!/usr/bin/env bash
# scripts/crawl.sh: README quick-start command 1.
#
# Installs what is missing (Debian packages), builds and installs the
# extension, creates a local PostgreSQL 15 cluster in ./cluster (owned by
# postgres when run as root; reused on later runs), preloads dht_indexer,
# creates the extension in database "dht", starts the crawler against the
# live DHT and shows a live status screen from dht_indexer.stats() until
# Ctrl-C.  If the bootstrap nodes cannot be resolved it says so and stops.
#
# Offline mode (--offline, or DHT_OFFLINE=1): instead of the live DHT, the
# crawler joins the offline simulator (build/dht_sim, test/sim/README.md)
# started on 127/8 by this script, and the screen shows how much of the
# simulated network's torrents are indexed; Ctrl-C stops the simulator.
# The settings it needs (bootstrap list, loopback addresses) are made with
# ALTER SYSTEM and reset again by a later online run.
#
# Environment: DHT_PGPORT (default 5499), DHT_CLUSTER_DIR (default ./cluster),
# DHT_PORTS (UDP ports for the DHT, default 6881-6888); offline mode:
# DHT_SIM_NODES (2000), DHT_SIM_TORRENTS (10000), DHT_SIM_PORT (17881, UDP;
# its peers use the next two TCP ports).
set -u
OFFLINE=${DHT_OFFLINE:-0}
[ "${1:-}" = --offline ] && OFFLINE=1
cd "$(dirname "$0")/.."
. scripts/lib.sh

PORT=${DHT_PGPORT:-5499}
DATA=${DHT_CLUSTER_DIR:-$PWD/cluster}
DB=dht
DHT_UDP_PORTS=${DHT_PORTS:-6881-6888}
REFRESH=2

# The cluster owner must be able to reach the data directory.
check_reachable() {
    local parent
    parent=$(dirname "$DATA")
    if ! as_owner test -x "$parent" 2>/dev/null; then
        die "the postgres user cannot enter $parent; put the checkout somewhere it can (e.g. /opt or /srv) or set DHT_CLUSTER_DIR"
    fi
}

create_cluster() {
    log "creating cluster in $DATA"
    mkdir -p "$DATA"
    [ "$(id -u)" = 0 ] && chown postgres: "$DATA"
    chmod 700 "$DATA"
    as_owner "$PG_BINDIR/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=peer --auth-host=scram-sha-256 >/dev/null || die "initdb failed"
    as_owner tee -a "$DATA/postgresql.conf" >/dev/null <<CONF

# --- added by scripts/crawl.sh ---
port = $PORT
listen_addresses = ''
unix_socket_directories = '$DATA'
shared_preload_libraries = 'dht_indexer'
dht_indexer.database = '$DB'
dht_indexer.ports = '$DHT_UDP_PORTS'
CONF
}

start_cluster() {
    if as_owner "$PG_BINDIR/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
        log "cluster already running"
        return
    fi
    log "starting cluster (log: $DATA/server.log)"
    as_owner "$PG_BINDIR/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w start >/dev/null \
        || { tail -20 "$DATA/server.log" >&2; die "the cluster did not start"; }
}

psql_db() {
    as_owner "$PG_BINDIR/psql" -X -q -h "$DATA" -p "$PORT" -U postgres "$@"
}

create_extension() {
    psql_db -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 \
        || psql_db -d postgres -c "CREATE DATABASE $DB" || die "could not create database $DB"
    psql_db -d "$DB" -c "CREATE EXTENSION IF NOT EXISTS dht_indexer CASCADE" 2>/dev/null \
        || die "CREATE EXTENSION failed"
}

stat_value() {  # column
    psql_db -d "$DB" -tAc "SELECT $1 FROM dht_indexer.stats()"
}

show_status() {
    clear 2>/dev/null || printf '\033[H\033[2J'
    echo "dht_indexer on $DATA (port $PORT) -- $(date '+%H:%M:%S')  [Ctrl-C to leave]"
    echo
    psql_db -d "$DB" -P pager=off -x -c "
        SELECT state, worker_pid, now() - started_at AS uptime, sockets,
               identities,
               bootstrap_nodes || ' configured, ' || bootstrap_resolved || ' resolved, '
                 || bootstrap_replies || ' replies' AS bootstrap,
               known_nodes || ' known, ' || good_nodes || ' good' AS dht_nodes,
               packets_in, packets_out,
               unique_hashes, announces_in, samples_received,
               fetches_active || ' running, ' || fetch_ok || ' ok, '
                 || (fetches_started - fetch_ok - fetches_active) || ' failed' AS fetches,
               torrents_inserted,
               (SELECT count(*) FROM dht_indexer.torrents) AS torrents_indexed
          FROM dht_indexer.stats()"
    echo "Connect:  $(connect_hint)"
    warn_if_silent
}

# Names resolved but no node answered for a while: say so on the screen.
warn_if_silent() {
    local resolved replies age
    resolved=$(stat_value bootstrap_resolved)
    replies=$(stat_value bootstrap_replies)
    age=$(stat_value "extract(epoch FROM now() - started_at)::int")
    if [ "${resolved:-0}" -gt 0 ] && [ "${replies:-0}" = 0 ] && [ "${age:-0}" -gt 30 ]; then
        echo
        echo "Warning: the bootstrap nodes resolved but none has answered in ${age} s:"
        echo "outbound UDP may be blocked (the worker keeps retrying every minute)."
    fi
}

connect_hint() {
    if [ "$(id -u)" = 0 ]; then
        echo "runuser -u postgres -- psql -h $DATA -p $PORT $DB"
    else
        echo "psql -h $DATA -p $PORT -U postgres $DB"
    fi
}

# Stop with a plain message when no bootstrap node resolves.
check_reachability() {
    local nodes resolved failures
    nodes=$(stat_value bootstrap_nodes)
    resolved=$(stat_value bootstrap_resolved)
    failures=$(stat_value bootstrap_failures)
    if [ "${nodes:-0}" -gt 0 ] && [ "${resolved:-0}" = 0 ] && [ "${failures:-0}" -ge "$nodes" ]; then
        echo
        echo "The DHT is unreachable from this machine: none of the $nodes bootstrap nodes"
        echo "could be resolved (no DNS, or no internet).  See $DATA/server.log:"
        grep 'could not resolve bootstrap node' "$DATA/server.log" | tail -"$nodes" | sed 's/^/  /'
        echo
        echo "The cluster keeps running and the worker retries every minute."
        echo "Stop it with: $(stop_hint)"
        exit 2
    fi
}

# --- offline mode ------------------------------------------------------------

SIM_DIR=$DATA/sim
SIM_PID=

start_simulator() {
    local port=${DHT_SIM_PORT:-17881}
    make -s build/dht_sim >/dev/null || die "could not build the simulator"
    mkdir -p "$SIM_DIR"
    log "starting the offline simulator (log: $SIM_DIR/log)"
    build/dht_sim --nodes "${DHT_SIM_NODES:-2000}" --torrents "${DHT_SIM_TORRENTS:-10000}" \
        --dht-port "$port" --peer-port $((port + 1)) --manifest "$SIM_DIR/manifest.tsv" \
        --duration 604800 --status 10 >"$SIM_DIR/log" 2>&1 &
    SIM_PID=$!
    for _ in $(seq 1 240); do
        grep -q '^READY$' "$SIM_DIR/log" 2>/dev/null && break
        kill -0 "$SIM_PID" 2>/dev/null || { cat "$SIM_DIR/log" >&2; die "the simulator stopped"; }
        sleep 0.5
    done
    grep -q '^READY$' "$SIM_DIR/log" || die "the simulator did not get ready"
    grep '^world ' "$SIM_DIR/log"
}

# Point the worker at the simulator (offline) or back at the defaults.
configure_bootstrap() {
    local entries
    if [ "$OFFLINE" = 1 ]; then
        entries=$(sed -n 's/^entry //p' "$SIM_DIR/log")
        psql_db -d "$DB" -c "ALTER SYSTEM SET dht_indexer.bootstrap_nodes = '$entries'" \
            -c "ALTER SYSTEM SET dht_indexer.allow_private_addresses = on" \
            -c "ALTER SYSTEM SET dht_indexer.listen_addresses = '127.0.0.1'" \
            -c "ALTER SYSTEM SET dht_indexer.nodes_per_port = 4" || die "ALTER SYSTEM failed"
    else
        psql_db -d "$DB" -c "ALTER SYSTEM RESET dht_indexer.bootstrap_nodes" \
            -c "ALTER SYSTEM RESET dht_indexer.allow_private_addresses" \
            -c "ALTER SYSTEM RESET dht_indexer.listen_addresses" \
            -c "ALTER SYSTEM RESET dht_indexer.nodes_per_port" || die "ALTER SYSTEM failed"
    fi
    psql_db -d "$DB" -tAc "SELECT pg_reload_conf()" >/dev/null
}

# How much of what the simulator's honest peers serve is indexed.
show_offline_progress() {
    [ "$OFFLINE" = 1 ] || return 0
    local expected
    expected=$(awk -F'\t' 'NR > 1 && $9 == "servable" && $7 <= 10485760' "$SIM_DIR/manifest.tsv" | wc -l)
    echo
    echo "Offline simulator: $(sed -n 's/^world //p' "$SIM_DIR/log" | cut -d' ' -f1-3)"
    echo "  servable torrents (honest peers, <= 10 MB of metadata): $expected"
    echo "  ground truth: $SIM_DIR/manifest.tsv"
}

stop_simulator() {
    [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
    [ -n "$SIM_PID" ] && echo "The simulator stopped; its last status is in $SIM_DIR/log."
}

stop_hint() {
    if [ "$(id -u)" = 0 ]; then
        echo "runuser -u postgres -- $PG_BINDIR/pg_ctl -D $DATA stop"
    else
        echo "$PG_BINDIR/pg_ctl -D $DATA stop"
    fi
}

ensure_packages
build_and_install || die "build failed"
check_reachable
[ -f "$DATA/PG_VERSION" ] || create_cluster
start_cluster
create_extension
[ "$OFFLINE" = 1 ] && start_simulator
configure_bootstrap
echo "Connect with:  $(connect_hint)"
trap 'echo; stop_simulator; echo "The cluster keeps running. Stop it with: $(stop_hint)"; exit 0' INT TERM

# Wait for the worker's first bootstrap round before judging reachability.
for _ in $(seq 1 30); do
    [ "$(stat_value state)" = crawling ] && [ "$(stat_value "bootstrap_resolved + bootstrap_failures")" -gt 0 ] && break
    [ "$(stat_value bootstrap_nodes)" = 0 ] && [ "$(stat_value state)" = crawling ] && break
    sleep 1
done
while true; do
    show_status
    show_offline_progress
    [ "$OFFLINE" = 1 ] || check_reachability
    sleep "$REFRESH"
done
