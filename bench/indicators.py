"""Benchmark of the steering indicators on a large portfolio, and of a dashboard read from the
monthly snapshots.

Usage: ``.venv/bin/python bench/indicators.py --claims 1000000``

Builds N claims on a fresh temporary SQLite database with Core inserts (set-up, not measured):
established over the 12 months of 2025; half paid once, a third withheld once, one in twenty
remitted in part, one in ten in the contentious phase. Then, timed: ``recovery_rate`` alone, every
indicator of the registry (``recouvre indicators``) over 2025, the twelve monthly snapshots
(``recouvre network snapshot``), and the network view read back from them with DuckDB (what a
dashboard page over the snapshots costs). Prints one JSON line: ``claims``, ``movements``,
``build_s``, ``recovery_rate_s``, ``all_indicators_s``, ``snapshots_s``, ``network_view_ms``,
``recovery_rate``.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from recouvre.domain.model import Country, Organism
from recouvre.service import Services, indicators, snapshots
from recouvre.service.registry import ensure_organism
from recouvre.storage import repository
from recouvre.storage.database import Database
from recouvre.storage.tables import ClaimEventRow, ClaimLineRow, ClaimRow, DebtorRow, MovementRow

ORG = "CAF-BENCH"
BLOCK = 20_000
YEAR = date(2025, 1, 1)


def build(database: Database, claims: int, seed: int) -> int:
    """Write the portfolio (one debtor per claim); return the number of movements."""
    services = Services(database)
    ensure_organism(services, Organism(code=ORG, country=Country.FR))
    rng = random.Random(seed)
    stamp = datetime.now(UTC)
    movements = 0
    with database.unit_of_work() as session:
        organism_id, _ = services.organism(session, ORG)
        connection = session.connection()
        for start in range(0, claims, BLOCK):
            stop = min(start + BLOCK, claims)
            debtors = connection.execute(
                repository.core(DebtorRow)
                .insert()
                .returning(repository.core(DebtorRow).c.id, sort_by_parameter_order=True),
                [
                    {
                        "organism_id": organism_id,
                        "ref": f"B{index:08d}",
                        "kind": "person",
                        "receives_benefits": False,
                    }
                    for index in range(start, stop)
                ],
            ).scalars()
            debtor_ids = list(debtors)
            rows: list[dict[str, Any]] = []
            for offset, index in enumerate(range(start, stop)):
                established = YEAR + timedelta(days=rng.randrange(365))
                rows.append(
                    {
                        "organism_id": organism_id,
                        "debtor_id": debtor_ids[offset],
                        "ref": f"C{index:08d}",
                        "benefit": rng.choice(("AF", "AL", "APL", "RSA", "PPA")),
                        "creditor": "own",
                        "responsibility": rng.choice(("debtor_error", "organism_error", "third_party_error")),
                        "established_on": established,
                        "notified_on": established,
                        "detected_on": established,
                        "principal_cents": rng.randrange(5_000, 300_000),
                        "reason": "",
                    }
                )
            table = repository.core(ClaimRow)
            ids = list(
                connection.execute(
                    table.insert().returning(table.c.id, sort_by_parameter_order=True), rows
                ).scalars()
            )
            lines: list[dict[str, Any]] = []
            moves: list[dict[str, Any]] = []
            events: list[dict[str, Any]] = []
            for claim_id, row in zip(ids, rows, strict=True):
                on, principal, ref = row["established_on"], row["principal_cents"], row["ref"]
                lines.append(
                    {
                        "claim_id": claim_id,
                        "line_no": 1,
                        "paid_on": on - timedelta(days=60),
                        "amount_cents": principal,
                    }
                )
                ledger = [("established", principal, principal, on)]
                balance = principal
                for kind, share, chance in (
                    ("payment", 0.6, 0.5),
                    ("withholding", 0.3, 0.33),
                    ("remission", 0.5, 0.05),
                ):
                    if rng.random() < chance and balance > 100:
                        amount = int(balance * share)
                        booked = on + timedelta(days=rng.randrange(1, 200))
                        ledger.append((kind, amount, -amount, booked))
                        balance -= amount
                ledger.sort(key=lambda item: item[3])
                for sequence, (kind, amount, signed, booked) in enumerate(ledger, start=1):
                    moves.append(
                        {
                            "key": f"{ORG}:{ref}:{sequence}",
                            "claim_id": claim_id,
                            "sequence": sequence,
                            "kind": kind,
                            "amount_cents": amount,
                            "signed_cents": signed,
                            "booked_on": booked,
                            "reverses_key": None,
                            "channel": None,
                            "note": "",
                            "recorded_at": stamp,
                        }
                    )
                if rng.random() < 0.1:
                    events.append(
                        {
                            "key": f"{ORG}:{ref}:phase",
                            "claim_id": claim_id,
                            "occurred_on": on + timedelta(days=120),
                            "kind": "phase",
                            "data": {"phase": "contentious"},
                        }
                    )
            connection.execute(repository.core(ClaimLineRow).insert(), lines)
            connection.execute(repository.core(MovementRow).insert(), moves)
            if events:
                connection.execute(repository.core(ClaimEventRow).insert(), events)
            movements += len(moves)
    return movements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=3)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="recouvre-indicators-") as folder:
        database = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        started = time.perf_counter()
        movements = build(database, arguments.claims, arguments.seed)
        build_s = time.perf_counter() - started
        services = Services(database)
        first, last = date(2025, 1, 1), date(2025, 12, 31)
        started = time.perf_counter()
        rate = indicators.compute(services, ORG, first, last, ["recovery_rate"]).get("recovery_rate")
        rate_s = time.perf_counter() - started
        started = time.perf_counter()
        indicators.compute(services, ORG, first, last)
        all_s = time.perf_counter() - started
        root = Path(folder) / "snapshots"
        started = time.perf_counter()
        snapshots.write_months(services, [ORG], "2025-01", "2025-12", root, until=last)
        snapshots_s = time.perf_counter() - started
        started = time.perf_counter()
        snapshots.network_view(root, "2025-01", "2025-12", [ORG])
        view_ms = (time.perf_counter() - started) * 1000
        database.dispose()
    print(
        json.dumps(
            {
                "claims": arguments.claims,
                "movements": movements,
                "build_s": round(build_s, 1),
                "recovery_rate_s": round(rate_s, 2),
                "all_indicators_s": round(all_s, 2),
                "snapshots_s": round(snapshots_s, 2),
                "network_view_ms": round(view_ms, 1),
                "recovery_rate": str(rate.result.value),
            }
        )
    )


if __name__ == "__main__":
    main()
