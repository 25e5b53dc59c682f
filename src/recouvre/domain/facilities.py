"""CNSS payment facilities ("arrangements de facilités de paiement") and how they are honoured.

Conditions (RULES.md §11.2, R-CNSS-3; SEED-CNSS: debtors in financial difficulty are entitled
to an arrangement; ecoactu.ma on decision 005/2023: facilities under art. 124 of the code de
recouvrement des créances publiques, with the contributions falling due during the plan paid):

- the facility covers a contribution claim (``CONTRIB``);
- the current contributions are paid: no other contribution of the employer that fell due after
  the one arranged, and by the agreement date, is left unpaid (the arrangement settles arrears,
  not the running account);
- at most ``cnss.facility_max_months`` monthly instalments;
- a down payment of at least ``cnss.facility_down_payment`` percent of the balance, when the
  policy asks for one, paid the day the facility is granted.

Default tracking (RULES.md §11.2: 53 % of arrangements and payment plans not honoured, 46 % of
instalments not paid on time; le360 2019, L'Economiste): a plan is not honoured on a date when
one of its instalments due by then is not covered by the money received since it was agreed
(instalments are covered in order, ``domain.defaults.defaults_of_plan``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from recouvre.domain.defaults import defaults_of_plan, due_dates
from recouvre.domain.model import Benefit
from recouvre.domain.money import Cents, percent_of, round_cents

RULES_SHARE_NOT_HONOURED = Decimal(53)
"""RULES.md §11.2: 53 % of arrangements and payment plans not honoured (le360 2019)."""
RULES_SHARE_INSTALMENTS_LATE = Decimal(46)
"""RULES.md §11.2: 46 % of instalments not paid on time (le360 2019)."""


def down_payment_required(balance: Cents, rate: Decimal) -> Cents:
    """The down payment a facility on ``balance`` requires (0 when the policy asks none)."""
    return percent_of(balance, rate) if rate > 0 else 0


def facility_refusal(
    benefit: str,
    instalments: int,
    max_months: int,
    down_payment: Cents,
    required_down_payment: Cents,
    current_unpaid: Sequence[str],
) -> str | None:
    """Why a facility is refused (in French), or ``None`` when it may be granted."""
    if benefit != Benefit.CONTRIB.value:
        return "un arrangement de facilités de paiement ne porte que sur des cotisations (créances CONTRIB)"
    if current_unpaid:
        return (
            "les cotisations courantes doivent être réglées avant tout arrangement : "
            f"restent dues {', '.join(current_unpaid)}"
        )
    if max_months and instalments > max_months:
        return f"{instalments} échéances : l'arrangement en admet {max_months} au plus"
    if down_payment < required_down_payment:
        return f"un acompte d'au moins {required_down_payment / 100:.2f} est exigé".replace(".", ",")
    return None


@dataclass(frozen=True)
class PlanFacts:
    """A plan as the tracking reads it on a date."""

    first_due: date
    monthly: Cents
    total: Cents
    credits: Cents
    """Money received on the claim since the plan was agreed."""
    judged_on: date | None = None
    """The date it is judged on: its end for a plan replaced before the date (else the date)."""


@dataclass(frozen=True)
class HonouredShare:
    plans: int
    """Plans with at least one instalment due by the date."""
    not_honoured: int
    instalments_due: int
    instalments_unpaid: int

    @property
    def share_not_honoured(self) -> Decimal | None:
        """Percent of the plans not honoured, two decimals half up (``None`` without a plan due)."""
        return _percent(self.not_honoured, self.plans)

    @property
    def share_instalments_unpaid(self) -> Decimal | None:
        return _percent(self.instalments_unpaid, self.instalments_due)


def _percent(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return Decimal(round_cents(Decimal(part) * 10_000 / whole)) / 100


def honoured_share(plans: Sequence[PlanFacts], on: date) -> HonouredShare:
    """How the plans stand on ``on``: those with an instalment due and not covered."""
    counted = not_honoured = due_total = unpaid_total = 0
    for plan in plans:
        day = plan.judged_on or on
        due = min(due_dates(plan.first_due, day), -(-plan.total // plan.monthly))
        if due == 0:
            continue
        counted += 1
        unpaid = defaults_of_plan(plan.first_due, plan.monthly, plan.total, plan.credits, day)
        due_total += due
        unpaid_total += min(unpaid, due)
        if unpaid > 0:
            not_honoured += 1
    return HonouredShare(counted, not_honoured, due_total, unpaid_total)
