"""Recovery minimums (RULES.md R-THRESH-1): claims under their benefit's minimum are not recovered.

CSS L133-3 al. 1 lets bodies not start recovery below amounts set by decree; CASF R262-92
sets 77 € for RSA. The amounts are the dated policy parameter ``recovery.min_amount``; the
comparison is on the claim's principal (the amount notified), so it never changes with payments.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Any, Protocol

from recouvre.domain.money import Cents

MIN_AMOUNT_KEY = "recovery.min_amount"
_NONE: Mapping[str, Cents] = MappingProxyType({})


class DatedParameters(Protocol):
    """What this module reads of a policy (``recouvre.policy.Policy`` fits): the domain names
    the shape it needs instead of importing the policy layer."""

    def __contains__(self, key: object) -> bool: ...

    def get(self, key: str, on: date) -> Any: ...


def recovery_minimums(policy: DatedParameters, on: date) -> Mapping[str, Cents]:
    """The minimum of each benefit in force on ``on``; empty where the policy has none (e.g. MA)."""
    if MIN_AMOUNT_KEY not in policy:
        return _NONE
    found: Mapping[str, Cents] = policy.get(MIN_AMOUNT_KEY, on)
    return found


def under_minimum(minimums: Mapping[str, Cents], benefit: str, principal: Cents) -> bool:
    minimum = minimums.get(benefit)
    return minimum is not None and principal < minimum
