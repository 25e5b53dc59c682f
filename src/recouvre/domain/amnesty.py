"""CNSS amnesty campaigns: who may apply, and what is remitted (SCENARIOS.md "CNSS amnesty").

Sources (RULES.md §11.2, R-CNSS-3): the 2015 amnesty (surcharges and costs of 1969–2005 arrears
cancelled when the principal is paid, 17/03/2015 → 17/03/2016, lavieeco.com); Finance Minister
decision 002/2020 of 1 July 2020 (claims of 2016 and earlier: 90 % when paid within 24 months,
60 % on a plan of 25 to 42 months; extended to 31/12/2022 by the CNSS board of 5 January 2022);
decision 004/2020 of 25 September 2020, the COVID measure (total remission for claims of June
2020 and earlier of companies hit by the pandemic, plans up to 60 months); decision 005/2023 of
17 October 2023 (claims due up to December 2024; 60 % / 50 % / 40 % of penalties and costs for
full payment / plan ≤ 24 months / longer plan; applications until 15 January 2025). The grids
are dated policy (``cnss.amnesty``, ``cnss.amnesty_max_plan_months``).

The rules, pure functions of the facts:

- an application (``amnesty`` event) is allowed for a ``CONTRIB`` claim while a grid is in force
  on its date, for an option the grid offers (a rate of 0 is an option the campaign does not
  offer); ``plan_24`` needs a plan agreed on or before the application date of at most 24
  instalments, ``plan_more`` one of more than 24 (and at most the campaign's maximum, when it
  has one);
- on the day the credits booked on the claim since its creation reach its principal, the
  option's percent of the ``surcharge`` and ``costs`` booked until then is remitted (rounded
  once), within the balance (a remission never exceeds it: ledger invariant 4); no surcharge is
  booked afterwards;
- the claim's default on its plan (the ``formal_notice`` or ``last_notice`` step reached) ends
  a plan option's amnesty without remission.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from recouvre.domain.model import Benefit
from recouvre.domain.money import Cents, percent_of

OPTIONS = ("full", "plan_24", "plan_more")
PLAN_OPTIONS = frozenset({"plan_24", "plan_more"})
SHORT_PLAN_INSTALMENTS = 24
"""``plan_24``: a plan of at most 24 instalments; ``plan_more``: more (decision 005/2023)."""
LAPSING_STEPS = frozenset({"formal_notice", "last_notice"})
"""The steps whose reaching ends a plan option's amnesty (SCENARIOS.md "CNSS amnesty")."""


def instalments(total: Cents, monthly: Cents) -> int:
    """How many instalments a plan of ``monthly`` takes to pay ``total`` (the last one smaller)."""
    if monthly <= 0:
        raise ValueError("monthly must be positive")
    return max(1, -(-total // monthly))


def application_refusal(
    benefit: str,
    option: str,
    grid: Mapping[str, Decimal] | None,
    plan_instalments: int | None,
    max_plan_months: int,
) -> str | None:
    """Why an application is refused (a message in French), or ``None`` when it is allowed.

    ``plan_instalments``: the number of instalments of the plan agreed on or before the
    application date, ``None`` without one; ``max_plan_months``: the campaign's longest plan
    (0: the campaign sets none)."""
    if benefit != Benefit.CONTRIB.value:
        return "l'amnistie ne porte que sur les cotisations (créances CONTRIB)"
    if grid is None:
        return "aucune campagne d'amnistie n'est ouverte à cette date"
    if option not in OPTIONS:
        return f"option inconnue {option!r} (full, plan_24 ou plan_more)"
    if not grid.get(option):
        return f"la campagne en cours n'offre pas l'option {option}"
    if option in PLAN_OPTIONS:
        if plan_instalments is None:
            return f"l'option {option} suppose un échéancier accordé au plus tard le jour de la demande"
        if option == "plan_24" and plan_instalments > SHORT_PLAN_INSTALMENTS:
            return (
                f"l'échéancier compte {plan_instalments} échéances : l'option plan_24 en admet "
                f"{SHORT_PLAN_INSTALMENTS} au plus (option plan_more)"
            )
        if option == "plan_more" and plan_instalments <= SHORT_PLAN_INSTALMENTS:
            return (
                f"l'échéancier compte {plan_instalments} échéances : l'option plan_more en suppose "
                f"plus de {SHORT_PLAN_INSTALMENTS} (option plan_24)"
            )
        if max_plan_months and plan_instalments > max_plan_months:
            return (
                f"l'échéancier compte {plan_instalments} échéances : la campagne en admet "
                f"{max_plan_months} au plus"
            )
    return None


def remission_owed(rate: Decimal, surcharges_and_costs: Cents, balance: Cents) -> Cents:
    """The amnesty's remission: ``rate`` percent of the surcharges and costs booked, rounded
    once, within the balance (0 when nothing is left to remit)."""
    return max(0, min(percent_of(surcharges_and_costs, rate), balance))


def principal_paid(credits: Cents, principal: Cents) -> bool:
    """Whether the credits booked since the claim's creation reach its principal."""
    return credits >= principal > 0
