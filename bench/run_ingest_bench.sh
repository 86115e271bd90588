#!/usr/bin/env bash
# bench/run_ingest_bench.sh: ingest through the store vs COPY
# (bench/README.md, "Ingest: the store vs COPY").
#
# One scratch cluster (initdb as postgres, the dht_indexer worker loaded
# but idle: dht_indexer.enabled = off), the installed dht_indexer and the
# test-only test_store extension.  N synthetic torrents (seed SEED, made
# by test/modules/test_store/bench_torrents.c: ~60-byte names, half
# single-file, the rest 2-64 files, ~40-byte paths) go into the empty
# dht_indexer.torrents/files with every index of the extension present
# (primary keys, v2 unique and prefix indexes, the GIN search-vector and
# trigram indexes, the files -> torrents foreign key):
#   store  test_store_bench(): a background worker feeds them to the real
#          store (extension/store.c: store_add, store_flush of each batch,
#          the worker's batch size of 500 unless BATCH is set) and times
#          only the store's work, inside the worker;
#   COPY   the same rows, written beforehand by test_store_bench_rows()
#          into two COPY text files (torrents and files with their
#          arrays), loaded with two server-side COPY FROM statements,
#          timed in the same session with clock_timestamp().
# Before every measurement: TRUNCATE torrents, files; CHECKPOINT.  REPS
# pairs, store then COPY, alternate; then REPS store runs with each batch
# size of BATCHES (the store's only tunable is its batch size,
# StoreConfig.batch_torrents; the worker uses store_default_config).
# The first pair also checks that both leave identical tables (md5 over
# every torrents and files row).  Prints a table, the medians and a
# RESULT line; about 45 s for the defaults on 2 cores (the 5,000 batch
# runs are a third of it).
#
# Environment: N (default 50000), REPS (3), SEED (1), BATCH (0 = the
# worker's, 500), BATCHES (other batch sizes, default "5000"; "" skips
# them), KEEP=1 keeps the scratch directory.  Run as root (or as the
# cluster owner) from anywhere, after: make install && make -C
# test/modules/test_store install.
set -u

N=${N:-50000}
REPS=${REPS:-3}
SEED=${SEED:-1}
BATCH=${BATCH:-0}
read -r -a BATCHES <<<"${BATCHES-5000}"

# shellcheck disable=SC2034  # read by the sourced script
KRPC_BENCH_LIB_ONLY=1
# shellcheck source=bench/run_krpc_bench.sh
. "$(dirname "${BASH_SOURCE[0]}")/run_krpc_bench.sh"

TORRENT_COLS="info_hash, info_hash_v2, name, total_size, file_count"
CLK_TCK=$(getconf CLK_TCK)

# Run the psql script on stdin (variables interpolated, stops on error).
psql_f() {
    as_owner "$PG_BINDIR/psql" -X -q -h "$WORK/data" -p "$PGPORT_BENCH" \
        -U postgres -d postgres -tA -v ON_ERROR_STOP=1
}

# Empty tables, no dirty buffers: every measurement starts the same way.
reset_tables() {
    psql_c "TRUNCATE dht_indexer.torrents, dht_indexer.files" >/dev/null \
        || die "TRUNCATE failed"
    psql_c "CHECKPOINT" >/dev/null || die "CHECKPOINT failed"
}

# "torrents files" row counts.
row_counts() {
    psql_c "SELECT (SELECT count(*) FROM dht_indexer.torrents) || ' ' ||
                   (SELECT count(*) FROM dht_indexer.files)"
}

# md5 of every torrents and files row (the generated columns included).
table_digest() {
    psql_c "SELECT md5(string_agg(concat_ws('|', t.info_hash, t.info_hash_v2,
                  t.name, t.total_size, t.file_count, t.search_vector, f.paths,
                  f.sizes), ',' ORDER BY t.info_hash))
              FROM dht_indexer.torrents t
              LEFT JOIN dht_indexer.files f USING (info_hash)"
}

# Store run with batch $1; prints "elapsed_s cpu_s batch flushes".
run_store() {
    local out
    out=$(psql_f <<SQL
DELETE FROM test_store_results;
SELECT test_store_bench($N, $SEED, $1);
SELECT string_agg(key || '=' || value, ' ' ORDER BY key) FROM test_store_results;
SQL
) || die "test_store_bench failed"
    out=$(grep '=' <<<"$out")
    local ins err el cpu b fl
    ins=$(kv "$out" torrents_inserted); err=$(kv "$out" flush_errors)
    el=$(kv "$out" elapsed_us); cpu=$(kv "$out" cpu_us)
    b=$(kv "$out" batch); fl=$(kv "$out" flushes)
    if [ "$ins" != "$N" ] || [ "$err" != 0 ]; then
        die "store: inserted '$ins' of $N, flush_errors '$err' ($out)"
    fi
    [ "$(row_counts)" = "$N $N" ] || die "store: tables hold $(row_counts) rows"
    awk -v e="$el" -v c="$cpu" -v b="$b" -v f="$fl" \
        'BEGIN { printf "%.3f %.3f %d %d\n", e / 1e6, c / 1e6, b, f }'
}

kv() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

