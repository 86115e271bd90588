#!/usr/bin/env bash
# bench/run_krpc_bench.sh: the KRPC throughput comparison (bench/README.md).
#
# One run measures, with the same query mix from the same load generator
# (bench/krpc_load.c, 4096 source addresses 127.2.x.y), at each offered
# rate of RATES:
#   echo-plain   bench/udp_echo.c, recvfrom + sendto per datagram (the floor)
#   echo-mmsg    bench/udp_echo.c, recvmmsg + sendmmsg (first rate only)
#   echo-4MB     echo-plain with SO_RCVBUF = 4 MB (first rate only): shows
#                how many drops the default receive buffer alone causes
#   worker       the dht_indexer worker (the installed extension), its
#                routing table filled by walking a fake DHT of 262,144 nodes
#   worker-1kid  the same worker with nodes_per_port = 1000 (the socket
#                layout of the memory benchmark), first rate only
#   libtorrent   python3-libtorrent's DHT node (bench/lt_dht_target.py),
#                rate limits lifted, its routing table filled as far as its
#                k-buckets go from the same fake DHT
# and prints one table: answered share, answered queries/s, the target's
# CPU-seconds per million answered queries (utime + stime from
# /proc/PID/stat) and their ratios to echo-plain and libtorrent at the same
# rate, plus kernel drops (UDP RcvbufErrors) and the target's run-queue
# wait, which tell CPU cost apart from scheduling on a shared machine.
#
# Every packet stays on 127.0.0.0/8: targets bind 127.3.0.x, the fake DHT
# lives on 127.16-19.x.y, the load comes from 127.2.x.y, the worker's
# bootstrap_nodes are fake-DHT addresses and the server runs with
# RES_OPTIONS=attempts:0 (no DNS query is ever sent).  Every wait is
# bounded; the whole run takes about 3.5 minutes (at most 5).  IDS_ROW=0
# skips the worker-1kid row.
#
# Environment: RATES (offered queries/s, default "50000 20000"),
# SECONDS_MEASURED (default 10), WARMUP (default 2), SOURCES (default
# 4096), FAKE_BITS (fake DHT size 2^bits, default 18), MIN_NODES (worker
# table size the fill must reach, default 100000), FILL_TIMEOUT (default
# 60 s), PIN (1: target on CPU 0, generator on CPU 1; default when there
# are 2+ CPUs), KEEP=1 keeps the scratch directory (/tmp/dht_bench.*).
#
# Also sourced by bench/run_memory_bench.sh for its helpers (with
# KRPC_BENCH_LIB_ONLY=1, nothing runs).
set -u

# The first rate is the one the targets are stated at; the second is one
# that libtorrent still answers in full on this machine.
read -r -a RATES <<<"${RATES:-50000 20000}"
SECONDS_MEASURED=${SECONDS_MEASURED:-10}
WARMUP=${WARMUP:-2}
SOURCES=${SOURCES:-4096}
FAKE_BITS=${FAKE_BITS:-18}
MIN_NODES=${MIN_NODES:-100000}
FILL_TIMEOUT=${FILL_TIMEOUT:-60}
PIN=${PIN:-$([ "$(nproc)" -ge 2 ] && echo 1 || echo 0)}

PG_BINDIR=/usr/lib/postgresql/15/bin
PGPORT_BENCH=5499
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build
PIDS=()
WORK=""

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- helpers

