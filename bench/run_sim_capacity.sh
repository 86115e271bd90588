#!/usr/bin/env bash
# bench/run_sim_capacity.sh: capacity of the offline simulator
# (build/dht_sim, test/sim/README.md) at 20,000 nodes / 100,000 torrents,
# against the default 2,000 / 10,000 (bench/README.md, "Simulator
# capacity").
#
# One run:
#   1. builds build/dht_sim (make) and bench/krpc_load.c;
#   2. small world (SMALL_NODES / SMALL_TORRENTS, default 2,000 / 10,000):
#      starts dht_sim, records its build time (the "world ... built_in="
#      field), its CPU seconds to get READY and its VmRSS / VmHWM after
#      READY, then the load sweep (4);
#   3. large world (NODES / TORRENTS, default 20,000 / 100,000): the same,
#      then a dht_indexer worker (the installed extension) in a scratch
#      cluster, 4 UDP ports on 127.0.0.1 x nodes_per_port 4, bootstrapped
#      from the simulator's entry list, crawls it for CRAWL s; every SAMPLE
#      s a row: the simulator's CPU seconds per second (/proc/PID/stat),
#      VmRSS, DHT queries received and answered per second (its status
#      lines), the worker's known_nodes, unique_hashes, fetch_ok, rows in
#      dht_indexer.torrents, the worker's CPU seconds per second and the
#      1-minute load average.  Then the cluster stops and the load sweep
#      runs against the large world;
#   4. load sweep: bench/krpc_load.c in load mode (4,096 sources
#      127.2.x.y) aimed at one simulated node that answers BEP 51 (probed
#      among the entry nodes), at each rate of LOAD_RATES for LOAD_SECONDS
#      (1 s warm-up), simulator pinned to CPU 0 and generator to CPU 1
#      (PIN=1, the default on 2+ CPUs), two query mixes:
#        noann   ping/find_node/get_peers/announce/sample = 15/30/35/0/20:
#                the node's store stays as the simulator placed it;
#        default 15/30/35/10/10 (krpc_load's): the announces fill the
#                node's store with external entries up to DHTNET_MAX_STORE.
#      "replied" counts answers and KRPC errors alike.
#
# Every address is on 127.0.0.0/8: the simulator's nodes 127.16.x.y and
# peers 127.64.x.y, the worker on 127.0.0.1, the load from 127.2.x.y; the
# server runs with RES_OPTIONS=attempts:0.  Takes about 6.5 minutes with the
# defaults (bounded: every wait has a limit).
#
# Run as root from the repository root, with the extension installed
# (make -s install).  Environment: NODES (20000), TORRENTS (100000),
# SMALL_NODES (2000), SMALL_TORRENTS (10000; SMALL=0 skips that world),
# SEED (1), CRAWL (240 s), SAMPLE (20 s), LOAD=0 skips the load sweeps,
# LOAD_RATES ("20000 40000 60000 80000"), LOAD_SECONDS (5), PIN, KEEP=1
# keeps the scratch directory (/tmp/dht_bench.*).
set -u

KRPC_BENCH_LIB_ONLY=1
# shellcheck source=bench/run_krpc_bench.sh
. "$(dirname "${BASH_SOURCE[0]}")/run_krpc_bench.sh"

NODES=${NODES:-20000}
TORRENTS=${TORRENTS:-100000}
SMALL=${SMALL:-1}
SMALL_NODES=${SMALL_NODES:-2000}
SMALL_TORRENTS=${SMALL_TORRENTS:-10000}
SEED=${SEED:-1}
CRAWL=${CRAWL:-240}
SAMPLE=${SAMPLE:-20}
LOAD=${LOAD:-1}
read -r -a LOAD_RATES <<<"${LOAD_RATES:-20000 40000 60000 80000}"
LOAD_SECONDS=${LOAD_SECONDS:-5}
# run_load (run_krpc_bench.sh) reads these two
SECONDS_MEASURED=$LOAD_SECONDS
WARMUP=1
declare -A MIXES=([noann]="15,30,35,0,20" [default]="15,30,35,10,10")
MIX_ORDER="noann default"
# stats() columns shown after the crawl
WORKER_KEYS="known_nodes good_nodes unique_hashes samples_received queries_sent responses_in timeouts candidate_queue resolve_queue_depth fetch_queue fetches_active fetches_started fetch_ok fetch_fail_connect fetch_fail_timeout fetch_gave_up torrents_inserted"
declare -A END_MEM
HZ=$(getconf CLK_TCK)
SIM_PID=""
SIM_OUT=""
WORLD_ROWS=()
CRAWL_ROWS=()
LOAD_ROWS=()

