"""Scenario support for the enforcement titles (SCENARIOS.md "Enforcement titles (normative)"):
the ``contrainte`` and ``injunction`` events and the ``title`` check. Merged into the registries
of events and checks.

* ``contrainte: {claim, action: issued | served | opposed | decided, via, outcome, amount}``:
  ``issued`` drafts the title (the case worker, ``commands.draft_title``) and has the director
  sign it (``commands.sign_title``): the letter ``contrainte`` is issued; ``served`` (with
  ``via``), ``opposed`` (the case worker records them) and ``decided`` (with ``outcome``, and
  ``amount`` — the new principal — when ``reduced``; the director records it) go through
  ``commands.record_title_act``.
* ``injunction: {claim, action: filed | granted | served | opposed | decided, via, outcome,
  amount}``: ``filed`` drafts the request and has the director file it; the others as above
  (``via`` defaults to ``bailiff`` for an injunction, served by a commissaire de justice).
* ``title: {CLAIM: none | issued | filed | granted | served | opposed | enforceable |
  annulled}``: the state of the claim's last title at the end of the date
  (``service.enforcement.title_state``; a draft not yet signed reads ``none``).

An act the rules forbid is refused and recorded under the event's key (``refused`` sees it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import TypeAdapter, model_validator

from recouvre.domain.enforcement import Outcome, ServiceVia, TitleAct, TitleKind
from recouvre.domain.errors import NotFound
from recouvre.scenario.checks_base import CheckSpec
from recouvre.scenario.context import NOT_ESTABLISHED, Mismatch, Replay, Step, actor
from recouvre.scenario.events_base import EventSpec
from recouvre.scenario.fields import Amount, LocalId, Strict
from recouvre.service import commands, enforcement

TitleValue = Literal["none", "issued", "filed", "granted", "served", "opposed", "enforceable", "annulled"]


class _TitleEvent(Strict):
    claim: LocalId
    via: ServiceVia | None = None
    outcome: Outcome | None = None
    amount: Amount | None = None

    def _consistent(self, action: str) -> None:
        if action == "decided" and self.outcome is None:
            raise ValueError("outcome is required when action is decided")
        if action != "decided" and self.outcome is not None:
            raise ValueError(f"outcome is only for action decided, not {action}")
        if (self.outcome is Outcome.REDUCED) != (self.amount is not None):
            raise ValueError("amount (the new principal) is given with outcome reduced, and only then")
        if self.via is not None and action != "served":
            raise ValueError(f"via is only for action served, not {action}")


class ContrainteEvent(_TitleEvent):
    action: Literal["issued", "served", "opposed", "decided"]

    @model_validator(mode="after")
    def _check(self) -> ContrainteEvent:
        self._consistent(self.action)
        if self.action == "served" and self.via is None:
            raise ValueError("via (bailiff or registered_letter) is required when action is served")
        return self


class InjunctionEvent(_TitleEvent):
    action: Literal["filed", "granted", "served", "opposed", "decided"]

    @model_validator(mode="after")
    def _check(self) -> InjunctionEvent:
        self._consistent(self.action)
        return self


def _apply(replay: Replay, step: Step, event: _TitleEvent, kind: TitleKind, action: str) -> None:
    services, organism, why = replay.services, replay.organism, replay.idempotency_key(step)
    worker, director = actor(replay, "case_worker"), actor(replay, "director")
    if action in ("issued", "filed"):
        view = commands.draft_title(services, worker, organism, event.claim, step.on, kind, why=why, key=why)
        commands.sign_title(services, director, organism, view.id, step.on, why=why)
        return
    title_id = commands.claim_title_id(services, worker, organism, event.claim, step.on, kind)
    act = TitleAct(action)
    who = director if act is TitleAct.DECIDED else worker
    via = event.via or (ServiceVia.BAILIFF if act is TitleAct.SERVED else None)
    commands.record_title_act(
        services,
        who,
        organism,
        title_id,
        act,
        step.on,
        via=via,
        outcome=event.outcome,
        amount=event.amount,
        why=why,
    )


def apply_contrainte(replay: Replay, step: Step, event: ContrainteEvent) -> None:
    _apply(replay, step, event, TitleKind.CONTRAINTE, event.action)


def apply_injunction(replay: Replay, step: Step, event: InjunctionEvent) -> None:
    _apply(replay, step, event, TitleKind.INJUNCTION, event.action)


def title_on(replay: Replay, claim: str, on: date) -> str:
    established = replay.established_on.get(claim)
    if established is None or on < established:
        return NOT_ESTABLISHED
    try:
        return enforcement.title_state(replay.services, replay.organism, claim, on).value
    except NotFound:
        return NOT_ESTABLISHED


def _title(replay: Replay, on: date, expected: Mapping[str, str]) -> list[Mismatch]:
    found: list[Mismatch] = []
    for claim, state in expected.items():
        actual = title_on(replay, claim, on)
        if actual != state:
            found.append(Mismatch(f"title.{claim}", state, actual))
    return found


EVENTS: dict[str, EventSpec[Any]] = {
    "contrainte": EventSpec(TypeAdapter(ContrainteEvent), apply_contrainte),
    "injunction": EventSpec(TypeAdapter(InjunctionEvent), apply_injunction),
}
CHECKS: dict[str, CheckSpec[Any]] = {
    "title": CheckSpec(TypeAdapter(dict[LocalId, TitleValue]), "claim", _title),
}