build_tools() {
    mkdir -p "$BUILD"
    gcc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -I"$ROOT/extension/core" \
        -I"$ROOT/test/sim" "$ROOT/bench/krpc_load.c" "$ROOT/test/sim/loopudp.c" \
        "$ROOT"/extension/core/*.c -lsodium \
        -o "$BUILD/krpc_load" 2>"$BUILD/krpc_load.log" \
        || { cat "$BUILD/krpc_load.log" >&2; die "could not build krpc_load"; }
    gcc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra "$ROOT/bench/udp_echo.c" \
        -o "$BUILD/udp_echo" || die "could not build udp_echo"
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

make_workdir() {
    WORK=$(mktemp -d /tmp/dht_bench.XXXXXX) || die "mktemp failed"
    chmod 755 "$WORK"
}

# Is pid $1 still one of our programs (not a reused pid)?
ours() {
    grep -qaE 'krpc_load|udp_echo|lt_dht_target' "/proc/$1/cmdline" 2>/dev/null
}

# Kill what we started (by pid), stop the cluster, remove the scratch dir.
cleanup() {
    local p
    for p in "${PIDS[@]}"; do ours "$p" && kill "$p" 2>/dev/null; done
    [ -n "$WORK" ] && [ -f "$WORK/data/postmaster.pid" ] && pg_stop
    if [ -n "$WORK" ] && [ "${KEEP:-0}" != 1 ]; then rm -rf "$WORK"; fi
}

# Wait until file $1 has a line matching $2 (at most $3 s); print it.
wait_line() {
    local i
    for i in $(seq 1 $(( $3 * 10 ))); do
        grep -m1 -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# pid=N from a "ready" line
pid_of() { sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$1"; }

# Stop a process we started, by pid, and wait (bounded) until it is gone.
stop_pid() {
    local i
    ours "$1" || return 0
    kill "$1" 2>/dev/null || return 0
    for i in $(seq 1 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$1" 2>/dev/null
}

# A base port such that base..base+19 are free for UDP.
free_udp_base() {
    local base used p ok
    used=$(ss -Huan | awk '{n=split($4,a,":"); print a[n]}')
    for _ in $(seq 1 50); do
        base=$(( 30000 + (RANDOM % 3000) * 10 ))
        ok=1
        for p in $(seq "$base" $(( base + 19 ))); do
            grep -qx "$p" <<<"$used" && { ok=0; break; }
        done
        [ $ok = 1 ] && { echo "$base"; return 0; }
    done
    die "no free UDP port range"
}

# Start the fake DHT (2^$1 nodes) on port $2; sets FAKE_PID.
start_fake() {
    local line
    "$BUILD/krpc_load" fake --bits "$1" --port "$2" --seconds 900 \
        >"$WORK/fake.$2.out" 2>&1 &
    line=$(wait_line "$WORK/fake.$2.out" "FAKE ready" 10) \
        || { cat "$WORK/fake.$2.out" >&2; die "the fake DHT did not start"; }
    FAKE_PID=$(pid_of "$line")
    PIDS+=("$FAKE_PID")
}

stop_fake() {
    stop_pid "$FAKE_PID"
    grep "FAKE done" "$WORK/fake.$1.out" >&2
}

# ---------------------------------------------------------------- cluster

# initdb + the given postgresql.conf lines, then start (RES_OPTIONS set).
pg_start() {
    local conf=$1 data=$WORK/data
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown postgres: "$WORK" "$data"
    chmod 700 "$data"
    as_owner "$PG_BINDIR/initdb" -D "$data" -U postgres -E UTF8 \
        --locale=C.UTF-8 --auth-local=trust --auth-host=reject >/dev/null \
        || die "initdb failed"
    as_owner tee -a "$data/postgresql.conf" >/dev/null <<CONF

# --- added by bench/run_krpc_bench.sh ---
port = $PGPORT_BENCH
listen_addresses = ''
unix_socket_directories = '$data'
autovacuum = off
shared_preload_libraries = 'dht_indexer'
dht_indexer.database = 'postgres'
dht_indexer.allow_private_addresses = on
$conf
CONF
    as_owner env RES_OPTIONS=attempts:0 "$PG_BINDIR/pg_ctl" -D "$data" \
        -l "$data/server.log" -w start >/dev/null \
        || { tail -20 "$data/server.log" >&2; die "the cluster did not start"; }
    psql_c "CREATE EXTENSION dht_indexer CASCADE" >/dev/null \
        || die "CREATE EXTENSION failed"
}

pg_stop() {
    as_owner "$PG_BINDIR/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null 2>&1
}

psql_c() {
    as_owner "$PG_BINDIR/psql" -X -q -h "$WORK/data" -p "$PGPORT_BENCH" \
        -U postgres -d postgres -tAc "$1"
}

# Columns of stats(), space-separated: dht_stat "known_nodes, worker_pid"
dht_stat() { psql_c "SELECT concat_ws(' ', $1) FROM dht_indexer.stats()"; }

# Wait until the SQL condition on stats() holds (at most $2 s).
wait_stat() {
    local i
    for i in $(seq 1 $(( $2 * 2 ))); do
        [ "$(dht_stat "($1)::text")" = true ] && return 0
        sleep 0.5
    done
    return 1
}

# Fill the worker's table from the fake DHT until it stops growing (three
# polls 2 s apart with an empty contact queue) or $2 s pass; prints the
# progress.  Fails if the table ends below $1 nodes.
fill_worker() {
    local want=$1 limit=$2 t0 now known contacts last=-1 still=0 drops0
    t0=$(date +%s)
    drops0=$(udp_rcvbuf_errors)
    while :; do
        read -r known contacts <<<"$(dht_stat "known_nodes, contact_queue")"
        now=$(( $(date +%s) - t0 ))
        log "fill: ${now}s known_nodes=$known contact_queue=$contacts udp_rcvbuf_errors=$(( $(udp_rcvbuf_errors) - drops0 ))"
        if [ "$known" = "$last" ] && [ "$contacts" = 0 ]; then
            still=$(( still + 1 ))
        else
            still=0
        fi
        # stable (and started: the first replies can take a few seconds)
        [ $still -ge 3 ] && { [ "$known" -gt 0 ] || [ $now -ge 20 ]; } && break
        [ $now -ge "$limit" ] && break
        last=$known
        sleep 2
    done
    FILL_RCVBUF_ERRORS=$(( $(udp_rcvbuf_errors) - drops0 ))
    [ "$known" -ge "$want" ]
}

# The system's UDP RcvbufErrors counter (/proc/net/snmp).
udp_rcvbuf_errors() { awk '/^Udp:/ { if (++n == 2) print $6 }' /proc/net/snmp; }

# ---------------------------------------------------------------- load

# run_load NAME RATE TARGET_IP:PORT CPU_PID [--echo]; label NAME@RATE.
# With PIN=1 (the default on 2+ CPUs) the target's threads are pinned to
# CPU 0 and the generator to CPU 1, so that the two never share a CPU and
# every target is measured in the same placement.
run_load() {
    local name=$1 rate=$2 target=$3 pid=$4 pin=()
    shift 4
    if [ "$PIN" = 1 ]; then
        taskset -a -p -c 0 "$pid" >/dev/null || log "could not pin $pid"
        pin=(taskset -c 1)
    fi
    "${pin[@]}" "$BUILD/krpc_load" load --label "$name@$rate" --target "$target" \
        --rate "$rate" --seconds "$SECONDS_MEASURED" --warmup "$WARMUP" \
        --sources "$SOURCES" --port "$LOAD_PORT" --cpu-pid "$pid" "$@" \
        | tee -a "$WORK/results" >&2
}

# Field $2 of the RESULT line labelled $1.
field() {
    awk -v l="label=$1" -v k="$2" '$1 == "RESULT" && $2 == l {
        for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' \
        "$WORK/results"
}

# bench_echo NAME MODE RCVBUF RATE...
bench_echo() {
    local name=$1 mode=$2 rcvbuf=$3 line pid rate
    shift 3
    "$BUILD/udp_echo" 127.3.0.3 "$ECHO_PORT" "$mode" 200 "$rcvbuf" \
        >"$WORK/echo.$name.out" 2>&1 &
    line=$(wait_line "$WORK/echo.$name.out" "ECHO ready" 10) || die "udp_echo did not start"
    pid=$(pid_of "$line")
    PIDS+=("$pid")
    for rate in "$@"; do
        run_load "$name" "$rate" "127.3.0.3:$ECHO_PORT" "$pid" --echo
    done
    stop_pid "$pid"
}

# stats() counters compared around each worker load (absent ones print -).
WORKER_COUNTERS="packets_in replies_sent errors_sent dropped_rate_in dropped_rate_out dropped_parse send_errors queries_sent responses_in timeouts fetches_started fetch_fail_connect"

# Values of the named stats() columns, space-separated, "-" if absent.
dht_counters() {
    local c sql=""
    for c in $1; do sql="$sql, coalesce(j->>'$c', '-')"; done
    psql_c "SELECT concat_ws(' '$sql) FROM (SELECT to_jsonb(s) AS j FROM dht_indexer.stats() s) x"
}

# Worker counters around one load run, as name=delta pairs (the swarm's
# counters reach shared memory once a second: wait for that first).
worker_load() {
    local rate=$1 pid=$2 before after
    before=$(dht_counters "$WORKER_COUNTERS")
    run_load worker "$rate" "127.3.0.1:$WORKER_PORT" "$pid"
    sleep 1.5
    after=$(dht_counters "$WORKER_COUNTERS")
    WORKER_DELTA[$rate]=$(paste <(tr ' ' '\n' <<<"$before") <(tr ' ' '\n' <<<"$after") \
        <(tr ' ' '\n' <<<"$WORKER_COUNTERS") \
        | awk '$1 != "-" && $2 != "-" {printf "%s=%d ", $3, $2 - $1}')
    log "worker counters during the load at $rate/s: ${WORKER_DELTA[$rate]}"
}

bench_worker() {
    local pid rate
    start_fake "$FAKE_BITS" "$FAKE_PORT"
    log "worker: initdb and start (fills from the fake DHT of $((1 << FAKE_BITS)) nodes)"
    pg_start "dht_indexer.listen_addresses = '127.3.0.1'
dht_indexer.ports = '$WORKER_PORT'
dht_indexer.nodes_per_port = 1
dht_indexer.bootstrap_nodes = '127.16.0.1:$FAKE_PORT,127.16.128.1:$FAKE_PORT,127.17.0.1:$FAKE_PORT'
dht_indexer.max_nodes = 1000000
dht_indexer.max_send_rate = 200000
dht_indexer.send_rate_per_ip = 1000
dht_indexer.recv_rate_per_ip = 1000
dht_indexer.max_recv_rate = 1000000"
    wait_stat "state = 'crawling'" 30 || die "the worker is not crawling"
    fill_worker "$MIN_NODES" "$FILL_TIMEOUT" \
        || log "worker: the table stopped below $MIN_NODES nodes"
    WORKER_FILL=$(dht_stat "known_nodes, queries_sent, responses_in, timeouts, dropped_contacts, dropped_pending_full, routing_refused" \
        | awk -v d="$FILL_RCVBUF_ERRORS" '{printf "known_nodes=%s queries_sent=%s responses_in=%s timeouts=%s dropped_contacts=%s dropped_pending_full=%s routing_refused=%s udp_rcvbuf_errors=%s", $1, $2, $3, $4, $5, $6, $7, d}')
    stop_fake "$FAKE_PORT"
    # queries to the fake DHT time out (5 s); the worker then goes quiet
    wait_stat "pending_queries = 0 AND contact_queue = 0" 20 \
        || log "worker: queries still pending"
    WORKER_NODES=$(dht_stat known_nodes)
    pid=$(dht_stat worker_pid)
    for rate in "$@"; do worker_load "$rate" "$pid"; done
    WORKER_RSS=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    [ "${IDS_ROW:-1}" = 1 ] && worker_1k_identities "$1"
    pg_stop
}

# The same worker with nodes_per_port = 1000 (the identities of the memory
# benchmark's sockets): a new swarm, filled again, loaded at the first rate.
worker_1k_identities() {
    local pid
    log "worker: nodes_per_port = 1000 (the swarm is rebuilt and filled again)"
    start_fake "$FAKE_BITS" "$FAKE_PORT"
    psql_c "ALTER SYSTEM SET dht_indexer.nodes_per_port = 1000" >/dev/null
    psql_c "SELECT pg_reload_conf()" >/dev/null
    wait_stat "identities = 1000" 30 || { log "worker: no 1000 identities"; return; }
    fill_worker "$MIN_NODES" "$FILL_TIMEOUT" || log "worker: the table stopped below $MIN_NODES nodes"
    stop_fake "$FAKE_PORT"
    wait_stat "pending_queries = 0 AND contact_queue = 0" 20 || log "worker: queries still pending"
    WORKER1K_NODES=$(dht_stat known_nodes)
    pid=$(dht_stat worker_pid)
    run_load worker-1kid "$1" "127.3.0.1:$WORKER_PORT" "$pid"
}

bench_libtorrent() {
    local line pid st rate round
    start_fake "$FAKE_BITS" "$FAKE_PORT"
    mkfifo "$WORK/lt.in"
    /usr/bin/python3 "$ROOT/bench/lt_dht_target.py" --bind 127.3.0.2 \
        --port "$LT_PORT" --lifetime 240 \
        --seeds "127.16.0.1:$FAKE_PORT,127.16.128.1:$FAKE_PORT,127.17.0.1:$FAKE_PORT" \
        <"$WORK/lt.in" >"$WORK/lt.out" 2>"$WORK/lt.err" &
    exec 7>"$WORK/lt.in"
    line=$(wait_line "$WORK/lt.out" '"event"' 20) || die "libtorrent did not start"
    grep -q '"ready"' <<<"$line" || die "libtorrent: $line"
    pid=$(sed -n 's/.*"pid": \([0-9]*\).*/\1/p' <<<"$line")
    PIDS+=("$pid")
    sleep 2
    for round in 1 2 3; do
        echo "walk 200" >&7
        sleep 6
        echo status >&7
        sleep 1
        log "libtorrent fill round $round: $(tail -1 "$WORK/lt.out")"
    done
    stop_fake "$FAKE_PORT"
    sleep 1
    echo status >&7
    sleep 1
    st=$(tail -1 "$WORK/lt.out")
    LT_NODES=$(sed -n 's/.*"nodes": \([0-9]*\).*/\1/p' <<<"$st")
    LT_REPL=$(sed -n 's/.*"replacements": \([0-9]*\).*/\1/p' <<<"$st")
    for rate in "$@"; do
        run_load libtorrent "$rate" "127.3.0.2:$LT_PORT" "$pid"
    done
    echo status >&7
    sleep 1
    log "libtorrent after the load: $(tail -1 "$WORK/lt.out")"
    echo quit >&7
    exec 7>&-
    stop_pid "$pid"
}

