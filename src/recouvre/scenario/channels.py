"""Scenario support for phone campaigns (télérecouvrement, RULES.md §2.1). Its EVENTS and
CHECKS are merged into the registries.

* ``campaign: {name, trigger, from, to}`` builds a campaign's call list (as ``scenario:manager``);
* ``call: {campaign, debtor, outcome, amount?, due?, callback?, note?}`` records a call on the
  debtor's line (as ``scenario:phone_operator``); ``outcome`` must be a code of
  ``call_outcomes.yaml`` — the file is refused otherwise, before anything runs;
* ``campaign_lines: {NAME: [DEBTOR, …]}``: the debtors of the campaign's call list;
* ``campaign_kpis: {NAME: {reached, effective, formal_notices}}``: the KPIs at the end of the
  date, as whole percents (``"50 %"``, ``"-47 %"``) or ``none`` when there is nothing to divide.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, Field, TypeAdapter

from recouvre.scenario.checks_base import CheckSpec
from recouvre.scenario.context import Mismatch, Replay, Step, actor
from recouvre.scenario.events_base import EventSpec
from recouvre.scenario.fields import IsoDate, LocalId, PositiveAmount, Strict
from recouvre.service import campaigns
from recouvre.service.commands import campaigns as commands

NONE = "none"


def _known_outcome(code: str) -> str:
    if code not in campaigns.load_outcomes():
        raise ValueError(f"unknown outcome {code!r}; one of {', '.join(campaigns.load_outcomes())}")
    return code


def _known_trigger(code: str) -> str:
    if code not in campaigns.TRIGGERS:
        raise ValueError(f"unknown trigger {code!r}; one of {', '.join(campaigns.TRIGGERS)}")
    return code


class CampaignEvent(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    trigger: Annotated[str, AfterValidator(_known_trigger)]
    start: IsoDate = Field(alias="from")
    end: IsoDate = Field(alias="to")


class CallEvent(Strict):
    campaign: Annotated[str, Field(min_length=1, max_length=200)]
    debtor: LocalId
    outcome: Annotated[str, AfterValidator(_known_outcome)]
    amount: PositiveAmount | None = None
    due: IsoDate | None = None
    callback: IsoDate | None = None
    note: Annotated[str, Field(max_length=2000)] = ""


class Kpi(Strict):
    reached: str | None = None
    effective: str | None = None
    formal_notices: str | None = None


def _campaign(replay: Replay, name: str) -> campaigns.CampaignView | None:
    found = [view for view in campaigns.list_campaigns(replay.services, replay.organism) if view.name == name]
    return found[0] if found else None


def apply_campaign(replay: Replay, step: Step, event: CampaignEvent) -> None:
    if _campaign(replay, event.name) is not None:  # a replay builds nothing new
        return
    commands.create_campaign(
        replay.services,
        actor(replay, "manager"),
        replay.organism,
        event.trigger,
        event.start,
        event.end,
        event.name,
    )


def _line(replay: Replay, campaign: int, debtor: str, on: date) -> campaigns.CallLine | None:
    _, lines, _ = campaigns.call_list(replay.services, replay.organism, campaign, on, include_done=True)
    found = [line for line in lines if line.debtor_ref == debtor]
    return found[0] if found else None


def apply_call(replay: Replay, step: Step, event: CallEvent) -> None:
    view = _campaign(replay, event.campaign)
    if view is None:
        raise ValueError(f"call: no campaign named {event.campaign!r} before {step.on}")
    line = _line(replay, view.id, event.debtor, step.on)
    if line is None:
        raise ValueError(f"call: {event.debtor} is not in the call list of {event.campaign!r}")
    promise = None
    if event.amount is not None and event.due is not None:
        promise = commands.Promise(event.amount, event.due)
    commands.record_call(
        replay.services,
        actor(replay, "phone_operator"),
        replay.organism,
        view.id,
        line.id,
        event.outcome,
        step.on,
        promise=promise,
        callback_on=event.callback,
        note=event.note,
    )


def _percent(value: float | None) -> str:
    return NONE if value is None else f"{round(value * 100):d} %"


def _lines(replay: Replay, on: date, expected: Mapping[str, list[str]]) -> list[Mismatch]:
    found: list[Mismatch] = []
    for name, debtors in expected.items():
        view = _campaign(replay, name)
        actual: list[str] = []
        if view is not None:
            listed = campaigns.call_list(replay.services, replay.organism, view.id, on, include_done=True)
            actual = sorted(line.debtor_ref for line in listed[1])
        if actual != sorted(debtors):
            found.append(Mismatch(f"campaign_lines.{name}", str(sorted(debtors)), str(actual)))
    return found


def _kpis(replay: Replay, on: date, expected: Mapping[str, Kpi]) -> list[Mismatch]:
    found: list[Mismatch] = []
    for name, wanted in expected.items():
        view = _campaign(replay, name)
        if view is None:
            found.append(Mismatch(f"campaign_kpis.{name}", "a campaign", "none"))
            continue
        result = campaigns.kpis(replay.services, replay.organism, view.id, on)
        actual = {
            "reached": _percent(result.reached_rate),
            "effective": _percent(result.effective_rate),
            "formal_notices": _percent(result.formal_notices_change),
        }
        for key, value in wanted.model_dump().items():
            if value is not None and value != actual[key]:
                found.append(Mismatch(f"campaign_kpis.{name}.{key}", value, actual[key]))
    return found


EVENTS: dict[str, EventSpec[Any]] = {
    "campaign": EventSpec(TypeAdapter(CampaignEvent), apply_campaign),
    "call": EventSpec(TypeAdapter(CallEvent), apply_call),
}
CHECKS: dict[str, CheckSpec[Any]] = {
    "campaign_lines": CheckSpec(TypeAdapter(dict[str, list[LocalId]]), None, _lines),
    "campaign_kpis": CheckSpec(TypeAdapter(dict[str, Kpi]), None, _kpis),
}
