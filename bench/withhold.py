"""Benchmark of `recouvre payments withhold` on a fresh temporary SQLite database.

Usage: ``.venv/bin/python bench/withhold.py [--debtors 100000] [--chunk 5000]``

Builds ``--debtors`` debtors (85 % with a PRP quotient) with two claims each through the
service layer (``register_debtors``, ``establish_claims``), writes a payment file of two
rows per debtor (AF and AL regular amounts, AF arrears for one debtor in ten), then times
the real command in-process, once (every debtor new) and again (every debtor already done).
Prints one JSON line on stdout (the progress bar goes to stderr):

* ``debtors``, ``claims``, ``rows``: the portfolio and the payment file;
* ``setup_s``: time to build the portfolio;
* ``withhold_s``: wall time of the command (reading and checking the file, withholding,
  writing the withholding file); ``withhold_cpu_s``: its CPU time, worker processes included;
  ``debtors_per_s``;
* ``replay_s``: the same file again (nothing booked);
* ``movements``: withholding movements booked; ``peak_rss_mb``: peak resident memory.
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

from recouvre.cli import payments
from recouvre.cli.common import CliState
from recouvre.domain.model import (
    Benefit,
    Claim,
    Country,
    Creditor,
    DatedValue,
    Debtor,
    DebtorKind,
    Organism,
    Responsibility,
    UndueLine,
)
from recouvre.service import Services
from recouvre.service.batch import close_workers
from recouvre.service.claims import establish_claims
from recouvre.service.registry import ensure_organism, register_debtors
from recouvre.storage.database import Database

ORGANISM = "CAF-BENCH"
BUILD_CHUNK = 10_000
PAID_ON = date(2020, 3, 5)


def quotient(index: int) -> tuple[DatedValue, ...]:
    """One debtor in seven without a quotient (the deemed RMP); the others 200.00 to 1,390.00."""
    if index % 7 == 0:
        return ()
    return (DatedValue(date(2019, 1, 1), 20_000 + (index % 120) * 1_000),)


def build(services: Services, debtors: int) -> None:
    ensure_organism(services, Organism(code=ORGANISM, country=Country.FR))
    for start in range(0, debtors, BUILD_CHUNK):
        indexes = range(start, min(start + BUILD_CHUNK, debtors))
        register_debtors(
            services,
            ORGANISM,
            [
                Debtor(
                    ref=f"D{index:07d}",
                    organism=ORGANISM,
                    kind=DebtorKind.PERSON,
                    prp_quotients=quotient(index),
                )
                for index in indexes
            ],
        )
        claims: list[Claim] = []
        for index in indexes:
            for number, benefit in ((1, Benefit.AL), (2, Benefit.AF)):
                notified = date(2020, 1, 2) + timedelta(days=(index + number) % 40)
                amount = 5_000 + (index * 37 + number * 1_013) % 150_000
                claims.append(
                    Claim(
                        ref=f"D{index:07d}-{number}",
                        organism=ORGANISM,
                        debtor_ref=f"D{index:07d}",
                        benefit=benefit,
                        creditor=Creditor.OWN,
                        responsibility=Responsibility.DEBTOR_ERROR,
                        lines=(UndueLine(date(2019, 11, 5), amount),),
                        established_on=notified,
                        notified_on=notified,
                        detected_on=notified,
                    )
                )
        establish_claims(services, ORGANISM, claims)


def payment_file(path: Path, debtors: int) -> int:
    rows = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write("debtor,benefit,regular,arrears,after_rent_debt_clearance,run_id,paid_on\n")
        for index in range(debtors):
            ref = f"D{index:07d}"
            arrears = "45.00" if index % 10 == 0 else ""
            handle.write(f"{ref},AF,{131 + index % 300}.55,{arrears},false,2020-03,{PAID_ON}\n")
            handle.write(f"{ref},AL,{200 + index % 150}.00,,false,2020-03,{PAID_ON}\n")
            rows += 2
    return rows


def run_withhold(services: Services, source: Path, chunk: int) -> tuple[float, float]:
    """Wall and CPU seconds of the command, its worker processes included (CPU time is steadier
    on a shared machine)."""
    state = CliState(db_url=None, policy_dir=None, _services=services)
    args = ["withhold", str(source), "--organism", ORGANISM, "--chunk", str(chunk)]
    started, cpu = time.perf_counter(), _cpu()
    with contextlib.redirect_stdout(sys.stderr):
        payments.app(args, obj=state, standalone_mode=False)
    seconds = time.perf_counter() - started
    close_workers()  # their CPU time is counted once they have ended
    return seconds, _cpu() - cpu


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debtors", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=5_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="recouvre-bench-") as folder:
        database_path = Path(folder) / "bench.db"
        services = Services(Database(f"sqlite:///{database_path}"))
        started = time.perf_counter()
        build(services, options.debtors)
        setup = time.perf_counter() - started
        source = Path(folder) / "payments.csv"
        rows = payment_file(source, options.debtors)
        seconds, cpu = run_withhold(services, source, options.chunk)
        replay, _ = run_withhold(services, source, options.chunk)
        with contextlib.closing(sqlite3.connect(database_path)) as connection:
            movements = connection.execute("SELECT count(*) FROM movements WHERE kind = 'withholding'")
            booked = int(movements.fetchone()[0])
        services.db.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "debtors": options.debtors,
                "claims": 2 * options.debtors,
                "rows": rows,
                "setup_s": round(setup, 2),
                "withhold_s": round(seconds, 2),
                "withhold_cpu_s": round(cpu, 2),
                "debtors_per_s": round(options.debtors / seconds),
                "replay_s": round(replay, 2),
                "movements": booked,
                "peak_rss_mb": round(peak),
            }
        )
    )


if __name__ == "__main__":
    main()
