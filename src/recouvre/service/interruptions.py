"""Interruptions of prescription (PM241 procedure 13; RULES.md §3.2, R-PRESC-3): recording and reading.

Recording (claim events, idempotent by key, in their own unit of work):

* ``registered_letter`` — a registered letter with acknowledgment of receipt (LRAR) sent on
  ``on`` for the claim, with its outcome. ``delivered`` and ``unclaimed`` ("non réclamé")
  interrupt from the sending date; ``undeliverable`` (NPAI / pli non distribuable) is recorded
  but does **not** interrupt (CSS L133-4-6).
* ``acknowledgment`` — the debtor acknowledges the debt (C. civ. 2240).

Reading (``interruptions_by_claim``, set-based: three statements per chunk of claims), every
interruption dated on or before a date, with its kind and the key that records it:

* claim events ``registered_letter`` (outcome ``delivered`` or ``unclaimed``) and
  ``acknowledgment``; ``remission_request`` whose ``data.by`` is on the debtor's side
  (``debtor``, ``representative``, ``mandatary``: an acknowledgment, R-REMISE-1); and, for the
  procedures that will record them, ``court_action`` (C. civ. 2241) and ``enforcement_act``
  (C. civ. 2244);
* every instalment plan, at its ``agreed_on`` (an acknowledgment), replaced or not;
* ``payment`` and ``withholding`` movements not reversed by a reversal booked on or before the
  date (a reversed withholding never happened).

The claim's notification is not an interruption (SCENARIOS.md does not list it; it is sent by
any means giving a date of receipt, not necessarily by LRAR).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from recouvre.domain.errors import NotFound
from recouvre.domain.ledger import MovementKind
from recouvre.domain.model import DomainError
from recouvre.domain.prescription import Interruption, InterruptionKind
from recouvre.service.context import Services, refuse
from recouvre.storage import repository
from recouvre.storage.tables import ClaimEventRow, ClaimRow, MovementRow, PlanRow

REGISTERED_LETTER = "registered_letter"
ACKNOWLEDGMENT = "acknowledgment"
REMISSION_REQUEST = "remission_request"
DEBTOR_SIDE = frozenset({"debtor", "representative", "mandatary"})
"""Who may request a remission as an acknowledgment of the debt (R-REMISE-1)."""

_EVENT_KINDS = {
    REGISTERED_LETTER: InterruptionKind.REGISTERED_LETTER,
    ACKNOWLEDGMENT: InterruptionKind.ACKNOWLEDGMENT,
    REMISSION_REQUEST: InterruptionKind.REMISSION_REQUEST,
    "court_action": InterruptionKind.COURT_ACTION,
    "enforcement_act": InterruptionKind.ENFORCEMENT_ACT,
}
_MOVEMENT_KINDS = {
    MovementKind.PAYMENT.value: InterruptionKind.PAYMENT,
    MovementKind.WITHHOLDING.value: InterruptionKind.WITHHOLDING,
}


def event_key(organism_code: str, claim_ref: str, *parts: str) -> str:
    """Idempotency key of a claim event (the shape of ``service.claims.movement_key``)."""
    return ":".join((organism_code, claim_ref, *parts))


def find_claim(services: Services, session: Session, organism_code: str, claim_ref: str) -> ClaimRow:
    """The claim row of ``claim_ref`` in the organism, or ``NotFound``.

    (``service.claims`` imports ``service.prescription``, which imports this module: importing
    ``service.claims`` here would be circular.)
    """
    organism_id, _ = services.organism(session, organism_code)
    row = repository.claim_row(session, organism_id, claim_ref)
    if row is None:
        raise NotFound("claim", claim_ref, f"créance introuvable dans {organism_code}")
    return row


class LetterOutcome(StrEnum):
    """What became of a registered letter with acknowledgment of receipt."""

    DELIVERED = "delivered"
    UNCLAIMED = "unclaimed"
    """Returned "non réclamé": still interrupts (CSS L133-4-6)."""
    UNDELIVERABLE = "undeliverable"
    """Returned NPAI / "pli non distribuable": does not interrupt."""


"""The claim ids of one chunk, bound once."""

INTERRUPTING_OUTCOMES = frozenset({LetterOutcome.DELIVERED.value, LetterOutcome.UNCLAIMED.value})


def _record(
    services: Services,
    organism_code: str,
    claim_ref: str,
    on: date,
    kind: str,
    key: str,
    data: dict[str, object],
) -> bool:
    """Record one claim event; a replayed key with the same content records nothing.

    An event dated before the claim is established is refused (and the refusal recorded); the
    same key with another content is an error (idempotency conflict).
    """
    with services.db.unit_of_work() as session:
        row = find_claim(services, session, organism_code, claim_ref)
        if on < row.established_on:
            message = f"claim {claim_ref} is established on {row.established_on.isoformat()}"
            raise refuse(services, organism_code, on, kind, claim_ref, message)
        existing = session.scalar(select(ClaimEventRow).where(ClaimEventRow.key == key))
        if existing is not None:
            if (existing.claim_id, existing.occurred_on, existing.kind, existing.data) != (
                row.id,
                on,
                kind,
                data,
            ):
                raise DomainError(f"{kind}.key", key, "déjà enregistré avec un autre contenu")
            return False
        return repository.add_claim_event(session, key, row.id, on, kind, data)


def registered_letter(
    services: Services,
    organism_code: str,
    claim_ref: str,
    on: date,
    outcome: LetterOutcome | str,
    *,
    reference: str = "",
    key: str | None = None,
) -> bool:
    """Record a registered letter with acknowledgment sent on ``on`` and its outcome.

    ``delivered`` and ``unclaimed`` interrupt prescription from ``on`` (the sending date);
    ``undeliverable`` is kept for the record and interrupts nothing (CSS L133-4-6).
    ``reference`` is the postal tracking number, if any. The default key allows one letter per
    claim and day; give ``key`` to record several. Returns whether the event is new.
    """
    try:
        found = LetterOutcome(outcome)
    except ValueError:
        raise DomainError(
            "registered_letter.outcome", outcome, "une valeur parmi delivered, unclaimed, undeliverable"
        ) from None
    recorded = event_key(organism_code, claim_ref, REGISTERED_LETTER, key or on.isoformat())
    data: dict[str, object] = {"outcome": found.value, "reference": reference}
    return _record(services, organism_code, claim_ref, on, REGISTERED_LETTER, recorded, data)


def acknowledgment(
    services: Services,
    organism_code: str,
    claim_ref: str,
    on: date,
    by: str = "",
    *,
    key: str | None = None,
) -> bool:
    """Record that the debtor (or ``by``, who acted for them) acknowledged the debt on ``on``.

    An acknowledgment interrupts prescription (C. civ. 2240). Returns whether the event is new.
    """
    recorded = event_key(organism_code, claim_ref, ACKNOWLEDGMENT, key or on.isoformat())
    return _record(services, organism_code, claim_ref, on, ACKNOWLEDGMENT, recorded, {"by": by})


def claim_ids_filter(
    session: Session, column: Any, part: Sequence[int]
) -> tuple[ColumnElement[bool], dict[str, object]]:
    """A condition on ``column`` selecting a chunk of claim ids (sorted), with its parameters.

    A dense chunk (the usual batch: consecutive ids) is read as a range, which costs nothing to
    compile; the caller drops the rows of ids outside the chunk. A sparse one is one parameter
    (``repository.one_of``).
    """
    low, high = part[0], part[-1]
    if high - low < 2 * len(part):
        return column.between(bindparam("low"), bindparam("high")), {"low": low, "high": high}
    return repository.one_of(session, column, part), {}


RawInterruption = tuple[int, date, InterruptionKind, str, str]
"""(claim id, date, kind, recording key, detail)."""


def _raw_interruptions(session: Session, part: Sequence[int], until: date) -> Iterator[RawInterruption]:
    """The interruptions of a chunk of claims (sorted ids), unordered: three Core statements."""
    wanted = set(part)
    connection = session.connection()
    outcome = ClaimEventRow.data["outcome"].as_string()
    by = ClaimEventRow.data["by"].as_string()
    condition, params = claim_ids_filter(session, ClaimEventRow.claim_id, part)
    events = select(
        ClaimEventRow.claim_id, ClaimEventRow.occurred_on, ClaimEventRow.kind, ClaimEventRow.key, outcome, by
    ).where(
        condition,
        ClaimEventRow.occurred_on <= until,
        or_(
            ClaimEventRow.kind.in_([ACKNOWLEDGMENT, "court_action", "enforcement_act"]),
            and_(ClaimEventRow.kind == REGISTERED_LETTER, outcome.in_(sorted(INTERRUPTING_OUTCOMES))),
            and_(ClaimEventRow.kind == REMISSION_REQUEST, by.in_(sorted(DEBTOR_SIDE))),
        ),
    )
    for claim_id, on, kind, key, letter_outcome, who in connection.execute(events, params):
        if claim_id in wanted:
            detail = letter_outcome if kind == REGISTERED_LETTER else who
            yield claim_id, on, _EVENT_KINDS[kind], key, detail or ""
    condition, params = claim_ids_filter(session, PlanRow.claim_id, part)
    plans = select(PlanRow.claim_id, PlanRow.agreed_on, PlanRow.key, PlanRow.origin).where(
        condition, PlanRow.agreed_on <= until
    )
    for claim_id, on, key, origin in connection.execute(plans, params):
        if claim_id in wanted:
            yield claim_id, on, InterruptionKind.PLAN, key, origin or ""
    condition, params = claim_ids_filter(session, MovementRow.claim_id, part)
    movements = select(
        MovementRow.claim_id,
        MovementRow.booked_on,
        MovementRow.kind,
        MovementRow.key,
        MovementRow.reverses_key,
    ).where(
        condition,
        MovementRow.kind.in_([*_MOVEMENT_KINDS, MovementKind.REVERSAL.value]),
        MovementRow.booked_on <= until,
    )
    rows = [row for row in connection.execute(movements, params) if row[0] in wanted]
    reversed_keys = {row[4] for row in rows if row[2] == MovementKind.REVERSAL.value}
    for claim_id, on, kind, key, _ in rows:
        if kind in _MOVEMENT_KINDS and key not in reversed_keys:
            yield claim_id, on, _MOVEMENT_KINDS[kind], key, ""


def interruptions_by_claim(
    session: Session, claim_ids: Iterable[int], until: date
) -> dict[int, list[Interruption]]:
    """Every interruption of each claim dated on or before ``until``, in date order.

    Three statements per chunk of claims (events, plans, movements); no ORM object is loaded.
    """
    found: dict[int, list[Interruption]] = {}
    for part in repository.chunks(sorted(set(claim_ids))):
        for claim_id, on, kind, key, detail in _raw_interruptions(session, part, until):
            found.setdefault(claim_id, []).append(Interruption(on, kind, key, detail))
    for items in found.values():
        items.sort(key=lambda item: (item.on, item.kind.value, item.source))
    return found


def interruption_dates_by_claim(
    session: Session, claim_ids: Iterable[int], until: date
) -> dict[int, list[date]]:
    """The dates of the interruptions of each claim (on or before ``until``), ascending: what the
    batch verdict needs, without building the explanation."""
    found: dict[int, list[date]] = {}
    for part in repository.chunks(sorted(set(claim_ids))):
        for claim_id, on, _, _, _ in _raw_interruptions(session, part, until):
            found.setdefault(claim_id, []).append(on)
    for days in found.values():
        days.sort()
    return found


def claim_interruptions(
    services: Services, organism_code: str, claim_ref: str, on: date
) -> list[Interruption]:
    """Every interruption of one claim dated on or before ``on``, in date order."""
    with services.db.unit_of_work() as session:
        row = find_claim(services, session, organism_code, claim_ref)
        return interruptions_by_claim(session, [row.id], on).get(row.id, [])