# ---------------------------------------------------------------- report

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a >= 0) printf "%.2f", a / b; else printf "n/a" }'; }

print_rows() {
    local rate=$1 floor lt name label nodes
    floor=$(field "echo-plain@$rate" target_cpu_s_per_M)
    lt=$(field "libtorrent@$rate" target_cpu_s_per_M)
    for name in echo-plain echo-mmsg echo-4MB worker worker-1kid libtorrent; do
        label=$name@$rate
        [ -n "$(field "$label" sent)" ] || continue
        case $name in
            worker) nodes=$WORKER_NODES ;;
            worker-1kid) nodes=$WORKER1K_NODES ;;
            libtorrent) nodes="$LT_NODES (+$LT_REPL)" ;;
            *) nodes=- ;;
        esac
        printf '| %-17s | %13s | %8s | %10s | %11s | %7s | %6s | %11s | %9s | %9s | %10s |\n' \
            "$label" "$nodes" \
            "$(awk -v s="$(field "$label" share)" 'BEGIN{printf "%.2f%%", s*100}')" \
            "$(field "$label" answered_per_s)" "$(field "$label" target_cpu_s_per_M)" \
            "$(ratio "$(field "$label" target_cpu_s_per_M)" "$floor")" \
            "$(ratio "$(field "$label" target_cpu_s_per_M)" "$lt")" \
            "$(field "$label" p50_us) / $(field "$label" p99_us)" \
            "$(field "$label" rcvbuf_errors)" "$(field "$label" target_run_delay_ms)" \
            "$(field "$label" gen_cpu_s_per_M)"
    done
}

