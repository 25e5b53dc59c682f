"""Scenario support for plans, the monthly cycle and contributions.

Events ``plan``, ``cycle`` and ``contribution_due``; checks ``phase``, ``letters``,
``no_letters`` and ``tasks``. Its ``EVENTS`` and ``CHECKS`` are merged into the registries of
``events`` and ``checks``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import TypeAdapter, model_validator

from recouvre.domain.model import Phase
from recouvre.letters.act_titles import ACT_TITLES
from recouvre.scenario.checks_base import CheckSpec
from recouvre.scenario.context import NOT_ESTABLISHED, Mismatch, Replay, Step, actor
from recouvre.scenario.events_base import EventSpec
from recouvre.scenario.fields import IsoDate, IsoMonth, LocalId, PositiveAmount, Strict
from recouvre.service import commands, queries

LetterType = Literal[
    "notification",
    "reminder_1",
    "reminder_2",
    "formal_notice",
    "contrainte",
    "remission_decision",
    "claims_list",
    "last_notice",
    "commandement",
    "etat_de_produits",
    "amnesty_offer",
]
TaskType = Literal["phone_call", "review"]


class PlanEvent(Strict):
    claim: LocalId
    monthly: PositiveAmount
    first_due: IsoDate


def apply_plan(replay: Replay, step: Step, event: PlanEvent) -> None:
    commands.agree_plan(
        replay.services,
        actor(replay, "case_worker"),
        replay.organism,
        event.claim,
        event.monthly,
        event.first_due,
        step.on,
        key=replay.idempotency_key(step),
    )


def apply_cycle(replay: Replay, step: Step, month: str) -> None:
    # Scenario files model benefit payments per debtor (``benefit_payment``), not the
    # organism's run: the runner confirms on purpose that the cycle runs without it.
    commands.run_cycle(
        replay.services, actor(replay, "system"), replay.organism, month, step.on, without_payment_run=True
    )


class ContributionDueEvent(Strict):
    claim: LocalId
    due_on: IsoDate


def apply_contribution_due(replay: Replay, step: Step, event: ContributionDueEvent) -> None:
    commands.record_contribution_due(
        replay.services, actor(replay, "system"), replay.organism, event.claim, event.due_on, step.on
    )


EVENTS: dict[str, EventSpec[Any]] = {
    "plan": EventSpec(TypeAdapter(PlanEvent), apply_plan),
    "cycle": EventSpec(TypeAdapter(IsoMonth), apply_cycle),
    "contribution_due": EventSpec(TypeAdapter(ContributionDueEvent), apply_contribution_due),
}


def _phase(replay: Replay, on: date, expected: Mapping[str, Phase]) -> list[Mismatch]:
    found: list[Mismatch] = []
    for claim, phase in expected.items():
        view = replay.claim_view(claim, on)
        actual = NOT_ESTABLISHED if view is None else view.phase.value
        if actual != phase.value:
            found.append(Mismatch(f"phase.{claim}", phase.value, actual))
    return found


class LetterItem(Strict):
    claim: LocalId | None = None
    debtor: LocalId | None = None
    type: LetterType

    @model_validator(mode="after")
    def _one_subject(self) -> LetterItem:
        if (self.claim is None) == (self.debtor is None):
            raise ValueError("name exactly one of claim or debtor")
        return self

    def describe(self) -> str:
        return f"{self.type} {'claim' if self.claim else 'debtor'} {self.claim or self.debtor}"


class TaskItem(Strict):
    claim: LocalId
    type: TaskType


def _issued(replay: Replay, on: date) -> list[tuple[str, list[str], str]]:
    return queries.letters_issued(replay.services, replay.organism, on)


def _describe_issued(issued: list[tuple[str, list[str], str]]) -> str:
    if not issued:
        return "none"
    return "; ".join(f"{kind} {debtor} [{', '.join(claims)}]" for kind, claims, debtor in issued)


def _letters(replay: Replay, on: date, expected: list[LetterItem]) -> list[Mismatch]:
    issued = _issued(replay, on)
    found: list[Mismatch] = []
    for index, item in enumerate(expected):
        matched = any(
            kind == item.type and (item.claim in claims if item.claim else debtor == item.debtor)
            for kind, claims, debtor in issued
        )
        if not matched:
            found.append(Mismatch(f"letters[{index}]", item.describe(), _describe_issued(issued)))
    return found


ACT_LETTERS = frozenset(letter_type for _, letter_type in ACT_TITLES)
"""Letters outside the scenario format's vocabulary (SCENARIOS.md lists the letter types a scenario
names): the acknowledgment and decision of an appeal, the write-off decision kept in the file, the
transfer to the département. ``no_letters: true`` speaks of the letters the format knows."""


def _no_letters(replay: Replay, on: date, expected: bool | list[LetterType]) -> list[Mismatch]:
    issued = [entry for entry in _issued(replay, on) if entry[0] not in ACT_LETTERS]
    if expected is True:
        forbidden = [entry for entry in issued]
        wanted = "none"
    elif expected is False:
        return []
    else:
        forbidden = [entry for entry in issued if entry[0] in expected]
        wanted = "none of " + ", ".join(expected)
    return [Mismatch("no_letters", wanted, _describe_issued(forbidden))] if forbidden else []


def _tasks(replay: Replay, on: date, expected: list[TaskItem]) -> list[Mismatch]:
    created = queries.tasks_created(replay.services, replay.organism, on)
    found: list[Mismatch] = []
    for index, item in enumerate(expected):
        if (item.type, item.claim) not in created:
            actual = "; ".join(f"{kind} {claim}" for kind, claim in created) or "none"
            found.append(Mismatch(f"tasks[{index}]", f"{item.type} {item.claim}", actual))
    return found


CHECKS: dict[str, CheckSpec[Any]] = {
    "phase": CheckSpec(TypeAdapter(dict[LocalId, Phase]), "claim", _phase),
    "letters": CheckSpec(TypeAdapter(list[LetterItem]), None, _letters),
    "no_letters": CheckSpec(TypeAdapter(bool | list[LetterType]), None, _no_letters),
    "tasks": CheckSpec(TypeAdapter(list[TaskItem]), None, _tasks),
}
