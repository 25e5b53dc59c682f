#!/usr/bin/env bash
# Start `recouvre serve --workers N` on a database, run the locust scenario headless against it,
# print the per-endpoint p50/p95/p99, requests/s and failures, and the load average.
#
# Usage: bash bench/load/run.sh DB_URL [WORKERS=1] [DURATION=2m] [USERS=50] [PORT=8765]
#   (the case workers must exist: .venv/bin/python bench/load/setup_users.py --db DB_URL --users USERS)
# Environment: LOAD_OUT (directory of the csv files, default /tmp/recouvre-load), LOAD_SPAWN_RATE
# (users started per second, default 1: fifty people arriving over fifty seconds), LOAD_PG_DATA
# (the PostgreSQL data directory: its server's CPU is counted too), and the scenario's LOAD_*
# variables (locustfile.py). Besides the table, it prints the CPU seconds the server processes
# (and PostgreSQL) used per request: on a shared machine, the cost of a request apart from the
# neighbours' load.
# Exit status: that of bench/load/summary.py (1 when a request failed or a p95 is above 200 ms).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ $# -lt 1 ]]; then
    sed -n 2,9p "$0" >&2
    exit 2
fi
db="$1"; workers="${2:-1}"; duration="${3:-2m}"; users="${4:-50}"; port="${5:-8765}"
out="${LOAD_OUT:-/tmp/recouvre-load}"
mkdir -p "$out"
prefix="$out/w${workers}-u${users}"

.venv/bin/recouvre --db "$db" serve --port "$port" --workers "$workers" --log-level warning \
    >"$prefix-server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || { cat "$prefix-server.log" >&2; exit 1; }
    sleep 0.5
done
pg=""
if [[ -n "${LOAD_PG_DATA:-}" && -f "$LOAD_PG_DATA/postmaster.pid" ]]; then
    pg="$(head -1 "$LOAD_PG_DATA/postmaster.pid")"
fi
cpu_server_before="$(.venv/bin/python bench/load/cpu.py "$server")"
cpu_pg_before="$([[ -n "$pg" ]] && .venv/bin/python bench/load/cpu.py "$pg" || echo 0)"
cpu_machine_before="$(.venv/bin/python bench/load/cpu.py --machine)"
started="$(date +%s.%N)"
echo "serveur : $workers processus, port $port ; charge avant : $(cut -d' ' -f1-3 /proc/loadavg)"
.venv/bin/locust -f bench/load/locustfile.py --headless -u "$users" -r "${LOAD_SPAWN_RATE:-1}" \
    -t "$duration" --host "http://127.0.0.1:$port" --csv "$prefix" --only-summary \
    --loglevel WARNING >"$prefix-locust.log" 2>&1 || true
echo "charge après : $(cut -d' ' -f1-3 /proc/loadavg) ; $users utilisateurs, $duration"
cpu_server="$(.venv/bin/python bench/load/cpu.py "$server")"
cpu_pg="$([[ -n "$pg" ]] && .venv/bin/python bench/load/cpu.py "$pg" || echo 0)"
cpu_machine="$(.venv/bin/python bench/load/cpu.py --machine)"
requests="$(awk -F, 'END { print $3 }' "${prefix}_stats.csv" | tr -d '"')"
.venv/bin/python - "$cpu_server_before" "$cpu_server" "$cpu_pg_before" "$cpu_pg" "$requests" \
    "$cpu_machine_before" "$cpu_machine" "$started" <<'PY'
import os
import sys
import time
server = float(sys.argv[2]) - float(sys.argv[1])
pg = float(sys.argv[4]) - float(sys.argv[3])
requests = max(int(sys.argv[5] or 0), 1)
machine = float(sys.argv[7]) - float(sys.argv[6])
available = (time.time() - float(sys.argv[8])) * (os.cpu_count() or 1)
print(
    f"CPU : serveur {server:.1f} s ({1000 * server / requests:.1f} ms par requête), "
    f"PostgreSQL {pg:.1f} s ({1000 * pg / requests:.1f} ms par requête), {requests} requêtes"
)
print(
    f"machine : {machine:.1f} s occupées sur {available:.1f} s ({100 * machine / available:.0f} %), "
    f"dont {machine - server - pg:.1f} s hors serveur et PostgreSQL (locust, voisins)"
)
PY
.venv/bin/python bench/load/summary.py "${prefix}_stats.csv"
