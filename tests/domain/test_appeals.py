"""domain.appeals: deadlines, suspension by benefit and stage, and a decision's effect on the ledger."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recouvre.domain.appeals import (
    AppealStage,
    board_deadline,
    court_deadline,
    implicit_rejection_on,
    is_late,
    recovered_net,
    reduced_effect,
    suspends,
    upheld_effect,
)
from recouvre.domain.ledger import Ledger, MovementKind, MovementRequest
from recouvre.domain.model import Benefit, DomainError

ON = date(2026, 2, 2)


def test_appeal_deadlines() -> None:
    # the delays are dated parameters (appeal.*_months), passed in by the service
    assert board_deadline(date(2026, 1, 10), 2) == date(2026, 3, 10)
    assert board_deadline(date(2026, 1, 10), 2, mentions=False) is None
    assert board_deadline(None, 2) is None
    assert board_deadline(date(2026, 1, 10), None) is None
    assert implicit_rejection_on(date(2026, 2, 1), 2) == date(2026, 4, 1)
    assert implicit_rejection_on(date(2018, 10, 31), 1) == date(2018, 11, 30)
    assert implicit_rejection_on(date(2026, 2, 1), None) is None
    assert court_deadline(date(2026, 12, 31), 2) == date(2027, 2, 28)
    assert court_deadline(date(2026, 12, 31), None) is None
    assert not is_late(date(2026, 3, 10), date(2026, 3, 10))
    assert is_late(date(2026, 3, 11), date(2026, 3, 10))
    assert not is_late(date(2030, 1, 1), None)


def test_suspension_by_benefit_and_stage() -> None:
    everything = frozenset(benefit.value for benefit in Benefit)
    assert suspends(Benefit.AL, AppealStage.AMICABLE, everything)
    assert not suspends(Benefit.AL, AppealStage.COURT, everything)
    assert suspends(Benefit.RSA, AppealStage.COURT, everything)
    assert not suspends(Benefit.AF, AppealStage.AMICABLE, frozenset({"RSA"}))


def _ledger(principal: int, *credits: tuple[MovementKind, int]) -> Ledger:
    ledger = Ledger()
    ledger.post(MovementRequest("k0", MovementKind.ESTABLISHED, principal, ON))
    for index, (kind, amount) in enumerate(credits, start=1):
        ledger.post(MovementRequest(f"k{index}", kind, amount, ON))
    return ledger


def _apply(ledger: Ledger, cancellation: int, refund: int) -> Ledger:
    if cancellation:
        ledger.post(MovementRequest("cancel", MovementKind.CANCELLATION, cancellation, ON))
    if refund:
        ledger.post(MovementRequest("refund", MovementKind.REFUND, refund, ON))
    return ledger


def test_upheld_cancels_and_refunds() -> None:
    ledger = _ledger(40_000, (MovementKind.PAYMENT, 10_000), (MovementKind.WITHHOLDING, 4_900))
    effect = upheld_effect(ledger)
    assert (effect.cancellation, effect.refund) == (40_000, 14_900)
    after = _apply(ledger, effect.cancellation, effect.refund)
    assert (after.balance, after.credit) == (0, 0)


def test_reduced_refunds_only_the_excess() -> None:
    ledger = _ledger(50_000, (MovementKind.PAYMENT, 30_000))
    effect = reduced_effect(ledger, 50_000, 15_000)
    assert (effect.cancellation, effect.refund) == (35_000, 15_000)
    kept = reduced_effect(_ledger(50_000, (MovementKind.PAYMENT, 10_000)), 50_000, 30_000)
    assert (kept.cancellation, kept.refund) == (20_000, 0)
    with pytest.raises(DomainError) as caught:
        reduced_effect(ledger, 50_000, 50_000)
    assert caught.value.field == "appeal.amount"


@given(
    principal=st.integers(min_value=1, max_value=10**8),
    paid=st.integers(min_value=0, max_value=10**8),
    remitted_share=st.integers(min_value=0, max_value=100),
    new_share=st.integers(min_value=0, max_value=99),
)
def test_appeal_effects_keep_the_ledger_invariants(
    principal: int, paid: int, remitted_share: int, new_share: int
) -> None:
    """Whatever was paid or remitted: upheld ends at balance 0 and credit 0; reduced leaves
    max(new principal − reductions, 0) and no credit."""
    base = _ledger(principal, *([(MovementKind.PAYMENT, paid)] if paid else []))
    remitted = base.balance * remitted_share // 100
    if remitted:
        base.post(MovementRequest("remission", MovementKind.REMISSION, remitted, ON))
    upheld = upheld_effect(base)
    after = _apply(_copy(base), upheld.cancellation, upheld.refund)
    assert (after.balance, after.credit) == (0, 0)
    assert upheld.refund == recovered_net(base)
    new_principal = principal * new_share // 100
    if new_principal < principal:
        reduced = reduced_effect(base, principal, new_principal)
        after = _apply(_copy(base), reduced.cancellation, reduced.refund)
        assert after.credit == 0
        assert after.balance == max(new_principal - paid - remitted, 0)


def _copy(ledger: Ledger) -> Ledger:
    return Ledger(list(ledger))
