"""What a claim's state allows: the one place that decides it, asked by the door
(``service.door.on_claim``) before every act on a claim, so that no page, API route or command
relies on a hidden button.

* Once a claim's recovery is over (settled, prescribed, written off, discharged, cancelled,
  transferred, not recovered), nothing more is asked of the debtor: no plan, no promise, no
  suspension.
* A claim transferred to the département (``service.transfers``; R-TIERS-1, CASF L262-46) is no
  longer the organism's to recover: a payment received for it is still booked (the money is
  recorded, then accounted for to the département), but no remission request and no
  enforcement title either (placements and titles signed or filed refuse it in their own
  modules, with ``transfers.transfer_refusal``'s words).
* A payment larger than the balance is refused unless the user confirmed that the excess
  becomes a credit to refund (RULES.md, payments: an overpayment is refunded, never kept).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from recouvre.domain.errors import NotFound, Overpayment
from recouvre.domain.french import CLAIM_STATUS, long_date
from recouvre.domain.model import ClaimStatus
from recouvre.domain.money import Cents, format_money
from recouvre.service import claims, queues
from recouvre.service.context import Services, refuse
from recouvre.service.transfers import transfer_refusal
from recouvre.storage import repository

ENDED: Final = frozenset(
    {
        ClaimStatus.SETTLED,
        ClaimStatus.PRESCRIBED,
        ClaimStatus.WRITTEN_OFF,
        ClaimStatus.DISCHARGED,
        ClaimStatus.CANCELLED,
        ClaimStatus.TRANSFERRED,
        ClaimStatus.NOT_RECOVERED,
    }
)
"""The statuses of a claim whose recovery is over: nothing is asked of the debtor any more."""
TRANSFERRED_ONLY: Final = frozenset({ClaimStatus.TRANSFERRED})


@dataclass(frozen=True)
class Limited:
    """An act refused when the claim's status is among ``refused_when``; ``event`` is the refusal
    recorded on the claim, ``what`` the act in French (« une promesse de paiement »)."""

    event: str
    what: str
    refused_when: frozenset[ClaimStatus]


LIMITED_ACTS: Final[dict[str, Limited]] = {
    "plans.agree": Limited("plan", "un échéancier", ENDED),
    "plans.request": Limited("plan", "une demande d'échéancier", ENDED),
    "promises.record": Limited("promise", "une promesse de paiement", ENDED),
    "recovery.suspend": Limited("suspension", "une suspension du recouvrement", ENDED),
    "remissions.request": Limited("remission", "une demande de remise", TRANSFERRED_ONLY),
    "titles.draft": Limited("contrainte", "une contrainte ou un autre titre exécutoire", TRANSFERRED_ONLY),
}
"""The acts on a claim that its state may forbid (the others, a payment among them, are always
possible, within their own rules)."""


def refusal_of(services: Services, organism: str, claim_ref: str, action: str, on: date) -> None:
    """Raise (and record) the refusal of ``action`` when the claim's state on ``on`` does not
    allow it; a claim not yet established on ``on`` is left to the act itself to refuse."""
    limited = LIMITED_ACTS.get(action)
    if limited is None:
        return
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        row = repository.claim_row(session, organism_id, claim_ref)
        reason = None if row is None else transfer_refusal(session, row.id, claim_ref, on, limited.what)
    if row is None:
        return
    if reason is None and limited.refused_when != TRANSFERRED_ONLY:
        try:
            status = claims.view_claim(services, organism, claim_ref, on).status
        except NotFound:
            return
        if status in limited.refused_when:
            label = CLAIM_STATUS.get(status.value, status.value)
            reason = (
                f"la créance {claim_ref} est {label} au {long_date(on)} : {limited.what} n'est plus possible"
            )
    if reason is not None:
        raise refuse(services, organism, on, limited.event, claim_ref, reason)


def overpayment(
    services: Services, organism_code: str, claim_ref: str, amount: Cents, on: date, key: str
) -> Overpayment | None:
    """The error to raise for a payment of ``amount`` larger than the balance on ``on`` (``None``
    when it is not larger, or when the payment ``key`` is already booked: a replay books
    nothing)."""
    with services.db.unit_of_work() as session:
        if repository.movement_by_key(session, f"{organism_code}:{claim_ref}:payment:{key}") is not None:
            return None
        organism, row = claims.find_claim(services, session, organism_code, claim_ref)
        if row.established_on > on:  # not yet established on ``on``: the booking says so
            return None
        # the balance alone (the ledger's), not the whole view: status and phase do not matter here
        owed = repository.load_ledger(session, row.id, until=on).balance
    if amount <= owed:
        return None
    balance = max(owed, 0)
    credit = amount - balance
    code = queues.currency_of(services, organism, on)
    reason = (
        f"le paiement de {format_money(amount, code)} dépasse le solde de la créance {claim_ref} "
        f"({format_money(balance, code)} au {long_date(on)}) : {format_money(credit, code)} "
        "deviendraient un trop-perçu à rembourser au débiteur. Confirmez le paiement pour "
        "l'enregistrer quand même"
    )
    return Overpayment(claim_ref, amount, balance, credit, reason)
