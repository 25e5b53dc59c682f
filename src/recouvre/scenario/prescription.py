"""Scenario support for prescription: the registered_letter and acknowledgment events, the
prescription_date check. Its EVENTS and CHECKS are merged into the registries.

* ``registered_letter: {claim, outcome: delivered | unclaimed | undeliverable}`` goes through
  ``commands.record_registered_letter`` (``undeliverable`` is recorded, interrupts nothing).
* ``acknowledgment: {claim}`` goes through ``commands.record_acknowledgment``.
* ``prescription_date: {CLAIM: DATE}``: the date at which the last line still in the claim's
  balance becomes (or became) time-barred, from ``service.prescription.prescription_state``;
  ``none`` when nothing is left to pay. The status ``prescribed`` is read by the ``status``
  check (``view_claim`` asks ``service.prescription.prescribed_claims``).

Both events use the file and timeline index as their key: replaying a file records nothing new.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import TypeAdapter

from recouvre.domain.errors import NotFound
from recouvre.domain.model import DomainError
from recouvre.scenario.checks_base import CheckSpec
from recouvre.scenario.context import NOT_ESTABLISHED, Mismatch, Replay, Step, actor
from recouvre.scenario.events_base import EventSpec
from recouvre.scenario.fields import IsoDate, LocalId, Strict
from recouvre.service import commands
from recouvre.service.interruptions import LetterOutcome
from recouvre.service.prescription import prescription_state

NONE = "none"


class RegisteredLetterEvent(Strict):
    """A registered letter with acknowledgment sent that day for the claim, and its outcome."""

    claim: LocalId
    outcome: LetterOutcome


class AcknowledgmentEvent(Strict):
    """The debtor acknowledges the debt."""

    claim: LocalId


def apply_registered_letter(replay: Replay, step: Step, event: RegisteredLetterEvent) -> None:
    commands.record_registered_letter(
        replay.services,
        actor(replay, "case_worker"),
        replay.organism,
        event.claim,
        step.on,
        event.outcome,
        key=replay.idempotency_key(step),
    )


def apply_acknowledgment(replay: Replay, step: Step, event: AcknowledgmentEvent) -> None:
    commands.record_acknowledgment(
        replay.services,
        actor(replay, "case_worker"),
        replay.organism,
        event.claim,
        step.on,
        key=replay.idempotency_key(step),
    )


def prescription_date_on(replay: Replay, claim: str, on: date) -> str:
    """The claim's prescription date at the end of ``on`` as text (ISO date, ``none`` or not established)."""
    established = replay.established_on.get(claim)
    if established is None or on < established:
        return NOT_ESTABLISHED
    try:
        state = prescription_state(replay.services, replay.organism, claim, on)
    except NotFound:
        return NOT_ESTABLISHED
    except DomainError as error:  # e.g. a country without a prescription rule
        return error.reason
    return NONE if state.prescription_date is None else state.prescription_date.isoformat()


def _prescription_date(replay: Replay, on: date, expected: Mapping[str, date]) -> list[Mismatch]:
    found: list[Mismatch] = []
    for claim, day in expected.items():
        actual = prescription_date_on(replay, claim, on)
        if actual != day.isoformat():
            found.append(Mismatch(f"prescription_date.{claim}", day.isoformat(), actual))
    return found


EVENTS: dict[str, EventSpec[Any]] = {
    "registered_letter": EventSpec(TypeAdapter(RegisteredLetterEvent), apply_registered_letter),
    "acknowledgment": EventSpec(TypeAdapter(AcknowledgmentEvent), apply_acknowledgment),
}
CHECKS: dict[str, CheckSpec[Any]] = {
    "prescription_date": CheckSpec(TypeAdapter(dict[LocalId, IsoDate]), "claim", _prescription_date),
}
