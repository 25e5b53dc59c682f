"""The append-only ledger of one claim.

Invariants (each enforced in ``Ledger.post`` and hammered by property tests in
``tests/domain/test_ledger_properties.py``):

1. Append-only: a movement is never edited or removed; a mistake is undone by a
   ``reversal`` that names the movement it cancels. A movement is reversed at
   most once, and a reversal is never itself reversed.
2. At most once: every movement carries an idempotency key. Posting the same key
   again with the same content books nothing and returns the movement already
   booked; the same key with another content is refused.
3. Derived balance: ``total`` is the signed sum of the movements;
   ``balance = max(total, 0)`` never goes below zero and what exceeds it,
   ``credit = max(-total, 0)``, is the debtor's credit: kept, never lost,
   repaid only by a ``refund`` (which cannot exceed the credit).
4. Reductions that are decisions on the debt (withholding, remission,
   write-off, discharge) never exceed the balance: only money actually received
   (payment) or a cancellation after appeal can create a credit.
5. ``established`` is booked once, first.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from recouvre.domain.errors import LedgerError as LedgerError  # re-exported
from recouvre.domain.money import Cents


class MovementKind(StrEnum):
    ESTABLISHED = "established"
    INDEMNITY = "indemnity"
    SURCHARGE = "surcharge"
    WITHHOLDING = "withholding"
    PAYMENT = "payment"
    REMISSION = "remission"
    CANCELLATION = "cancellation"
    WRITE_OFF = "write_off"
    DISCHARGE = "discharge"
    REFUND = "refund"
    REVERSAL = "reversal"


INCREASING = frozenset(
    {MovementKind.ESTABLISHED, MovementKind.INDEMNITY, MovementKind.SURCHARGE, MovementKind.REFUND}
)
DECREASING = frozenset(
    {
        MovementKind.WITHHOLDING,
        MovementKind.PAYMENT,
        MovementKind.REMISSION,
        MovementKind.CANCELLATION,
        MovementKind.WRITE_OFF,
        MovementKind.DISCHARGE,
    }
)
CAPPED_AT_BALANCE = frozenset(
    {MovementKind.WITHHOLDING, MovementKind.REMISSION, MovementKind.WRITE_OFF, MovementKind.DISCHARGE}
)
RECOVERED = frozenset({MovementKind.WITHHOLDING, MovementKind.PAYMENT})


@dataclass(frozen=True)
class MovementRequest:
    """What a procedure asks the ledger to book."""

    key: str
    kind: MovementKind
    amount: Cents
    booked_on: date
    reverses: str | None = None
    channel: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Movement:
    """A booked movement. ``signed`` is its effect on the claim's total."""

    key: str
    kind: MovementKind
    amount: Cents
    signed: Cents
    booked_on: date
    sequence: int
    reverses: str | None = None
    channel: str | None = None
    note: str = ""

    def same_request(self, request: MovementRequest) -> bool:
        return (
            self.kind is request.kind
            and self.amount == request.amount
            and self.booked_on == request.booked_on
            and self.reverses == request.reverses
            and self.channel == request.channel
        )


