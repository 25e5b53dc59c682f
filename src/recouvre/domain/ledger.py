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
6. Sequence: the movements of a claim are numbered 1, 2, 3, … without a gap, in booking order.

The batch steps (the withholding run, the monthly cycle's surcharges) do not post movement by
movement: they prepare rows for thousands of claims and write them at once. They pass the same
invariants through ``check_postings``, which applies ``booking_effect`` (the very function
``Ledger.post`` uses) to each prepared row against a ``LedgerHead`` (the claim's total and
movement count as the batch read them), checks the row's sequence and signed amount, and
refuses a key twice; the database's unique ``(claim_id, sequence)`` and ``key`` make a ledger
that changed after the read, or a key already booked, fail the batch's transaction. Property
tests (``tests/domain/test_ledger_postings.py``) check that both accept the same movements.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from recouvre.domain.errors import LedgerError as LedgerError  # re-exported
from recouvre.domain.errors import PostingProblem as PostingProblem  # re-exported
from recouvre.domain.errors import PostingsRefused as PostingsRefused  # re-exported
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
    COSTS = "costs"


INCREASING = frozenset(
    {
        MovementKind.ESTABLISHED,
        MovementKind.INDEMNITY,
        MovementKind.SURCHARGE,
        MovementKind.REFUND,
        MovementKind.COSTS,
    }
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
                    "movement.key",
                    request.key,
                    "déjà enregistré avec un autre contenu (conflit d'idempotence)",
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
        return booking_effect(self, request.key, request.kind, request.amount, request.reverses)


class LedgerView(Protocol):
    """What the invariants need to know of a claim's ledger before a movement is booked."""

    def __len__(self) -> int: ...

    @property
    def balance(self) -> Cents: ...

    @property
    def credit(self) -> Cents: ...

    def get(self, key: str) -> Movement | None: ...

    def is_reversed(self, key: str) -> bool: ...


def booking_effect(
    ledger: LedgerView, key: str, kind: MovementKind, amount: Cents, reverses: str | None
) -> Cents:
    """The signed effect on the claim's total of booking a new movement on ``ledger``; raises
    ``LedgerError`` when an invariant refuses it. ``Ledger.post`` and ``check_postings`` both
    decide with this function (idempotency apart: see each)."""
    if not key or len(key) > 200:
        raise LedgerError("movement.key", key, "obligatoire, 200 caractères au plus")
    if amount <= 0:
        raise LedgerError(
            "movement.amount", amount, "doit être positif ; la nature du mouvement en donne le sens"
        )
    if kind is MovementKind.ESTABLISHED:
        if len(ledger):
            raise LedgerError(
                "movement.kind",
                kind.value,
                "une créance n'est constatée qu'une fois, par son premier mouvement",
            )
    elif not len(ledger):
        raise LedgerError(
            "movement.kind", kind.value, "le premier mouvement d'une créance est sa constatation"
        )
    if kind is MovementKind.REVERSAL:
        return _reversal_effect(ledger, reverses, amount)
    if reverses is not None:
        raise LedgerError(
            "movement.reverses", reverses, "seule une contre-passation désigne un autre mouvement"
        )
    if kind in CAPPED_AT_BALANCE and amount > ledger.balance:
        raise LedgerError(
            "movement.amount", amount, f"{kind.value} dépasse le solde de {ledger.balance} centimes"
        )
    if kind is MovementKind.REFUND and amount > ledger.credit:
        raise LedgerError(
            "movement.amount",
            amount,
            f"le remboursement dépasse le crédit du débiteur ({ledger.credit} centimes)",
        )
    return amount if kind in INCREASING else -amount


def _reversal_effect(ledger: LedgerView, reverses: str | None, amount: Cents) -> Cents:
    target = ledger.get(reverses or "")
    if target is None:
        raise LedgerError("movement.reverses", reverses, "ne désigne aucun mouvement de cette créance")
    if target.kind is MovementKind.REVERSAL:
        raise LedgerError("movement.reverses", reverses, "une contre-passation ne se contre-passe pas")
    if target.kind is MovementKind.ESTABLISHED:
        raise LedgerError(
            "movement.reverses", reverses, "le principal ne se contre-passe pas : annulez plutôt la créance"
        )
    if ledger.is_reversed(target.key):
        raise LedgerError("movement.reverses", reverses, "déjà contre-passé")
    if amount != target.amount:
        raise LedgerError(
            "movement.amount",
            amount,
            f"une contre-passation reprend le montant qu'elle annule ({target.amount})",
        )
    return -target.signed


# -- batch postings ------------------------------------------------------------------------------

PostingRow = Sequence[Any]
"""A movement row prepared by a batch step: ``(key, claim_id, sequence, kind, amount_cents,
signed_cents, booked_on, reverses_key, …)`` (``POSTING_FIELDS``; the kind as its text value;
what follows, such as the channel, the note and when it was recorded, is not checked)."""

POSTING_FIELDS = (
    "key",
    "claim_id",
    "sequence",
    "kind",
    "amount_cents",
    "signed_cents",
    "booked_on",
    "reverses_key",
)
_KINDS = {kind.value: kind for kind in MovementKind}


class LedgerHead:
    """A claim's ledger as a batch step read it: its total (every movement, whatever its date) and
    its number of movements, plus the movements the batch posts on it (and any it was given).

    It answers what ``booking_effect`` asks (``LedgerView``) without loading the ledger: a
    batch reads the total and the last sequence of thousands of claims in one grouped query.
    """

    __slots__ = ("_known", "_reversed", "count", "total")

    def __init__(self, total: Cents, count: int, known: Sequence[Movement] | Ledger = ()) -> None:
        self.total = total
        self.count = count
        self._known: dict[str, Movement | PostingRow] | None = None
        self._reversed: set[str] | None = None
        if known:  # a batch's heads start empty: nothing to index
            movements = list(known)
            self._known = {movement.key: movement for movement in movements} or None
            self._reversed = {movement.reverses for movement in movements if movement.reverses} or None

    @classmethod
    def of(cls, ledger: Ledger) -> LedgerHead:
        return cls(ledger.total, len(ledger), ledger)

    def __len__(self) -> int:
        return self.count

    @property
    def balance(self) -> Cents:
        return max(self.total, 0)

    @property
    def credit(self) -> Cents:
        return max(-self.total, 0)

    def get(self, key: str) -> Movement | None:
        found = self._known.get(key) if self._known else None
        if found is None or isinstance(found, Movement):
            return found
        return Movement(
            key=found[0],
            kind=_KINDS[found[3]],
            amount=found[4],
            signed=found[5],
            booked_on=found[6],
            sequence=found[2],
            reverses=found[7],
        )

    def is_reversed(self, key: str) -> bool:
        return self._reversed is not None and key in self._reversed

    def append(self, row: PostingRow) -> None:
        """Take a checked row into the head's total and count (and what it reverses); ``get``
        finds it once ``show`` is given it (``check_postings`` does, for a reversal only)."""
        self.count += 1
        self.total += row[5]
        if row[7] is not None:
            self.append_reversal(row[7])

    def append_reversal(self, reverses: str) -> None:
        if self._reversed is None:
            self._reversed = set()
        self._reversed.add(reverses)

    def show(self, rows: Iterable[PostingRow]) -> None:
        """Make rows already taken into the head visible to ``get`` (reversal targets)."""
        for row in rows:
            if self._known is None:
                self._known = {}
            self._known.setdefault(row[0], row)


def check_postings(heads: Mapping[int, LedgerHead], rows: Iterable[PostingRow]) -> list[PostingProblem]:
    """The rows the ledger's invariants refuse, each with its reason; ``[]`` when all pass.

    Each row is checked against its claim's head after the rows before it in the batch, with
    ``booking_effect`` (what ``Ledger.post`` decides with); its sequence must be the next one
    (no gap, no repeat) and its signed amount the effect decided. A key seen twice in the batch,
    or already known to the head, is refused: a batch writes every row it holds, so it has no
    replay that books nothing (batch units are idempotent by their own keys instead). The heads
    are updated with the rows that pass.
    """
    problems: list[PostingProblem] = []
    seen: dict[str, PostingRow] = {}
    for index, row in enumerate(rows):
        key, claim_id, sequence, kind_text, amount, signed = row[0], row[1], row[2], row[3], row[4], row[5]
        head = heads.get(claim_id)
        if head is None:
            problems.append(
                PostingProblem(
                    index, claim_id, key, "claim_id", claim_id, "aucun grand livre lu pour cette créance"
                )
            )
            continue
        kind = _KINDS.get(kind_text)
        if kind is None:
            problems.append(
                PostingProblem(
                    index, claim_id, key, "movement.kind", kind_text, "nature de mouvement inconnue"
                )
            )
            continue
        known = head._known
        if key in seen or (known is not None and key in known):
            problems.append(
                PostingProblem(
                    index,
                    claim_id,
                    key,
                    "movement.key",
                    key,
                    "déjà enregistré (clé d'idempotence utilisée deux fois)",
                )
            )
            continue
        reverses = row[7]
        if reverses is not None:  # it may name a row of this batch on the same claim
            head.show(taken for taken in seen.values() if taken[1] == claim_id)
        try:
            effect = booking_effect(head, key, kind, amount, reverses)
        except LedgerError as error:
            problems.append(PostingProblem(index, claim_id, key, error.field, error.value, error.reason))
            continue
        if sequence != head.count + 1:
            reason = f"le prochain mouvement de la créance porte le numéro {head.count + 1}"
            problems.append(PostingProblem(index, claim_id, key, "movement.sequence", sequence, reason))
            continue
        if signed != effect:
            reason = f"un mouvement {kind.value} de {amount} centimes change le total de {effect}"
            problems.append(PostingProblem(index, claim_id, key, "movement.signed", signed, reason))
            continue
        seen[key] = row
        head.count += 1  # head.append(row), inline: the batch's hottest loop
        head.total += effect
        if reverses is not None:
            head.append_reversal(reverses)
    return problems
