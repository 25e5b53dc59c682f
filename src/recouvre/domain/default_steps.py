"""A step of the default ladder (policy ``default.steps``; SCENARIOS.md "The monthly cycle").

A domain value: the cycle's rules (``domain.defaults``) read it, the policy
(``recouvre.policy``) builds it from its parameter file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType

from dateutil.relativedelta import relativedelta


@dataclass(frozen=True)
class DefaultStep:
    """At the ``defaults``-th default of a claim: send ``letter``, create ``task`` if any."""

    defaults: int
    letter: str
    task: str | None = None

    def __post_init__(self) -> None:
        if self.defaults < 1:
            raise ValueError("defaults must be at least 1")
        if not self.letter:
            raise ValueError("a step needs a letter")


REVIEW = "review"
"""After the final notice: phase ``contentious`` and a ``review`` task to draft the title."""
COMMANDEMENT = "commandement"
"""After the final notice: letter ``commandement``, ``costs``, phase ``enforcement`` (CNSS)."""


@dataclass(frozen=True)
class FinalNotice:
    """The ladder's last letter, its deadline and what follows it for a claim still in default.

    - France (CSS L161-1-5, R133-3; SCENARIOS.md "The monthly cycle"): the ``formal_notice``
      gives one month (``default.formal_notice_months``); then the claim moves to the
      contentious phase and a ``review`` task drafts the enforcement title (contrainte or
      payment injunction).
    - Morocco, CNSS (cnss.ma « Recouvrement forcé »; RULES.md §11.2, R-CNSS-2; SCENARIOS.md
      "CNSS forced recovery"): the ``last_notice`` ("dernier avis sans frais") gives
      ``cnss.last_notice_days`` days; then the ``commandement`` with ``cnss.commandement_costs``
      percent of the balance as ``costs`` (rounded once, on the balance after that cycle's
      surcharge), and phase ``enforcement`` under the CNSS's own enforceable title, the "état de
      produits" (dahir 1-72-184 art. 28).
    """

    letter: str
    then: str
    months: int = 0
    days: int = 0
    costs_rate: Decimal = Decimal(0)

    def deadline(self, on: date) -> date:
        """The date until which the debtor may still pay after a notice sent on ``on``."""
        return _deadline(on, self.months, self.days)


@lru_cache(maxsize=4_096)
def _deadline(on: date, months: int, days: int) -> date:
    # Cached: a cycle dates thousands of notices on the same day, and ``relativedelta`` is slow.
    return on + relativedelta(months=months) + timedelta(days=days)


def _formal_notice(formal_notice_months: int, last_notice_days: int, costs: Decimal) -> FinalNotice:
    return FinalNotice("formal_notice", REVIEW, months=formal_notice_months)


def _last_notice(formal_notice_months: int, last_notice_days: int, costs: Decimal) -> FinalNotice:
    return FinalNotice("last_notice", COMMANDEMENT, days=last_notice_days, costs_rate=costs)


FINAL_NOTICES: Mapping[str, Callable[[int, int, Decimal], FinalNotice]] = MappingProxyType(
    {"FR": _formal_notice, "MA": _last_notice}
)
"""The final notice of the default ladder, by the organism's country (ISO 3166 code)."""


def final_notice(
    country: str,
    *,
    formal_notice_months: int,
    last_notice_days: int = 20,
    commandement_costs: Decimal = Decimal(2),
) -> FinalNotice:
    """The final notice of ``country`` with the parameters in force (France's for an unknown one)."""
    build = FINAL_NOTICES.get(country, _formal_notice)
    return build(formal_notice_months, last_notice_days, commandement_costs)
