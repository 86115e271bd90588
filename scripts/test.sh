#!/usr/bin/env bash
# scripts/test.sh: README quick-start command 2.  Installs what is missing,
# builds with -Werror, and runs every suite: core unit tests, fuzz smoke
# runs, pg_regress (make installcheck) and TAP (make tapcheck).  Prints one
# summary line per suite and, last, "N passed, N failed" over all of them;
# exits non-zero if anything failed or a suite could not run.
#
# As root the server-side suites run as the postgres user (initdb refuses
# root) in a scratch copy of the tree under /tmp that postgres owns.
set -u
cd "$(dirname "$0")/.."
. scripts/lib.sh

TOTAL_PASSED=0
TOTAL_FAILED=0
SUMMARY=""
LOGDIR=${DHT_TEST_LOGDIR:-build/test-logs}
mkdir -p "$LOGDIR"

record() {  # suite passed failed
    TOTAL_PASSED=$((TOTAL_PASSED + $2))
    TOTAL_FAILED=$((TOTAL_FAILED + $3))
    SUMMARY="$SUMMARY$(printf '  %-10s %5d passed, %3d failed' "$1" "$2" "$3")"$'\n'
}

# Sum "N passed, N failed" lines of a log (the unit programs, run_tap.pl).
sum_lines() {  # suite logfile
    local p f
    p=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$2" | awk '{s+=$1} END {print s+0}')
    f=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$2" | awk '{s+=$3} END {print s+0}')
    record "$1" "$p" "$f"
}

run_unit() {
    local log=$LOGDIR/unit.log
    log "unit tests"
    make -s PG_CONFIG="$PG_CONFIG" unit >"$log" 2>&1
    local rc=$?
    grep -E 'passed, [0-9]+ failed|FAIL|ERROR|error' "$log" | head -40
    sum_lines unit "$log"
    # A program that crashed prints no summary line: count it as a failure.
    if [ $rc -ne 0 ] && ! grep -Eq '[1-9][0-9]* failed' "$log"; then record unit 0 1; fi
}

run_fuzz() {
    local log=$LOGDIR/fuzz.log
    log "fuzz smoke runs"
    make -s PG_CONFIG="$PG_CONFIG" fuzz-smoke >"$log" 2>&1
    grep -E '^fuzz ' "$log"
    record fuzz "$(grep -c '^fuzz .*: ok$' "$log")" "$(grep -c '^fuzz .*FAILED' "$log")"
    if ! grep -q '^fuzz ' "$log"; then tail -20 "$log"; record fuzz 0 1; fi
}

# A copy of the tree the cluster owner can write to.
make_scratch() {
    local scratch
    scratch=$(mktemp -d /tmp/dht_indexer_tests.XXXXXX)
    tar --exclude=./build --exclude=./cluster --exclude=./.git -cf - . | tar -xf - -C "$scratch"
    [ "$(id -u)" = 0 ] && chown -R postgres: "$scratch"
    echo "$scratch"
}

run_regress() {
    local scratch=$1 log=$LOGDIR/regress.log
    log "pg_regress suites"
    as_owner make -s -C "$scratch" PG_CONFIG="$PG_CONFIG" installcheck >"$log" 2>&1
    local rc=$?
    grep -E '^(test|ok|not ok| *[a-z_]+ +\.\.\.)' "$log" | head -60
    local p f
    p=$(grep -Ec '\.\.\. ok' "$log")
    f=$(grep -Ec '\.\.\. FAILED|\.\.\. failed' "$log")
    if [ $rc -ne 0 ] && [ "$f" = 0 ]; then
        tail -30 "$log"; f=1
    fi
    if [ "$f" != 0 ] && [ -f "$scratch/build/regress/regression.diffs" ]; then
        cp "$scratch/build/regress/regression.diffs" "$LOGDIR/"
        head -80 "$LOGDIR/regression.diffs"
    fi
    record regress "$p" "$f"
}

run_tap() {
    local scratch=$1 log=$LOGDIR/tap.log
    log "TAP suites"
    as_owner make -s -C "$scratch" PG_CONFIG="$PG_CONFIG" tapcheck >"$log" 2>&1
    local rc=$?
    grep -Ev '^\s*$' "$log" | tail -40
    if grep -q '^tap: [0-9]* passed' "$log"; then
        grep '^tap: [0-9]* passed' "$log" > "$log.summary"
        sum_lines tap "$log.summary"
    else
        record tap 0 1
    fi
    [ $rc -ne 0 ] && ! grep -Eq '^tap: .*[1-9][0-9]* failed' "$log" && record tap 0 1
    # Keep the TAP logs where the caller can read them.
    cp -r "$scratch/build/tap/tmp_check/log" "$LOGDIR/tap-logs" 2>/dev/null || true
}

ensure_packages
if ! build_and_install || ! make -s -C test/modules/test_store PG_CONFIG="$PG_CONFIG" install >&2; then
    record build 0 1
else
    :
    run_unit
    run_fuzz
    SCRATCH=$(make_scratch)
    run_regress "$SCRATCH"
    run_tap "$SCRATCH"
    [ -n "${DHT_KEEP_SCRATCH:-}" ] || rm -rf "$SCRATCH"
fi

printf '\nSummary:\n%s' "$SUMMARY"
echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
[ "$TOTAL_FAILED" = 0 ]
