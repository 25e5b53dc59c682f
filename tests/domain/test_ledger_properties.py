"""Property tests of the ledger invariants listed in recouvre.domain.ledger's docstring."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from recouvre.domain.ledger import INCREASING, Ledger, LedgerError, MovementKind, MovementRequest

KINDS = [kind for kind in MovementKind if kind is not MovementKind.ESTABLISHED]

operation = st.tuples(
    st.sampled_from(KINDS),
    st.integers(min_value=-5, max_value=2_000_000),
    st.integers(min_value=0, max_value=40),  # which earlier movement a reversal or replay names
    st.booleans(),  # replay an earlier request instead of a new one
)


def signed_sum(ledger: Ledger) -> int:
    return sum(movement.signed for movement in ledger)


@settings(max_examples=300, deadline=None)
@given(principal=st.integers(min_value=1, max_value=10**9), operations=st.lists(operation, max_size=40))
def test_invariants_hold_after_every_operation(
    principal: int, operations: list[tuple[MovementKind, int, int, bool]]
) -> None:
    day = date(2026, 1, 1)
    ledger = Ledger()
    ledger.post(MovementRequest("k0", MovementKind.ESTABLISHED, principal, day))
    booked: list[MovementRequest] = [MovementRequest("k0", MovementKind.ESTABLISHED, principal, day)]
    for index, (kind, amount, pick, replay) in enumerate(operations, start=1):
        before = (ledger.total, len(ledger))
        if replay:
            earlier = booked[pick % len(booked)]
            movement, new = ledger.post(earlier)
            # Invariant 2: a replay books nothing.
            assert not new and (ledger.total, len(ledger)) == before
            continue
        target = list(ledger)[pick % len(ledger)]
        reverses = target.key if kind is MovementKind.REVERSAL else None
        if kind is MovementKind.REVERSAL and pick % 3:
            amount = target.amount
        request = MovementRequest(f"k{index}", kind, amount, day + timedelta(days=index), reverses=reverses)
        try:
            movement, new = ledger.post(request)
        except LedgerError:
            # Refused: nothing booked, nothing changed.
            assert (ledger.total, len(ledger)) == before
            continue
        booked.append(request)
        assert new and movement.amount > 0
        if kind in INCREASING:
            assert movement.signed == amount
        elif kind is MovementKind.REVERSAL:
            assert movement.signed == -target.signed
        else:
            assert movement.signed == -amount
        # Invariant 4: decisions on the debt never create a credit.
        if kind in {
            MovementKind.WITHHOLDING,
            MovementKind.REMISSION,
            MovementKind.WRITE_OFF,
            MovementKind.DISCHARGE,
        }:
            assert ledger.total >= 0
        # Refunds only repay an existing credit.
        if kind is MovementKind.REFUND:
            assert ledger.total <= 0
        # Invariant 3: derived, never negative, nothing lost.
        assert ledger.balance >= 0 and ledger.credit >= 0
        assert ledger.balance - ledger.credit == signed_sum(ledger) == ledger.total
        assert min(ledger.balance, ledger.credit) == 0
    # Invariant 1: every reversal names a distinct, non-reversal movement.
    reversed_keys = [m.reverses for m in ledger if m.kind is MovementKind.REVERSAL]
    assert len(reversed_keys) == len(set(reversed_keys))
    assert all(ledger.get(key or "") is not None for key in reversed_keys)
    # The balance is derived: rebuilding from the movements gives the same figures.
    rebuilt = Ledger(list(ledger))
    assert (rebuilt.balance, rebuilt.credit) == (ledger.balance, ledger.credit)
    # Reversed movements and their reversals cancel out exactly.
    assert sum(m.signed for m in ledger.effective()) == ledger.total


@given(st.lists(st.integers(min_value=1, max_value=10**7), min_size=1, max_size=30))
def test_payments_are_never_lost(payments: list[int]) -> None:
    ledger = Ledger()
    ledger.post(MovementRequest("e", MovementKind.ESTABLISHED, 50_000, date(2026, 1, 1)))
    for index, amount in enumerate(payments):
        ledger.post(MovementRequest(f"p{index}", MovementKind.PAYMENT, amount, date(2026, 1, 2)))
    paid = sum(payments)
    assert ledger.balance == max(50_000 - paid, 0)
    assert ledger.credit == max(paid - 50_000, 0)
