"""Status of a claim, derived from its ledger and the facts of its procedures.

The ledger says how much is owed; the status says why recovery goes on or not.
Precedence when a balance remains: transferred, prescribed, not recovered
(under the benefit's recovery minimum, RULES.md R-THRESH-1), suspended, open.
When nothing remains, the movement that closed the claim names the status: a write-off,
a discharge; a cancellation when nothing recovered was kept (the appeal annulled the
claim), otherwise the claim was paid: settled (e.g. reduced on appeal, then paid).

``status_of`` is the rule on plain figures, so that set-based reports apply the very
same rule as ``derive_status`` on a ledger.
"""

from __future__ import annotations

from dataclasses import dataclass

from recouvre.domain.ledger import RECOVERED, Ledger, MovementKind
from recouvre.domain.model import ClaimStatus
from recouvre.domain.money import Cents

CLOSING_STATUS = {
    MovementKind.WRITE_OFF: ClaimStatus.WRITTEN_OFF,
    MovementKind.DISCHARGE: ClaimStatus.DISCHARGED,
    MovementKind.CANCELLATION: ClaimStatus.CANCELLED,
}


@dataclass(frozen=True)
class StatusFacts:
    below_minimum: bool = False
    suspended: bool = False
    transferred: bool = False
    prescribed: bool = False


def status_of(balance: Cents, closing: MovementKind | None, kept: Cents, facts: StatusFacts) -> ClaimStatus:
    """The status from the balance, the kind of the last effective reducing movement, and the
    money recovered and kept on the claim (payments and withholdings less refunds)."""
    if facts.transferred:
        return ClaimStatus.TRANSFERRED
    if balance > 0:
        if facts.prescribed:
            return ClaimStatus.PRESCRIBED
        if facts.below_minimum:
            return ClaimStatus.NOT_RECOVERED
        if facts.suspended:
            return ClaimStatus.SUSPENDED
        return ClaimStatus.OPEN
    if closing is MovementKind.CANCELLATION and kept > 0:
        return ClaimStatus.SETTLED
    return CLOSING_STATUS.get(closing, ClaimStatus.SETTLED) if closing is not None else ClaimStatus.SETTLED


def money_kept(ledger: Ledger) -> Cents:
    effective = ledger.effective()
    recovered = sum(m.amount for m in effective if m.kind in RECOVERED)
    refunded = sum(m.amount for m in effective if m.kind is MovementKind.REFUND)
    return recovered - refunded


def derive_status(ledger: Ledger, facts: StatusFacts) -> ClaimStatus:
    closing = [m for m in ledger.effective() if m.signed < 0]
    return status_of(ledger.balance, closing[-1].kind if closing else None, money_kept(ledger), facts)
