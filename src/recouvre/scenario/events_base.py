"""The building blocks of timeline events: the keys SCENARIOS.md names and ``EventSpec``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

from pydantic import TypeAdapter

from recouvre.scenario.context import Replay, Step

V = TypeVar("V")

KNOWN_EVENTS = frozenset(
    {
        "benefit_payment",
        "payment",
        "plan",
        "cycle",
        "registered_letter",
        "acknowledgment",
        "appeal",
        "remission_request",
        "remission_decision",
        "over_indebtedness",
        "write_off",
        "contribution_due",
        "contrainte",
        "injunction",
        "amnesty",
        "placement",
        "agency_payment",
        "campaign",
        "call",
        "bank_credit",
        "mandate",
        "direct_debit_run",
        "direct_debit_return",
    }
)
"""Every event key of SCENARIOS.md, supported or not."""


@dataclass(frozen=True)
class EventSpec(Generic[V]):
    """How to read one event's value and apply it."""

    value: TypeAdapter[V]
    apply: Callable[[Replay, Step, V], None]

    def run(self, replay: Replay, step: Step) -> None:
        # ``step.value`` was checked by ``self.value`` when the file was read (``schema``).
        self.apply(replay, step, cast(V, step.value))
