"""CNSS late-payment surcharges on unpaid contributions (the cycle's step ``surcharges``).

Dahir portant loi n° 1-72-184 du 27/07/1972, art. 26 as amended (RULES.md §11.1, R-CNSS-1;
SCENARIOS.md "The monthly cycle"): a contribution unpaid at its due date bears a surcharge of
``cnss.surcharge_first`` percent of the principal for the first month (or part of a month) of
delay, plus ``cnss.surcharge_monthly`` percent for each further month started. At each cycle a
claim is brought to the total surcharge its delay calls for: the cycle books the difference.

Pure functions of the claim's facts, the rules in force and the cycle's date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from recouvre.domain.cycle import ClaimFacts, CycleRows, CycleRules, CycleRun
from recouvre.domain.defaults import add_months
from recouvre.domain.ledger import MovementKind
from recouvre.domain.model import Benefit
from recouvre.domain.money import Cents, percent_of

CONTRIBUTION = Benefit.CONTRIB.value
SURCHARGE = MovementKind.SURCHARGE.value


def surcharge_rate_months(due_on: date, on: date) -> int:
    """The months (or parts of a month) of delay started on ``on`` after ``due_on``."""
    months = 0
    while add_months(due_on, months) < on:
        months += 1
    return months


def surcharge_rate(first: Decimal, monthly: Decimal, months: int) -> Decimal:
    """The total surcharge rate, in percent of the principal, after ``months`` months of delay."""
    return first + monthly * (months - 1) if months > 0 else Decimal(0)


@dataclass(frozen=True)
class Surcharge:
    """The surcharge a cycle books on a claim, and why (the note of its movement)."""

    amount: Cents
    rate: Decimal
    months: int

    @property
    def note(self) -> str:
        return f"majoration {self.rate} % ({self.months} mois de retard)"


def surcharge_owed(
    principal: Cents,
    surcharged: Cents,
    balance: Cents,
    due_on: date,
    on: date,
    *,
    first: Decimal,
    monthly: Decimal,
) -> Surcharge | None:
    """What brings the claim's surcharges to the rate its delay on ``on`` calls for; ``None``
    when nothing is owed (paid, not late yet, or already surcharged enough)."""
    if balance <= 0:
        return None
    months = surcharge_rate_months(due_on, on)
    if months <= 0:
        return None
    rate = surcharge_rate(first, monthly, months)
    owed = percent_of(principal, rate) - surcharged
    return Surcharge(owed, rate, months) if owed > 0 else None


def surcharges(claims: Mapping[int, ClaimFacts], rules: CycleRules, run: CycleRun) -> CycleRows:
    """The step ``surcharges``: a ``surcharge`` movement on each late contribution claim."""
    rows = CycleRows()
    on, first, monthly = run.on, rules.surcharge_first, rules.surcharge_monthly
    for claim in claims.values():
        due_on = claim.contribution_due
        if due_on is None or claim.benefit != CONTRIBUTION or claim.surcharges_ended:
            continue
        owed = surcharge_owed(
            claim.principal, claim.surcharged, max(claim.total, 0), due_on, on, first=first, monthly=monthly
        )
        if owed is not None:
            rows.postings.append(
                (
                    claim.id,
                    f"{run.organism}:{claim.ref}:surcharge:{run.month}",
                    SURCHARGE,
                    owed.amount,
                    owed.note,
                )
            )
    return rows
