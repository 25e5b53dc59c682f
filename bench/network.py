"""Benchmark of the network view read from monthly Parquet snapshots with DuckDB.

Usage: ``.venv/bin/python bench/network.py [--organisms 100] [--months 24] [--dir DIR]``

Writes ORGANISMS × MONTHS snapshot folders (``organism=…/month=…/summary.parquet`` and
``stock.parquet``, the layout and schemas of ``recouvre.service.snapshots``) with synthetic
figures — set-up, not measured — then times ``snapshots.network_view`` over all the months (the
query behind ``recouvre network show`` and the dashboards), three times. Prints one JSON line:
``organisms``, ``months``, ``folders``, ``summary_rows``, ``stock_rows``, ``build_s``,
``view_s`` (best of three), ``rows_read`` (every summary row, the last month's stock rows),
``rows_per_s`` (rows_read ÷ view_s).
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from recouvre.domain.indicators import AGE_BANDS
from recouvre.service import snapshots

PHASES = ("amicable", "contentious", "enforcement")
BENEFITS = ("AF", "AL", "APL", "RSA", "AAH", "PPA", "PAJE")
RESPONSIBILITIES = ("organism_error", "debtor_error", "fraud")


def build(root: Path, organisms: int, months: list[str], seed: int) -> tuple[int, int]:
    rng = random.Random(seed)
    summary_rows = stock_rows = 0
    for index in range(organisms):
        code = f"CAF-{index + 1:03d}"
        stock = rng.randint(10**9, 10**10)
        for month in months:
            new = rng.randint(10**8, 10**9)
            recovered = int((stock + new) * rng.uniform(0.05, 0.12))
            remitted = int((stock + new) * rng.uniform(0.0, 0.01))
            end = max(stock + new - recovered - remitted, 0)
            target = snapshots.folder(root, code, month)
            target.mkdir(parents=True)
            summary = {
                "organism": code,
                "month": month,
                "stock_start": stock,
                "recovered": recovered,
                "new": new,
                "withheld": int(recovered * 0.7),
                "remitted": remitted,
                "balance_end": end,
                "recovered_amicable": int(recovered * 0.8),
                "recovered_contentious": recovered - int(recovered * 0.8),
                "recovered_enforcement": 0,
            }
            pq.write_table(
                pa.Table.from_pylist([summary], schema=snapshots.SUMMARY_SCHEMA), target / snapshots.SUMMARY
            )
            lines = [
                {
                    "organism": code,
                    "month": month,
                    "band": band,
                    "phase": phase,
                    "benefit": benefit,
                    "responsibility": responsibility,
                    "claims": rng.randint(1, 500),
                    "balance": rng.randint(1, 10**7),
                }
                for band, _, _ in AGE_BANDS
                for phase in PHASES
                for benefit in BENEFITS
                for responsibility in RESPONSIBILITIES
            ]
            pq.write_table(
                pa.Table.from_pylist(lines, schema=snapshots.STOCK_SCHEMA), target / snapshots.STOCK
            )
            summary_rows += 1
            stock_rows += len(lines)
            stock = end
    return summary_rows, stock_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--organisms", type=int, default=100)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args()
    root = arguments.dir or Path(tempfile.mkdtemp(prefix="recouvre-network-"))
    months = snapshots.months("2025-01", "2099-12")[: arguments.months]
    started = time.perf_counter()
    summary_rows, stock_rows = build(root, arguments.organisms, months, arguments.seed)
    build_s = time.perf_counter() - started
    timings = []
    view = None
    for _ in range(3):
        started = time.perf_counter()
        view = snapshots.network_view(root, months[0], months[-1])
        timings.append(time.perf_counter() - started)
    assert view is not None and len(view.organisms) == arguments.organisms
    best = min(timings)
    print(
        json.dumps(
            {
                "organisms": arguments.organisms,
                "months": len(months),
                "folders": arguments.organisms * len(months),
                "summary_rows": summary_rows,
                "stock_rows": stock_rows,
                "build_s": round(build_s, 2),
                "view_s": round(best, 3),
                "rows_read": summary_rows + stock_rows // len(months),
                "rows_per_s": int((summary_rows + stock_rows // len(months)) / best),
                "network_recovery_rate": str(view.network.recovery_rate),
            }
        )
    )


if __name__ == "__main__":
    main()
