"""Whether a claim was transferred to the département (R-TIERS-1, CASF L262-46), read from its
``transferred`` event (``service.third_party`` records it): the one place that reads it, for
the door (``service.claim_actions``), the placements and the enforcement titles."""

from __future__ import annotations

from datetime import date
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from recouvre.storage import repository
from recouvre.storage.tables import ClaimEventRow

TRANSFERRED_EVENT: Final = "transferred"


def transfer_of(session: Session, claim_id: int, on: date) -> tuple[date, str] | None:
    """The day and the département of the claim's transfer, if it was transferred by ``on``."""
    row = session.scalars(
        select(ClaimEventRow)
        .where(
            ClaimEventRow.claim_id == claim_id,
            ClaimEventRow.kind == TRANSFERRED_EVENT,
            ClaimEventRow.occurred_on <= on,
        )
        .order_by(ClaimEventRow.occurred_on, ClaimEventRow.id)
    ).first()
    if row is None:
        return None
    return repository.as_date(row.occurred_on) or on, str((row.data or {}).get("departement") or "")


def transfer_refusal(session: Session, claim_id: int, claim_ref: str, on: date, what: str) -> str | None:
    """Why ``what`` (in French) is refused on the claim because it was transferred, or ``None``."""
    found = transfer_of(session, claim_id, on)
    if found is None:
        return None
    day, departement = found
    where = f"au département {departement}" if departement else "au département"
    return (
        f"la créance {claim_ref} est transférée {where} depuis le {day.strftime('%d/%m/%Y')} : "
        f"c'est le département qui la recouvre, {what} n'est plus possible "
        "(seul un paiement reçu est encore enregistré)"
    )
