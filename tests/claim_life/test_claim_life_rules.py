"""The pure rules of remissions, appeals and over-indebtedness (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

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
from recouvre.domain.model import Benefit, Creditor, DomainError, Responsibility, UndueLine
from recouvre.domain.over_indebtedness import DischargeFacts, discharge
from recouvre.domain.remission import (
    RemissionStatus,
    Requester,
    RequestFacts,
    Route,
    bp_to_rate,
    decision_status,
    parse_rate,
    rate_to_bp,
    refusal_reason,
    remitted_amount,
    route_for,
    routing,
)
from recouvre.policy import national

ON = date(2026, 2, 2)


# -- remission -------------------------------------------------------------------------------------


def test_threshold_is_strict() -> None:
    threshold = national("FR").amount("remission.threshold", ON)
    assert threshold == 71_156
    assert route_for(71_156, threshold) is Route.BOARD
    assert route_for(71_155, threshold) is Route.SERVICES
    assert route_for(10, None) is Route.BOARD


def test_routing_crosses_quotient_and_responsibility() -> None:
    scale = national("FR").remission_scale(ON)
    found = routing(50_000, 71_156, scale, 70_000, Responsibility.DEBTOR_ERROR)
    assert (found.route, found.proposed_rate, found.band) == (Route.SERVICES, Decimal(45), 2)
    assert found.explain()["threshold_cents"] == 71_156
    unknown = routing(50_000, 71_156, scale, None, Responsibility.ORGANISM_ERROR)
    assert unknown.proposed_rate == Decimal(50)  # an unknown quotient falls in the last band
    child = routing(10_000, 71_156, scale, 20_000, Responsibility.CHILD_DEATH)
    assert (child.route, child.proposed_rate) == (Route.BOARD, Decimal(100))


@pytest.mark.parametrize(
    ("responsibility", "requester", "balance", "refused"),
    [
        (Responsibility.FRAUD, Requester.DEBTOR, 100, "fraud"),
        (Responsibility.DEBTOR_ERROR, Requester.ORGANISM, 100, "organism"),
        (Responsibility.DEBTOR_ERROR, Requester.DEBTOR, 0, "nothing owed"),
        (Responsibility.CHILD_DEATH, Requester.ORGANISM_AUTO, 100, None),
        (Responsibility.ORGANISM_ERROR, Requester.MANDATARY, 1, None),
    ],
)
def test_refusal_reasons(
    responsibility: Responsibility, requester: Requester, balance: int, refused: str | None
) -> None:
    reason = refusal_reason(RequestFacts("C1", responsibility, Benefit.AL, balance, requester))
    if refused is None:
        assert reason is None
    else:
        assert reason is not None and refused in reason


def test_decision_status_and_amount() -> None:
    assert decision_status(Decimal(0)) is RemissionStatus.REFUSED
    assert decision_status(Decimal("0.01")) is RemissionStatus.PARTIAL
    assert decision_status(Decimal(100)) is RemissionStatus.GRANTED
    assert remitted_amount(48_735, Decimal("37.5")) == 18_276  # 182.75625 -> 182.76, half up
    assert remitted_amount(0, Decimal(100)) == 0


@pytest.mark.parametrize("value", ["101", "-1", "12.345", "abc", None, True])
def test_parse_rate_names_field_and_value(value: object) -> None:
    with pytest.raises(DomainError) as caught:
        parse_rate(value, "remission_decision.rate")
    assert caught.value.field == "remission_decision.rate"


def test_rates_round_trip_through_basis_points() -> None:
    for text in ("0", "37.5", "45", "100", "12.34"):
        rate = parse_rate(text)
        assert bp_to_rate(rate_to_bp(rate)) == rate
    assert str(bp_to_rate(4_500)) == "45"


# -- appeals ---------------------------------------------------------------------------------------


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


# -- over-indebtedness -----------------------------------------------------------------------------


def _facts(
    responsibility: Responsibility, benefit: Benefit = Benefit.AL, **changes: object
) -> DischargeFacts:
    values: dict[str, object] = {
        "claim_ref": "C1",
        "benefit": benefit,
        "creditor": Creditor.DEPARTEMENT if benefit is Benefit.RSA else Creditor.OWN,
        "responsibility": responsibility,
        "lines": (UndueLine(date(2025, 12, 5), 10_000), UndueLine(date(2026, 3, 10), 10_000)),
        "balance": 17_000,
    }
    values.update(changes)
    return DischargeFacts(**values)  # type: ignore[arg-type]


def test_discharge_erases_lines_paid_before_the_order() -> None:
    decision = discharge(_facts(Responsibility.DEBTOR_ERROR), date(2026, 3, 10))
    assert (decision.erased, decision.kept) == (7_000, 10_000)
    everything = discharge(_facts(Responsibility.DEBTOR_ERROR), date(2026, 3, 11))
    assert (everything.erased, everything.kept) == (17_000, 0)


def test_discharge_keeps_social_protection_fraud_and_erases_rsa_fraud() -> None:
    on = date(2026, 4, 1)
    kept = discharge(_facts(Responsibility.FRAUD, balance=22_000), on)
    assert (kept.erased, kept.kept) == (0, 22_000)
    erased = discharge(_facts(Responsibility.FRAUD, Benefit.RSA, balance=22_000), on)
    assert (erased.erased, erased.kept) == (22_000, 0)
    assert "461606" in erased.rule


def test_discharge_keeps_accessories_born_after() -> None:
    facts = _facts(Responsibility.DEBTOR_ERROR, balance=21_000, increases_since=1_000)
    decision = discharge(facts, date(2026, 3, 10))
    # 20,000 of principal remain (10,000 kept: paid on the day), 1,000 of accessories booked since.
    assert (decision.erased, decision.kept) == (10_000, 11_000)
