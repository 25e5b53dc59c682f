"""A database brought to the contentious phase by a scenario (the same path as real use), and
the services on it with a stamping clock fixed in June 2026."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recouvre.cli import app
from recouvre.security import Actor
from recouvre.service import Services
from recouvre.storage.database import Database

ORG = "CAF-TEST"
PASSWORD = "un mot de passe assez long"
SCENARIO = """
scenario: "Claims brought to the contentious phase"
debtors:
  - {id: D1, kind: person, nir: "285077512345655", prp_quotient: "700.00"}
  - {id: D2, kind: person}
claims:
  - {id: C1, debtor: D1, benefit: AF, responsibility: debtor_error,
     lines: [{paid_on: 2025-10-05, amount: "300.00"}], notified_on: 2026-01-10}
  - {id: C2, debtor: D1, benefit: LOAN, responsibility: debtor_error,
     lines: [{paid_on: 2025-10-05, amount: "900.00"}], notified_on: 2026-01-10}
  - {id: C3, debtor: D2, benefit: RSA, responsibility: debtor_error,
     lines: [{paid_on: 2025-10-05, amount: "450.00"}], notified_on: 2026-01-10}
  - {id: C4, debtor: D2, benefit: AF, responsibility: debtor_error,
     lines: [{paid_on: 2025-10-05, amount: "120.00"}], notified_on: 2026-01-10}
timeline:
  - {date: 2026-02-02, cycle: 2026-02}
  - {date: 2026-03-02, cycle: 2026-03}
  - {date: 2026-04-02, cycle: 2026-04}
  - {date: 2026-06-03, cycle: 2026-06}
expect:
  - date: 2026-06-03
    phase: {C1: contentious, C2: contentious, C3: contentious, C4: contentious}
"""


@pytest.fixture
def contentious(tmp_path: Path) -> Iterator[Services]:
    source = tmp_path / "contentious.yaml"
    source.write_text(SCENARIO, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'enforcement.db'}"
    result = CliRunner().invoke(app, ["scenario", "run", str(source), "--db", url])
    assert result.exit_code == 0, result.output
    database = Database(url)
    yield Services(database, clock=lambda: datetime(2026, 6, 5, 9, 0, tzinfo=UTC))
    database.dispose()


def person(name: str, *roles: str) -> Actor:
    return Actor(name, frozenset(roles), organism=ORG)


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id with test-sized costs (production costs take 0.25 s per hash)."""
    from argon2 import PasswordHasher

    from recouvre.service import accounts

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(accounts, "hasher", lambda: cheap)
