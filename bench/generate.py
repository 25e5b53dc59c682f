"""Benchmark of `recouvre generate` on a fresh temporary SQLite database.

Usage: ``.venv/bin/python bench/generate.py [--debtors 100000] [--seed 42]``

Runs the real command in-process (``recouvre --db sqlite:///TMP generate ...``,
migrations included), then, in the same run, a baseline: a plain ``executemany``
of as many claim rows into a bare table (stdlib ``sqlite3``, same pragmas, one
transaction). Prints one JSON line on stdout (the progress bar goes to stderr):

* ``debtors``, ``claims``: what was generated;
* ``seconds``: wall time of the command;
* ``rows_per_s``: rows written by the command (debtors, quotients, claims, lines,
  movements) per second;
* ``peak_rss_mb``: peak resident memory of this process;
* ``baseline_s``: time of the bare insert; ``ratio``: ``seconds / baseline_s``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from recouvre.cli import app

TABLES = ("debtors", "debtor_quotients", "claims", "claim_lines", "movements")


def run_generate(url: str, debtors: int, seed: int) -> float:
    started = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):
        app(["--db", url, "generate", "--debtors", str(debtors), "--seed", str(seed)], standalone_mode=False)
    return time.perf_counter() - started


def count_rows(path: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return {
            table: int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]) for table in TABLES
        }


def baseline(path: Path, rows: int) -> float:
    """Seconds to insert ``rows`` claim-like rows with one executemany in one transaction."""
    first = date(2025, 1, 1)
    data = [
        (
            f"S0-{index:07d}-1",
            index,
            "RSA",
            "departement",
            "debtor_error",
            (first + timedelta(days=index % 700)).isoformat(),
            (first + timedelta(days=index % 700 + 3)).isoformat(),
            (first + timedelta(days=index % 700)).isoformat(),
            28_500 + index % 1_000,
            "",
        )
        for index in range(rows)
    ]
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(
            "CREATE TABLE claims (id INTEGER PRIMARY KEY, ref TEXT NOT NULL, debtor_id INTEGER NOT NULL, "
            "benefit TEXT NOT NULL, creditor TEXT NOT NULL, responsibility TEXT NOT NULL, "
            "established_on DATE NOT NULL, notified_on DATE, detected_on DATE NOT NULL, "
            "principal_cents BIGINT NOT NULL, reason TEXT NOT NULL)"
        )
        started = time.perf_counter()
        with connection:
            connection.executemany(
                "INSERT INTO claims (ref, debtor_id, benefit, creditor, responsibility, established_on, "
                "notified_on, detected_on, principal_cents, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                data,
            )
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--debtors", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="recouvre-bench-") as folder:
        database = Path(folder) / "bench.db"
        seconds = run_generate(f"sqlite:///{database}", arguments.debtors, arguments.seed)
        rows = count_rows(database)
        baseline_s = baseline(Path(folder) / "baseline.db", rows["claims"])
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "debtors": rows["debtors"],
                "claims": rows["claims"],
                "seconds": round(seconds, 2),
                "rows_per_s": round(sum(rows.values()) / seconds) if seconds else None,
                "peak_rss_mb": round(peak_kb / 1024, 1),
                "baseline_s": round(baseline_s, 3),
                "ratio": round(seconds / baseline_s, 1) if baseline_s else None,
            }
        )
    )


if __name__ == "__main__":
    main()
