"""Benchmark of one benefit-payment withholding run plus one monthly cycle.

Usage: ``.venv/bin/python bench/cycle.py --claims 1000000``

Builds N open claims on a fresh temporary SQLite database (N/2 debtors with two claims each;
half the debtors receive benefits, so half the claims have a benefit payment to withhold
from). The build writes rows directly with Core inserts, which is set-up, not measured.
Then, timed: the withholding run (``apply_benefit_payments`` in chunks of 5,000 debtors, as
``recouvre payments withhold`` does) and the monthly cycle (``run_cycle``). In the same run,
a baseline: one set-based SQL pass over the same tables (read every open claim's balance
from the ledger and update one column of its state). Prints one JSON line:
``claims``, ``cycle_s`` (withholding + cycle), ``withhold_s``, ``cycle_only_s``,
``baseline_s``, ``ratio`` (cycle_s / baseline_s), ``peak_rss_mb`` (this process),
``all_processes_peak_rss_mb`` (this process and its worker processes together, sampled every
0.2 s during the timed runs from /proc), ``build_s``, ``letters``, ``withheld_claims``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from recouvre.domain.model import Country, Organism
from recouvre.domain.withholding import BenefitPayment
from recouvre.service import Services
from recouvre.service.batch import default_workers
from recouvre.service.cycle import run_cycle
from recouvre.service.registry import ensure_organism
from recouvre.service.withholding import PaymentBatch, withhold_batches
from recouvre.storage import repository
from recouvre.storage.database import Database
from recouvre.storage.tables import (
    ClaimLineRow,
    ClaimRow,
    ClaimStateRow,
    DebtorQuotientRow,
    DebtorRow,
    MovementRow,
)

ORG = "CAF-BENCH"
NOTIFIED = date(2026, 8, 10)
PAID_ON = date(2026, 10, 5)
MONTH = "2026-10"
CYCLE_ON = date(2026, 11, 1)
CHUNK = 5_000
RUN_ID = "BENCH-2026-10"


def build(database: Database, claims: int) -> tuple[int, list[str]]:
    """Write the portfolio; return the organism id and the refs of debtors receiving benefits."""
    services = Services(database)
    ensure_organism(services, Organism(code=ORG, country=Country.FR))
    stamp = datetime.now(UTC)
    debtors = claims // 2
    receiving: list[str] = []
    with database.unit_of_work() as session:
        organism_id, _ = services.organism(session, ORG)
        connection = session.connection()
        for start in range(0, debtors, 20_000):
            stop = min(start + 20_000, debtors)
            debtor_rows: list[dict[str, Any]] = []
            for index in range(start, stop):
                ref = f"B{index:08d}"
                gets = index % 2 == 0
                if gets:
                    receiving.append(ref)
                debtor_rows.append(
                    {
                        "organism_id": organism_id,
                        "ref": ref,
                        "kind": "person",
                        "name": f"Débiteur {index}",
                        "nir": None,
                        "siren": None,
                        "siret": None,
                        "ice": None,
                        "iban": None,
                        "email": None,
                        "phone": None,
                        "address": None,
                        "receives_benefits": gets,
                    }
                )
            result = connection.execute(
                repository.core(DebtorRow)
                .insert()
                .returning(
                    repository.core(DebtorRow).c.ref,
                    repository.core(DebtorRow).c.id,
                    sort_by_parameter_order=True,
                ),
                debtor_rows,
            )
            ids = {ref: ident for ref, ident in result}
            connection.execute(
                repository.core(DebtorQuotientRow).insert(),
                [
                    {
                        "debtor_id": ids[row["ref"]],
                        "valid_from": date(2026, 1, 1),
                        "value_cents": 40_000 + (i % 90) * 1_000,
                    }
                    for i, row in enumerate(debtor_rows)
                ],
            )
            claim_rows = [
                {
                    "organism_id": organism_id,
                    "debtor_id": ids[row["ref"]],
                    "ref": f"{row['ref']}-{number}",
                    "benefit": "AL" if number == 1 else "AF",
                    "creditor": "own",
                    "responsibility": "debtor_error",
                    "established_on": NOTIFIED,
                    "notified_on": NOTIFIED,
                    "detected_on": NOTIFIED,
                    "principal_cents": 20_000 + (index % 50) * 3_000 + number * 1_000,
                    "reason": "",
                }
                for index, row in enumerate(debtor_rows, start=start)
                for number in (1, 2)
            ]
            table = repository.core(ClaimRow)
            returned = connection.execute(
                table.insert().returning(table.c.ref, table.c.id, sort_by_parameter_order=True), claim_rows
            )
            claim_ids: dict[str, int] = {ref: ident for ref, ident in returned}
            connection.execute(
                repository.core(ClaimLineRow).insert(),
                [
                    {
                        "claim_id": claim_ids[c["ref"]],
                        "line_no": 1,
                        "paid_on": date(2026, 5, 5),
                        "amount_cents": c["principal_cents"],
                    }
                    for c in claim_rows
                ],
            )
            connection.execute(
                repository.core(MovementRow).insert(),
                [
                    {
                        "key": f"{ORG}:{c['ref']}:established",
                        "claim_id": claim_ids[c["ref"]],
                        "sequence": 1,
                        "kind": "established",
                        "amount_cents": c["principal_cents"],
                        "signed_cents": c["principal_cents"],
                        "booked_on": NOTIFIED,
                        "reverses_key": None,
                        "channel": None,
                        "note": "",
                        "recorded_at": stamp,
                    }
                    for c in claim_rows
                ],
            )
            connection.execute(
                repository.core(ClaimStateRow).insert(),
                [
                    {
                        "claim_id": claim_ids[c["ref"]],
                        "recovery_mode": "withholding",
                        "phase": "amicable",
                        "step_offset": 0,
                    }
                    for c in claim_rows
                ],
            )
    return organism_id, receiving


def withhold(services: Services, receiving: list[str], workers: int) -> int:
    """One benefit payment run, as ``recouvre payments withhold`` runs it: chunks on ``workers``."""
    batches = [
        PaymentBatch(
            RUN_ID,
            tuple(
                BenefitPayment(
                    ref, PAID_ON, {"AF": 25_000, "AL": 18_000}, {"AF": 5_000} if i % 10 == 0 else {}
                )
                for i, ref in enumerate(receiving[start : start + CHUNK], start=start)
            ),
        )
        for start in range(0, len(receiving), CHUNK)
    ]
    return sum(
        len(outcome.allocations)
        for outcomes in withhold_batches(services, ORG, batches, workers=workers)
        for outcome in outcomes
    )


class TreeMemory(threading.Thread):
    """The peak resident memory of this process and its children together (Linux /proc)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_mb = 0.0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.2):
            self.peak_mb = max(self.peak_mb, tree_rss_mb(os.getpid()))

    def stop(self) -> float:
        self._done.set()
        self.join()
        return self.peak_mb


def tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and of the processes whose parent it is, in MB."""
    total_kb = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if root in (int(fields["Pid"]), int(fields["PPid"])) and "VmRSS" in fields:
            total_kb += int(fields["VmRSS"].split()[0])
    return total_kb / 1024


def baseline(database: Database) -> float:
    started = time.perf_counter()
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE claim_state SET step_on = :day WHERE claim_id IN ("
                " SELECT claim_id FROM movements GROUP BY claim_id HAVING SUM(signed_cents) > 0)"
            ),
            {"day": CYCLE_ON},
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument(
        "--workers", type=int, default=default_workers(), help="processes (default: one per core)"
    )
    parser.add_argument(
        "--keep", type=Path, default=None, help="write the database here instead of a temp dir"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="recouvre-bench-")) if args.keep is None else args.keep
    path = folder / "bench.db"
    database = Database(f"sqlite:///{path}")
    services = Services(database)
    started = time.perf_counter()
    _, receiving = build(database, args.claims)
    build_s = time.perf_counter() - started
    print(f"built {args.claims} claims in {build_s:.1f} s", file=sys.stderr)

    memory = TreeMemory()
    memory.start()
    started = time.perf_counter()
    withheld = withhold(services, receiving, args.workers)
    withhold_s = time.perf_counter() - started
    print(f"withholding run: {withhold_s:.1f} s", file=sys.stderr)
    started = time.perf_counter()
    summary = run_cycle(services, ORG, MONTH, CYCLE_ON, workers=args.workers)
    cycle_only_s = time.perf_counter() - started
    print(f"cycle: {cycle_only_s:.1f} s", file=sys.stderr)
    baseline_s = baseline(database)
    cycle_s = withhold_s + cycle_only_s
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    all_peak = memory.stop()
    print(
        json.dumps(
            {
                "claims": args.claims,
                "cycle_s": round(cycle_s, 2),
                "withhold_s": round(withhold_s, 2),
                "cycle_only_s": round(cycle_only_s, 2),
                "baseline_s": round(baseline_s, 3),
                "ratio": round(cycle_s / baseline_s, 1),
                "peak_rss_mb": round(peak, 1),
                "all_processes_peak_rss_mb": round(all_peak, 1),
                "build_s": round(build_s, 1),
                "letters": sum(summary.letters.values()),
                "withheld_claims": withheld,
            }
        )
    )


if __name__ == "__main__":
    main()
