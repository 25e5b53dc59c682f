"""Scenario support for one procedure family. Withholding on benefit payments (SCENARIOS.md): the
benefit_payment event, the withheld and net_paid checks.

Its EVENTS and CHECKS are merged into the registries of events and checks.

* ``benefit_payment: {debtor, regular: {BENEFIT: amount}, arrears: {BENEFIT: amount},
  after_rent_debt_clearance: bool}`` goes through
  ``service.withholding.apply_benefit_payments`` as a run of one debtor, whose run id is
  derived from the file and the timeline index (replaying the file books nothing new).
* ``withheld: {CLAIM: amount}``: the withholding movements booked on the claim on that
  date, net of their reversals (booked by the end of that date); ``0.00`` when none.
* ``net_paid: {DEBTOR: amount}``: the sum of the net amounts of the debtor's benefit
  payments of that date; ``0.00`` when none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import Field, TypeAdapter

from recouvre.domain.errors import NotFound
from recouvre.domain.ledger import MovementKind
from recouvre.domain.model import Benefit
from recouvre.domain.money import Cents, format_amount
from recouvre.domain.withholding import BenefitPayment
from recouvre.scenario.checks_base import CheckSpec
from recouvre.scenario.context import NOT_ESTABLISHED, Mismatch, Replay, Step, actor
from recouvre.scenario.events_base import EventSpec
from recouvre.scenario.fields import Amount, LocalId, Strict
from recouvre.service import commands
from recouvre.service.withholding import apply_benefit_payments, explain

MAX_RUN_ID = 40
"""Run ids longer than this are shortened with a digest, so that movement keys stay short."""


class BenefitPaymentEvent(Strict):
    """A debtor's monthly payment run: regular amounts and arrears by benefit."""

    debtor: LocalId
    regular: dict[Benefit, Amount] = Field(default_factory=dict)
    arrears: dict[Benefit, Amount] = Field(default_factory=dict)
    after_rent_debt_clearance: bool = False


def run_id(replay: Replay, step: Step) -> str:
    """The run id of a ``benefit_payment`` step: its idempotency key, shortened if long."""
    key = replay.idempotency_key(step)
    if len(key) <= MAX_RUN_ID:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]
    return f"{key[: MAX_RUN_ID - 11]}~{digest}"


def apply_benefit_payment(replay: Replay, step: Step, event: BenefitPaymentEvent) -> None:
    payment = BenefitPayment(
        debtor_ref=event.debtor,
        paid_on=step.on,
        regular={benefit.value: amount for benefit, amount in event.regular.items()},
        arrears={benefit.value: amount for benefit, amount in event.arrears.items()},
        after_rent_debt_clearance=event.after_rent_debt_clearance,
    )
    run = run_id(replay, step)
    commands.run_batch(
        replay.services,
        actor(replay, "system"),
        "withholding.run",
        organism=replay.organism,
        subject=f"retenues {run}",
        on=step.on,
        run=lambda: apply_benefit_payments(replay.services, replay.organism, [payment], run),
        describe=lambda outcomes: {"debtors": len(outcomes)},
    )


def withheld_on(replay: Replay, claim: str, on: date) -> Cents | None:
    """Withheld from ``claim`` on ``on``, net of reversals; ``None`` when not established."""
    view = replay.claim_view(claim, on)
    if view is None:
        return None
    booked = {m.key: m.amount for m in view.booked_on(on) if m.kind is MovementKind.WITHHOLDING}
    reversed_ = sum(
        m.amount for m in view.movements if m.kind is MovementKind.REVERSAL and m.reverses in booked
    )
    return sum(booked.values()) - reversed_


def _withheld(replay: Replay, on: date, expected: Mapping[str, Cents]) -> list[Mismatch]:
    found: list[Mismatch] = []
    for claim, amount in expected.items():
        actual = withheld_on(replay, claim, on)
        if actual is None:
            # Nothing can be withheld from a claim that does not exist yet: only 0.00 holds.
            if amount != 0:
                found.append(Mismatch(f"withheld.{claim}", format_amount(amount), NOT_ESTABLISHED))
        elif actual != amount:
            found.append(Mismatch(f"withheld.{claim}", format_amount(amount), format_amount(actual)))
    return found


def net_paid_on(replay: Replay, debtor: str, on: date) -> Cents:
    try:
        payments = explain(replay.services, replay.organism, debtor, on)
    except NotFound:
        return 0
    return sum(payment.net for payment in payments)


def _net_paid(replay: Replay, on: date, expected: Mapping[str, Cents]) -> list[Mismatch]:
    found: list[Mismatch] = []
    for debtor, amount in expected.items():
        actual = net_paid_on(replay, debtor, on)
        if actual != amount:
            found.append(Mismatch(f"net_paid.{debtor}", format_amount(amount), format_amount(actual)))
    return found


EVENTS: dict[str, EventSpec[Any]] = {
    "benefit_payment": EventSpec(TypeAdapter(BenefitPaymentEvent), apply_benefit_payment),
}
CHECKS: dict[str, CheckSpec[Any]] = {
    "withheld": CheckSpec(TypeAdapter(dict[LocalId, Amount]), "claim", _withheld),
    "net_paid": CheckSpec(TypeAdapter(dict[LocalId, Amount]), "debtor", _net_paid),
}
