"""Batch steps on several worker processes decide and write exactly what one process does.

The monthly cycle's shards and a payment run's batches run on two processes (``workers=2``,
``service.batch``); the result must not depend on it: same ledger, letters, tasks, events
and states, same withholding outcomes. A batch refused in a worker comes back as the same
``BatchRejected`` with its problems.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from recouvre.adapters.generator import PortfolioSpec, load_portfolio
from recouvre.domain.model import Country
from recouvre.domain.withholding import BenefitPayment
from recouvre.service import BatchRejected, Services
from recouvre.service.cycle import run_cycle
from recouvre.service.withholding import PaymentBatch, withhold_batches
from recouvre.storage.database import Database

ORG = "CAF-PAR"
PAID_ON = date(2026, 11, 5)


def tables(path: Path) -> dict[str, list[tuple[object, ...]]]:
    connection = sqlite3.connect(path)
    try:
        queries = {
            "movements": (
                "SELECT key, claim_id, sequence, kind, amount_cents, booked_on FROM movements ORDER BY key"
            ),
            "letters": "SELECT key, debtor_id, type, issued_on, cycle, data FROM letters ORDER BY key",
            "letter_claims": (
                "SELECT l.key, c.claim_id FROM letter_claims c "
                "JOIN letters l ON l.id = c.letter_id ORDER BY 1, 2"
            ),
            "tasks": "SELECT key, claim_id, type, created_on FROM tasks ORDER BY key",
            "claim_state": "SELECT * FROM claim_state ORDER BY claim_id",
            "claim_events": "SELECT key, claim_id, occurred_on, kind, data FROM claim_events ORDER BY key",
            "benefit_payments": (
                "SELECT key, debtor_id, gross_cents, withheld_cents, net_cents, explanation "
                "FROM benefit_payments ORDER BY key"
            ),
        }
        return {name: connection.execute(sql).fetchall() for name, sql in queries.items()}
    finally:
        connection.close()


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("parallel") / "base.db"
    database = Database(f"sqlite:///{path}")
    load_portfolio(Services(database), PortfolioSpec(ORG, Country.FR, seed=5), 600)
    database.dispose()
    return path


def copy(portfolio: Path, target: Path) -> Services:
    shutil.copy(portfolio, target)
    return Services(Database(f"sqlite:///{target}"))


def payment_batches(services: Services, size: int) -> list[PaymentBatch]:
    connection = sqlite3.connect(services.db.url.removeprefix("sqlite:///"))
    try:
        refs = [ref for (ref,) in connection.execute("SELECT ref FROM debtors ORDER BY ref")]
    finally:
        connection.close()
    payments = [
        BenefitPayment(
            ref, PAID_ON, {"AF": 30_000 + index * 7, "AL": 12_000}, {"AF": 4_000} if index % 7 == 0 else {}
        )
        for index, ref in enumerate(refs)
    ]
    return [
        PaymentBatch("2026-11", tuple(payments[start : start + size]))
        for start in range(0, len(payments), size)
    ]


def test_a_payment_run_and_a_cycle_on_two_processes_write_what_one_process_writes(
    portfolio: Path, tmp_path: Path
) -> None:
    outcomes = {}
    for workers in (1, 2):
        services = copy(portfolio, tmp_path / f"w{workers}.db")
        batches = payment_batches(services, 70)
        outcomes[workers] = [
            (outcome.debtor_ref, outcome.gross, outcome.withheld, outcome.net, outcome.allocations)
            for found in withhold_batches(services, ORG, batches, workers=workers)
            for outcome in found
        ]
        summary = run_cycle(services, ORG, "2026-11", date(2026, 12, 1), shard_debtors=60, workers=workers)
        assert summary.shards > 2
        services.db.dispose()
    assert outcomes[1] == outcomes[2]
    assert sum(withheld for _, _, withheld, _, _ in outcomes[1]) > 0, "the run must withhold something"
    one, two = tables(tmp_path / "w1.db"), tables(tmp_path / "w2.db")
    assert one["letters"] and one["claim_events"], (
        "the cycle must decide something for the test to mean anything"
    )
    assert one == two


def test_a_batch_refused_in_a_worker_comes_back_with_its_problems(portfolio: Path, tmp_path: Path) -> None:
    services = copy(portfolio, tmp_path / "refused.db")
    batches = payment_batches(services, 100)
    wrong = batches[3].payments[5]
    batches[3] = PaymentBatch(
        "2026-11",
        (
            *batches[3].payments[:5],
            BenefitPayment(wrong.debtor_ref, PAID_ON, {"XX": 100}),
            *batches[3].payments[6:],
        ),
    )
    done = 0
    with pytest.raises(BatchRejected) as refused:
        for found in withhold_batches(services, ORG, batches, workers=2):
            done += len(found)
    assert done == 300, "the batches before the refused one are withheld and reported"
    (problem,) = refused.value.problems
    assert (problem.index, problem.field, problem.value) == (5, "regular.benefit", "XX")
    services.db.dispose()