print_table() {
    local rate
    echo
    echo "KRPC throughput, ${SECONDS_MEASURED}s per row after a ${WARMUP}s warm-up, $SOURCES source addresses,"
    echo "mix ping/find_node/get_peers/announce_peer/sample_infohashes = 15/30/35/10/10 %."
    echo "CPU-s per M = target utime+stime per million answered queries; x floor / x lt ="
    echo "that figure over echo-plain's / libtorrent's at the same rate; drops = UDP"
    echo "RcvbufErrors (kernel: receive buffer full) during the row; wait = the target's"
    echo "time runnable but not running (schedstat)."
    echo
    printf '| %-17s | %13s | %8s | %10s | %11s | %7s | %6s | %11s | %9s | %9s | %10s |\n' \
        "target@offered/s" "table nodes" answered "answered/s" "CPU-s per M" "x floor" "x lt" \
        "p50/p99 us" "drops" "wait ms" "gen CPU/M"
    echo "|-------------------|---------------|----------|------------|-------------|---------|--------|-------------|-----------|-----------|------------|"
    for rate in "${RATES[@]}"; do print_rows "$rate"; done
    echo
    echo "worker fill: $WORKER_FILL"
    for rate in "${RATES[@]}"; do echo "worker counters @$rate: ${WORKER_DELTA[$rate]}"; done
    echo "worker RSS after the load: ${WORKER_RSS:-?} kB"
    echo "$SO_INFO"
    echo
    verdict
}

