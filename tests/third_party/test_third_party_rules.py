"""The pure rules of recovery for a third party (domain.third_party)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recouvre.domain.errors import DomainError
from recouvre.domain.ledger import Ledger, MovementKind, MovementRequest
from recouvre.domain.model import Benefit, Creditor
from recouvre.domain.third_party import (
    Funder,
    departement_code,
    funder_of,
    move_refusal,
    statement_figures,
    transfer_figures,
    transfer_refusal,
)

D = date(2026, 3, 1)


def test_funders() -> None:
    assert funder_of(Benefit.RSA, Creditor.DEPARTEMENT) is Funder.DEPARTEMENT
    assert funder_of(Benefit.APL, Creditor.OWN) is Funder.FNAL
    assert funder_of(Benefit.ALS, Creditor.OWN) is Funder.FNAL
    assert funder_of(Benefit.AAH, Creditor.OWN) is Funder.ETAT
    assert funder_of(Benefit.PPA, Creditor.OWN) is Funder.ETAT
    assert funder_of(Benefit.AF, Creditor.OWN) is None


def test_departement_codes() -> None:
    assert [departement_code(c) for c in ("44", "2a", "974", "1")] == ["44", "2A", "974", "01"]
    for bad in ("20", "96", "99", "977", "", "4A"):
        with pytest.raises(DomainError):
            departement_code(bad)


def test_refusals() -> None:
    ok = {"creditor": Creditor.DEPARTEMENT, "balance": 100, "receives_benefits": False, "transferred": False}
    assert transfer_refusal(**ok, departement="44") is None  # type: ignore[arg-type]
    assert transfer_refusal(**{**ok, "receives_benefits": True}, departement="44")  # type: ignore[arg-type]
    assert transfer_refusal(**{**ok, "balance": 0}, departement="44")  # type: ignore[arg-type]
    assert transfer_refusal(**{**ok, "creditor": Creditor.OWN}, departement="44")  # type: ignore[arg-type]
    assert transfer_refusal(**ok, departement=None)  # type: ignore[arg-type]
    assert move_refusal(creditor=Creditor.DEPARTEMENT, transferred=False, current="44", new="49") is None
    assert move_refusal(creditor=Creditor.DEPARTEMENT, transferred=False, current="49", new="49")


def _ledger(steps: list[tuple[MovementKind, int, date]]) -> Ledger:
    ledger = Ledger()
    for index, (kind, wanted, on) in enumerate(steps):
        reverses = f"m{index - 1}" if kind is MovementKind.REVERSAL else None
        capped = kind in (MovementKind.WITHHOLDING, MovementKind.REMISSION)
        amount = min(wanted, ledger.balance) if capped else wanted
        if amount > 0:
            ledger.post(MovementRequest(f"m{index}", kind, amount, on, reverses=reverses))
    return ledger


def test_statement_counts_reversals_and_refunds() -> None:
    ledger = _ledger(
        [
            (MovementKind.ESTABLISHED, 50_000, date(2026, 2, 10)),
            (MovementKind.PAYMENT, 10_000, date(2026, 3, 2)),
            (MovementKind.REVERSAL, 10_000, date(2026, 3, 9)),
            (MovementKind.WITHHOLDING, 7_000, date(2026, 3, 5)),
            (MovementKind.SURCHARGE, 1_000, date(2026, 3, 31)),
        ]
    )
    figures = statement_figures(ledger, date(2026, 3, 1), date(2026, 3, 31))
    assert (figures.established, figures.recovered) == (1_000, 7_000)
    assert statement_figures(ledger, date(2026, 2, 1), date(2026, 2, 28)).established == 50_000


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    MovementKind.PAYMENT,
                    MovementKind.WITHHOLDING,
                    MovementKind.REMISSION,
                    MovementKind.SURCHARGE,
                ]
            ),
            st.integers(1, 40_000),
        ),
        max_size=12,
    )
)
def test_transfer_figures_add_up(steps: list[tuple[MovementKind, int]]) -> None:
    ledger = _ledger([(MovementKind.ESTABLISHED, 60_000, D), *[(kind, amount, D) for kind, amount in steps]])
    figures = transfer_figures(ledger)
    assert figures.balance == ledger.balance
    assert (
        figures.principal + figures.extras + figures.costs - figures.recovered - figures.other_reductions
        == (ledger.total)
    )
    assert min(figures.principal, figures.extras, figures.recovered, figures.balance) >= 0
