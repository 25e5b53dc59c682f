#!/usr/bin/env bash
# Demo: a fresh SQLite database, a synthetic Caf portfolio of 10,000 debtors whose claims arrive
# over the 24 months before 2026-11-01, then 12 simulated months (benefit payments withheld,
# debtors paying, agreeing plans or defaulting, one monthly cycle a month), then the
# month-by-month table and the portfolio summary at the end.
# Usage: bash scripts/demo.sh DBFILE   (`make demo` passes demo.db)
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 DBFILE" >&2
    exit 2
fi
db="$1"
recouvre="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.venv/bin/recouvre"

rm -f -- "$db" "$db-wal" "$db-shm"
"$recouvre" --db "sqlite:///$db" generate --debtors 10000 --seed 42 --as-of 2026-11-01
"$recouvre" --db "sqlite:///$db" simulate --start 2025-11 --months 12 --seed 42
"$recouvre" --db "sqlite:///$db" summary --on 2026-10-31