verdict() {
    local r=${RATES[0]} w floor lt share
    w=$(field "worker@$r" target_cpu_s_per_M)
    floor=$(field "echo-plain@$r" target_cpu_s_per_M)
    lt=$(field "libtorrent@$r" target_cpu_s_per_M)
    share=$(field "worker@$r" share)
    [ -n "$w" ] || return 0
    awk -v w="$w" -v f="$floor" -v l="$lt" -v s="$share" -v r="$r" 'BEGIN {
        printf "target: worker CPU per answer <= 1.5 x echo floor (at %d/s): %.2f x -> %s\n", r, w / f, (w <= 1.5 * f ? "met" : "MISSED")
        if (l > 0)
            printf "target: worker CPU per answer <= 0.6 x libtorrent (at %d/s): %.2f x -> %s\n", r, w / l, (w <= 0.6 * l ? "met" : "MISSED")
        printf "target: 100%% answered at %d queries/s: %.3f%% -> %s\n", r, s * 100, (s >= 1 ? "met" : "MISSED")
    }'
}

main() {
    [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import libtorrent' 2>/dev/null \
        || die "python3-libtorrent is missing (apt-get install python3-libtorrent)"
    [ -f "$($PG_BINDIR/pg_config --pkglibdir)/dht_indexer.so" ] \
        || die "dht_indexer is not installed (make install)"
    build_tools
    make_workdir
    trap cleanup EXIT
    trap 'exit 1' INT TERM
    local base t0=$SECONDS
    base=$(free_udp_base)
    FAKE_PORT=$base LOAD_PORT=$((base + 1)) ECHO_PORT=$((base + 2))
    WORKER_PORT=$((base + 3)) LT_PORT=$((base + 4))
    SO_INFO="installed dht_indexer.so md5 $(md5sum < "$($PG_BINDIR/pg_config --pkglibdir)/dht_indexer.so" | cut -c1-12), $(date -u -r "$($PG_BINDIR/pg_config --pkglibdir)/dht_indexer.so" '+%F %T UTC'); tree at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
    log "scratch $WORK, UDP ports $base-$((base + 4)), $SO_INFO"
    bench_echo echo-plain plain 0 "${RATES[@]}"
    bench_echo echo-mmsg mmsg 0 "${RATES[0]}"
    bench_echo echo-4MB plain 4194304 "${RATES[0]}"
    bench_worker "${RATES[@]}"
    bench_libtorrent "${RATES[@]}"
    print_table
    echo "(run took $((SECONDS - t0)) s; raw lines:)"
    sed 's/^/    /' "$WORK/results"
}

declare -A WORKER_DELTA
[ -n "${KRPC_BENCH_LIB_ONLY:-}" ] && return 0
main "$@"
