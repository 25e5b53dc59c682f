"""Launch of recovery (PM241 procedure 2): the recovery mode and the notification's mentions.

Sources: CSS L553-2 (withholding on future benefits, or full repayment at the debtor's
choice); R133-9-2 as amended by décret 2021-306 (notification by any means giving a date of
receipt; 20 days to ask for correction; withholding once they have passed unless the debtor
repays or accepts a schedule of 12 months at most; appeal routes and time limits); R142-1
(two months to seize the amicable appeals board, enforceable only if the notification says so).
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from recouvre.domain.model import Benefit, Claim
from recouvre.domain.money_in import readable_reference


class RecoveryMode(StrEnum):
    WITHHOLDING = "withholding"
    """The debtor still receives benefits: the PRP scale applies after the start delay."""
    PAYMENT = "payment"
    """No benefit to withhold from: full payment, or an instalment plan of at most 12 months."""


ADMINISTRATIVE_APPEAL_BENEFITS = frozenset({Benefit.RSA, Benefit.APL, Benefit.PPA})
"""Benefits whose disputes go to the administrative courts, after a prior administrative
appeal (RAPO) to the président du conseil départemental or the organism (RULES.md §7.2)."""


def recovery_mode(receives_benefits: bool) -> RecoveryMode:
    return RecoveryMode.WITHHOLDING if receives_benefits else RecoveryMode.PAYMENT


def payment_reference(organism: str, claim_ref: str) -> str:
    """An ISO 11649 creditor reference (RF…) for transfers and online payment: the readable one;
    the claim's own is stored (``service.money_in``) and differs only when another claim of the
    organism already holds this one (``domain.money_in.candidate_references``)."""
    return readable_reference(organism, claim_ref)


def correction_deadline(notified_on: date, start_delay_days: int) -> date:
    """Last day to ask for a correction; withholding may start the day after."""
    return notified_on + timedelta(days=start_delay_days)


def appeal_deadline(notified_on: date, months: int) -> date:
    """``months`` after the notification's receipt (policy ``appeal.board_months``, R142-1)."""
    return notified_on + relativedelta(months=months)


def appeal_route(claim: Claim) -> str:
    if claim.benefit in ADMINISTRATIVE_APPEAL_BENEFITS:
        return "administrative"
    return "board"
