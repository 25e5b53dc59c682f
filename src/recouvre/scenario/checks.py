"""Expectation checks: the value each one takes, and how it is compared with the system.

To support a new check, add ONE entry to ``CHECKS`` (or to the ``CHECKS`` of the procedure
family's module: ``withholding``, ``recovery``, ``claim_life``): the key, a type describing
its value, what the keys of a mapping value name (``"claim"``, ``"debtor"`` or
``None``), and a checker that reads the state at the end of a date through the
service layer and returns the ``Mismatch`` items (empty when the check holds).
Keys listed in ``KNOWN_CHECKS`` but not in ``CHECKS`` are recognised and refused
with "check not supported yet".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, TypeAdapter

from recouvre.domain.ledger import MovementKind
from recouvre.domain.model import ClaimStatus
from recouvre.domain.money import Cents, format_amount
from recouvre.scenario import (
    agencies,
    channels,
    claim_life,
    enforcement,
    money_in,
    prescription,
    recovery,
    withholding,
)
from recouvre.scenario import indicators as indicator_checks
from recouvre.scenario.checks_base import KNOWN_CHECKS, CheckSpec
from recouvre.scenario.context import NOT_ESTABLISHED, Mismatch, Replay
from recouvre.scenario.events_base import KNOWN_EVENTS
from recouvre.scenario.fields import Amount, LocalId, Strict, one_of

T = TypeVar("T")
RefKind = Literal["claim", "debtor"]


def _event_key(value: str) -> str:
    if value not in KNOWN_EVENTS:
        raise ValueError(f"{value!r} is not an event key (one of: {one_of(KNOWN_EVENTS)})")
    return value


EventKey = Annotated[str, AfterValidator(_event_key)]


class MovementItem(Strict):
    kind: MovementKind
    amount: Amount


def _balance(replay: Replay, on: date, expected: Mapping[str, Cents]) -> list[Mismatch]:
    found: list[Mismatch] = []
    for claim, amount in expected.items():
        view = replay.claim_view(claim, on)
        actual = NOT_ESTABLISHED if view is None else format_amount(view.balance)
        if view is None or view.balance != amount:
            found.append(Mismatch(f"balance.{claim}", format_amount(amount), actual))
    return found


def _status(replay: Replay, on: date, expected: Mapping[str, ClaimStatus]) -> list[Mismatch]:
    found: list[Mismatch] = []
    for claim, status in expected.items():
        view = replay.claim_view(claim, on)
        actual = NOT_ESTABLISHED if view is None else view.status.value
        if view is None or view.status is not status:
            found.append(Mismatch(f"status.{claim}", status.value, actual))
    return found


def _movement_list(items: Sequence[tuple[str, Cents]]) -> str:
    return "[" + ", ".join(f"{kind} {format_amount(amount)}" for kind, amount in items) + "]"


def _movements(replay: Replay, on: date, expected: Mapping[str, list[MovementItem]]) -> list[Mismatch]:
    found: list[Mismatch] = []
    for claim, items in expected.items():
        wanted = [(item.kind.value, item.amount) for item in items]
        view = replay.claim_view(claim, on)
        if view is None:
            # Nothing can be booked on a claim that does not exist yet: only [] holds.
            if wanted:
                found.append(Mismatch(f"movements.{claim}", _movement_list(wanted), NOT_ESTABLISHED))
            continue
        booked = [(movement.kind.value, movement.amount) for movement in view.booked_on(on)]
        if booked != wanted:
            found.append(Mismatch(f"movements.{claim}", _movement_list(wanted), _movement_list(booked)))
    return found


def _refused(replay: Replay, on: date, expected: list[str]) -> list[Mismatch]:
    refused = replay.refusals(on)
    if refused == expected:
        return []
    return [Mismatch("refused", "[" + ", ".join(expected) + "]", "[" + ", ".join(refused) + "]")]


CHECKS: dict[str, CheckSpec[Any]] = {
    "balance": CheckSpec(TypeAdapter(dict[LocalId, Amount]), "claim", _balance),
    "status": CheckSpec(TypeAdapter(dict[LocalId, ClaimStatus]), "claim", _status),
    "movements": CheckSpec(TypeAdapter(dict[LocalId, list[MovementItem]]), "claim", _movements),
    "refused": CheckSpec(TypeAdapter(list[EventKey]), None, _refused),
    **withholding.CHECKS,
    **recovery.CHECKS,
    **claim_life.CHECKS,
    **prescription.CHECKS,
    **enforcement.CHECKS,
    **agencies.CHECKS,
    **channels.CHECKS,
    **indicator_checks.CHECKS,
    **money_in.CHECKS,
}
"""Supported checks: key -> how to read and compare it. Add new checks here."""

assert set(CHECKS) <= KNOWN_CHECKS, "a check must be named in SCENARIOS.md"
