"""domain.remission: admissibility, routing at the threshold, proposed rate, decision and amount."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recouvre.domain.model import Benefit, DomainError, Responsibility
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
        (Responsibility.FRAUD, Requester.DEBTOR, 100, "fraude"),
        (Responsibility.DEBTOR_ERROR, Requester.ORGANISM, 100, "organism"),
        (Responsibility.DEBTOR_ERROR, Requester.DEBTOR, 0, "rien de dû"),
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


@given(
    balance=st.integers(min_value=-1_000, max_value=10**9),
    low=st.integers(min_value=0, max_value=10_000),
    high=st.integers(min_value=0, max_value=10_000),
)
def test_remitted_amount_stays_within_the_balance_and_grows_with_the_rate(
    balance: int, low: int, high: int
) -> None:
    low, high = sorted((low, high))
    small, large = remitted_amount(balance, Decimal(low) / 100), remitted_amount(balance, Decimal(high) / 100)
    assert 0 <= small <= large <= max(balance, 0)
    assert remitted_amount(balance, Decimal(100)) == max(balance, 0)
