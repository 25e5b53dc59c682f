"""Scenario support for the CNSS's own procedures: the ``amnesty`` event (SCENARIOS.md "CNSS
amnesty"), applied through the authorised command real use takes (``commands.cnss``).

Its ``EVENTS`` are merged into the registry of ``events``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import TypeAdapter

from recouvre.scenario.context import Replay, Step, actor
from recouvre.scenario.events_base import EventSpec
from recouvre.scenario.fields import LocalId, Strict
from recouvre.service import commands


class AmnestyEvent(Strict):
    claim: LocalId
    option: Literal["full", "plan_24", "plan_more"]


def apply_amnesty(replay: Replay, step: Step, event: AmnestyEvent) -> None:
    commands.cnss.apply_amnesty(
        replay.services, actor(replay, "case_worker"), replay.organism, event.claim, event.option, step.on
    )


EVENTS: dict[str, EventSpec[Any]] = {
    "amnesty": EventSpec(TypeAdapter(AmnestyEvent), apply_amnesty),
}
