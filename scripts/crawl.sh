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
# Environment: DHT_PGPORT (default 5499), DHT_CLUSTER_DIR (default ./cluster),
# DHT_PORTS (UDP ports for the DHT, default 6881-6888).
set -u
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
echo "Connect with:  $(connect_hint)"
trap 'echo; echo "The cluster keeps running. Stop it with: $(stop_hint)"; exit 0' INT TERM

# Wait for the worker's first bootstrap round before judging reachability.
for _ in $(seq 1 30); do
    [ "$(stat_value state)" = crawling ] && [ "$(stat_value "bootstrap_resolved + bootstrap_failures")" -gt 0 ] && break
    [ "$(stat_value bootstrap_nodes)" = 0 ] && [ "$(stat_value state)" = crawling ] && break
    sleep 1
done
while true; do
    show_status
    check_reachability
    sleep "$REFRESH"
done
