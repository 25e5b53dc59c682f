#!/usr/bin/env bash
# The test suite: pytest on SQLite, and on a real PostgreSQL server that this script starts
# (scripts/postgres.sh) for the tests marked `postgres`. Where no server can be had, those
# tests are skipped and a notice says so.
set -uo pipefail
cd "$(dirname "$0")/.."
if url=$(bash scripts/postgres.sh start); then
    export RECOUVRE_TEST_PG_URL="$url"
    trap 'bash scripts/postgres.sh stop' EXIT
    echo "PostgreSQL test server: $url"
else
    echo "NOTICE: PostgreSQL tests will be SKIPPED: no server could be started here" >&2
fi
# Debian's chromium for the end-to-end tests of the web pages (they skip, saying so, without it).
bash scripts/browser.sh || echo "NOTICE: browser tests will be SKIPPED: chromium could not be installed" >&2
.venv/bin/pytest -n 2 -q "$@"
status=$?
# pytest's exit 5 ("no tests collected") must fail CI, never pass silently.
exit $status