# ---------------------------------------------------------------- helpers

# A base port whose base..base+19 are free for UDP and TCP, below the
# kernel's ephemeral range (another job's outgoing connection must not
# take the simulator's TCP port between two runs).
free_base() {
    local base used lo
    lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range)
    [ "$lo" -gt 21000 ] || lo=32768
    used=$(ss -Htuan | awk '{n=split($5,a,":"); print a[n]}' | sort -u)
    for _ in $(seq 1 50); do
        base=$(( 20000 + (RANDOM % ((lo - 20020) / 10)) * 10 ))
        if ! seq "$base" $((base + 19)) | grep -qxFf <(echo "$used"); then
            echo "$base"
            return 0
        fi
    done
    die "no free port range"
}

# utime + stime of a process in clock ticks (0 if gone).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# VmRSS and VmHWM of a process, in MiB.
rss_hwm() {
    awk '/^VmRSS:/ {r=$2} /^VmHWM:/ {h=$2} END {printf "%.1f %.1f", r/1024, h/1024}' \
        "/proc/$1/status" 2>/dev/null
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# Value of key $2 (key=value) in line $1.
kv() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k {print $2; exit}'; }

# Start dht_sim NODES TORRENTS TAG on $SIM_PORT; wait for READY (bounded).
sim_start() {
    local nodes=$1 torrents=$2 tag=$3 t0
    SIM_OUT=$WORK/sim.$tag.out
    t0=$SECONDS
    "$BUILD/dht_sim" --nodes "$nodes" --torrents "$torrents" --seed "$SEED" \
        --dht-port "$SIM_PORT" --peer-port $((SIM_PORT + 1)) \
        --manifest "$WORK/manifest.$tag.tsv" --status 5 \
        --duration $((CRAWL + 900)) >"$SIM_OUT" 2>"$WORK/sim.$tag.err" &
    SIM_PID=$!
    while ! grep -q '^READY$' "$SIM_OUT"; do
        if ! kill -0 "$SIM_PID" 2>/dev/null || [ $((SECONDS - t0)) -ge 300 ]; then
            cat "$WORK/sim.$tag.err" >&2
            die "dht_sim ($tag) did not get ready"
        fi
        sleep 0.2
    done
    log "$tag: $(grep '^world ' "$SIM_OUT") (READY after $((SECONDS - t0)) s)"
}

# Is $SIM_PID still our simulator?
sim_ours() {
    [ -n "$SIM_PID" ] && grep -qa dht_sim "/proc/$SIM_PID/cmdline" 2>/dev/null
}

# SIGTERM the simulator and wait (bounded) for its "final" line; its
# VmRSS and VmHWM just before are kept in END_MEM[tag].
sim_stop() {
    sim_ours || return 0
    [ -n "${1:-}" ] && END_MEM[$1]=$(rss_hwm "$SIM_PID")
    kill "$SIM_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$SIM_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$SIM_PID" 2>/dev/null && kill -9 "$SIM_PID" 2>/dev/null
    wait "$SIM_PID" 2>/dev/null
    SIM_PID=""
}

sim_status() { grep -E '^(status|final) ' "$SIM_OUT" | tail -1; }

# One row of the world table, taken right after READY.
world_row() {
    local tag=$1 w rss hwm ready_cpu
    w=$(grep '^world ' "$SIM_OUT")
    read -r rss hwm <<<"$(rss_hwm "$SIM_PID")"
    ready_cpu=$(awk -v t="$(cpu_ticks "$SIM_PID")" -v hz="$HZ" 'BEGIN {printf "%.1f", t / hz}')
    WORLD_ROWS+=("$(printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |' "$tag" \
        "$(kv "$w" nodes)" "$(kv "$w" torrents)" "$(kv "$w" peers)" "$(kv "$w" keys)" \
        "$(kv "$w" servable)" "$(kv "$w" built_in | tr -d s)" "$ready_cpu" "$rss" "$hwm")")
}

# ---------------------------------------------------------------- load

# First entry node whose sample_infohashes gets samples, not error 204.
bep51_node() {
    local e line
    for e in $(sed -n 's/^entry //p' "$SIM_OUT" | tr ',' ' '); do
        line=$("$BUILD/krpc_load" load --label probe --target "$e" --rate 200 \
            --seconds 1 --warmup 0 --sources 16 --port "$LOAD_PORT" \
            --mix 0,0,0,0,100 | grep '^RESULT')
        [ "$(kv "$line" answered)" -gt 0 ] 2>/dev/null && { echo "$e"; return 0; }
    done
    sed -n 's/^entry //p' "$SIM_OUT" | cut -d, -f1
}

# The sweep: every mix at every rate, against one BEP 51 node.
load_sweep() {
    local tag=$1 target mix rate label sent ans err
    target=$(bep51_node)
    log "$tag: load sweep against $target (simulator pid $SIM_PID)"
    for mix in $MIX_ORDER; do
        for rate in "${LOAD_RATES[@]}"; do
            run_load "$tag-$mix" "$rate" "$target" "$SIM_PID" --mix "${MIXES[$mix]}" \
                >/dev/null 2>&1
            label="$tag-$mix@$rate"
            sent=$(field "$label" sent)
            [ -n "$sent" ] || { log "no result for $label"; continue; }
            ans=$(field "$label" answered)
            err=$(field "$label" errors)
            LOAD_ROWS+=("$(awk -v tag="$tag" -v mix="$mix" -v r="$rate" -v s="$sent" \
                -v a="$ans" -v e="$err" -v sec="$(field "$label" seconds)" \
                -v cpu="$(field "$label" target_cpu_s)" \
                -v p50="$(field "$label" p50_us)" -v p99="$(field "$label" p99_us)" \
                -v drops="$(field "$label" rcvbuf_errors)" \
                -v wait="$(field "$label" target_run_delay_ms)" 'BEGIN {
                    rep = a + e
                    printf "| %s | %s | %d | %.2f%% | %.0f | %.2f | %.2f | %s / %s | %s | %s |",
                        tag, mix, r, (s > 0 ? 100 * rep / s : 0), rep / sec,
                        cpu / sec, (rep > 0 ? cpu * 1e6 / rep : 0), p50, p99, drops, wait }')")
            log "${LOAD_ROWS[-1]}"
        done
    done
}

# ---------------------------------------------------------------- crawl

# One crawl row; sets the PREV_* values for the next interval.
crawl_row() {
    local now st t q a sim_t wk_t rss hwm known uniq fok torr
    now=$(date +%s.%N)
    st=$(sim_status)
    t=$(kv "$st" t); t=${t%s}
    q=$(kv "$st" queries)
    a=$(kv "$st" answered)
    sim_t=$(cpu_ticks "$SIM_PID")
    wk_t=$(cpu_ticks "$WORKER_PID")
    read -r rss hwm <<<"$(rss_hwm "$SIM_PID")"
    read -r known uniq fok <<<"$(dht_counters "known_nodes unique_hashes fetch_ok")"
    torr=$(psql_c "SELECT count(*) FROM dht_indexer.torrents")
    CRAWL_ROWS+=("$(awk -v now="$now" -v t0="$CRAWL_T0" -v pn="$PREV_NOW" \
        -v st="$sim_t" -v pst="$PREV_SIM" -v wt="$wk_t" -v pwt="$PREV_WK" -v hz="$HZ" \
        -v t="$t" -v pt="$PREV_T" -v q="$q" -v pq="$PREV_Q" -v a="$a" -v pa="$PREV_A" \
        -v rss="$rss" -v known="$known" -v uniq="$uniq" -v fok="$fok" -v torr="$torr" \
        -v la="$(loadavg | cut -d' ' -f1)" 'BEGIN {
            dt = now - pn; ds = t - pt
            printf "| %.0f | %.2f | %.1f | %.0f | %.0f | %s | %s | %s | %s | %.2f | %s |",
                now - t0, (st - pst) / hz / dt, rss, (ds > 0 ? (q - pq) / ds : 0),
                (ds > 0 ? (a - pa) / ds : 0), known, uniq, fok, torr,
                (wt - pwt) / hz / dt, la }')")
    log "${CRAWL_ROWS[-1]}"
    PREV_NOW=$now PREV_SIM=$sim_t PREV_WK=$wk_t PREV_T=$t PREV_Q=$q PREV_A=$a
}

crawl() {
    local end entries st
    entries=$(sed -n 's/^entry //p' "$SIM_OUT")
    log "large: cluster with a dht_indexer worker, bootstrap $entries"
    pg_start "dht_indexer.listen_addresses = '127.0.0.1'
dht_indexer.ports = '$((BASE + 5))-$((BASE + 8))'
dht_indexer.nodes_per_port = 4
dht_indexer.bootstrap_nodes = '$entries'"
    wait_stat "state = 'crawling'" 30 || die "the worker is not crawling"
    WORKER_PID=$(dht_stat worker_pid)
    CRAWL_T0=$(date +%s.%N)
    PREV_NOW=$CRAWL_T0 PREV_SIM=$(cpu_ticks "$SIM_PID") PREV_WK=$(cpu_ticks "$WORKER_PID")
    st=$(sim_status)
    PREV_T=$(kv "$st" t); PREV_T=${PREV_T%s}
    PREV_Q=$(kv "$st" queries) PREV_A=$(kv "$st" answered)
    SIM_CPU0=$PREV_SIM SIM_Q0=$PREV_Q SIM_T0=$PREV_T
    end=$((SECONDS + CRAWL))
    while [ $SECONDS -lt $end ]; do
        sleep "$SAMPLE"
        crawl_row
    done
    CRAWL_S=$(awk -v a="$(date +%s.%N)" -v b="$CRAWL_T0" 'BEGIN {printf "%.0f", a - b}')
    SIM_CPU_AVG=$(awk -v a="$(cpu_ticks "$SIM_PID")" -v b="$SIM_CPU0" -v s="$CRAWL_S" -v hz="$HZ" \
        'BEGIN {printf "%.3f", (a - b) / hz / s}')
    st=$(sim_status)
    SIM_Q_AVG=$(awk -v q="$(kv "$st" queries)" -v q0="$SIM_Q0" -v t="$(kv "$st" t)" -v t0="$SIM_T0" \
        'BEGIN {sub(/s$/, "", t); printf "%.0f", (t > t0 ? (q - q0) / (t - t0) : 0)}')
    WORKER_STATS=$(paste -d= <(tr ' ' '\n' <<<"$WORKER_KEYS") \
        <(dht_counters "$WORKER_KEYS" | tr ' ' '\n') | tr '\n' ' ')
    WORKER_ROWS=$(psql_c "SELECT count(*) FROM dht_indexer.torrents")
    SIM_AFTER_CRAWL=$(sim_status)
    pg_stop
}

# ---------------------------------------------------------------- report

report() {
    local r expected
    echo
    echo "Simulator capacity (seed $SEED; load average at the start: $LOAD_START, at the end: $(loadavg))."
    echo
    echo "| world | nodes | torrents | peers | keys | servable | built_in s | CPU s to READY | VmRSS MiB after READY | VmHWM MiB |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    for r in "${WORLD_ROWS[@]}"; do echo "$r"; done
    if [ "${#CRAWL_ROWS[@]}" -gt 0 ]; then
        expected=$(awk -F'\t' 'NR > 1 && $9 == "servable" && $7 <= 10485760' \
            "$WORK/manifest.large.tsv" | wc -l)
        echo
        echo "Crawl of the large world by one worker (4 ports x 4 identities), ${CRAWL_S} s;"
        echo "sim CPU and worker CPU in CPU seconds per second over each interval;"
        echo "queries/answered per second from the simulator's status lines."
        echo
        echo "| t s | sim CPU s/s | sim RSS MiB | sim queries/s | sim answered/s | known_nodes | unique_hashes | fetch_ok | torrents rows | worker CPU s/s | load 1 min |"
        echo "|---|---|---|---|---|---|---|---|---|---|---|"
        for r in "${CRAWL_ROWS[@]}"; do echo "$r"; done
        echo
        echo "crawl averages: sim CPU $SIM_CPU_AVG s/s, sim queries $SIM_Q_AVG /s;" \
            "servable torrents (<= 10 MiB info) in the manifest: $expected"
        echo "worker after ${CRAWL_S} s: torrents rows=$WORKER_ROWS $WORKER_STATS"
        echo "sim after the crawl: $SIM_AFTER_CRAWL"
    fi
    if [ "${#LOAD_ROWS[@]}" -gt 0 ]; then
        echo
        echo "Load sweep (krpc_load, ${LOAD_SECONDS} s per row after 1 s, 4096 sources, one BEP 51 node;"
        echo "replied = answers + KRPC errors; sim CPU s/s over the row; drops = system-wide"
        echo "UDP RcvbufErrors; wait = the simulator's run-queue wait)."
        echo
        echo "| world | mix | offered/s | replied | replied/s | sim CPU s/s | sim CPU-s per M | p50 / p99 us | drops | wait ms |"
        echo "|---|---|---|---|---|---|---|---|---|---|"
        for r in "${LOAD_ROWS[@]}"; do echo "$r"; done
    fi
    echo
    for r in small large; do
        [ -f "$WORK/sim.$r.out" ] || continue
        echo "$r: VmRSS / VmHWM MiB before the stop: ${END_MEM[$r]:-?}"
        echo "    $(grep -h '^final ' "$WORK/sim.$r.out")"
    done
    echo "installed $SO_INFO"
}

cap_cleanup() {
    sim_stop
    cleanup
}

cap_main() {
    local t0=$SECONDS
    [ -f "$($PG_BINDIR/pg_config --pkglibdir)/dht_indexer.so" ] \
        || die "dht_indexer is not installed (make -s install)"
    (cd "$ROOT" && make -s build/dht_sim) || die "could not build dht_sim"
    build_tools
    make_workdir
    trap cap_cleanup EXIT
    trap 'exit 1' INT TERM
    BASE=$(free_base)
    SIM_PORT=$BASE LOAD_PORT=$((BASE + 10))
    SO_INFO="dht_indexer.so md5 $(md5sum <"$($PG_BINDIR/pg_config --pkglibdir)/dht_indexer.so" | cut -c1-12); tree at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
    LOAD_START=$(loadavg)
    log "scratch $WORK, sim UDP $SIM_PORT (TCP $((SIM_PORT + 1))-$((SIM_PORT + 2))), worker UDP $((BASE + 5))-$((BASE + 8)), load UDP $LOAD_PORT; load average $LOAD_START"
    if [ "$SMALL" = 1 ]; then
        sim_start "$SMALL_NODES" "$SMALL_TORRENTS" small
        world_row small
        [ "$LOAD" = 1 ] && load_sweep small
        sim_stop small
    fi
    sim_start "$NODES" "$TORRENTS" large
    world_row large
    [ "$CRAWL" -gt 0 ] && crawl
    [ "$LOAD" = 1 ] && load_sweep large
    sim_stop large
    report
    echo "(run took $((SECONDS - t0)) s)"
}

cap_main "$@"
