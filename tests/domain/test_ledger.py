from __future__ import annotations

from datetime import date

import pytest

from recouvre.domain.ledger import Ledger, LedgerError, MovementKind, MovementRequest

DAY = date(2026, 1, 10)


def request(key: str, kind: MovementKind, amount: int, reverses: str | None = None) -> MovementRequest:
    return MovementRequest(key=key, kind=kind, amount=amount, booked_on=DAY, reverses=reverses)


def opened(amount: int = 10_000) -> Ledger:
    ledger = Ledger()
    ledger.post(request("e", MovementKind.ESTABLISHED, amount))
    return ledger


def test_payment_beyond_balance_becomes_credit() -> None:
    ledger = opened(10_000)
    ledger.post(request("p", MovementKind.PAYMENT, 12_500))
    assert (ledger.balance, ledger.credit, ledger.total) == (0, 2_500, -2_500)
    ledger.post(request("r", MovementKind.REFUND, 2_500))
    assert (ledger.balance, ledger.credit) == (0, 0)


def test_refund_cannot_exceed_credit() -> None:
    ledger = opened()
    with pytest.raises(LedgerError, match="le remboursement dépasse"):
        ledger.post(request("r", MovementKind.REFUND, 1))


@pytest.mark.parametrize(
    "kind", [MovementKind.WITHHOLDING, MovementKind.REMISSION, MovementKind.WRITE_OFF, MovementKind.DISCHARGE]
)
def test_decisions_on_the_debt_never_exceed_the_balance(kind: MovementKind) -> None:
    ledger = opened(5_000)
    with pytest.raises(LedgerError, match="dépasse le solde"):
        ledger.post(request("x", kind, 5_001))
    assert ledger.balance == 5_000 and len(ledger) == 1


def test_replay_books_nothing_and_conflict_is_refused() -> None:
    ledger = opened()
    first, new = ledger.post(request("p", MovementKind.PAYMENT, 1_000))
    again, new_again = ledger.post(request("p", MovementKind.PAYMENT, 1_000))
    assert new and not new_again and again == first and ledger.balance == 9_000
    with pytest.raises(LedgerError, match="idempotence"):
        ledger.post(request("p", MovementKind.PAYMENT, 2_000))


def test_reversal_names_its_movement_and_happens_once() -> None:
    ledger = opened()
    ledger.post(request("p", MovementKind.PAYMENT, 3_000))
    with pytest.raises(LedgerError, match="ne désigne aucun mouvement"):
        ledger.post(request("rv0", MovementKind.REVERSAL, 3_000, reverses="nope"))
    with pytest.raises(LedgerError, match="reprend le montant"):
        ledger.post(request("rv0", MovementKind.REVERSAL, 2_000, reverses="p"))
    ledger.post(request("rv1", MovementKind.REVERSAL, 3_000, reverses="p"))
    assert ledger.balance == 10_000 and ledger.is_reversed("p")
    with pytest.raises(LedgerError, match="déjà contre-passé"):
        ledger.post(request("rv2", MovementKind.REVERSAL, 3_000, reverses="p"))
    with pytest.raises(LedgerError, match="ne se contre-passe pas"):
        ledger.post(request("rv3", MovementKind.REVERSAL, 3_000, reverses="rv1"))
    with pytest.raises(LedgerError, match="le principal ne se contre-passe pas"):
        ledger.post(request("rv4", MovementKind.REVERSAL, 10_000, reverses="e"))


def test_established_first_and_once() -> None:
    with pytest.raises(LedgerError, match="premier mouvement"):
        Ledger().post(request("p", MovementKind.PAYMENT, 1))
    with pytest.raises(LedgerError, match="constatée qu'une fois"):
        opened().post(request("e2", MovementKind.ESTABLISHED, 1))
