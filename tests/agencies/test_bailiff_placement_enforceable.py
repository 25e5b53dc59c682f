"""Placement by rules for a bailiff sees the claims whose title is enforceable by date: a served
contrainte not opposed becomes enforceable once its opposition window has passed, with nothing
stored for it (the enforcement service derives it), and the bailiff plan must place it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recouvre.cli import app
from recouvre.service import Services, agency_work, commands
from recouvre.storage.database import Database

from .conftest import ORG, staff

SCENARIO = """
scenario: "A contrainte served and not opposed"
debtors:
  - {id: D1, kind: person, nir: "285077512345655"}
claims:
  - {id: C1, debtor: D1, benefit: AF, responsibility: debtor_error,
     lines: [{paid_on: 2025-10-05, amount: "300.00"}], notified_on: 2026-01-10}
agencies:
  - {id: B1, kind: bailiff, commission_rate: "5.00"}
timeline:
  - {date: 2026-02-02, cycle: 2026-02}
  - {date: 2026-03-02, cycle: 2026-03}
  - {date: 2026-04-02, cycle: 2026-04}
  - {date: 2026-06-03, cycle: 2026-06}
  - {date: 2026-06-05, contrainte: {claim: C1, action: issued}}
  - {date: 2026-06-10, contrainte: {claim: C1, action: served, via: bailiff}}
expect:
  - date: 2026-06-10
    title: {C1: served}
"""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Services]:
    source = tmp_path / "served.yaml"
    source.write_text(SCENARIO, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'served.db'}"
    result = CliRunner().invoke(app, ["scenario", "run", str(source), "--db", url])
    assert result.exit_code == 0, result.output
    database = Database(url)
    yield Services(database, clock=lambda: datetime(2026, 8, 1, 9, 0, tzinfo=UTC))
    database.dispose()


def test_a_bailiff_run_by_rules_places_a_contrainte_enforceable_by_date(served: Services) -> None:
    worker = staff("case_worker")
    rules = agency_work.PlacementRules(agencies=("B1",))
    # Within the opposition window the title is not enforceable yet: nothing for a bailiff.
    assert commands.plan_placements(served, worker, ORG, date(2026, 6, 20), rules) == []
    later = date(2026, 8, 1)
    titles = commands.claim_titles(served, worker, ORG, "C1", later)
    assert [view.state.value for view in titles] == ["enforceable"]
    done = commands.place_by_rules(served, worker, ORG, later, rules)
    assert [(view.claim_ref, view.agency) for view in done.placed] == [("C1", "B1")]
    assert done.refused == []
    (file,) = commands.handover(served, worker, ORG, "B1", later)
    assert file.claim_ref == "C1" and file.phase == "enforcement"
