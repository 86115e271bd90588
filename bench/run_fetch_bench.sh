#!/usr/bin/env bash
# bench/run_fetch_bench.sh: metadata fetch throughput and fetch memory of
# the dht_indexer worker against the offline simulator (bench/README.md,
# "Metadata fetch throughput" and "Fetch memory").
#
#   bash bench/run_fetch_bench.sh [fetch]    throughput, worker vs libtorrent
#   bash bench/run_fetch_bench.sh memory     worker RSS with 1,024 fetches
#
# fetch: one dht_sim world (test/sim, build/dht_sim) of NA + NB torrents,
# every peer and node honest, small info dicts (--max-files 8: 1-2 pieces
# of 16 KiB), no huge or private torrents, the simulator's own searches
# and announces off.  bench/fetch_feed.c rebuilds the same world (the two
# manifests are compared byte for byte) and knows which peers hold what.
# In one run:
#   libtorrent  bench/fetch_lt.py resolves the first LT_COUNT magnets of
#               set A (torrents 0..NA-1) with their peers given directly,
#               in the configurations of LT_CONFIGS (see below);
#   worker, announced peers
#               a scratch cluster whose worker has no bootstrap node (so
#               it does nothing but answer and fetch) gets set A through
#               the DHT the way a swarm announces: from each torrent's
#               peer address, get_peers then announce_peer with the token
#               (fetch_feed announce, FEED_RATE datagrams/s), so every hash
#               arrives with a peer that serves it and no lookup is needed.
#               Fetch rate: fetch_ok per second while it goes from 10 % to
#               90 % of its final count (the smallest fetch_queue of that
#               window is printed: it must stay > 0); the same for fetch_ok +
#               store_rows_dropped (metadata fetched and verified, then
#               dropped because the store's batch was full); announce to
#               stored: rows stored / (last row stored - first announce);
#   worker, resolve()
#               the worker is then bootstrapped into the simulator (reload;
#               with --bep51 0 its walk finds little, its table stays at
#               the 8 entry nodes until the lookups fill it), and set B (torrents
#               NA..NA+NB-1) is passed to dht_indexer.resolve() in one DO
#               block (it retries while the 1,024-slot request ring is
#               full): each hash needs an iterative get_peers lookup in the
#               simulated DHT, then the fetch.  Rate: rows stored / (last
#               row stored - first resolve()).
# The worker: dht_indexer.max_fetches = MAX_FETCHES (1024), 4 UDP sockets
# on 127.0.0.1 x nodes_per_port 4, per-IP and global packet budgets raised
# (the feed comes from 12,500 peer addresses in a few seconds),
# max_files_per_process 8000 and ulimit -n 20000 (a fetch holds one
# descriptor from PostgreSQL's external budget, a third of
# max_safe_fds).  Samples of stats(), of the worker's and the simulator's
# CPU time (/proc/PID/stat) and of the worker's RSS every 0.25 s go to
# samples.tsv in the scratch directory; CPU ms per fetch are over the
# 10-90 % window.
#
# memory: two simulators, every peer slow.  "small": MEM_SMALL_TORRENTS
# torrents with small info dicts (1-2 pieces), each reply held
# MEM_SMALL_SLOW_MS (3 s), so that 1,024 fetches are in flight together
# for seconds, each holding its buffer; "huge": MEM_TORRENTS torrents
# whose info dicts are 10.25-15.5 MiB (--huge 1), each reply held
# MEM_SLOW_MS (250 ms: 4 pieces of 16 KiB per round trip, about 50 s per
# dict).  The worker (max_fetches 1024, fetch_timeout MEM_TIMEOUT_S) gets,
# by announces: the small ones; then MEM_SMALL_SET huge ones with the
# default max_metadata_size (10 MB: each is refused before allocation);
# then, after max_metadata_size = 16 MB and a reload, the other huge
# ones, for MEM_HOLD seconds.  Prints VmRSS, RssAnon and VmHWM (peak RSS)
# of the worker (/proc/PID/status) with fetches_active (now, and the peak
# of the phase's samples) and the bytes received, idle first; VmHWM only
# grows, so the phases go from small to large.
#
# Every address is 127.0.0.0/8: the simulators' nodes 127.16.x.y and
# 127.48.x.y, their peers 127.64.x.y and 127.96.x.y, the worker
# 127.0.0.1, libtorrent 127.0.0.2 (with an IP filter that blocks
# everything else); the server runs with RES_OPTIONS=attempts:0.  Every
# wait is bounded: fetch takes about 4 minutes, memory about 4 (half of
# it building the huge torrents, in the simulator and in fetch_feed).
#
# Environment: NA (40000), NB (10000), LT_COUNT (12000), MAX_FETCHES (1024),
# FEED_RATE (datagrams/s of the announces, 2 per torrent: 10000), PERF=1
# (perf record the worker, DWARF call graphs, for PERF_S = 8 s from the
# first announce and print the top of the profile; the rates of such a
# run are not clean), LT_CONFIGS (default "stock 1024:0:0 1024:0:1
# 2048:1:1": "stock" is libtorrent's default settings with LT_STOCK_COUNT
# (300) magnets added at once for at most LT_STOCK_SECONDS (60); the
# others are inflight : connections per torrent (0 = libtorrent's
# default) : outgoing port range (0 = bind to port 0, libtorrent's
# default; 1 = outgoing_port 10000 + num_outgoing_ports 10000)), SEED
# (7), MEM_TORRENTS (1300), MEM_SMALL_TORRENTS (1400), MEM_SMALL_SET
# (100), MEM_SLOW_MS (250), MEM_SMALL_SLOW_MS (3000), MEM_TIMEOUT_S
# (120), MEM_HOLD (90), KEEP=1 keeps the scratch directory.  Run as root
# from anywhere, after make install.
set -u

