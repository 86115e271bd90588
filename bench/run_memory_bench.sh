#!/usr/bin/env bash
# bench/run_memory_bench.sh: worker memory with 10,000 identities and
# 1,000,000 known nodes (bench/README.md).
#
# Starts a scratch cluster whose worker hosts 10 UDP sockets (127.3.0.1,
# 10 ports) x nodes_per_port 1000 = 10,000 identities with max_nodes
# 1,000,000, bootstraps it into the fake DHT of bench/krpc_load.c
# (2,097,152 nodes on 127.16-47.x.y) and lets it walk: the worker only
# adds nodes that answered its own queries, so the table fills through
# real traffic.  Every 5 s it prints known_nodes and the worker's VmRSS,
# RssAnon and VmHWM (/proc/PID/status); once known_nodes >= 1,000,000 (or
# after FILL_TIMEOUT s) it keeps the worker running HOLD s longer (to show
# that RSS follows the caps, not the traffic) and prints the final figures.
#
# Every packet stays on 127.0.0.0/8 and the server runs with
# RES_OPTIONS=attempts:0.  Bounded: about 2-4 minutes, at most ~5.
#
# Environment: FILL_TIMEOUT (default 210), HOLD (default 15), KEEP=1 keeps
# the scratch directory.
set -u

MEM_FILL_TIMEOUT=${FILL_TIMEOUT:-210}
KRPC_BENCH_LIB_ONLY=1
# shellcheck source=bench/run_krpc_bench.sh
. "$(dirname "${BASH_SOURCE[0]}")/run_krpc_bench.sh"

HOLD=${HOLD:-15}
WANT_NODES=1000000
MEM_FAKE_BITS=21
NPORTS=10
NODES_PER_PORT=1000

# "VmRSS RssAnon VmHWM" of a process, in kB.
mem_of() {
    awk '/^VmRSS:/ {r=$2} /^RssAnon:/ {a=$2} /^VmHWM:/ {h=$2} END {print r, a, h}' \
        "/proc/$1/status"
}

mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

sample() {  # elapsed pid
    local known ids rss anon hwm
    read -r known ids <<<"$(dht_stat "known_nodes, identities")"
    read -r rss anon hwm <<<"$(mem_of "$2")"
    printf '| %6s | %9s | %10s | %9s | %10s | %9s |\n' "$1" "$known" "$ids" \
        "$(mb "$rss")" "$(mb "$anon")" "$(mb "$hwm")"
    LAST_KNOWN=$known
}

mem_main() {
    local base pid t0 elapsed hold_end ports final
    build_tools
    make_workdir
    trap cleanup EXIT
    trap 'exit 1' INT TERM
    base=$(free_udp_base)
    FAKE_PORT=$base
    ports="$((base + 5))-$((base + 4 + NPORTS))"
    log "scratch $WORK, fake DHT on port $FAKE_PORT, worker ports $ports"
    start_fake "$MEM_FAKE_BITS" "$FAKE_PORT"
    pg_start "dht_indexer.listen_addresses = '127.3.0.1'
dht_indexer.ports = '$ports'
dht_indexer.nodes_per_port = $NODES_PER_PORT
dht_indexer.bootstrap_nodes = '127.16.0.1:$FAKE_PORT,127.24.0.1:$FAKE_PORT,127.40.0.1:$FAKE_PORT'
dht_indexer.max_nodes = $WANT_NODES
dht_indexer.max_send_rate = 200000
dht_indexer.send_rate_per_ip = 1000
dht_indexer.recv_rate_per_ip = 1000
dht_indexer.max_recv_rate = 1000000"
    wait_stat "state = 'crawling' AND identities = $((NPORTS * NODES_PER_PORT))" 30 \
        || die "the worker is not crawling with $((NPORTS * NODES_PER_PORT)) identities"
    pid=$(dht_stat worker_pid)
    echo
    echo "Worker memory: $NPORTS sockets x nodes_per_port $NODES_PER_PORT, max_nodes $WANT_NODES,"
    echo "table filled from a fake DHT of $((1 << MEM_FAKE_BITS)) nodes (MB = MiB)."
    echo
    printf '| %6s | %9s | %10s | %9s | %10s | %9s |\n' "time s" known_nodes identities \
        "VmRSS MB" "RssAnon MB" "VmHWM MB"
    echo "|--------|-----------|------------|-----------|------------|-----------|"
    t0=$SECONDS
    LAST_KNOWN=0
    while :; do
        elapsed=$((SECONDS - t0))
        sample "$elapsed" "$pid"
        [ "$LAST_KNOWN" -ge "$WANT_NODES" ] && break
        [ "$elapsed" -ge "$MEM_FILL_TIMEOUT" ] && break
        sleep 5
    done
    FILL_S=$((SECONDS - t0))
    hold_end=$((SECONDS + HOLD))
    while [ $SECONDS -lt $hold_end ]; do sleep 5; sample "$((SECONDS - t0))" "$pid"; done
    final=$(mem_of "$pid")
    stop_fake "$FAKE_PORT" 2>/dev/null
    echo
    echo "worker stats: $(dht_stat "identities, sockets, known_nodes, good_nodes, queries_sent, responses_in, timeouts, dropped_contacts, dropped_pending_full, routing_refused, replies_sent" \
        | awk '{printf "identities=%s sockets=%s known_nodes=%s good_nodes=%s queries_sent=%s responses_in=%s timeouts=%s dropped_contacts=%s dropped_pending_full=%s routing_refused=%s replies_sent=%s", $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11}')"
    read -r rss anon hwm <<<"$final"
    echo "fill: $LAST_KNOWN known nodes after ${FILL_S} s"
    awk -v r="$rss" -v a="$anon" -v h="$hwm" -v n="$LAST_KNOWN" -v want="$WANT_NODES" 'BEGIN {
        printf "worker VmRSS %.1f MB (RssAnon %.1f MB), VmHWM %.1f MB with %d known nodes\n", r/1024, a/1024, h/1024, n
        printf "target: worker RSS <= 256 MB with 10,000 identities and %d nodes: %s%s\n", want,
            (h/1024 <= 256 ? "met" : "MISSED"), (n >= want ? "" : " (table short of the goal: see above)")
    }'
    pg_stop
}

mem_main "$@"
