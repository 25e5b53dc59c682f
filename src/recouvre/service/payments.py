"""Voluntary payments and reversals (procedure 2/8: payments received by any channel).

A payment beyond the balance is booked whole: the excess is the debtor's credit,
kept in the ledger until refunded (ledger invariant 3), never lost.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from recouvre.domain.ledger import LedgerError, Movement, MovementKind, MovementRequest
from recouvre.domain.model import Benefit, PaymentChannel
from recouvre.domain.money import Cents
from recouvre.service import amnesty_settlement, queues
from recouvre.service.claims import find_claim
from recouvre.service.context import Services, refuse
from recouvre.storage import repository
from recouvre.storage.tables import ClaimRow

CONTRIBUTION = Benefit.CONTRIB.value


def post(
    session: Session, services: Services, row: ClaimRow, request: MovementRequest
) -> tuple[Movement, bool]:
    """Post one movement on a claim inside the caller's unit of work; a replayed key books nothing.

    The claim's row is locked first (``FOR UPDATE`` on PostgreSQL; on SQLite the writer holds
    the database): a concurrent booking on the same claim, inside an act or not, waits for this
    one and then reads its movement, instead of computing the same next sequence."""
    session.execute(select(ClaimRow.id).where(ClaimRow.id == row.id).with_for_update())
    ledger = repository.load_ledger(session, row.id)
    movement, new = ledger.post(request)
    if new:
        repository.insert_movements(session, [(row.id, movement)], services.clock())
        if movement.kind in amnesty_settlement.CREDITS and row.benefit == CONTRIBUTION:
            # A CNSS amnesty's remission falls due the day the credits reach the principal.
            amnesty_settlement.settle(session, services, row, movement.booked_on)
    return movement, new


def book(
    services: Services, organism_code: str, claim_ref: str, request: MovementRequest
) -> tuple[Movement, bool]:
    """Post one movement on a claim in its own unit of work; a movement dated before the claim
    exists is refused (and the refusal recorded)."""
    with services.db.unit_of_work() as session:
        organism, row = find_claim(services, session, organism_code, claim_ref)
        if request.booked_on < row.established_on:
            message = f"claim {claim_ref} is established on {row.established_on.isoformat()}"
            raise refuse(services, organism_code, request.booked_on, request.kind.value, claim_ref, message)
        booked = post(session, services, row, request)
        queues.close_tasks_of_ended_claims(
            session, row.organism_id, request.booked_on, [row.id], policy=services.policy(organism)
        )
        return booked


def record_payment(
    services: Services,
    organism_code: str,
    claim_ref: str,
    amount: Cents,
    on: date,
    channel: PaymentChannel,
    key: str,
) -> tuple[Movement, bool]:
    request = MovementRequest(
        key=f"{organism_code}:{claim_ref}:payment:{key}",
        kind=MovementKind.PAYMENT,
        amount=amount,
        booked_on=on,
        channel=channel.value,
    )
    return book(services, organism_code, claim_ref, request)


def reverse(
    services: Services, organism_code: str, claim_ref: str, movement_key: str, on: date, reason: str
) -> tuple[Movement, bool]:
    """Cancel a booked movement by a new one that names it; the original stays."""
    with services.db.unit_of_work() as session:
        found = repository.movement_by_key(session, movement_key)
    if found is None:
        raise LedgerError("movement.reverses", movement_key, "ne désigne aucun mouvement enregistré")
    _, target = found
    request = MovementRequest(
        key=f"{movement_key}:reversal",
        kind=MovementKind.REVERSAL,
        amount=target.amount,
        booked_on=on,
        reverses=movement_key,
        note=reason,
    )
    return book(services, organism_code, claim_ref, request)
