"""Benchmark of the cycle's ``claim_state`` update alone, at a fill factor (PostgreSQL, ADR 0008).

Usage: ``.venv/bin/python bench/hot_updates.py --db postgresql://USER@HOST:PORT/DB 100 50``

For each fill factor given: a table shaped as ``claim_state`` of ``--rows`` rows in a fresh
schema (``--schema``, dropped at the end), built at that fill factor and ``VACUUM ANALYZE``;
then "month 1": three rows in four updated by the cycle's guarded ``UPDATE`` (the statement of
``repository.prepared_guarded_update``, sent as ``executemany``, one transaction per 10,000
claim ids as a shard); then, after ``VACUUM ANALYZE``, "month 2": one row in 25. Prints one JSON
line per fill factor: the backend's CPU seconds and the wall seconds of each month's updates
(the server must run on this machine for the CPU), how many were HOT
(``pg_stat_user_tables``), the table's heap and total size in MB once built and after each
month, and the 1-minute load average.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import psycopg

COLUMNS = ("phase", "step", "step_on", "step_offset", "episode_since", "notice_deadline", "last_cured_on")
STATS_FLUSH_S = 11.0
"""PostgreSQL 15 backends send the counters of an idle connection within 10 s."""

State = tuple[Any, ...]
BUILT: State = ("amicable", None, None, 0, None, None, None)
MONTH_1: State = ("amicable", "reminder", date(2026, 11, 1), 0, date(2026, 11, 1), None, None)
MONTH_2: State = (
    "amicable",
    "formal_notice",
    date(2026, 12, 1),
    0,
    date(2026, 11, 1),
    date(2026, 12, 31),
    None,
)


def backend_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def counters(url: str, schema: str) -> tuple[int, int, float, float]:
    """Rows updated, of which HOT, heap MB and total MB of the table, once the counters are in."""
    time.sleep(STATS_FLUSH_S)
    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute(
            "SELECT n_tup_upd, n_tup_hot_upd, pg_relation_size(relid), pg_total_relation_size(relid)"
            " FROM pg_stat_user_tables WHERE schemaname = %s AND relname = 'claim_state'",
            (schema,),
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), round(row[2] / 2**20, 1), round(row[3] / 2**20, 1)


def month(
    connection: psycopg.Connection[Any],
    schema: str,
    rows: int,
    old: State,
    new: State,
    pick: Callable[[int], bool],
) -> tuple[float, float]:
    """Update the picked rows from ``old`` to ``new`` as the cycle does; backend CPU and wall seconds."""
    sql = (
        f"UPDATE {schema}.claim_state SET {', '.join(f'{name} = %s' for name in COLUMNS)} WHERE "
        + " AND ".join(f"{name} IS NOT DISTINCT FROM %s" for name in COLUMNS)
        + " AND claim_id = %s"
    )
    pid = connection.info.backend_pid
    cpu, started = backend_cpu_s(pid), time.perf_counter()
    for low in range(1, rows + 1, 10_000):
        with connection.transaction(), connection.cursor() as cursor:
            cursor.executemany(
                sql, [(*new, *old, ident) for ident in range(low, min(low + 10_000, rows + 1)) if pick(ident)]
            )
    return round(backend_cpu_s(pid) - cpu, 2), round(time.perf_counter() - started, 2)


def run(url: str, schema: str, rows: int, fill_factor: int) -> dict[str, Any]:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        connection.execute(f"CREATE SCHEMA {schema}")
        connection.execute(
            f"CREATE TABLE {schema}.claim_state (claim_id bigint PRIMARY KEY,"
            " recovery_mode varchar(16) NOT NULL, phase varchar(16) NOT NULL, step varchar(32),"
            " step_on date, step_offset integer NOT NULL,"
            " episode_since date, notice_deadline date, last_cured_on date, suspended_reason varchar(32),"
            f" suspended_until date) WITH (fillfactor = {fill_factor})"
        )
        connection.execute(
            f"INSERT INTO {schema}.claim_state (claim_id, recovery_mode, phase, step_offset)"
            " SELECT i, 'withholding', 'amicable', 0 FROM generate_series(1, %s) i",
            (rows,),
        )
        connection.execute(f"VACUUM ANALYZE {schema}.claim_state")
        built = counters(url, schema)
        first = month(connection, schema, rows, BUILT, MONTH_1, lambda ident: ident % 4 != 3)
        after_first = counters(url, schema)
        connection.execute(f"VACUUM ANALYZE {schema}.claim_state")
        second = month(connection, schema, rows, MONTH_1, MONTH_2, lambda ident: ident % 25 == 0)
        after_second = counters(url, schema)
        connection.execute(f"DROP SCHEMA {schema} CASCADE")
    return {
        "fill_factor": fill_factor,
        "rows": rows,
        "month_1_cpu_wall_s": first,
        "month_1_updated_hot": [after_first[0] - built[0], after_first[1] - built[1]],
        "month_2_cpu_wall_s": second,
        "month_2_updated_hot": [after_second[0] - after_first[0], after_second[1] - after_first[1]],
        "built_mb": built[2:],
        "after_month_1_mb": after_first[2:],
        "after_month_2_mb": after_second[2:],
        "load_average": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a PostgreSQL URL (postgresql://…)")
    parser.add_argument("--schema", default="bench_hot")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("fill_factors", type=int, nargs="+", metavar="FILLFACTOR")
    args = parser.parse_args()
    if not args.schema.isidentifier():
        parser.error("--schema: a plain identifier")
    if any(not 10 <= factor <= 100 for factor in args.fill_factors):
        parser.error("fill factors from 10 to 100")
    url = args.db.replace("postgresql+psycopg://", "postgresql://", 1)
    for factor in args.fill_factors:
        print(json.dumps(run(url, args.schema, args.rows, factor)), flush=True)


if __name__ == "__main__":
    main()