# COPY run; prints "elapsed_s cpu_s" (CPU of the backend, from /proc).
run_copy() {
    local out
    out=$(psql_f <<SQL
SELECT pg_backend_pid() AS pid \gset
\setenv BENCH_PID :pid
\set cpu0 \`awk '{ print \$14 + \$15 }' /proc/\$BENCH_PID/stat\`
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
COPY dht_indexer.torrents ($TORRENT_COLS) FROM '$WORK/torrents.copy';
COPY dht_indexer.files (info_hash, paths, sizes) FROM '$WORK/files.copy';
SELECT extract(epoch FROM clock_timestamp()) - :t0 AS elapsed \gset
\set cpu1 \`awk '{ print \$14 + \$15 }' /proc/\$BENCH_PID/stat\`
SELECT round(:elapsed, 3) || ' ' || round((:cpu1 - :cpu0) / $CLK_TCK.0, 3);
SQL
) || die "COPY failed"
    [ "$(row_counts)" = "$N $N" ] || die "COPY: tables hold $(row_counts) rows"
    echo "$out"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
rate() { awk -v n="$N" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }

# Write the COPY files and print what the data set looks like.
prepare_data() {
    psql_f <<SQL >/dev/null || die "writing the COPY files failed"
COPY (SELECT $TORRENT_COLS FROM test_store_bench_rows($N, $SEED))
  TO '$WORK/torrents.copy';
COPY (SELECT info_hash, paths, sizes FROM test_store_bench_rows($N, $SEED))
  TO '$WORK/files.copy';
SQL
    DATASET=$(psql_c "
SELECT format('%s torrents, %s files (%s per torrent: %s%% single-file, max %s),
name %s bytes avg, path %s bytes avg, %s%% hybrid; COPY files %s + %s MB',
       count(*), sum(file_count), round(avg(file_count), 2),
       round(100.0 * count(*) FILTER (WHERE file_count = 1) / count(*)),
       max(file_count), round(avg(octet_length(name)), 1),
       round(sum((SELECT sum(octet_length(p)) FROM unnest(paths) p)) / sum(file_count), 1),
       round(100.0 * count(info_hash_v2) / count(*), 1),
       round((pg_stat_file('$WORK/torrents.copy')).size / 1e6, 1),
       round((pg_stat_file('$WORK/files.copy')).size / 1e6, 1))
  FROM test_store_bench_rows($N, $SEED)")
    echo "data: $DATASET" | tr '\n' ' '; echo
}

ingest_main() {
    local r s c b b1 fl x store_s=() copy_s=() st cp digest_store digest_copy
    local -A big_s=()
    make_workdir
    trap cleanup EXIT
    trap 'exit 1' INT TERM
    log "scratch $WORK"
    pg_start "dht_indexer.enabled = off"
    psql_c "CREATE EXTENSION test_store" >/dev/null || die "CREATE EXTENSION test_store failed"
    echo "Ingest of $N torrents: store (background worker, extension/store.c) vs COPY"
    echo "$(as_owner "$PG_BINDIR/postgres" --version); $(nproc) CPUs; installed dht_indexer.so md5 $(md5sum < "$("$PG_BINDIR/pg_config" --pkglibdir)/dht_indexer.so" | cut -c1-12); tree at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
    prepare_data
    echo
    printf '| %-3s | %-13s | %9s | %7s | %10s | %s |\n' rep run "elapsed s" "CPU s" torrents/s "store/COPY"
    echo "|-----|---------------|-----------|---------|------------|------------|"
    for r in $(seq 1 "$REPS"); do
        reset_tables
        read -r s c b fl <<<"$(run_store "$BATCH")"
        store_s+=("$s")
        b1=$b
        printf '| %-3s | %-13s | %9s | %7s | %10s |            |\n' "$r" "store b=$b" "$s" "$c" "$(rate "$s")"
        [ "$r" = 1 ] && digest_store=$(table_digest)
        reset_tables
        read -r cp c <<<"$(run_copy)"
        copy_s+=("$cp")
        printf '| %-3s | %-13s | %9s | %7s | %10s | %10s |\n' "$r" COPY "$cp" "$c" "$(rate "$cp")" \
            "$(awk -v a="$cp" -v b="$s" 'BEGIN { printf "%.2f", a / b }')"
        if [ "$r" = 1 ]; then
            digest_copy=$(table_digest)
            [ "$digest_store" = "$digest_copy" ] \
                || die "the store and COPY left different rows ($digest_store vs $digest_copy)"
        fi
    done
    for x in "${BATCHES[@]}"; do
        for r in $(seq 1 "$REPS"); do
            reset_tables
            read -r s c b fl <<<"$(run_store "$x")"
            big_s[$x]="${big_s[$x]:-} $s"
            printf '| %-3s | %-13s | %9s | %7s | %10s |            |\n' "$r" "store b=$b" "$s" "$c" "$(rate "$s")"
        done
    done
    pg_stop
    st=$(printf '%s\n' "${store_s[@]}" | median)
    cp=$(printf '%s\n' "${copy_s[@]}" | median)
    echo
    echo "rows identical after store and COPY (md5 $digest_store)"
    echo "median store (batch $b1): $st s = $(rate "$st") torrents/s"
    echo "median COPY: $cp s = $(rate "$cp") torrents/s"
    local line
    line="RESULT ingest n=$N store_tps=$(rate "$st") copy_tps=$(rate "$cp") ratio=$(awk -v a="$cp" -v b="$st" 'BEGIN { printf "%.3f", a / b }')"
    for x in "${BATCHES[@]}"; do
        s=$(tr ' ' '\n' <<<"${big_s[$x]}" | grep . | median)
        echo "median store (batch $x): $s s = $(rate "$s") torrents/s"
        line="$line b${x}_tps=$(rate "$s") b${x}_ratio=$(awk -v a="$cp" -v b="$s" 'BEGIN { printf "%.3f", a / b }')"
    done
    echo "target: store >= 50 % of COPY (torrents/s): $(awk -v a="$cp" -v b="$st" 'BEGIN { print (a / b >= 0.5) ? "met" : "MISSED" }')"
    echo "$line"
}

ingest_main "$@"
