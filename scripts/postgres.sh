#!/usr/bin/env bash
# Start or stop the throwaway PostgreSQL server that `make test` uses.
#   scripts/postgres.sh start   -> installs Debian's postgresql if missing, starts a private
#                                  cluster on 127.0.0.1:$RECOUVRE_PG_PORT, prints its URL
#   scripts/postgres.sh stop
#   scripts/postgres.sh restart -> stops the server as a crash would (immediate mode: no
#                                  checkpoint) and starts it again on the same data
#                                  (bench/faults.py's "server" fault)
# Exit code 3 (with a notice on stderr) when no server can be had here: the tests then skip.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${RECOUVRE_PG_PORT:-54329}"
DATA="${RECOUVRE_PG_DIR:-/tmp/recouvre-pg-$PORT}"
DB=recouvre_test

find_bin() {
    local candidate
    for candidate in /usr/lib/postgresql/*/bin; do
        [ -x "$candidate/postgres" ] && { echo "$candidate"; return 0; }
    done
    return 1
}

install_server() {
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing Debian's postgresql package..." >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2 || return 1
        return 0
    fi
    return 1
}

as_owner() {
    # PostgreSQL refuses to run as root: run as the 'postgres' system user then.
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start() {
    local bin
    bin=$(find_bin) || { install_server && bin=$(find_bin); } || {
        echo "NOTICE: PostgreSQL is not installed and cannot be installed here" >&2
        exit 3
    }
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        echo "NOTICE: no 'postgres' user to run the server as" >&2
        exit 3
    fi
    if ! as_owner "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
        rm -rf "$DATA"
        mkdir -p "$DATA"
        [ "$(id -u)" -eq 0 ] && chown postgres "$DATA"
        as_owner "$bin/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
        as_owner "$bin/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
            -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >/dev/null
    fi
    if ! as_owner "$bin/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
        as_owner "$bin/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
    fi
    echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/$DB"
}

stop() {
    local bin
    bin=$(find_bin) || exit 0
    if [ -d "$DATA" ]; then
        as_owner "$bin/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true
        rm -rf "$DATA"
    fi
}

restart() {
    local bin
    bin=$(find_bin) || exit 3
    as_owner "$bin/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1 || true
    as_owner "$bin/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
        -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    restart) restart ;;
    *) echo "usage: $0 start|stop|restart" >&2; exit 2 ;;
esac
