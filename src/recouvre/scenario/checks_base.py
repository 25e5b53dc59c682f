"""The building blocks of expectation checks: the keys SCENARIOS.md names and ``CheckSpec``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Generic, Literal, TypeVar, cast

from pydantic import TypeAdapter

from recouvre.scenario.context import Mismatch, Replay

T = TypeVar("T")
RefKind = Literal["claim", "debtor"]

KNOWN_CHECKS = frozenset(
    {
        "balance",
        "withheld",
        "net_paid",
        "status",
        "phase",
        "prescription_date",
        "letters",
        "no_letters",
        "tasks",
        "remission",
        "movements",
        "refused",
        "title",
        "placement",
        "commission",
        "campaign_lines",
        "campaign_kpis",
        "kpi",
        "unmatched",
    }
)
"""Every check of SCENARIOS.md, supported or not."""


@dataclass(frozen=True)
class CheckSpec(Generic[T]):
    """How to read one check's value and compare it with the state at the end of a date."""

    value: TypeAdapter[T]
    keys: RefKind | None
    """What the keys of the value name, when it is a mapping (checked against the file's ids)."""
    compare: Callable[[Replay, date, T], list[Mismatch]]

    def run(self, replay: Replay, on: date, value: object) -> list[Mismatch]:
        # ``value`` was checked by ``self.value`` when the file was read (``schema``).
        return self.compare(replay, on, cast(T, value))
