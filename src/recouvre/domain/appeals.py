"""Appeals (recours, PM242): deadlines, suspension and the effect of a decision on the ledger.

Sources (RULES.md §7, R-SUSP-1, R-START-1):

* CSS R142-1: the amicable appeals board (CRA) must be seized within **two months** of the
  notification; the time limit (forclusion) can only be held against the debtor when the
  notification stated it (R-NOTIF-1). Our notifications always carry the mentions
  (``claims.launch`` writes ``appeal_deadline`` and ``appeal_route``).
* CSS R142-6 (since 1 January 2019): without an answer **two months** after the board received
  the appeal, it is implicitly rejected; the debtor then has **two months** to go to court (pôle
  social of the tribunal judiciaire; tribunal administratif for RSA/APL/PPA after the RAPO,
  CASF L262-47, same delays).
* R-SUSP-1: an appeal filed in time suspends recovery until the board's decision or the
  implicit rejection, for the benefits in policy ``appeal.suspends``; for RSA every appeal, at
  every level, suspends (CASF L262-46).
* A decision is applied to the ledger by a ``cancellation`` of what is no longer owed and a
  ``refund`` of what was recovered beyond the new amount (SCENARIOS.md, PM242).

The delays are dated policy parameters with their source (``appeal.board_months``,
``appeal.implicit_rejection_months`` — one month before 2019, two since —,
``appeal.court_months``); the functions here take them as arguments, and the service reads them
at the right date: the notification's for the board, the board's receipt for the implicit
rejection, the decision's for the court. ``None`` means the policy has no such delay (an
organism outside the CSS, e.g. the CNSS): no time limit is held, no implicit rejection occurs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from recouvre.domain.launch import appeal_deadline
from recouvre.domain.ledger import RECOVERED, Ledger, MovementKind
from recouvre.domain.model import Benefit, DomainError
from recouvre.domain.money import Cents

SUSPENSIVE_AT_EVERY_LEVEL = frozenset({Benefit.RSA})
"""CASF L262-46: for RSA any appeal, at any level (court included), suspends recovery (R-SUSP-1)."""


class AppealStage(StrEnum):
    AMICABLE = "amicable"
    COURT = "court"


class AppealStatus(StrEnum):
    PENDING = "pending"
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"
    IMPLICITLY_REJECTED = "implicitly_rejected"


class AppealOutcome(StrEnum):
    REJECTED = "rejected"
    UPHELD = "upheld"
    REDUCED = "reduced"


class Appellant(StrEnum):
    DEBTOR = "debtor"
    ORGANISM = "organism"
    """The organism's own appeal against a court decision that went against it."""


def board_deadline(notified_on: date | None, months: int | None, mentions: bool = True) -> date | None:
    """Last day to seize the board, ``months`` (R142-1, policy ``appeal.board_months`` on the
    notification date) after the notification; ``None`` when no time limit can be held against
    the debtor (no notification, no delay, or a notification without the mentions — R-NOTIF-1)."""
    if notified_on is None or months is None or not mentions:
        return None
    return appeal_deadline(notified_on, months)


def implicit_rejection_on(received_on: date, months: int | None) -> date | None:
    """The day the board's silence becomes an implicit rejection: ``months`` after it received
    the appeal (R142-6, policy ``appeal.implicit_rejection_months`` on that date)."""
    return None if months is None else received_on + relativedelta(months=months)


def court_deadline(decided_on: date, months: int | None) -> date | None:
    """Last day to go to court, ``months`` after the board's decision or implicit rejection
    (policy ``appeal.court_months`` on that date)."""
    return None if months is None else decided_on + relativedelta(months=months)


def is_late(filed_on: date, deadline: date | None) -> bool:
    """Filed after its deadline (forclusion); never late without an enforceable deadline."""
    return deadline is not None and filed_on > deadline


def suspends(benefit: Benefit, stage: AppealStage, suspending: frozenset[str]) -> bool:
    """R-SUSP-1: does a pending appeal of this stage suspend recovery of a claim of ``benefit``?

    ``suspending`` is policy ``appeal.suspends`` on the filing date. An amicable appeal suspends
    for those benefits; a court appeal only where the law makes every level suspensive (RSA).
    """
    if benefit.value not in suspending:
        return False
    return stage is AppealStage.AMICABLE or benefit in SUSPENSIVE_AT_EVERY_LEVEL


@dataclass(frozen=True)
class LedgerEffect:
    """What a decision books: a cancellation (may exceed the balance), then a refund of the credit."""

    cancellation: Cents
    refund: Cents
    new_principal: Cents

    def explain(self) -> dict[str, object]:
        return {
            "cancellation_cents": self.cancellation,
            "refund_cents": self.refund,
            "new_principal_cents": self.new_principal,
        }


def recovered_net(ledger: Ledger) -> Cents:
    """Money actually taken from the debtor and kept: payments and withholdings, less refunds."""
    return ledger.sum_of(RECOVERED) - ledger.sum_of(frozenset({MovementKind.REFUND}))


def upheld_effect(ledger: Ledger) -> LedgerEffect:
    """The claim is void: cancel everything still claimed, refund everything recovered.

    Cancellation = what is still claimed net of the reductions that are not money (remission,
    write-off, discharge, earlier cancellations) = total + recovered; after it the total is
    ``-recovered``, a credit the refund repays, leaving a balance and a credit of zero.
    """
    cancellation = max(ledger.total + recovered_net(ledger), 0)
    refund = max(cancellation - ledger.total, 0)
    return LedgerEffect(cancellation, refund, 0)


def reduced_effect(
    ledger: Ledger, principal: Cents, new_principal: Cents, indemnity_reduction: Cents = 0
) -> LedgerEffect:
    """The principal becomes ``new_principal``: cancel the difference (and the part of a fraud
    indemnity computed on it), then refund what was recovered beyond the new amount."""
    if new_principal < 0:
        raise DomainError("appeal.amount", new_principal, "le nouveau principal ne peut pas être négatif")
    if new_principal >= principal:
        raise DomainError(
            "appeal.amount",
            new_principal,
            "le nouveau principal d'une créance réduite est inférieur à son principal actuel "
            f"({principal} centimes)",
        )
    cancellation = principal - new_principal + max(indemnity_reduction, 0)
    refund = max(cancellation - ledger.total, 0)
    return LedgerEffect(cancellation, refund, new_principal)
