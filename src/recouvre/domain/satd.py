"""The SATD received: the organism as garnishee (tiers détenteur) of a debtor's benefits.

Sources (RULES.md §2.5, §9, R-TIERS-2):

* LPF L262 [H]: since 1 January 2019 the *saisie administrative à tiers détenteur* (SATD)
  replaced the ATD, the OTD and the other seizures of public creditors; the third party must pay
  the seizing creditor **within 30 days** (``PAYMENT_DAYS``).
* CSS L553-4 [H]: family benefits are **incessible and unseizable**, except (ASH n° 2876 "La
  saisie"; Sénat QE 1995):
  - for the recovery of **indus caused by fraud or false declaration** — then any benefit
    (R-TIERS-2, RULES.md §8: "benefits become seizable for recovery of fraud indus");
  - for **maintenance debts** (dettes alimentaires, costs of maintaining the children: school
    canteen, child hospital bills): AF, CF, ARS, ASF, PAJE base allowance / PreParE (AEEH for
    specific care costs). Of the benefits the project knows: AF, CF, ASF, PAJE.
  Any other debt (a tax, a fine…) seizes nothing of the benefits.
* RSA and prime d'activité are **never** seizable [M] (kateb-avocat; R-TIERS-2).
* "Within a monthly limit" (RULES.md §2.5): the limit is **not quantified** in RULES.md; none is
  applied here beyond what the law above leaves seizable and the notice's remaining amount.

Order applied (RULES.md §2.5 "Priority rules: not found in public material [—]"; the general
rules it lists are [L]):

1. **the organism's own withholdings come first** (CSS L553-2 withholding is made by the paying
   body on what it pays; the garnishee owes the seizing creditor only what it still holds for
   the debtor). No source states this order for a Caf: it is our reading, stated as such. The
   organism's withholding is charged first on the benefits the notices may seize, so that the
   share left for them is never taken out of an unseizable benefit;
2. then the notices: **maintenance debts first** ([L] "maintenance debts come first"), then by
   **date and time of receipt** ([L] "a SATD has an immediate attribution effect, so competing
   SATDs are ranked by date of receipt"), then by id.

Pure functions: integer cents, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from recouvre.domain.errors import DomainError
from recouvre.domain.model import Benefit
from recouvre.domain.money import Cents, format_eur

PAYMENT_DAYS = 30
"""LPF L262 (RULES.md §2.5): the third party pays the seizing creditor within 30 days."""

NEVER_SEIZABLE = frozenset({Benefit.RSA, Benefit.PPA})
"""R-TIERS-2: never the RSA nor the prime d'activité."""


class DebtKind(StrEnum):
    """What the seizing creditor recovers: it decides which benefits may be seized (L553-4)."""

    FRAUD = "fraud"
    """An overpayment caused by fraud or false declaration."""
    MAINTENANCE = "maintenance"
    """A maintenance debt (dette alimentaire, children's canteen or hospital costs)."""
    OTHER = "other"
    """Anything else (taxes, fines…): no benefit is seizable."""


MAINTENANCE_BENEFITS = frozenset({Benefit.AF, Benefit.CF, Benefit.ASF, Benefit.PAJE})
"""L553-4 (ASH n° 2876): AF, CF, ARS, ASF, PAJE base / PreParE may be seized for maintenance debts."""
BENEFITS = frozenset(Benefit) - {Benefit.LOAN, Benefit.CONTRIB}
"""The benefits the organism pays (a loan or a contribution is no payment to the debtor)."""


def seizable_benefits(kind: DebtKind) -> frozenset[Benefit]:
    """The benefits a notice for a debt of ``kind`` may seize (L553-4, R-TIERS-2)."""
    if kind is DebtKind.FRAUD:
        return BENEFITS - NEVER_SEIZABLE
    if kind is DebtKind.MAINTENANCE:
        return MAINTENANCE_BENEFITS - NEVER_SEIZABLE
    return frozenset()


def due_on(paid_on: date) -> date:
    """The last day to pay the seizing creditor what a benefit payment of ``paid_on`` owes it."""
    return paid_on + timedelta(days=PAYMENT_DAYS)


@dataclass(frozen=True)
class Notice:
    """A notice in force, with what it still claims (its amount less what was already set aside)."""

    id: int
    kind: DebtKind
    received_at: datetime
    remaining: Cents


@dataclass(frozen=True)
class Seizure:
    notice_id: int
    by_benefit: Mapping[Benefit, Cents]

    @property
    def amount(self) -> Cents:
        return sum(self.by_benefit.values())


def rank(notices: Sequence[Notice]) -> list[Notice]:
    """Maintenance debts first, then by receipt (date and time), then id (see the module docstring)."""
    return sorted(notices, key=lambda n: (n.kind is not DebtKind.MAINTENANCE, n.received_at, n.id))


def _ordered(benefits: Mapping[Benefit, Cents]) -> list[Benefit]:
    return sorted(benefits, key=lambda benefit: benefit.value)


def seize(paid: Mapping[Benefit, Cents], own_withheld: Cents, notices: Sequence[Notice]) -> list[Seizure]:
    """What each notice takes from one benefit payment (``paid``: gross amount per benefit,
    regular payments and arrears together), after the organism's own withholding ``own_withheld``.

    Never more than a benefit's amount left after the organism's withholding and the notices
    ranked before; never anything from a benefit the notice may not seize; never more than a
    notice still claims; never negative. One ``Seizure`` per notice, in rank order (possibly 0).
    """
    if any(amount < 0 for amount in paid.values()):
        raise DomainError("satd.paid", dict(paid), "un montant de prestation ne peut pas être négatif")
    if own_withheld < 0 or own_withheld > sum(paid.values()):
        raise DomainError("satd.own_withheld", own_withheld, "entre 0 et le montant brut versé")
    ranked = rank(notices)
    pool = {benefit: amount for benefit, amount in paid.items() if amount > 0}
    wanted = frozenset().union(*(seizable_benefits(n.kind) for n in ranked)) if ranked else frozenset()
    left = own_withheld
    for benefit in sorted(pool, key=lambda b: (b not in wanted, b.value)):
        take = min(pool[benefit], left)
        pool[benefit] -= take
        left -= take
    seizures: list[Seizure] = []
    for notice in ranked:
        due = max(notice.remaining, 0)
        taken: dict[Benefit, Cents] = {}
        allowed = seizable_benefits(notice.kind)
        for benefit in _ordered(pool):
            if due == 0:
                break
            if benefit not in allowed or pool[benefit] == 0:
                continue
            take = min(pool[benefit], due)
            pool[benefit] -= take
            due -= take
            taken[benefit] = take
        seizures.append(Seizure(notice.id, taken))
    return seizures


def explain_in_french(explanation: Mapping[str, object]) -> list[str]:
    """The SATD part of a benefit payment's explanation (``satd`` entries), in plain French."""
    entries = explanation.get("satd")
    if not isinstance(entries, list):
        return []

    lines = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        due = date.fromisoformat(str(entry["due_on"]))
        lines.append(
            f"Saisie administrative à tiers détenteur de {entry['creditor']} (réf. {entry['reference']}) : "
            f"{format_eur(int(str(entry['amount_cents'])))} prélevés sur les prestations saisissables, "
            f"après les retenues de l'organisme, à reverser au créancier au plus tard "
            f"le {due.strftime('%d/%m/%Y')}."
        )
    return lines
