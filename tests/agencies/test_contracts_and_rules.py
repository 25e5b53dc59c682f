"""Agency contracts as data, placement by rules (capacities, champion/challenger), handover files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from recouvre.cli import app
from recouvre.domain.errors import BatchRejected
from recouvre.service import Services, agency_work, commands, placements
from recouvre.storage.agency_tables import AgencyRow

from .conftest import ON, ORG, staff


def test_contracts_from_data_lists_every_problem() -> None:
    with pytest.raises(BatchRejected) as raised:
        agency_work.contracts_from_data(
            [
                {"id": "ok", "kind": "amicable", "commission_rate": "8"},
                {"id": "bad", "kind": "lawyer", "commission_rate": "8"},
                {"id": "rate", "kind": "amicable", "commission_rate": "101"},
                {"kind": "amicable"},
                {"id": "dates", "contract": {"from": "2026-05-01", "until": "2026-01-01"}},
                {"id": "odd", "colour": "blue"},
            ]
        )
    fields = [(problem.index, problem.field) for problem in raised.value.problems]
    assert fields == [(3, "id"), (5, "colour"), (1, "kind"), (2, "commission_rate"), (4, "contract_until")]


def test_contracts_with_grid_from_csv_rows() -> None:
    specs = agency_work.contracts_from_data(
        [
            {"id": "acme", "kind": "amicable", "commission_rate": "8.00", "capacity": "100"},
            {"id": "acme", "segment_max": "1000.00", "segment_rate": "12.00"},
            {
                "id": "acme",
                "segment_min_age_days": "365",
                "segment_debtor_kind": "legal",
                "segment_rate": "15",
            },
        ]
    )
    assert len(specs) == 1
    spec = specs[0]
    assert spec.capacity == 100
    assert [segment.rate for segment in spec.grid] == [Decimal("12.00"), Decimal("15")]
    row = AgencyRow(commission_rate="8.00", grid=[segment.as_data() for segment in spec.grid])
    assert placements.rate_for(row, 50_000, 10, "person") == Decimal("12.00")
    assert placements.rate_for(row, 500_000, 400, "legal") == Decimal("15")
    assert placements.rate_for(row, 500_000, 400, "person") == Decimal("8.00")


def test_plan_respects_capacity_and_previous_placements(portfolio: Services) -> None:
    worker = staff("case_worker")
    rules = agency_work.PlacementRules(agencies=("beta",))
    plan = commands.plan_placements(portfolio, worker, ORG, ON, rules)
    # Largest balances first, two at most (beta's capacity).
    assert [(line.claim_ref, line.agency) for line in plan] == [("C3", "beta"), ("C5", "beta")]
    done = commands.place_by_rules(portfolio, worker, ORG, ON, rules)
    assert [view.claim_ref for view in done.placed] == ["C3", "C5"]
    assert commands.plan_placements(portfolio, worker, ORG, ON, rules) == []  # full
    commands.recall_claim(portfolio, worker, ORG, "C3", "beta", date(2026, 3, 16))
    later = commands.plan_placements(portfolio, worker, ORG, date(2026, 3, 17), rules)
    assert "C3" not in [line.claim_ref for line in later]  # not placed again with beta
    segment = agency_work.PlacementRules(agencies=("acme",), max_balance=30_000, debtor_kind="person")
    assert [line.claim_ref for line in commands.plan_placements(portfolio, worker, ORG, ON, segment)] == [
        "C2",
        "C4",
    ]


def test_champion_challenger_split_is_reproducible(portfolio: Services) -> None:
    rules = agency_work.PlacementRules(agencies=("acme", "beta"), split={"acme": 50, "beta": 50}, seed=7)
    first = agency_work.plan_placements(portfolio, ORG, ON, rules)
    again = agency_work.plan_placements(portfolio, ORG, ON, rules)
    assert first == again
    assert {line.agency for line in first} <= {"acme", "beta"}
    assert sum(1 for line in first if line.agency == "beta") <= 2
    other = agency_work.PlacementRules(agencies=("acme", "beta"), split={"acme": 100}, seed=7)
    assert {line.agency for line in agency_work.plan_placements(portfolio, ORG, ON, other)} == {"acme"}


def test_bailiff_plan_takes_only_enforcement_phase(portfolio: Services) -> None:
    rules = agency_work.PlacementRules(agencies=("huissier",))
    assert agency_work.plan_placements(portfolio, ORG, ON, rules) == []


def test_contract_end_recalls_files(portfolio: Services) -> None:
    placements.save_agency(
        portfolio,
        ORG,
        placements.AgencySpec("short", "amicable", Decimal(5), contract_until=date(2026, 3, 31)),
    )
    commands.place_claim(portfolio, staff("case_worker"), ORG, "C1", "short", ON)
    assert placements.recall_if_ended(portfolio, ORG, None, date(2026, 3, 31)) == 0
    assert placements.recall_if_ended(portfolio, ORG, None, date(2026, 4, 2)) == 1
    state = placements.placement_on(portfolio, ORG, "C1", date(2026, 4, 1))
    assert state is not None and (state.status, state.reason) == ("recalled", "contract_end")
    assert placements.placement_on(portfolio, ORG, "C1", date(2026, 3, 31)).status == "placed"  # type: ignore[union-attr]


def test_cli_load_place_and_handover(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", db, "organisms", "add", ORG]).exit_code == 0
    contracts = tmp_path / "contracts.yaml"
    contracts.write_text(
        "agencies:\n"
        "  - {id: acme, name: Acme, kind: amicable, commission_rate: '8.00', capacity: 10,\n"
        "     contract: {from: 2026-01-01, until: 2026-12-31}, first_reminder_days: 8,\n"
        "     grid: [{max: '1000.00', rate: '12.00'}]}\n"
        "  - {id: huissier, kind: bailiff, commission_rate: '5.00'}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["--db", db, "agencies", "load", str(contracts), "-o", ORG])
    assert result.exit_code == 0, result.output
    assert "acme (amicable) : créée" in result.output
    listed = runner.invoke(app, ["--db", db, "agencies", "list", "-o", ORG])
    assert "Acme" in listed.output and "commissaire de justice" in listed.output
    bad = tmp_path / "bad.csv"
    bad.write_text("id,kind,commission_rate\nx,lawyer,8\n", encoding="utf-8")
    refused = runner.invoke(app, ["--db", db, "agencies", "load", str(bad), "-o", ORG])
    assert refused.exit_code == 1 and "aucun contrat enregistré" in refused.output
    out = tmp_path / "acme.parquet"
    handed = runner.invoke(
        app,
        [
            "--db",
            db,
            "agencies",
            "handover",
            "-a",
            "acme",
            "--date",
            "2026-03-15",
            "--out",
            str(out),
            "-o",
            ORG,
        ],
    )
    assert handed.exit_code == 0, handed.output
    assert pq.read_table(out).num_rows == 0


def test_handover_rows(portfolio: Services, tmp_path: Path) -> None:
    worker = staff("case_worker")
    commands.place_claim(portfolio, worker, ORG, "C1", "acme", ON)
    commands.place_claim(portfolio, worker, ORG, "C2", "acme", ON)
    files = commands.handover(portfolio, staff("accountant"), ORG, "acme", ON)
    assert [(item.priority, item.claim_ref, item.balance) for item in files] == [
        (1, "C1", 40_000),
        (2, "C2", 25_000),
    ]
    from recouvre.adapters.agency_files import write_rows
    from recouvre.cli.agencies import HANDOVER_COLUMNS

    path = tmp_path / "acme.csv"
    write_rows([item.as_row() for item in files], HANDOVER_COLUMNS, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("priority;claim;debtor")
    assert lines[1].startswith("1;C1;D1;person") and ";400.00;400.00;" in lines[1]


def test_cli_place_statement_league(portfolio: Services, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'test.db'}"
    runner = CliRunner()
    dry = runner.invoke(
        app, ["--db", db, "agencies", "place", "-a", "beta", "--date", "2026-03-15", "-o", ORG, "--dry-run"]
    )
    assert dry.exit_code == 0, dry.output
    assert "C3 → beta" in dry.output and "2 créance(s) seraient confiées" in dry.output
    split = ["--split", "acme=1", "--split", "beta=1", "--seed", "3"]
    done = runner.invoke(
        app,
        [
            "--db",
            db,
            "agencies",
            "place",
            "-a",
            "acme",
            "-a",
            "beta",
            *split,
            "--date",
            "2026-03-15",
            "-o",
            ORG,
        ],
    )
    assert done.exit_code == 0, done.output
    assert "créance(s) confiée(s)" in done.output
    recall = runner.invoke(
        app, ["--db", db, "agencies", "recall", "-c", "C1", "-a", "nobody", "--date", "2026-03-16", "-o", ORG]
    )
    assert recall.exit_code == 2  # who acts? a recall is a person's act (--as)
    statement = runner.invoke(app, ["--db", db, "agencies", "statement", "--month", "2026-03", "-o", ORG])
    assert statement.exit_code == 0 and "acme" in statement.output
    league = runner.invoke(
        app, ["--db", db, "agencies", "league", "--from", "2026-01-01", "--to", "2026-03-31", "-o", ORG]
    )
    assert league.exit_code == 0 and "beta" in league.output
