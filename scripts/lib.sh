# scripts/lib.sh: helpers shared by scripts/crawl.sh and scripts/test.sh.
# Sourced, not run.  Owns: the Debian package list, installing what is
# missing, building and installing the extension, and running commands as
# the cluster owner (initdb refuses root).

# Everything the build, the tests and the quick start need, from Debian 12.
DHT_PACKAGES="make gcc clang-14 libclang-rt-14-dev postgresql-15
postgresql-server-dev-15 postgresql-contrib libsodium-dev python3-libtorrent
libipc-run-perl iproute2 procps util-linux ca-certificates"

PG_BINDIR=/usr/lib/postgresql/15/bin
PG_CONFIG=$PG_BINDIR/pg_config
[ -x "$PG_CONFIG" ] || PG_CONFIG=pg_config

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

missing_packages() {
    local p missing=""
    for p in $DHT_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
            || missing="$missing $p"
    done
    printf '%s' "$missing"
}

# Install missing Debian packages (needs root); a no-op when all are there.
ensure_packages() {
    local missing
    missing=$(missing_packages)
    [ -z "$missing" ] && return 0
    [ "$(id -u)" = 0 ] || die "missing packages:$missing (run this script as root, or install them)"
    log "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2 || die "apt-get update failed"
    # shellcheck disable=SC2086
    apt-get install -y -q $missing >&2 || die "apt-get install failed"
}

# Build with -Werror and install the extension into PostgreSQL 15.
build_and_install() {
    log "building and installing dht_indexer"
    make -s PG_CONFIG="$PG_CONFIG" >&2 || return 1
    make -s PG_CONFIG="$PG_CONFIG" install >&2 || return 1
}

# Run a command as the cluster owner: postgres when we are root.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}