MODE=${1:-fetch}
NA=${NA:-40000}
NB=${NB:-10000}
LT_COUNT=${LT_COUNT:-12000}
MAX_FETCHES=${MAX_FETCHES:-1024}
FEED_RATE=${FEED_RATE:-10000}
read -r -a LT_CONFIGS <<<"${LT_CONFIGS:-stock 1024:0:0 1024:0:1 2048:1:1}"
LT_STOCK_COUNT=${LT_STOCK_COUNT:-300}
LT_STOCK_SECONDS=${LT_STOCK_SECONDS:-60}
SEED=${SEED:-7}
MEM_TORRENTS=${MEM_TORRENTS:-1300}
MEM_SMALL_TORRENTS=${MEM_SMALL_TORRENTS:-1400}
MEM_SMALL_SLOW_MS=${MEM_SMALL_SLOW_MS:-3000}
MEM_SMALL_SET=${MEM_SMALL_SET:-100}
MEM_SLOW_MS=${MEM_SLOW_MS:-250}
MEM_TIMEOUT_S=${MEM_TIMEOUT_S:-120}
MEM_HOLD=${MEM_HOLD:-90}
NOFILE=20000
SAMPLE_S=0.25
# Worker functions whose inclusive share PERF=1 prints.
PERF_FUNCS="dispatch_sockets|evloop_dispatch|on_event|read_input|finish|on_fetch_done|ingest_metadata|metainfo_verify|sha1_digest|crypto_hash_sha256|metainfo_parse|store_add|fetch_start|pipeline_run|take_candidates|store_classify|maybe_flush_store|store_flush|crawler_on_datagram|swarm_on_datagram|popularity_flush|pipeline_publish|__libc_connect|__close|epoll_wait|__GI___close"

# shellcheck disable=SC2034  # read by the sourced script
KRPC_BENCH_LIB_ONLY=1
# shellcheck source=bench/run_krpc_bench.sh
. "$(dirname "${BASH_SOURCE[0]}")/run_krpc_bench.sh"

SIM_PID=""
SAMPLER_PID=""
WORKER_PID=""

# Is pid $1 still one of our programs (not a reused pid)?
ours() {
    grep -qaE 'dht_sim|fetch_feed|fetch_lt|run_fetch_bench' "/proc/$1/cmdline" 2>/dev/null
}

