#!/usr/bin/env bash
# Start `recouvre serve --workers N` on a database, run the locust scenario headless against it,
# print the per-endpoint p50/p95/p99, requests/s and failures, and the load average.
#
# Usage: bash bench/load/run.sh DB_URL [WORKERS=1] [DURATION=2m] [USERS=50] [PORT=8765]
#   (the case workers must exist: .venv/bin/python bench/load/setup_users.py --db DB_URL --users USERS)
# Environment: LOAD_OUT (directory of the csv files, default /tmp/recouvre-load), LOAD_SPAWN_RATE
# (users started per second, default 5), and the scenario's LOAD_* variables (locustfile.py).
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
echo "serveur : $workers processus, port $port ; charge avant : $(cut -d' ' -f1-3 /proc/loadavg)"
.venv/bin/locust -f bench/load/locustfile.py --headless -u "$users" -r "${LOAD_SPAWN_RATE:-5}" \
    -t "$duration" --host "http://127.0.0.1:$port" --csv "$prefix" --only-summary \
    --loglevel WARNING >"$prefix-locust.log" 2>&1 || true
echo "charge après : $(cut -d' ' -f1-3 /proc/loadavg) ; $users utilisateurs, $duration"
.venv/bin/python bench/load/summary.py "${prefix}_stats.csv"
