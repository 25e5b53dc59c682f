"""Agencies in scenarios (SCENARIOS.md "Agencies (normative)").

* top level ``agencies: [{id, kind: amicable | bailiff, commission_rate}]`` → ``AgencyDef``,
  created through ``commands.save_agency`` before the timeline (``register``);
* ``placement: {claim, agency, action: placed | recalled}`` → ``commands.place_claim`` or
  ``commands.recall_claim``;
* ``agency_payment: {claim, agency, amount}`` → ``commands.record_agency_payment``;
* check ``placement: {CLAIM: {agency, status: placed | recalled}}`` (any subset) reads the
  claim's latest placement at the end of the date (``none`` when it never was placed);
* check ``commission: {AGENCY: amount}`` — the commission accrued up to that date.

An ``agency`` of an event or a check must name an agency of the file's ``agencies``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import TypeAdapter

from recouvre.domain.money import Cents, format_amount
from recouvre.scenario.checks_base import CheckSpec
from recouvre.scenario.claim_life import Percent
from recouvre.scenario.context import Mismatch, Replay, Step, actor
from recouvre.scenario.events_base import EventSpec
from recouvre.scenario.fields import Amount, LocalId, PositiveAmount, Strict
from recouvre.service import commands, placements


class AgencyKind(StrEnum):
    AMICABLE = "amicable"
    BAILIFF = "bailiff"


class AgencyDef(Strict):
    """One entry of the top-level ``agencies``."""

    id: LocalId
    kind: AgencyKind
    commission_rate: Percent = Decimal(0)

    def spec(self) -> placements.AgencySpec:
        return placements.AgencySpec(code=self.id, kind=self.kind.value, commission_rate=self.commission_rate)


AGENCIES: TypeAdapter[list[AgencyDef]] = TypeAdapter(list[AgencyDef])


def register(replay: Replay, agencies: tuple[AgencyDef, ...]) -> None:
    """Create the file's agencies through the service layer (before the timeline)."""
    for agency in agencies:
        commands.save_agency(replay.services, actor(replay, "system"), replay.organism, agency.spec())


class PlacementAction(StrEnum):
    PLACED = "placed"
    RECALLED = "recalled"


class PlacementEvent(Strict):
    claim: LocalId
    agency: LocalId
    action: PlacementAction = PlacementAction.PLACED


def apply_placement(replay: Replay, step: Step, event: PlacementEvent) -> None:
    if event.action is PlacementAction.PLACED:
        commands.place_claim(
            replay.services, actor(replay, "case_worker"), replay.organism, event.claim, event.agency, step.on
        )
    else:
        commands.recall_claim(
            replay.services, actor(replay, "case_worker"), replay.organism, event.claim, event.agency, step.on
        )


class AgencyPaymentEvent(Strict):
    claim: LocalId
    agency: LocalId
    amount: PositiveAmount


def apply_agency_payment(replay: Replay, step: Step, event: AgencyPaymentEvent) -> None:
    commands.record_agency_payment(
        replay.services,
        actor(replay, "accountant"),
        replay.organism,
        event.claim,
        event.agency,
        event.amount,
        step.on,
        key=replay.idempotency_key(step),
    )


EVENTS: dict[str, EventSpec[Any]] = {
    "placement": EventSpec(TypeAdapter(PlacementEvent), apply_placement),
    "agency_payment": EventSpec(TypeAdapter(AgencyPaymentEvent), apply_agency_payment),
}


class PlacementStatus(StrEnum):
    PLACED = "placed"
    RECALLED = "recalled"


class PlacementExpected(Strict):
    agency: LocalId | None = None
    status: PlacementStatus | None = None


def _placement(replay: Replay, on: date, expected: Mapping[str, PlacementExpected]) -> list[Mismatch]:
    found: list[Mismatch] = []
    for claim, wanted in expected.items():
        state = None
        if replay.claim_view(claim, on) is not None:
            state = placements.placement_on(replay.services, replay.organism, claim, on)
        if wanted.agency is not None:
            actual = "none" if state is None else state.agency
            if actual != wanted.agency:
                found.append(Mismatch(f"placement.{claim}.agency", wanted.agency, actual))
        if wanted.status is not None:
            actual = "none" if state is None else state.status
            if actual != wanted.status.value:
                found.append(Mismatch(f"placement.{claim}.status", wanted.status.value, actual))
    return found


def _commission(replay: Replay, on: date, expected: Mapping[str, Cents]) -> list[Mismatch]:
    found: list[Mismatch] = []
    for agency, amount in expected.items():
        actual = placements.commission_total(replay.services, replay.organism, agency, on)
        if actual != amount:
            found.append(Mismatch(f"commission.{agency}", format_amount(amount), format_amount(actual)))
    return found


CHECKS: dict[str, CheckSpec[Any]] = {
    "placement": CheckSpec(TypeAdapter(dict[LocalId, PlacementExpected]), "claim", _placement),
    "commission": CheckSpec(TypeAdapter(dict[LocalId, Amount]), None, _commission),
}