cleanup() {
    local p
    [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null
    for p in "${PIDS[@]}"; do ours "$p" && kill "$p" 2>/dev/null; done
    [ -n "$WORK" ] && [ -f "$WORK/data/postmaster.pid" ] && pg_stop
    if [ -n "$WORK" ] && [ "${KEEP:-0}" != 1 ]; then rm -rf "$WORK"; fi
}

build_fetch_tools() {
    make -s -C "$ROOT" build/dht_sim >/dev/null || die "could not build build/dht_sim"
    local core=("$ROOT"/extension/core/*.c)
    gcc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -I"$ROOT/extension/core" \
        -I"$ROOT/test/sim" "$ROOT/bench/fetch_feed.c" "$ROOT/test/sim/world.c" \
        "$ROOT/test/sim/population.c" "$ROOT/test/sim/names.c" \
        "$ROOT/test/sim/loopudp.c" "$ROOT/test/sim/worldopts.c" "${core[@]}" \
        -lsodium -lm -o "$BUILD/fetch_feed" \
        || die "could not build fetch_feed"
}

# A base port such that base..base+19 are free for TCP and UDP
# (20000-29999, below the ephemeral range).
free_ports() {
    local base used p ok
    used=$(ss -Hatun | awk '{n=split($5,a,":"); print a[n]}' | sort -u)
    for _ in $(seq 1 100); do
        base=$(( 20000 + (RANDOM % 500) * 20 ))
        ok=1
        for p in $(seq "$base" $(( base + 19 ))); do
            grep -qx "$p" <<<"$used" && { ok=0; break; }
        done
        [ $ok = 1 ] && { echo "$base"; return 0; }
    done
    die "no free port range"
}

# start_sim NAME WAIT_S DHT_PORT PEER_PORT [dht_sim options]: start dht_sim
# with the world options $SIMOPTS (output NAME.out, manifest
# NAME-manifest.tsv); sets SIM_PID and ENTRY.
start_sim() {
    local name=$1 wait_s=$2 dport=$3 pport=$4
    shift 4
    # shellcheck disable=SC2086
    "$BUILD/dht_sim" $SIMOPTS --dht-port "$dport" --peer-port "$pport" \
        --manifest "$WORK/$name-manifest.tsv" --duration 1200 --status 5 "$@" \
        >"$WORK/$name.out" 2>&1 &
    SIM_PID=$!
    PIDS+=("$SIM_PID")
    wait_line "$WORK/$name.out" '^READY' "$wait_s" >/dev/null \
        || { tail -5 "$WORK/$name.out" >&2; die "dht_sim did not start"; }
    ENTRY=$(sed -n 's/^entry //p' "$WORK/$name.out")
    log "$name: $(grep '^world' "$WORK/$name.out")"
}

# The manifest fetch_feed wrote ($1) must be simulator $2's, byte for byte.
check_manifest() {
    cmp -s "$1" "$WORK/$2-manifest.tsv" \
        || die "fetch_feed and dht_sim built different worlds (manifests differ)"
    log "fetch_feed rebuilt the world of $2 (manifests identical)"
}

# initdb + conf lines, start with a raised descriptor limit.
pg_start_fetch() {
    local conf=$1 data=$WORK/data
    mkdir -p "$data"
    chown postgres: "$WORK" "$data"
    chmod 700 "$data"
    as_owner "$PG_BINDIR/initdb" -D "$data" -U postgres -E UTF8 \
        --locale=C.UTF-8 --auth-local=trust --auth-host=reject >/dev/null \
        || die "initdb failed"
    as_owner tee -a "$data/postgresql.conf" >/dev/null <<CONF

# --- added by bench/run_fetch_bench.sh ---
port = $PGPORT_BENCH
listen_addresses = ''
unix_socket_directories = '$data'
autovacuum = off
max_files_per_process = 8000
shared_preload_libraries = 'dht_indexer'
dht_indexer.database = 'postgres'
dht_indexer.allow_private_addresses = on
dht_indexer.listen_addresses = '127.0.0.1'
dht_indexer.ports = '$WORKER_PORTS'
dht_indexer.nodes_per_port = 4
dht_indexer.bootstrap_nodes = ''
dht_indexer.max_fetches = $MAX_FETCHES
dht_indexer.send_rate_per_ip = 1000
dht_indexer.max_send_rate = 200000
dht_indexer.recv_rate_per_ip = 1000
dht_indexer.max_recv_rate = 1000000
$conf
CONF
    runuser -u postgres -- bash -c "ulimit -n $NOFILE && exec env RES_OPTIONS=attempts:0 \
        '$PG_BINDIR/pg_ctl' -D '$data' -l '$data/server.log' -w start" >/dev/null \
        || { tail -20 "$data/server.log" >&2; die "the cluster did not start"; }
    psql_c "CREATE EXTENSION dht_indexer CASCADE" >/dev/null \
        || die "CREATE EXTENSION failed"
    wait_stat "state = 'crawling' AND sockets = 4" 30 \
        || die "the worker is not crawling on 4 sockets"
    WORKER_PID=$(dht_stat worker_pid)
}

# Set one dht_indexer parameter and reload.
set_guc() {
    psql_c "ALTER SYSTEM SET $1 = '$2'" >/dev/null && psql_c "SELECT pg_reload_conf()" >/dev/null
}

# utime + stime of a process in clock ticks.
cpu_ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# "VmRSS RssAnon VmHWM" in kB.
mem_of() {
    awk '/^VmRSS:/ {r=$2} /^RssAnon:/ {a=$2} /^VmHWM:/ {h=$2} END {print r, a, h}' \
        "/proc/$1/status"
}

# Counters compared around the resolve() phase.
B_COLS="fetch_lookups lookup_peers queries_sent responses_in timeouts dropped_rate_out fetches_started fetch_ok fetch_fail_other store_rows_dropped fetch_gave_up"

STAT_COLS="fetches_started fetch_ok fetches_active fetch_queue fetch_bytes_in torrents_inserted candidate_queue announces_in fetch_lookups fetch_gave_up fetch_fail_connect fetch_fail_handshake fetch_fail_timeout fetch_fail_too_big fetch_fail_hash_mismatch fetch_fail_bad_metainfo fetch_fail_other fd_refused known_nodes resolve_requests store_rows_dropped store_flushes"

# Columns of samples.tsv: t (epoch s), the STAT_COLS, worker CPU ticks,
# worker VmRSS RssAnon VmHWM (kB), simulator CPU ticks.
sampler() {
    local sql c
    sql="SELECT concat_ws(' ', extract(epoch from clock_timestamp())::numeric(16,3)"
    for c in $STAT_COLS; do sql="$sql, $c"; done
    sql="$sql) FROM dht_indexer.stats()"
    while :; do
        echo "$(psql_c "$sql") $(cpu_ticks "$WORKER_PID") $(mem_of "$WORKER_PID") $(cpu_ticks "$SIM_PID")"
        sleep "$SAMPLE_S"
    done >>"$WORK/samples.tsv"
}

start_sampler() {
    sampler &
    SAMPLER_PID=$!
}

stop_sampler() {
    kill "$SAMPLER_PID" 2>/dev/null
    wait "$SAMPLER_PID" 2>/dev/null
    SAMPLER_PID=""
}

# Column number of a samples.tsv field.
col() {
    local i=2 c
    [ "$1" = t ] && { echo 1; return; }
    for c in $STAT_COLS; do [ "$c" = "$1" ] && { echo $i; return; }; i=$((i + 1)); done
    case $1 in
        wcpu) echo $i ;; rss) echo $((i + 1)) ;; anon) echo $((i + 2)) ;;
        hwm) echo $((i + 3)) ;; scpu) echo $((i + 4)) ;;
    esac
}

# Latest sample's value of a field.
latest() { tail -1 "$WORK/samples.tsv" | awk -v c="$(col "$1")" '{print $c}'; }

# Wait until field $1 >= $2 (at most $3 s, or until $4 s pass without change).
wait_field() {
    local t0=$SECONDS v last=-1 still=0
    while [ $((SECONDS - t0)) -lt "$3" ]; do
        sleep 1
        v=$(latest "$1")
        [ -n "$v" ] && [ "$v" -ge "$2" ] && return 0
        if [ "$v" = "$last" ]; then still=$((still + 1)); else still=0; fi
        [ "$still" -ge "$4" ] && return 1
        last=$v
    done
    return 1
}

# Steady rate of the sum of fields "$1" (space-separated) from base $2
# over n $3, between 10 % and 90 % of it: "rate seconds cpu_ms_worker
# cpu_ms_sim min_queue mean_active worker_cores sim_cores" (the first
# sample after each publish is used at both ends, so that both have the
# same lag).
steady() {
    local cols="" f
    for f in $1; do cols="$cols $(col "$f")"; done
    awk -v cols="$cols" -v base="$2" -v n="$3" -v tc="$(col t)" \
        -v wc="$(col wcpu)" -v sc="$(col scpu)" -v qc="$(col fetch_queue)" \
        -v ac="$(col fetches_active)" -v hz="$(getconf CLK_TCK)" '
        BEGIN { nc = split(cols, cs, " ") }
        { v = -base; for (i = 1; i <= nc; i++) v += $(cs[i]) }
        v != prev && v >= 0.1 * n && !have_lo { lo_t = $tc; lo_v = v; lo_w = $wc; lo_s = $sc; have_lo = 1 }
        v != prev && v <= 0.9 * n && have_lo { hi_t = $tc; hi_v = v; hi_w = $wc; hi_s = $sc }
        have_lo && v <= 0.9 * n { if (minq == "" || $qc < minq) minq = $qc; sa += $ac; na++ }
        { prev = v }
        END {
            d = hi_v - lo_v
            if (d <= 0 || hi_t <= lo_t) { print "0 0 0 0 0 0 0 0"; exit }
            dt = hi_t - lo_t
            printf "%.0f %.2f %.3f %.3f %d %.0f %.2f %.2f\n", d / dt, dt,
                1000 * (hi_w - lo_w) / hz / d, 1000 * (hi_s - lo_s) / hz / d, minq, sa / na,
                (hi_w - lo_w) / hz / dt, (hi_s - lo_s) / hz / dt
        }' "$WORK/samples.tsv"
}

# Time of the first sample where field $1 >= $2.
first_time() {
    awk -v c="$(col "$1")" -v want="$2" -v tc="$(col t)" \
        '$c >= want { print $tc; exit }' "$WORK/samples.tsv"
}

# Value of field $1 at the first sample with t >= $2.
value_at() {
    awk -v c="$(col "$1")" -v t="$2" -v tc="$(col t)" \
        '$tc >= t { print $c; exit }' "$WORK/samples.tsv"
}

epoch_now() { date +%s.%N | cut -c1-14; }

# ---------------------------------------------------------------- fetch

# The world of the throughput run (everything honest, small dicts).
fetch_simopts() {
    SIMOPTS="--torrents $((NA + NB)) --nodes 2000 --seed $SEED --bep51 0 \
--silent-nodes 0 --garbage-nodes 0 --slow-peers 0 --unreachable-peers 0 \
--no-metadata-peers 0 --reject-peers 0 --lie-size-peers 0 --wrong-bytes-peers 0 \
--drop-peers 0 --huge 0 --private 0 --max-files 8"
}

# libtorrent on the first LT_COUNT magnets of set A, one line per config.
bench_libtorrent() {
    local cfg inflight ppt range extra out count seconds
    for cfg in "${LT_CONFIGS[@]}"; do
        count=$LT_COUNT
        seconds=90
        if [ "$cfg" = stock ]; then
            count=$LT_STOCK_COUNT
            seconds=$LT_STOCK_SECONDS
            extra=(--stock --inflight "$count")
            log "libtorrent: $count magnets added at once, libtorrent's default settings (at most $seconds s)"
        else
            IFS=: read -r inflight ppt range <<<"$cfg"
            extra=(--inflight "$inflight" --peers-per-torrent "$ppt")
            [ "$range" = 1 ] && extra+=(--outgoing-port 10000 --num-outgoing-ports 10000)
            log "libtorrent: $count magnets, inflight $inflight, connections/torrent ${ppt/#0/default}, $([ "$range" = 1 ] && echo 'outgoing ports 10000-19999' || echo 'bind to port 0')"
        fi
        out=$(/usr/bin/python3 "$ROOT/bench/fetch_lt.py" --list "$WORK/setA.tsv" \
            --count "$count" --seconds "$seconds" --listen "127.0.0.2:$LT_PORT" \
            "${extra[@]}" 2>"$WORK/lt.$cfg.err")
        echo "$cfg $out" >>"$WORK/lt.results"
        log "libtorrent $cfg: ${out%%, \"settings\"*}"
        sleep 2
    done
}

lt_field() {   # config key
    awk -v cfg="$1" '$1 == cfg { sub(/^[^ ]* /, ""); print }' "$WORK/lt.results" \
        | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin).get('$2'))"
}

# Phase A: announces of set A to the worker, which fetches them.
bench_worker_fetch() {
    local targets p feed ins0 ok0 drop0 start end
    targets=""
    for p in $(seq "$WP0" $((WP0 + 3))); do targets="$targets${targets:+,}127.0.0.1:$p"; done
    read -r IDLE_RSS IDLE_ANON _ <<<"$(mem_of "$WORKER_PID")"
    ok0=$(latest fetch_ok)
    ins0=$(latest torrents_inserted)
    drop0=$(latest store_rows_dropped)
    log "worker: announcing set A ($NA torrents) from their peers' addresses"
    "$BUILD/fetch_feed" announce --list "$WORK/setA.tsv" --target "$targets" \
        --port "$FEED_PORT" --rate "$FEED_RATE" --window 4096 --seconds 120 \
        >"$WORK/feed.out" 2>&1 &
    feed=$!
    PIDS+=("$feed")
    if [ "${PERF:-0}" = 1 ]; then
        perf record -F 499 --call-graph dwarf,16384 -p "$WORKER_PID" -o "$WORK/perf.data" \
            -- sleep "${PERF_S:-8}" >"$WORK/perf.log" 2>&1 &
    fi
    wait_field torrents_inserted $((ins0 + NA)) 240 30 \
        || log "worker: only $(( $(latest torrents_inserted) - ins0 )) of $NA stored"
    wait "$feed"
    sleep 1
    start=$(sed -n 's/^FEED start_ms=\([0-9]*\).*/\1/p' "$WORK/feed.out")
    log "$(grep '^FEED done' "$WORK/feed.out")"
    A_OK=$(( $(latest fetch_ok) - ok0 ))
    A_STORED=$(( $(latest torrents_inserted) - ins0 ))
    A_DROPPED=$(( $(latest store_rows_dropped) - drop0 ))
    # the 10-90 % window of what was fetched in the end
    read -r A_RATE A_SECONDS A_WCPU A_SCPU A_MINQ A_ACTIVE A_WCORES A_SCORES \
        <<<"$(steady fetch_ok "$ok0" "$A_OK")"
    read -r A_VRATE _ <<<"$(steady "fetch_ok store_rows_dropped" "$((ok0 + drop0))" \
        "$((A_OK + A_DROPPED))")"
    end=$(first_time torrents_inserted $((ins0 + A_STORED)))
    A_E2E=$(awk -v s="$start" -v e="${end:-0}" -v n="$A_STORED" \
        'BEGIN { if (e > 0) printf "%.0f %.2f", n / (e - s / 1000), e - s / 1000; else print "0 0" }')
    A_FAILS=$(dht_counters "fetch_fail_connect fetch_fail_handshake fetch_fail_timeout fetch_fail_other fetch_fail_hash_mismatch fetch_fail_bad_metainfo fd_refused fetch_queue_dropped candidates_dropped store_flush_errors store_batches_dropped")
    read -r A_PEAK_RSS _ <<<"$(awk -v c="$(col rss)" 'NR == 1 || $c > m { m = $c } END { print m }' "$WORK/samples.tsv")"
}

# Phase B: bootstrap into the simulator, then resolve() set B.
bench_worker_resolve() {
    local ins0 t0 t1 end known last still b0
    log "worker: bootstrapping into the simulator"
    set_guc dht_indexer.bootstrap_nodes "$ENTRY"
    # wait until the table stops growing (with --bep51 0 the walk finds
    # little: the resolve() lookups fill it)
    t0=$SECONDS
    last=-1
    still=0
    while [ $((SECONDS - t0)) -lt 30 ]; do
        sleep 2
        known=$(latest known_nodes)
        if [ "$known" = "$last" ] && [ "${known:-0}" -gt 0 ]; then still=$((still + 1)); else still=0; fi
        [ $still -ge 3 ] && break
        last=$known
    done
    log "worker: $(latest known_nodes) known nodes after $((SECONDS - t0)) s"
    ins0=$(latest torrents_inserted)
    b0=$(dht_counters "$B_COLS")
    # hashes of set B, as one array literal
    awk -F'\t' -v a="$NA" -v b="$NB" 'NR > 1 && NR - 2 >= a && NR - 2 < a + b { print $1 }' \
        "$WORK/sim-manifest.tsv" >"$WORK/setB.hashes"
    # one DO block: resolve() every hash, retrying while the ring is full
    {
        echo 'DO $$ DECLARE h text; ok boolean; BEGIN'
        printf "FOREACH h IN ARRAY string_to_array('%s', ',') LOOP\n" \
            "$(paste -sd, "$WORK/setB.hashes")"
        echo '  ok := false;'
        echo '  WHILE NOT ok LOOP'
        echo '    BEGIN PERFORM dht_indexer.resolve(h); ok := true;'
        echo '    EXCEPTION WHEN others THEN PERFORM pg_sleep(0.005); END;'
        echo '  END LOOP;'
        echo 'END LOOP; END $$;'
    } >"$WORK/resolve.sql"
    t1=$(epoch_now)
    as_owner "$PG_BINDIR/psql" -X -q -h "$WORK/data" -p "$PGPORT_BENCH" -U postgres \
        -d postgres -v ON_ERROR_STOP=1 -f "$WORK/resolve.sql" >/dev/null \
        || log "the resolve() loop failed"
    log "worker: $NB resolve() calls took $(awk -v a="$t1" -v b="$(epoch_now)" 'BEGIN{printf "%.1f", b - a}') s"
    wait_field torrents_inserted $((ins0 + NB)) 180 40 \
        || log "worker: only $(( $(latest torrents_inserted) - ins0 )) of $NB resolved"
    sleep 1
    end=$(first_time torrents_inserted $((ins0 + NB)))
    B_STORED=$(( $(latest torrents_inserted) - ins0 ))
    if [ -z "$end" ]; then
        end=$(first_time torrents_inserted "$(latest torrents_inserted)")
    fi
    B_E2E=$(awk -v s="$t1" -v e="$end" -v n="$B_STORED" \
        'BEGIN { printf "%.0f %.2f", n / (e - s), e - s }')
    B_WCPU=$(awk -v s="$t1" -v e="$end" -v n="$B_STORED" -v tc="$(col t)" \
        -v wc="$(col wcpu)" -v sc="$(col scpu)" -v hz="$(getconf CLK_TCK)" '
        $tc >= s && !a { a = 1; w0 = $wc; s0 = $sc }
        $tc <= e { w1 = $wc; s1 = $sc }
        END { printf "%.3f %.3f", 1000 * (w1 - w0) / hz / n, 1000 * (s1 - s0) / hz / n }' \
        "$WORK/samples.tsv")
    B_DELTA=$(paste <(tr ' ' '\n' <<<"$b0") <(tr ' ' '\n' <<<"$(dht_counters "$B_COLS")") \
        <(tr ' ' '\n' <<<"$B_COLS") | awk '{printf "%s=%d ", $3, $2 - $1}')
    B_STATUS=$(psql_c "SELECT string_agg(n || ' ' || k, ', ' ORDER BY n DESC) FROM
        (SELECT state || coalesce('/' || last_error, '') AS k, count(*) AS n
           FROM dht_indexer.resolve_status() GROUP BY 1) x")
}

print_fetch_table() {
    local best=0 cfg r lt1024 inflight ppt range e2e e2e_s bw bs label
    for cfg in "${LT_CONFIGS[@]}"; do
        r=$(lt_field "$cfg" steady_rate)
        awk -v r="$r" -v b="$best" 'BEGIN { exit !(r > b) }' && best=$r
    done
    lt1024=$(lt_field "1024:0:1" steady_rate 2>/dev/null)
    echo
    echo "Metadata fetch throughput ($SO_INFO; load before the run: $LOAD0)"
    echo
    echo "| fetcher | items | seconds | fetches/s | CPU ms/fetch (fetcher) | CPU ms/fetch (simulator) | x best libtorrent |"
    echo "|---|---|---|---|---|---|---|"
    for cfg in "${LT_CONFIGS[@]}"; do
        if [ "$cfg" = stock ]; then
            label="libtorrent, default settings (auto-managed), $LT_STOCK_COUNT added at once"
        else
            IFS=: read -r inflight ppt range <<<"$cfg"
            label="libtorrent $inflight in flight, ${ppt/#0/default} conn/torrent, $([ "$range" = 1 ] && echo 'outgoing_port range' || echo 'bind port 0')"
        fi
        printf '| %s | %s of %s | %s | %s (all: %s) | %s | - | %s |\n' "$label" \
            "$(lt_field "$cfg" resolved)" "$(lt_field "$cfg" magnets)" "$(lt_field "$cfg" seconds)" \
            "$(lt_field "$cfg" steady_rate)" "$(lt_field "$cfg" rate)" \
            "$(lt_field "$cfg" cpu_ms_per_fetch)" "$(ratio "$(lt_field "$cfg" steady_rate)" "$best")"
    done
    printf '| worker, announced peers: fetched and stored (fetch_ok, 10-90 %%) | %s of %s | %s | %s | %s | %s | %s |\n' \
        "$A_OK" "$NA" "$A_SECONDS" "$A_RATE" "$A_WCPU" "$A_SCPU" "$(ratio "$A_RATE" "$best")"
    printf '| worker, announced peers: verified incl. dropped by a full store batch | %s of %s | | %s | | | %s |\n' \
        "$((A_OK + A_DROPPED))" "$NA" "$A_VRATE" "$(ratio "$A_VRATE" "$best")"
    read -r e2e e2e_s <<<"$A_E2E"
    printf '| worker, announce -> stored | %s of %s | %s | %s | - | - | %s |\n' \
        "$A_STORED" "$NA" "$e2e_s" "$e2e" "$(ratio "$e2e" "$best")"
    read -r e2e e2e_s <<<"$B_E2E"
    read -r bw bs <<<"$B_WCPU"
    printf '| worker, resolve(): lookup + fetch -> stored | %s of %s | %s | %s | %s | %s | %s |\n' \
        "$B_STORED" "$NB" "$e2e_s" "$e2e" "$bw" "$bs" "$(ratio "$e2e" "$best")"
    echo
    echo "worker during the fetch window: fetch_queue >= $A_MINQ, fetches_active $A_ACTIVE on average (max_fetches $MAX_FETCHES); CPU: worker $A_WCORES cores, simulator $A_SCORES cores"
    echo "worker failures over set A ($(tr ' ' '\n' <<<"fetch_fail_connect fetch_fail_handshake fetch_fail_timeout fetch_fail_other fetch_fail_hash_mismatch fetch_fail_bad_metainfo fd_refused fetch_queue_dropped candidates_dropped store_flush_errors store_batches_dropped" | paste -sd/)): $A_FAILS"
    echo "worker during resolve(): $B_DELTA"
    echo "resolve_status() of the last 1,024 requests: $B_STATUS"
    echo "worker: $A_DROPPED verified metadata dropped because the store batch was full (store_rows_dropped; they count as fetch_fail_other)"
    echo "worker RSS: idle $((IDLE_RSS / 1024)) MiB (anon $((IDLE_ANON / 1024)) MiB), peak while fetching $((A_PEAK_RSS / 1024)) MiB"
    awk -v w="$A_RATE" -v v="$A_VRATE" -v b="$best" -v l="${lt1024:-0}" 'BEGIN {
        printf "RESULT fetch worker_rate=%d worker_verified_rate=%d lt_best=%s lt_1024=%s ratio_best=%.2f ratio_1024=%.2f\n", w, v, b, l, (b > 0 ? w / b : 0), (l > 0 ? w / l : 0)
        printf "target: >= 3,000 verified fetches/s: verified and stored %d -> %s (verified, counting those the full store batch then dropped: %d)\n", w, (w >= 3000 ? "met" : "MISSED"), v
        printf "target: >= 10 x libtorrent (best configuration): %.2f x -> %s\n", (b > 0 ? w / b : 0), (b > 0 && w >= 10 * b ? "met" : "MISSED")
    }'
}

fetch_main() {
    fetch_simopts
    log "building the simulator and fetch_feed"
    build_fetch_tools
    start_sim sim 120 "$DHT_PORT" "$PEER_PORT" --search-rate 0 --announce-rate 0
    # shellcheck disable=SC2086
    "$BUILD/fetch_feed" list $SIMOPTS --peer-port "$PEER_PORT" --first 0 --count "$NA" \
        --out "$WORK/setA.tsv" --manifest-out "$WORK/feed-manifest.tsv" 2>/dev/null \
        || die "fetch_feed list failed"
    check_manifest "$WORK/feed-manifest.tsv" sim
    bench_libtorrent
    log "worker: initdb and start (no bootstrap node: it only answers and fetches)"
    pg_start_fetch ""
    start_sampler
    sleep 2
    bench_worker_fetch
    bench_worker_resolve
    stop_sampler
    print_fetch_table
    if [ "${PERF:-0}" = 1 ] && [ -s "$WORK/perf.data" ]; then
        {
            perf report -i "$WORK/perf.data" --no-children --sort dso -g none 2>/dev/null \
                | grep -E '^ +[0-9]' | head -8
            perf report -i "$WORK/perf.data" --no-children --sort dso,symbol -g none 2>/dev/null \
                | grep -E '^ +[0-9]' | head -25
            echo "inclusive (children) share of worker functions:"
            perf report -i "$WORK/perf.data" --children --sort symbol -g none 2>/dev/null \
                | grep -E '^ +[0-9]' | grep -wE "$PERF_FUNCS"
        } >"$WORK/perf.txt"
        echo "perf (worker, ${PERF_S:-8} s from the first announce; self time):"
        sed 's/^/    /' "$WORK/perf.txt"
    fi
}

# ---------------------------------------------------------------- memory

# One row of the memory table: label, phase start (epoch s); the peak of
# fetches_active is over the samples since the phase started (a gauge
# published once a second: short peaks can fall between two samples).
mem_row() {
    local rss anon hwm peak
    read -r rss anon hwm <<<"$(mem_of "$WORKER_PID")"
    peak=$(awk -v c="$(col fetches_active)" -v tc="$(col t)" -v t0="$2" \
        '$tc >= t0 && $c > m { m = $c } END { print m + 0 }' "$WORK/samples.tsv")
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$(latest fetches_active)" \
        "$peak" "$(( $(latest fetch_bytes_in) / 1048576 ))" "$(latest fetch_ok)" \
        "$(awk -v a="$rss" 'BEGIN{printf "%.1f", a/1024}')" \
        "$(awk -v a="$anon" 'BEGIN{printf "%.1f", a/1024}')" \
        "$(awk -v a="$hwm" 'BEGIN{printf "%.1f", a/1024}')"
}

# Announce the torrents of list $1 to the worker from port $2.
mem_feed() {
    "$BUILD/fetch_feed" announce --list "$1" --target "$MEM_TARGETS" --port "$2" \
        --rate 40000 --window 4096 --seconds 60 >"$1.feed" 2>&1 &
    PIDS+=("$!")
}

mem_main() {
    local p t0 phase
    log "building the simulator and fetch_feed"
    build_fetch_tools
    # small: small dicts, replies held MEM_SMALL_SLOW_MS (1,024 fetches in
    # flight, each with its buffer, for several seconds)
    SIMOPTS="--torrents $MEM_SMALL_TORRENTS --nodes 500 --seed $SEED --bep51 0 \
--node-net 127.48.0.0 --peer-net 127.96.0.0 \
--silent-nodes 0 --garbage-nodes 0 --slow-peers 1 --unreachable-peers 0 \
--no-metadata-peers 0 --reject-peers 0 --lie-size-peers 0 --wrong-bytes-peers 0 \
--drop-peers 0 --huge 0 --private 0 --max-files 8"
    # shellcheck disable=SC2086
    "$BUILD/fetch_feed" list $SIMOPTS --peer-port "$((PEER_PORT + 10))" --out "$WORK/small.tsv" \
        --manifest-out "$WORK/feed-small-manifest.tsv" 2>/dev/null || die "fetch_feed list failed"
    start_sim small 60 $((DHT_PORT + 10)) $((PEER_PORT + 10)) --search-rate 0 \
        --announce-rate 0 --slow-ms "$MEM_SMALL_SLOW_MS"
    check_manifest "$WORK/feed-small-manifest.tsv" small
    # huge: info dicts of 10.25-15.5 MiB, replies held MEM_SLOW_MS
    SIMOPTS="--torrents $MEM_TORRENTS --nodes 500 --seed $SEED --bep51 0 \
--silent-nodes 0 --garbage-nodes 0 --slow-peers 1 --unreachable-peers 0 \
--no-metadata-peers 0 --reject-peers 0 --lie-size-peers 0 --wrong-bytes-peers 0 \
--drop-peers 0 --huge 1 --private 0"
    log "building $MEM_TORRENTS huge torrents (about 65 ms each), in the simulator and in fetch_feed"
    # shellcheck disable=SC2086
    "$BUILD/fetch_feed" list $SIMOPTS --peer-port "$PEER_PORT" --out "$WORK/huge.tsv" \
        --manifest-out "$WORK/feed-huge-manifest.tsv" 2>/dev/null &
    p=$!
    start_sim huge 400 "$DHT_PORT" "$PEER_PORT" --search-rate 0 --announce-rate 0 \
        --slow-ms "$MEM_SLOW_MS"
    wait "$p" || die "fetch_feed list failed"
    check_manifest "$WORK/feed-huge-manifest.tsv" huge
    head -n "$MEM_SMALL_SET" "$WORK/huge.tsv" >"$WORK/huge1.tsv"
    tail -n +$((MEM_SMALL_SET + 1)) "$WORK/huge.tsv" >"$WORK/huge2.tsv"
    log "worker: initdb and start"
    pg_start_fetch "dht_indexer.fetch_timeout = '${MEM_TIMEOUT_S}s'"
    start_sampler
    MEM_TARGETS=""
    for p in $(seq "$WP0" $((WP0 + 3))); do MEM_TARGETS="$MEM_TARGETS${MEM_TARGETS:+,}127.0.0.1:$p"; done
    sleep 3
    echo
    echo "Fetch memory: max_fetches $MAX_FETCHES, every peer slow (each reply held $MEM_SMALL_SLOW_MS ms for the small dicts, $MEM_SLOW_MS ms for the huge ones), fetch_timeout ${MEM_TIMEOUT_S} s ($SO_INFO; load before the run: $LOAD0)"
    echo
    echo "| moment | fetches_active | peak in phase | MiB received | fetch_ok | VmRSS MiB | RssAnon MiB | VmHWM MiB |"
    echo "|---|---|---|---|---|---|---|---|"
    mem_row "idle" "$(epoch_now)"
    phase=$(epoch_now)
    mem_feed "$WORK/small.tsv" "$FEED_PORT"
    sleep 5
    mem_row "$(grep -c . "$WORK/small.tsv") small dicts ($(awk -F'\t' '{s += $5} END {printf "%.0f", s / NR / 1024}' "$WORK/small.tsv") KiB average), +5 s" "$phase"
    sleep 10
    mem_row "small dicts, +15 s" "$phase"
    phase=$(epoch_now)
    mem_feed "$WORK/huge1.tsv" "$((FEED_PORT + 1))"
    sleep 8
    mem_row "$MEM_SMALL_SET huge, max_metadata_size 10MB (default): $(dht_counters fetch_fail_too_big) refused, +8 s" "$phase"
    set_guc dht_indexer.max_metadata_size 16MB
    sleep 2
    phase=$(epoch_now)
    mem_feed "$WORK/huge2.tsv" "$((FEED_PORT + 2))"
    t0=$SECONDS
    while [ $((SECONDS - t0)) -lt "$MEM_HOLD" ]; do
        sleep 15
        mem_row "$(grep -c . "$WORK/huge2.tsv") huge, max_metadata_size 16MB, +$((SECONDS - t0)) s" "$phase"
    done
    stop_sampler
    echo
    echo "failures (fetch_fail_too_big fetch_fail_other fetch_fail_timeout fetch_gave_up store_rows_dropped): $(dht_counters "fetch_fail_too_big fetch_fail_other fetch_fail_timeout fetch_gave_up store_rows_dropped")"
    awk -v c="$(col rss)" -v h="$(col hwm)" -v a="$(col fetches_active)" '
        { if ($c > m) m = $c; if ($a > pa) pa = $a; hw = $h } END {
        printf "RESULT memory peak_rss_mib=%.1f vmhwm_mib=%.1f peak_fetches_active=%d\n", m / 1024, hw / 1024, pa }' \
        "$WORK/samples.tsv"
}

main() {
    [ "$(id -u)" = 0 ] || die "run as root (initdb and the server run as postgres)"
    /usr/bin/python3 -c 'import libtorrent' 2>/dev/null \
        || die "python3-libtorrent is missing (apt-get install python3-libtorrent)"
    [ -f "$("$PG_BINDIR/pg_config" --pkglibdir)/dht_indexer.so" ] \
        || die "dht_indexer is not installed (make install)"
    make_workdir
    trap cleanup EXIT
    trap 'exit 1' INT TERM
    local base t0=$SECONDS
    base=$(free_ports)
    DHT_PORT=$base PEER_PORT=$((base + 1)) FEED_PORT=$((base + 3)) LT_PORT=$((base + 5))
    WP0=$((base + 6))
    WORKER_PORTS="$WP0-$((WP0 + 3))"
    LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
    SO_INFO="installed dht_indexer.so md5 $(md5sum < "$("$PG_BINDIR/pg_config" --pkglibdir)/dht_indexer.so" | cut -c1-12), tree $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
    log "scratch $WORK, ports $base-$((base + 19)), $SO_INFO, load $LOAD0"
    case $MODE in
        fetch) fetch_main ;;
        memory) mem_main ;;
        *) die "usage: run_fetch_bench.sh [fetch|memory]" ;;
    esac
    echo "(run took $((SECONDS - t0)) s; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
}

main "$@"
