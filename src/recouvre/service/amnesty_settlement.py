"""The amnesty's remission, booked on the day the credits on a claim reach its principal
(SCENARIOS.md "CNSS amnesty"; rules in ``recouvre.domain.amnesty``).

Called by ``service.payments.post`` after every new payment or withholding on a contribution
claim, in the same unit of work (so a payment and the remission it triggers commit together),
and by the application itself (a principal already paid when the employer applies). Imports
neither ``payments`` nor ``plans`` (they import this module).

Claim events: ``amnesty`` (the application: option, rate), ``amnesty_remission`` (the
remission booked), ``amnesty_lapsed`` (the plan's default ended it, written by the cycle).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from recouvre.domain.amnesty import principal_paid, remission_owed
from recouvre.domain.ledger import Ledger, MovementKind, MovementRequest
from recouvre.service import placements
from recouvre.service.context import Services
from recouvre.storage import repository
from recouvre.storage.tables import ClaimEventRow, ClaimRow, OrganismRow

AMNESTY = "amnesty"
REMITTED = "amnesty_remission"
LAPSED = "amnesty_lapsed"
EVENT_KINDS = (AMNESTY, REMITTED, LAPSED)
CREDITS = frozenset({MovementKind.PAYMENT, MovementKind.WITHHOLDING})
REMITTED_KINDS = frozenset({MovementKind.SURCHARGE, MovementKind.COSTS})


@dataclass(frozen=True)
class AmnestyState:
    """A claim's amnesty on a date: the last application and what became of it."""

    option: str
    rate: Decimal
    applied_on: date
    status: str
    """``pending`` (principal not paid yet), ``remitted`` or ``lapsed``."""
    remitted: int = 0


def amnesty_state(session: Session, claim_id: int, on: date) -> AmnestyState | None:
    """The claim's amnesty as of ``on`` (``None``: never applied)."""
    rows = session.scalars(
        select(ClaimEventRow)
        .where(
            ClaimEventRow.claim_id == claim_id,
            ClaimEventRow.kind.in_(EVENT_KINDS),
            ClaimEventRow.occurred_on <= on,
        )
        .order_by(ClaimEventRow.occurred_on, ClaimEventRow.id)
    )
    state: AmnestyState | None = None
    for event in rows:
        data = event.data
        if event.kind == AMNESTY:
            state = AmnestyState(
                str(data["option"]), Decimal(str(data["rate"])), event.occurred_on, "pending"
            )
        elif state is not None and state.status == "pending":
            if event.kind == REMITTED:
                state = AmnestyState(
                    state.option, state.rate, state.applied_on, "remitted", int(str(data["amount_cents"]))
                )
            else:
                state = AmnestyState(state.option, state.rate, state.applied_on, "lapsed")
    return state


def credits_and_base(ledger: Ledger, on: date) -> tuple[int, int]:
    """Money received on the claim (payments and withholdings net of their reversals) and the
    surcharges and costs booked, on or before ``on``."""
    credits = base = 0
    kinds = {movement.key: movement.kind for movement in ledger}
    for movement in ledger:
        if movement.booked_on > on:
            continue
        kind = kinds.get(movement.reverses, movement.kind) if movement.reverses else movement.kind
        if kind in CREDITS:
            credits -= movement.signed
        elif kind in REMITTED_KINDS:
            base += movement.signed
    return credits, base


def settle(session: Session, services: Services, row: ClaimRow, on: date) -> int | None:
    """Book the amnesty's remission on ``on`` when the claim's amnesty is pending and the credits
    reach its principal; the amount booked, or ``None`` when nothing is due yet."""
    state = amnesty_state(session, row.id, on)
    if state is None or state.status != "pending":
        return None
    ledger = repository.load_ledger(session, row.id)
    credits, base = credits_and_base(ledger, on)
    if not principal_paid(credits, row.principal_cents):
        return None
    amount = remission_owed(state.rate, base, ledger.balance)
    organism = session.get(OrganismRow, row.organism_id)
    code = organism.code if organism is not None else str(row.organism_id)
    key = f"{code}:{row.ref}:amnesty:{state.applied_on.isoformat()}"
    if amount > 0:
        request = MovementRequest(
            key=f"{key}:remission",
            kind=MovementKind.REMISSION,
            amount=amount,
            booked_on=on,
            note=f"amnistie CNSS ({state.option}) : remise de {state.rate} % des majorations et frais",
        )
        movement, new = ledger.post(request)
        if new:
            repository.insert_movements(session, [(row.id, movement)], services.clock())
    repository.add_claim_event(
        session,
        f"{key}:remitted",
        row.id,
        on,
        REMITTED,
        {"amount_cents": amount, "rate": str(state.rate), "base_cents": base, "option": state.option},
    )
    # A remission like any other: the claim's placement is recalled the same day (SCENARIOS.md
    # "Agencies").
    _, found = services.organism(session, code)
    placements.recall_ended(session, row.organism_id, on, [row.id], policy=services.policy(found))
    return amount