class Ledger:
    """The movements of one claim, in booking order."""

    def __init__(self, movements: Iterable[Movement] = ()) -> None:
        self._movements: list[Movement] = sorted(movements, key=lambda item: item.sequence)
        self._by_key = {movement.key: movement for movement in self._movements}
        self._reversed = {movement.reverses for movement in self._movements if movement.reverses}
        self._total = sum(movement.signed for movement in self._movements)

    def __iter__(self) -> Iterator[Movement]:
        return iter(self._movements)

    def __len__(self) -> int:
        return len(self._movements)

    @property
    def total(self) -> Cents:
        return self._total

    @property
    def balance(self) -> Cents:
        return max(self._total, 0)

    @property
    def credit(self) -> Cents:
        return max(-self._total, 0)

    def get(self, key: str) -> Movement | None:
        return self._by_key.get(key)

    def is_reversed(self, key: str) -> bool:
        return key in self._reversed

    def effective(self) -> list[Movement]:
        """Movements that stand: neither reversals nor reversed."""
        return [
            movement
            for movement in self._movements
            if movement.kind is not MovementKind.REVERSAL and movement.key not in self._reversed
        ]

    def sum_of(self, kinds: frozenset[MovementKind], *, until: date | None = None) -> Cents:
        """Absolute amount of the effective movements of these kinds (booked on or before ``until``)."""
        return sum(
            movement.amount
            for movement in self.effective()
            if movement.kind in kinds and (until is None or movement.booked_on <= until)
        )

    def balance_on(self, on: date) -> Cents:
        return max(sum(m.signed for m in self._movements if m.booked_on <= on), 0)

    def post(self, request: MovementRequest) -> tuple[Movement, bool]:
        """Book ``request``; return the movement and whether it is new.

        A replay of a booked key returns the booked movement and ``False``.
        """
        booked = self._by_key.get(request.key)
        if booked is not None:
            if not booked.same_request(request):
                raise LedgerError(
                    "movement.key", request.key, "already booked with another content (idempotency conflict)"
                )
            return booked, False
        signed = self._signed_effect(request)
        movement = Movement(
            key=request.key,
            kind=request.kind,
            amount=request.amount,
            signed=signed,
            booked_on=request.booked_on,
            sequence=len(self._movements) + 1,
            reverses=request.reverses,
            channel=request.channel,
            note=request.note,
        )
        self._movements.append(movement)
        self._by_key[movement.key] = movement
        if movement.reverses:
            self._reversed.add(movement.reverses)
        self._total += signed
        return movement, True

    def _signed_effect(self, request: MovementRequest) -> Cents:
        kind = request.kind
        if not request.key or len(request.key) > 200:
            raise LedgerError("movement.key", request.key, "required, at most 200 characters")
        if request.amount <= 0:
            raise LedgerError(
                "movement.amount", request.amount, "must be positive; the kind gives the direction"
            )
        if kind is MovementKind.ESTABLISHED and self._movements:
            raise LedgerError(
                "movement.kind", kind.value, "a claim is established once, by its first movement"
            )
        if kind is not MovementKind.ESTABLISHED and not self._movements:
            raise LedgerError("movement.kind", kind.value, "the first movement of a claim is 'established'")
        if kind is MovementKind.REVERSAL:
            return self._reversal_effect(request)
        if request.reverses is not None:
            raise LedgerError("movement.reverses", request.reverses, "only a reversal names another movement")
        if kind in CAPPED_AT_BALANCE and request.amount > self.balance:
            raise LedgerError(
                "movement.amount", request.amount, f"{kind.value} exceeds the balance of {self.balance} cents"
            )
        if kind is MovementKind.REFUND and request.amount > self.credit:
            raise LedgerError(
                "movement.amount",
                request.amount,
                f"refund exceeds the debtor's credit of {self.credit} cents",
            )
        return request.amount if kind in INCREASING else -request.amount

    def _reversal_effect(self, request: MovementRequest) -> Cents:
        target = self._by_key.get(request.reverses or "")
        if target is None:
            raise LedgerError("movement.reverses", request.reverses, "names no movement of this claim")
        if target.kind is MovementKind.REVERSAL:
            raise LedgerError("movement.reverses", request.reverses, "a reversal cannot be reversed")
        if target.kind is MovementKind.ESTABLISHED:
            raise LedgerError(
                "movement.reverses",
                request.reverses,
                "the principal is not reversed; cancel the claim instead",
            )
        if target.key in self._reversed:
            raise LedgerError("movement.reverses", request.reverses, "already reversed")
        if request.amount != target.amount:
            raise LedgerError(
                "movement.amount",
                request.amount,
                f"a reversal repeats the amount it cancels ({target.amount})",
            )
        return -target.signed
