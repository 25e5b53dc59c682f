"""An act and its audit row are one transaction: a process killed between the two leaves neither.

The door (``service.door.act``) writes the act's movements, letters, tasks and audit row in one
transaction. ``RECOUVRE_FAULT=after_act`` kills the process (SIGKILL, no clean-up) right after
the act's work and before its audit row, where the row used to be written in a transaction of
its own: the database must then hold neither the payment nor its audit row; without the fault,
both.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from recouvre.domain.model import Country, Organism, PaymentChannel
from recouvre.service import Services, accounts, commands, trail
from recouvre.service.registry import ensure_organism
from recouvre.storage.back_office_tables import AuditRow
from recouvre.storage.database import Database
from recouvre.storage.tables import MovementRow

from .conftest import ON, ORG, add_debtors, make_claim

PAY = """
import sys
from datetime import date
from recouvre.domain.model import PaymentChannel
from recouvre.service import Services, accounts, commands
from recouvre.storage.database import Database

services = Services(Database(sys.argv[1]))
actor = accounts.actor_of(services, "cashier")
commands.record_payment(
    services, actor, "CAF-TEST", "C1", 12_345, date(2026, 3, 2), PaymentChannel.TRANSFER, sys.argv[2]
)
print("paid")
"""


@pytest.fixture
def back_office(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'act.db'}"
    services = Services(Database(url))
    ensure_organism(services, Organism(ORG, Country.FR, "Caf de test"))
    add_debtors(services)
    accounts.add_user(services, "author", "un mot de passe assez long", ["case_worker"], organism=ORG, by="t")
    accounts.add_user(services, "cashier", "un mot de passe assez long", ["accountant"], organism=ORG, by="t")
    commands.establish_claim(
        services, accounts.actor_of(services, "author"), ORG, make_claim("C1", "D1", 40_000)
    )
    services.db.dispose()
    return url


def _pay(url: str, key: str, fault: str | None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "RECOUVRE_FAULT"}
    if fault is not None:
        env["RECOUVRE_FAULT"] = fault
    return subprocess.run(
        [sys.executable, "-c", PAY, url, key], env=env, capture_output=True, text=True, timeout=120
    )


def _count(url: str, key: str) -> tuple[int, int]:
    database = Database(url)
    try:
        with database.unit_of_work() as session:
            movements = session.scalar(
                select(func.count()).select_from(MovementRow).where(MovementRow.key.like(f"%:{key}"))
            )
            audit = session.scalar(
                select(func.count()).select_from(AuditRow).where(AuditRow.action == "payments.record")
            )
        return int(movements or 0), int(audit or 0)
    finally:
        database.dispose()


def test_killed_between_act_and_audit_leaves_neither(back_office: str) -> None:
    killed = _pay(back_office, "virement-1", "after_act")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert "paid" not in killed.stdout
    assert _count(back_office, "virement-1") == (0, 0)
    assert trail.verify(Services(Database(back_office))).ok


def test_the_same_act_uninterrupted_leaves_both(back_office: str) -> None:
    done = _pay(back_office, "virement-1", None)
    assert done.returncode == 0, done.stderr
    assert _count(back_office, "virement-1") == (1, 1)
    again = _pay(back_office, "virement-1", "after_act")  # the act runs again, then dies
    assert again.returncode == -signal.SIGKILL
    assert _count(back_office, "virement-1") == (1, 1)
    assert trail.verify(Services(Database(back_office))).ok


def test_a_refused_act_is_audited_without_its_work(back_office: str) -> None:
    """A refusal rolls the act back, then records the refusal and its audit row."""
    services = Services(Database(back_office))
    cashier = accounts.actor_of(services, "cashier")
    with pytest.raises(commands.REFUSALS):
        commands.record_payment(
            services, cashier, ORG, "C1", 100, ON.replace(year=2020), PaymentChannel.TRANSFER, "early"
        )
    assert _count(back_office, "early") == (0, 1)
    rows = trail.show(services, 1, action="payments.record")
    assert rows[0].outcome == "refused"
    assert rows[0].after is not None and "refused" in rows[0].after
