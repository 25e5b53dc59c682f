"""Which acts a claim's state still allows: a claim transferred to the département (status
``transferred``, ``service.third_party``; R-TIERS-1, CASF L262-46) is no longer the organism's to
recover. A payment received for it is still booked (the money is recorded, then accounted for to
the département), but no act of recovery is started on it any more: no plan, no promise, no
remission request, no enforcement title, no agency placement (nor, through the cycle, any
reminder). The door (``service.door.on_claim``) asks ``refusal_of`` before such an act; the
placements and the enforcement titles ask ``transfer_refusal`` with their own words.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from recouvre.service.context import Services, refuse
from recouvre.storage import repository
from recouvre.storage.tables import ClaimEventRow

TRANSFERRED_EVENT = "transferred"
"""The claim event the transfer records (``service.third_party.TRANSFERRED_EVENT``)."""

REFUSED_ONCE_TRANSFERRED: dict[str, tuple[str, str]] = {
    # action: (refusal event, what is refused, in French)
    "plans.agree": ("plan", "un échéancier"),
    "plans.request": ("plan", "une demande d'échéancier"),
    "promises.record": ("promise", "une promesse de paiement"),
    "remissions.request": ("remission", "une demande de remise"),
    "titles.draft": ("contrainte", "une contrainte ou un autre titre exécutoire"),
}
"""The acts of recovery the door refuses on a transferred claim (a payment is not among them).
A placement is refused by ``service.placements`` (a recall, same action, stays possible), a title
signed or filed by ``service.enforcement``, both in the words of ``transfer_refusal``."""


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


def refusal_of(services: Services, organism: str, claim_ref: str, action: str, on: date) -> None:
    """Raise (and record) the refusal of ``action`` when the claim's state does not allow it."""
    refused = REFUSED_ONCE_TRANSFERRED.get(action)
    if refused is None:
        return
    event, what = refused
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        row = repository.claim_row(session, organism_id, claim_ref)
        reason = None if row is None else transfer_refusal(session, row.id, claim_ref, on, what)
    if reason is not None:
        raise refuse(services, organism, on, event, claim_ref, reason)
