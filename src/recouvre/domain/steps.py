"""The named steps of the monthly cycle, and the ordered list a policy asks for.

``STEPS`` is the cycle in its national order (SCENARIOS.md "Order of work": surcharges, then
promises, then default steps); an organism's ``cycle.steps`` may drop steps or reorder them,
within ``steps_named``'s rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from recouvre.domain.cycle import Step
from recouvre.domain.defaults import defaults
from recouvre.domain.promises import promises
from recouvre.domain.surcharges import surcharges

STEPS: Mapping[str, Step] = MappingProxyType(
    {"surcharges": surcharges, "promises": promises, "defaults": defaults}
)
"""Every step the cycle knows, by name, in the national order."""

MUST_PRECEDE: Mapping[str, frozenset[str]] = MappingProxyType({"defaults": frozenset({"promises"})})
"""Steps that must come after others when both are listed: the default step reads the holds of
the promises (a promise to pay holds reminders until its date)."""


def steps_named(names: Iterable[str]) -> tuple[Step, ...]:
    """The steps of ``names``, in that order; raises ``ValueError`` naming what is wrong."""
    listed = list(names)
    unknown = [name for name in listed if name not in STEPS]
    if unknown:
        raise ValueError(f"unknown step(s) {', '.join(unknown)} (known: {', '.join(STEPS)})")
    twice = sorted({name for name in listed if listed.count(name) > 1})
    if twice:
        raise ValueError(f"step(s) listed twice: {', '.join(twice)}")
    for name, earlier in MUST_PRECEDE.items():
        for other in earlier:
            if name in listed and other in listed and listed.index(other) > listed.index(name):
                raise ValueError(f"step {other} must come before step {name}")
    return tuple(STEPS[name] for name in listed)
