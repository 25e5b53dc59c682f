"""Scenario support for one procedure family. Claim life (remissions, write-offs, over-
indebtedness, appeals): their events and checks.

Its EVENTS and CHECKS are merged into the registries of events and checks.

Events (SCENARIOS.md), each through the service command real use takes:

* ``appeal: {claim, action: filed | decided | withdrawn, outcome, amount}`` →
  ``appeals.file_appeal`` / ``decide_appeal`` / ``withdraw``; ``outcome`` is required when
  decided, ``amount`` (the new principal) when the outcome is ``reduced``, and only then.
* ``remission_request: {claim, by}`` → ``remission.request_remission`` (``by`` defaults to
  ``debtor``).
* ``remission_decision: {claim, rate}`` → ``remission.decide_remission``.
* ``over_indebtedness: {debtor, step: admissible | plan | discharge, monthly}`` →
  ``over_indebtedness.admissible`` / ``plan`` / ``discharge``; ``monthly`` only for ``plan``,
  where it is required.
* ``write_off: {claim}`` → ``write_offs.write_off`` (decided by the board).

A forbidden event raises ``Refused`` after the service recorded it: the ``refused`` check sees
its key. Check ``remission: {CLAIM: {route, proposed_rate, status}}`` (any subset) reads the
claim's latest remission case requested by the end of the date. A partial remission is a
remission granted in part: ``status: granted`` accepts it, ``status: partial`` only it. A claim
whose only requests were refused (fraud, the organism asking) has no case: its status reads
``refused``, with no route and no proposed rate.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, TypeAdapter, model_validator

from recouvre.domain.appeals import AppealOutcome, AppealStage
from recouvre.domain.errors import Refused
from recouvre.domain.model import DomainError
from recouvre.domain.remission import RemissionStatus, Route, parse_rate
from recouvre.scenario.checks_base import CheckSpec
from recouvre.scenario.context import NOT_ESTABLISHED, Mismatch, Replay, Step, actor
from recouvre.scenario.events_base import EventSpec
from recouvre.scenario.fields import Amount, LocalId, PositiveAmount, Strict
from recouvre.service import commands, queries, remission
from recouvre.service.context import refuse
from recouvre.service.decisions import ProposalKind


def _percent(value: object) -> Decimal:
    try:
        return parse_rate(value)
    except DomainError as error:
        raise ValueError(f"{value!r}: {error.reason}") from None


Percent = Annotated[Decimal, BeforeValidator(_percent)]
"""A percent between 0 and 100, at most two decimals, read exactly."""


def _why(replay: Replay, step: Step) -> str:
    return replay.idempotency_key(step)


# -- appeals ---------------------------------------------------------------------------------------


class AppealEvent(Strict):
    claim: LocalId
    action: Literal["filed", "decided", "withdrawn"]
    outcome: AppealOutcome | None = None
    amount: Amount | None = None

    @model_validator(mode="after")
    def _consistent(self) -> AppealEvent:
        if self.action == "decided" and self.outcome is None:
            raise ValueError("outcome is required when the appeal is decided")
        if self.action != "decided" and self.outcome is not None:
            raise ValueError(f"outcome is only for a decided appeal, not {self.action}")
        if self.outcome is AppealOutcome.REDUCED and self.amount is None:
            raise ValueError("amount (the new principal) is required when the outcome is reduced")
        if self.outcome is not AppealOutcome.REDUCED and self.amount is not None:
            raise ValueError("amount is only for an appeal decided with outcome reduced")
        return self


def apply_appeal(replay: Replay, step: Step, event: AppealEvent) -> None:
    why = _why(replay, step)
    services, organism, worker = replay.services, replay.organism, actor(replay, "case_worker")
    if event.action == "filed":
        commands.file_appeal(services, worker, organism, event.claim, step.on, why=why)
    elif event.action == "withdrawn":
        commands.withdraw_appeal(services, worker, organism, event.claim, step.on, why=why)
    else:
        assert event.outcome is not None
        pending = queries.open_appeal(services, organism, event.claim, step.on)
        court = pending is not None and pending.stage is AppealStage.COURT
        decider = actor(replay, "director" if court else "board_member")
        commands.decide_appeal(
            services, decider, organism, event.claim, step.on, event.outcome, event.amount, why=why
        )


# -- remissions ------------------------------------------------------------------------------------


class RemissionRequestEvent(Strict):
    claim: LocalId
    by: Literal["debtor", "representative", "mandatary", "organism"] = "debtor"


def apply_remission_request(replay: Replay, step: Step, event: RemissionRequestEvent) -> None:
    commands.request_remission(
        replay.services,
        actor(replay, "case_worker"),
        replay.organism,
        event.claim,
        step.on,
        event.by,
        channel="scenario",
        why=_why(replay, step),
    )


class RemissionDecisionEvent(Strict):
    claim: LocalId
    rate: Percent


def apply_remission_decision(replay: Replay, step: Step, event: RemissionDecisionEvent) -> None:
    case = remission.case_on(replay.services, replay.organism, event.claim, step.on)
    board = case is not None and case.status is RemissionStatus.PENDING and case.route is Route.BOARD
    commands.decide_remission(
        replay.services,
        actor(replay, "board_member" if board else "accountant"),
        replay.organism,
        event.claim,
        step.on,
        str(event.rate),
        why=_why(replay, step),
    )


# -- over-indebtedness and write-offs --------------------------------------------------------------


class OverIndebtednessEvent(Strict):
    debtor: LocalId
    step: Literal["admissible", "plan", "discharge"]
    monthly: PositiveAmount | None = None

    @model_validator(mode="after")
    def _monthly(self) -> OverIndebtednessEvent:
        if self.step == "plan" and self.monthly is None:
            raise ValueError("monthly is required for step plan")
        if self.step != "plan" and self.monthly is not None:
            raise ValueError(f"monthly is only for step plan, not {self.step}")
        return self


def apply_over_indebtedness(replay: Replay, step: Step, event: OverIndebtednessEvent) -> None:
    why = _why(replay, step)
    services, organism, worker = replay.services, replay.organism, actor(replay, "case_worker")
    steps = commands.over_indebtedness
    if event.step == "admissible":
        steps.admissible(services, worker, organism, event.debtor, step.on, why=why)
    elif event.step == "plan":
        assert event.monthly is not None
        steps.plan(services, worker, organism, event.debtor, step.on, event.monthly, why=why)
    else:
        steps.discharge(services, worker, organism, event.debtor, step.on, why=why)


class WriteOffEvent(Strict):
    claim: LocalId


def apply_write_off(replay: Replay, step: Step, event: WriteOffEvent) -> None:
    """Proposed by a case worker, pronounced by the board (maker-checker); a write-off of nothing
    is refused (and recorded as such)."""
    services, organism, why = replay.services, replay.organism, _why(replay, step)
    try:
        proposal = commands.propose_write_off(
            services,
            actor(replay, "case_worker"),
            organism,
            event.claim,
            step.on,
            authority="board",
            reasons="scenario",
            why=why,
        )
    except Refused:
        raise
    except DomainError as error:
        raise refuse(services, organism, step.on, "write_off", event.claim, error.reason) from None
    commands.decide_proposal(
        services,
        actor(replay, "board_member"),
        organism,
        ProposalKind.WRITE_OFF,
        proposal.id,
        True,
        step.on,
        why,
    )


EVENTS: dict[str, EventSpec[Any]] = {
    "appeal": EventSpec(TypeAdapter(AppealEvent), apply_appeal),
    "remission_request": EventSpec(TypeAdapter(RemissionRequestEvent), apply_remission_request),
    "remission_decision": EventSpec(TypeAdapter(RemissionDecisionEvent), apply_remission_decision),
    "over_indebtedness": EventSpec(TypeAdapter(OverIndebtednessEvent), apply_over_indebtedness),
    "write_off": EventSpec(TypeAdapter(WriteOffEvent), apply_write_off),
}


# -- checks ----------------------------------------------------------------------------------------


class RemissionExpectation(Strict):
    route: Route | None = None
    proposed_rate: Percent | None = None
    status: RemissionStatus | None = None


def _rate(rate: Decimal | None) -> str:
    return (
        "none" if rate is None else str(rate.normalize() if rate != rate.to_integral_value() else int(rate))
    )


def _status_matches(expected: RemissionStatus, actual: RemissionStatus) -> bool:
    if expected is RemissionStatus.GRANTED:
        return actual in (RemissionStatus.GRANTED, RemissionStatus.PARTIAL)
    return expected is actual


def _refused_request(replay: Replay, on: date, claim: str, wanted: RemissionExpectation) -> list[Mismatch]:
    """No case: a request refused (fraud, the organism asking…) reads as status ``refused``;
    it has no route and no proposed rate."""
    if not remission.refused_requests(replay.services, replay.organism, claim, on):
        return [Mismatch(f"remission.{claim}", "a remission case", "no remission case")]
    found: list[Mismatch] = []
    if wanted.route is not None:
        found.append(Mismatch(f"remission.{claim}.route", wanted.route.value, "none (request refused)"))
    if wanted.proposed_rate is not None:
        found.append(
            Mismatch(
                f"remission.{claim}.proposed_rate", _rate(wanted.proposed_rate), "none (request refused)"
            )
        )
    if wanted.status is not None and wanted.status is not RemissionStatus.REFUSED:
        found.append(Mismatch(f"remission.{claim}.status", wanted.status.value, "refused (request refused)"))
    return found


def _remission(replay: Replay, on: date, expected: Mapping[str, RemissionExpectation]) -> list[Mismatch]:
    found: list[Mismatch] = []
    for claim, wanted in expected.items():
        if replay.claim_view(claim, on) is None:
            found.append(Mismatch(f"remission.{claim}", "a remission case", NOT_ESTABLISHED))
            continue
        case = remission.case_on(replay.services, replay.organism, claim, on)
        if case is None:
            found.extend(_refused_request(replay, on, claim, wanted))
            continue
        if wanted.route is not None and wanted.route is not case.route:
            found.append(Mismatch(f"remission.{claim}.route", wanted.route.value, case.route.value))
        if wanted.proposed_rate is not None and wanted.proposed_rate != case.proposed_rate:
            found.append(
                Mismatch(
                    f"remission.{claim}.proposed_rate", _rate(wanted.proposed_rate), _rate(case.proposed_rate)
                )
            )
        if wanted.status is not None and not _status_matches(wanted.status, case.status):
            found.append(Mismatch(f"remission.{claim}.status", wanted.status.value, case.status.value))
    return found


CHECKS: dict[str, CheckSpec[Any]] = {
    "remission": CheckSpec(TypeAdapter(dict[LocalId, RemissionExpectation]), "claim", _remission),
}
