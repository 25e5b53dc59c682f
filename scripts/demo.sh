#!/usr/bin/env bash
# Demo: a fresh SQLite database, a synthetic Caf portfolio of 10,000 debtors, its summary.
# Usage: bash scripts/demo.sh DBFILE   (`make demo` passes demo.db)
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 DBFILE" >&2
    exit 2
fi
db="$1"
recouvre="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.venv/bin/recouvre"

rm -f -- "$db" "$db-wal" "$db-shm"
"$recouvre" --db "sqlite:///$db" generate --debtors 10000 --seed 42
"$recouvre" --db "sqlite:///$db" summary
