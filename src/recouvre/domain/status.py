"""Status of a claim, derived from its ledger and the facts of its procedures.

The ledger says how much is owed; the status says why recovery goes on or not.
Precedence when a balance remains: transferred, prescribed, not recovered
(under the benefit's recovery minimum, RULES.md R-THRESH-1), suspended, open.
When nothing remains, the movement that closed the claim names the status.
"""

from __future__ import annotations

from dataclasses import dataclass

from recouvre.domain.ledger import Ledger, MovementKind
from recouvre.domain.model import ClaimStatus

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


def derive_status(ledger: Ledger, facts: StatusFacts) -> ClaimStatus:
    if facts.transferred:
        return ClaimStatus.TRANSFERRED
    if ledger.balance > 0:
        if facts.prescribed:
            return ClaimStatus.PRESCRIBED
        if facts.below_minimum:
            return ClaimStatus.NOT_RECOVERED
        if facts.suspended:
            return ClaimStatus.SUSPENDED
        return ClaimStatus.OPEN
    closing = [m for m in ledger.effective() if m.signed < 0]
    if closing:
        return CLOSING_STATUS.get(closing[-1].kind, ClaimStatus.SETTLED)
    return ClaimStatus.SETTLED
