"""Over-indebtedness (surendettement, PM241 procedures 16-19): what personal recovery erases.

Sources (RULES.md §6, R-SUR-1, R-SUR-2):

* C. conso. L722-2 ff.: the commission's admissibility decision suspends and forbids enforcement
  on prior non-maintenance debts and forbids the debtor to pay them; the organism suspends
  recovery (withholding included, R-SUR-1, default "suspend") and sends the list of its current
  claims.
* Rétablissement personnel sans liquidation: the debts existing at the date of the order that
  makes the recommendation enforceable are erased; a Caf claim is born on the date of the
  **undue payment** (Cass. 2e civ. 16/11/2023 n° 21-25.567), so only the undue payment lines paid
  **before** that date are erased.
* C. conso. L711-4: debts arising from fraud against a social-protection body are never erased;
  RSA fraud debts are, the RSA creditor being the département, not a social-protection body
  (CE 12/05/2023 n° 461606).

Within a claim the balance is read as prescription reads it (``domain.prescription`` rule 7):
reductions are imputed on the accessories (fraud indemnity, surcharges) first, then on the
principal lines oldest first, so the remaining principal is made of the youngest lines. The
part of it paid on or after the date is kept, and so are the remaining accessories booked on or
after the date (born after the order); the rest of the balance is erased.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from recouvre.domain.model import Benefit, Creditor, Responsibility, UndueLine
from recouvre.domain.money import Cents


class FileStatus(StrEnum):
    ADMISSIBLE = "admissible"
    PLAN = "plan"
    CONTESTED = "contested"
    DISCHARGED = "discharged"


@dataclass(frozen=True)
class DischargeFacts:
    claim_ref: str
    benefit: Benefit
    creditor: Creditor
    responsibility: Responsibility
    lines: tuple[UndueLine, ...]
    balance: Cents
    """Balance at the end of the discharge date, before the discharge."""
    increases_since: Cents = 0
    """Increases other than the principal (indemnity, surcharge) booked on or after the date."""


@dataclass(frozen=True)
class DischargeDecision:
    claim_ref: str
    erased: Cents
    kept: Cents
    rule: str

    def explain(self) -> dict[str, object]:
        return {"erased_cents": self.erased, "kept_cents": self.kept, "rule": self.rule}


def excluded_fraud(facts: DischargeFacts) -> bool:
    """L711-4: fraud against a social-protection body is kept; RSA (département) fraud is not."""
    return (
        facts.responsibility is Responsibility.FRAUD
        and facts.benefit is not Benefit.RSA
        and facts.creditor is not Creditor.DEPARTEMENT
    )


def discharge(facts: DischargeFacts, on: date) -> DischargeDecision:
    """What personal recovery ordered on ``on`` erases from one claim (R-SUR-2)."""
    balance = max(facts.balance, 0)
    if excluded_fraud(facts):
        return DischargeDecision(
            facts.claim_ref, 0, balance, "L711-4: fraud against a social-protection body"
        )
    principal = sum(line.amount for line in facts.lines)
    remaining_principal = min(balance, principal)
    accessories = balance - remaining_principal
    born_after = sum(line.amount for line in facts.lines if line.paid_on >= on)
    kept = min(remaining_principal, born_after) + min(accessories, max(facts.increases_since, 0))
    rule = "R-SUR-2: lines paid before the order are erased"
    if facts.responsibility is Responsibility.FRAUD:
        rule += "; RSA fraud is erasable (CE 12/05/2023 n° 461606)"
    return DischargeDecision(facts.claim_ref, balance - kept, kept, rule)


def discharge_all(facts: Sequence[DischargeFacts], on: date) -> list[DischargeDecision]:
    return [discharge(item, on) for item in facts]
