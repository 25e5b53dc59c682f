"""EXPLAIN (ANALYZE, BUFFERS) of every read of one unit of work of each batch step, on PostgreSQL.

Usage: ``.venv/bin/python bench/explain_units.py --db postgresql://USER@HOST:PORT/DB``
on a schema built by ``bench/cycle.py --db … --keep-schema`` (``--schema``, default
``bench_cycle``). Decides (without writing) one batch of the withholding run and one shard of the
monthly cycle in the middle of the portfolio, records each ``SELECT`` they send, then explains it
with its parameters and prints its plan, its time, its shared buffers and whether it reads a
whole table sequentially (``Seq Scan`` on a table of more than ``--big`` rows). With
``--summary``, one line per statement.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date
from typing import Any

from sqlalchemy import event

from recouvre.service.units_explain import UnitReads, explain_reads
from recouvre.storage.database import Database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a PostgreSQL URL")
    parser.add_argument("--schema", default="bench_cycle")
    parser.add_argument("--organism", default="CAF-BENCH")
    parser.add_argument("--paid-on", default="2026-10-05")
    parser.add_argument("--cycle-on", default="2026-11-01")
    parser.add_argument("--big", type=int, default=10_000, help="rows that make a table big")
    parser.add_argument("--summary", action="store_true")
    parser.add_argument("--set", action="append", default=[], help="NAME=VALUE: a setting to try")
    args = parser.parse_args()
    database = Database(args.db, schema=args.schema, migrate=False)
    if args.set:

        def settings(dbapi_connection: Any, _record: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                for pair in args.set:
                    name, value = pair.split("=", 1)
                    cursor.execute(f"SET {name} = {value}")
            dbapi_connection.commit()

        event.listen(database.engine, "connect", settings)
        database.engine.dispose()  # the schema was made on a connection without them
    reads: list[UnitReads] = explain_reads(
        database, args.organism, date.fromisoformat(args.paid_on), date.fromisoformat(args.cycle_on)
    )
    found_seq = False
    for unit in reads:
        for read in unit.reads:
            big = [table for table, rows in read.seq_scans.items() if rows >= args.big]
            found_seq = found_seq or bool(big)
            first = re.sub(r"\s+", " ", read.sql)[:110]
            print(
                f"[{unit.name}] {read.ms:8.1f} ms  buffers {read.buffers:7d}  "
                f"seq scans {read.seq_scans or '-'}  {first}"
            )
            if not args.summary:
                print(read.plan, "\n")
    print("whole-table sequential scans:", "YES" if found_seq else "none", file=sys.stderr)
    database.dispose()


if __name__ == "__main__":
    main()
