"""Indicators: the domain arithmetic (property tests), the set-based recovery rate against a
per-claim recomputation from the ledgers, the API route and ``recouvre indicators --format json``."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func
from typer.testing import CliRunner

from recouvre.cli import app
from recouvre.domain import indicators as rules
from recouvre.domain.ledger import MovementKind
from recouvre.scenario.runner import run_file
from recouvre.service import indicators
from recouvre.service.context import Services, open_services
from recouvre.storage.tables import ClaimRow, MovementRow

SCENARIOS = Path(__file__).parent.parent / "scenarios"


@given(st.integers(-(10**12), 10**12), st.integers(1, 10**12))
def test_percent_is_rounded_once_half_up(numerator: int, denominator: int) -> None:
    exact = Decimal(numerator) * 100 / Decimal(denominator)
    assert rules.percent(numerator, denominator) == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_percent_half_up_and_not_computable() -> None:
    assert rules.percent(1, 8) == Decimal("12.50")
    assert rules.percent(1, 3) == Decimal("33.33")
    assert rules.percent(2, 3) == Decimal("66.67")
    assert rules.percent(1, 1600) == Decimal("0.06")  # 0.0625 -> 0.06; 0.0625 is not a tie
    assert rules.percent(1, 800) == Decimal("0.13")  # 0.125 -> half up
    assert rules.percent(5, 0) is None
    assert rules.RecoveryRateInputs(0, 0, 0).rate is None


def test_costs_are_new_and_remissions_not_recovered() -> None:
    assert "costs" in rules.NEW_KINDS
    assert not rules.NOT_RECOVERED_KINDS & rules.RECOVERED_KINDS


def test_months_before() -> None:
    assert indicators.months_before(date(2026, 6, 30), 12) == date(2025, 7, 1)
    assert indicators.months_before(date(2026, 12, 31), 12) == date(2026, 1, 1)
    assert indicators.months_before(date(2024, 2, 28), 12) == date(2023, 3, 1)  # 2023-02-29 does not exist


def test_dispersion() -> None:
    spread = rules.dispersion([Decimal("1.00"), Decimal("3.00")])
    assert (spread.minimum, spread.maximum, spread.mean, spread.stdev) == (
        Decimal("1.00"),
        Decimal("3.00"),
        Decimal("2.00"),
        Decimal("1.00"),
    )
    assert rules.dispersion([]).count == 0


def _by_hand(services: Services, start: date, end: date) -> Decimal | None:
    """The recovery rate recomputed claim by claim from the ledgers (the reference)."""
    with services.db.unit_of_work() as session:
        movements = session.query(MovementRow).all()
        kind_of = {row.key: row.kind for row in movements}
        claims = {row.id for row in session.query(ClaimRow).all()}
    recovered = new = 0
    totals = dict.fromkeys(claims, 0)
    for row in movements:
        if row.booked_on < start:
            totals[row.claim_id] += row.signed_cents
        if not start <= row.booked_on <= end:
            continue
        if row.kind in {MovementKind.PAYMENT.value, MovementKind.WITHHOLDING.value}:
            recovered += row.amount_cents
        elif row.kind == MovementKind.REFUND.value or (
            row.kind == MovementKind.REVERSAL.value
            and kind_of.get(row.reverses_key or "")
            in {
                "payment",
                "withholding",
            }
        ):
            recovered -= row.amount_cents
        if row.kind in {"established", "indemnity", "surcharge", "costs"}:
            new += row.amount_cents
    stock = sum(max(total, 0) for total in totals.values())
    return rules.percent(recovered, stock + new)


@pytest.mark.parametrize(
    "name",
    [
        "kpi_payment_beyond_balance_refund.yaml",
        "kpi_remissions_stock_before.yaml",
        "kpi_withholding_zero_denominator.yaml",
    ],
)
def test_set_based_rate_agrees_with_the_ledgers(tmp_path: Path, name: str) -> None:
    url = f"sqlite:///{tmp_path / 'kpi.db'}"
    outcome = run_file(SCENARIOS / name, db_url=url)
    assert outcome.code == 0, outcome
    services = open_services(url)
    start = date(2025, 11, 1)
    while start < date(2026, 4, 1):
        for days in (0, 30, 90):
            end = start + timedelta(days=days)
            report = indicators.compute(services, "CAF-TEST", start, end, ["recovery_rate"])
            assert report.get("recovery_rate").result.value == _by_hand(services, start, end), (start, end)
        start += timedelta(days=17)


def test_cli_json_has_every_indicator(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kpi.db'}"
    assert run_file(SCENARIOS / "kpi_remissions_stock_before.yaml", db_url=url).code == 0
    result = CliRunner().invoke(
        app,
        [
            "--db",
            url,
            "indicators",
            "--organism",
            "CAF-TEST",
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-31",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == set(rules.DEFINITION_OF)
    assert data["recovery_rate"]["value"] == "20.00"
    assert data["recovery_rate"]["definition"]
    assert data["agency_league"]["available"] is False and data["agency_league"]["value"] is None
    assert data["remission_rate"]["value"] == "16.67"  # 250 / 1500


def test_a_reversed_payment_is_not_recovered(tmp_path: Path) -> None:
    """A returned direct debit books a ``reversal`` naming the payment: the payment no longer
    counts as recovered from the day of the reversal (SCENARIOS.md, Indicators)."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from recouvre.storage import repository

    url = f"sqlite:///{tmp_path / 'kpi.db'}"
    assert run_file(SCENARIOS / "kpi_payment_beyond_balance_refund.yaml", db_url=url).code == 0
    services = open_services(url)
    with services.db.unit_of_work() as session:
        payment = session.execute(
            select(MovementRow)
            .join(ClaimRow, ClaimRow.id == MovementRow.claim_id)
            .where(ClaimRow.ref == "P", MovementRow.kind == "payment")
        ).scalar_one()
        last = session.scalar(
            select(func.max(MovementRow.sequence)).where(MovementRow.claim_id == payment.claim_id)
        )
        session.connection().execute(
            repository.core(MovementRow).insert(),
            [
                {
                    "key": f"{payment.key}:reversal",
                    "claim_id": payment.claim_id,
                    "sequence": int(last or 0) + 1,
                    "kind": "reversal",
                    "amount_cents": payment.amount_cents,
                    "signed_cents": payment.amount_cents,
                    "booked_on": date(2026, 2, 10),
                    "reverses_key": payment.key,
                    "channel": None,
                    "note": "AM04",
                    "recorded_at": datetime.now(UTC),
                }
            ],
        )
    # Q1: recovered 500 - 150 (refund) - 200 (reversal) = 150; stock 1000; new 650 -> 9.09
    q1 = indicators.compute(services, "CAF-TEST", date(2026, 1, 1), date(2026, 3, 31), ["recovery_rate"])
    assert str(q1.get("recovery_rate").result.value) == "9.09"
    assert q1.get("recovery_rate").result.value == _by_hand(services, date(2026, 1, 1), date(2026, 3, 31))
    january = indicators.compute(services, "CAF-TEST", date(2026, 1, 1), date(2026, 1, 31), ["recovery_rate"])
    assert str(january.get("recovery_rate").result.value) == "30.30"  # the reversal is booked later


def test_a_local_reader_sees_only_his_organism_in_the_dispersion(tmp_path: Path) -> None:
    from recouvre.domain.model import Country, Organism
    from recouvre.service.registry import ensure_organism

    url = f"sqlite:///{tmp_path / 'kpi.db'}"
    assert run_file(SCENARIOS / "kpi_remissions_stock_before.yaml", db_url=url).code == 0
    services = open_services(url)
    ensure_organism(services, Organism(code="CAF-OTHER", country=Country.FR))
    first, last = date(2026, 1, 1), date(2026, 3, 31)
    network = indicators.compute(services, "CAF-TEST", first, last, ["remission_dispersion"])
    local = indicators.compute(services, "CAF-TEST", first, last, ["remission_dispersion"], network=False)
    assert [row["organism"] for row in network.get("remission_dispersion").result.value] == [
        "CAF-OTHER",
        "CAF-TEST",
    ]
    assert [row["organism"] for row in local.get("remission_dispersion").result.value] == ["CAF-TEST"]
    assert local.get("remission_dispersion").result.details["organisms"] == 1  # CAF-OTHER: not computable
