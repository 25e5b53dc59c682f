"""Timeline events: the value each one takes, and the service command that applies it.

To support a new event, add ONE entry to ``EVENTS`` (or to the ``EVENTS`` of the procedure
family's module: ``withholding``, ``recovery``, ``claim_life``): the key, a type describing
its value (a ``Strict`` model, checked with field paths), and a handler that
calls the service layer. A value field named ``claim`` or ``debtor`` is checked
to name a claim or debtor of the file. Keys listed in ``KNOWN_EVENTS`` but not
in ``EVENTS`` are recognised and refused with "event not supported yet".
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import TypeAdapter

from recouvre.domain.model import PaymentChannel
from recouvre.scenario import (
    agencies,
    channels,
    claim_life,
    cnss,
    enforcement,
    money_in,
    prescription,
    recovery,
    withholding,
)
from recouvre.scenario.context import Replay, Step, actor
from recouvre.scenario.events_base import KNOWN_EVENTS, EventSpec
from recouvre.scenario.fields import LocalId, PositiveAmount, Strict
from recouvre.service import commands

V = TypeVar("V")


class PaymentEvent(Strict):
    """A voluntary payment on a claim; beyond its balance it becomes the debtor's credit."""

    claim: LocalId
    amount: PositiveAmount
    channel: PaymentChannel = PaymentChannel.TRANSFER


def apply_payment(replay: Replay, step: Step, event: PaymentEvent) -> None:
    commands.record_payment(
        replay.services,
        actor(replay, "accountant"),
        replay.organism,
        event.claim,
        event.amount,
        step.on,
        event.channel,
        key=replay.idempotency_key(step),
        # SCENARIOS.md: a payment beyond the balance becomes the debtor's credit; the money was
        # received, the file says so on purpose.
        confirm_overpayment=True,
    )


EVENTS: dict[str, EventSpec[Any]] = {
    "payment": EventSpec(TypeAdapter(PaymentEvent), apply_payment),
    **withholding.EVENTS,
    **recovery.EVENTS,
    **claim_life.EVENTS,
    **prescription.EVENTS,
    **enforcement.EVENTS,
    **cnss.EVENTS,
    **agencies.EVENTS,
    **channels.EVENTS,
    **money_in.EVENTS,
}
"""Supported events: key -> how to read and apply it. Add new events here."""

assert set(EVENTS) <= KNOWN_EVENTS, "an event must be named in SCENARIOS.md"
