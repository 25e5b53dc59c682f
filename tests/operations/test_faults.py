"""The fault-injection harness (``bench/faults.py``) on a small portfolio: the batch steps killed
at random points (the command, or one of its workers) and resumed end with exactly the tables of
an uninterrupted run, on SQLite and on PostgreSQL. The harness's comparison itself can fail."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conftest import PG_SKIP_REASON, PG_URL
from recouvre.domain.model import Country, Organism
from recouvre.service import Services
from recouvre.service.registry import ensure_organism
from recouvre.storage.database import Database
from recouvre.storage.operations import content_digests

sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
import faults


def _lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_killed_and_resumed_steps_end_identical_on_sqlite(capsys: pytest.CaptureFixture[str]) -> None:
    status = faults.main(["--runs", "2", "--debtors", "150", "--workers", "2", "--seed", "3"])
    outcomes = _lines(capsys.readouterr().out)
    assert [outcome["step"] for outcome in outcomes] == ["payments", "cycle"]
    assert all(outcome["runs"] == 2 and outcome["identical"] == 2 for outcome in outcomes), outcomes
    assert status == 0


@pytest.mark.postgres
def test_killed_and_resumed_steps_end_identical_on_postgresql(capsys: pytest.CaptureFixture[str]) -> None:
    if PG_URL is None:
        pytest.skip(PG_SKIP_REASON)
    status = faults.main(["--runs", "1", "--debtors", "120", "--workers", "2", "--seed", "5", "--db", PG_URL])
    outcomes = _lines(capsys.readouterr().out)
    assert all(outcome["identical"] == outcome["runs"] == 1 for outcome in outcomes), outcomes
    assert status == 0


def test_the_content_digests_see_a_changed_row(tmp_path: Path) -> None:
    one = Database(f"sqlite:///{tmp_path / 'one.db'}")
    two = Database(f"sqlite:///{tmp_path / 'two.db'}")
    for database, name in ((one, "Caf de test"), (two, "Caf de test")):
        ensure_organism(Services(database), Organism(code="CAF-X", country=Country.FR, name=name))
    assert content_digests(one) == content_digests(two)
    ensure_organism(Services(two), Organism(code="CAF-Y", country=Country.FR))
    assert content_digests(one)["organisms"] != content_digests(two)["organisms"]
