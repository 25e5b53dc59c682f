"""domain.status: a claim's status from its ledger and the facts of its procedures."""

from __future__ import annotations

from datetime import date

import pytest

from recouvre.domain.ledger import Ledger, MovementKind, MovementRequest
from recouvre.domain.model import ClaimStatus
from recouvre.domain.status import StatusFacts, derive_status, money_kept, status_of

DAY = date(2026, 1, 10)


def request(key: str, kind: MovementKind, amount: int, reverses: str | None = None) -> MovementRequest:
    return MovementRequest(key=key, kind=kind, amount=amount, booked_on=DAY, reverses=reverses)


def opened(amount: int = 10_000) -> Ledger:
    ledger = Ledger()
    ledger.post(request("e", MovementKind.ESTABLISHED, amount))
    return ledger


def test_status_follows_the_closing_movement() -> None:
    ledger = opened(1_000)
    assert derive_status(ledger, StatusFacts()) is ClaimStatus.OPEN
    assert derive_status(ledger, StatusFacts(below_minimum=True)) is ClaimStatus.NOT_RECOVERED
    ledger.post(request("w", MovementKind.WRITE_OFF, 1_000))
    assert derive_status(ledger, StatusFacts()) is ClaimStatus.WRITTEN_OFF
    ledger.post(request("wr", MovementKind.REVERSAL, 1_000, reverses="w"))
    assert derive_status(ledger, StatusFacts()) is ClaimStatus.OPEN
    ledger.post(request("p", MovementKind.PAYMENT, 1_000))
    assert derive_status(ledger, StatusFacts()) is ClaimStatus.SETTLED


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (StatusFacts(), ClaimStatus.OPEN),
        (StatusFacts(suspended=True), ClaimStatus.SUSPENDED),
        (StatusFacts(below_minimum=True, suspended=True), ClaimStatus.NOT_RECOVERED),
        (StatusFacts(prescribed=True, below_minimum=True, suspended=True), ClaimStatus.PRESCRIBED),
        (StatusFacts(transferred=True, prescribed=True, below_minimum=True), ClaimStatus.TRANSFERRED),
    ],
)
def test_precedence_when_a_balance_remains(facts: StatusFacts, expected: ClaimStatus) -> None:
    """Transferred, then prescribed, then not recovered, then suspended, then open."""
    assert status_of(500, None, 0, facts) is expected


@pytest.mark.parametrize(
    ("closing", "kept", "expected"),
    [
        (None, 0, ClaimStatus.SETTLED),
        (MovementKind.PAYMENT, 1_000, ClaimStatus.SETTLED),
        (MovementKind.WITHHOLDING, 1_000, ClaimStatus.SETTLED),
        (MovementKind.REMISSION, 0, ClaimStatus.SETTLED),
        (MovementKind.WRITE_OFF, 0, ClaimStatus.WRITTEN_OFF),
        (MovementKind.DISCHARGE, 200, ClaimStatus.DISCHARGED),
        (MovementKind.CANCELLATION, 0, ClaimStatus.CANCELLED),
        # reduced on appeal and the rest paid: the money kept makes it settled
        (MovementKind.CANCELLATION, 300, ClaimStatus.SETTLED),
    ],
)
def test_nothing_left_the_closing_movement_names_the_status(
    closing: MovementKind | None, kept: int, expected: ClaimStatus
) -> None:
    assert status_of(0, closing, kept, StatusFacts(suspended=True, below_minimum=True)) is expected


def test_prescribed_needs_a_balance_but_transferred_does_not() -> None:
    assert status_of(0, MovementKind.PAYMENT, 1_000, StatusFacts(prescribed=True)) is ClaimStatus.SETTLED
    assert status_of(0, MovementKind.PAYMENT, 1_000, StatusFacts(transferred=True)) is ClaimStatus.TRANSFERRED


def test_money_kept_is_recovered_less_refunded_and_ignores_reversed_movements() -> None:
    ledger = opened(10_000)
    ledger.post(request("p1", MovementKind.PAYMENT, 4_000))
    ledger.post(request("w1", MovementKind.WITHHOLDING, 3_000))
    ledger.post(request("r1", MovementKind.REMISSION, 1_000))  # not money: not kept
    assert money_kept(ledger) == 7_000
    ledger.post(request("p1r", MovementKind.REVERSAL, 4_000, reverses="p1"))  # a returned debit
    assert money_kept(ledger) == 3_000
    ledger.post(request("p2", MovementKind.PAYMENT, 9_000))  # 3,000 beyond the balance
    ledger.post(request("f1", MovementKind.REFUND, 3_000))
    assert money_kept(ledger) == 9_000
    assert (ledger.balance, ledger.credit) == (0, 0)


def test_an_appeal_upheld_after_payments_is_cancelled_once_they_are_refunded() -> None:
    ledger = opened(10_000)
    ledger.post(request("p", MovementKind.PAYMENT, 2_500))
    ledger.post(request("c", MovementKind.CANCELLATION, 10_000))
    # the cancellation left a credit of what was paid: still kept until it is refunded
    assert derive_status(ledger, StatusFacts()) is ClaimStatus.SETTLED
    ledger.post(request("f", MovementKind.REFUND, 2_500))
    assert derive_status(ledger, StatusFacts()) is ClaimStatus.CANCELLED


def test_a_reversed_closing_movement_does_not_close() -> None:
    ledger = opened(1_000)
    ledger.post(request("d", MovementKind.DISCHARGE, 1_000))
    assert derive_status(ledger, StatusFacts()) is ClaimStatus.DISCHARGED
    ledger.post(request("p", MovementKind.PAYMENT, 400))  # a credit after the discharge
    assert derive_status(ledger, StatusFacts()) is ClaimStatus.SETTLED
    ledger.post(request("pr", MovementKind.REVERSAL, 400, reverses="p"))
    assert derive_status(ledger, StatusFacts()) is ClaimStatus.DISCHARGED
