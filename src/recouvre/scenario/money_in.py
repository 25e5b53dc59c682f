"""Scenario support for money in (SCENARIOS.md "Money in (normative)").

Events ``bank_credit``, ``mandate``, ``direct_debit_run`` and ``direct_debit_return``; check
``unmatched``. Its ``EVENTS`` and ``CHECKS`` are merged into the registries of ``events`` and
``checks``. Every event goes through ``service.commands.money_in``, as the API and the command
line do.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import TypeAdapter, model_validator

from recouvre.domain.model import DomainError
from recouvre.domain.money import Cents, format_amount
from recouvre.domain.money_in import readable_reference
from recouvre.scenario.checks_base import CheckSpec
from recouvre.scenario.context import Mismatch, Replay, Step, actor
from recouvre.scenario.events_base import EventSpec
from recouvre.scenario.fields import Amount, LocalId, PositiveAmount, Strict
from recouvre.service.commands import money_in

SCENARIO_STATEMENT = "scenario"
"""The statement id of a scenario's credits; each event's entry id is its idempotency key."""


class BankCreditEvent(Strict):
    """A credit line of a bank statement: its reference as received, or ``reference_of`` a claim
    (standing for the payment reference the system gave that claim)."""

    amount: PositiveAmount
    reference: str | None = None
    reference_of: LocalId | None = None

    @model_validator(mode="after")
    def _one_reference(self) -> BankCreditEvent:
        if (self.reference is None) == (self.reference_of is None):
            raise ValueError("give exactly one of reference or reference_of")
        return self


def _reference(replay: Replay, claim: str) -> str:
    try:
        accountant = actor(replay, "accountant")
        return money_in.payment_reference(replay.services, accountant, replay.organism, claim)
    except DomainError:  # not established (yet): the reference it would get, which names no claim
        return readable_reference(replay.organism, claim)


def apply_bank_credit(replay: Replay, step: Step, event: BankCreditEvent) -> None:
    reference = event.reference
    if reference is None:
        reference = _reference(replay, str(event.reference_of))
    money_in.receive_bank_credit(
        replay.services,
        actor(replay, "accountant"),
        replay.organism,
        money_in.CreditLine(
            statement_id=SCENARIO_STATEMENT,
            entry_id=replay.idempotency_key(step),
            booked_on=step.on,
            amount=event.amount,
            reference=reference,
            source="scenario",
        ),
    )


class MandateEvent(Strict):
    debtor: LocalId
    iban: str


def apply_mandate(replay: Replay, step: Step, event: MandateEvent) -> None:
    money_in.sign_mandate(
        replay.services, actor(replay, "case_worker"), replay.organism, event.debtor, event.iban, step.on
    )


class DirectDebitRunEvent(Strict):
    """No field: the run collects every instalment due on the event's date."""


def apply_direct_debit_run(replay: Replay, step: Step, event: DirectDebitRunEvent) -> None:
    money_in.run_direct_debits(replay.services, actor(replay, "system"), replay.organism, step.on)


class DirectDebitReturnEvent(Strict):
    claim: LocalId
    reason: str


def apply_direct_debit_return(replay: Replay, step: Step, event: DirectDebitReturnEvent) -> None:
    money_in.return_direct_debit(
        replay.services, actor(replay, "accountant"), replay.organism, event.claim, step.on, event.reason
    )


EVENTS: dict[str, EventSpec[Any]] = {
    "bank_credit": EventSpec(TypeAdapter(BankCreditEvent), apply_bank_credit),
    "mandate": EventSpec(TypeAdapter(MandateEvent), apply_mandate),
    "direct_debit_run": EventSpec(TypeAdapter(DirectDebitRunEvent), apply_direct_debit_run),
    "direct_debit_return": EventSpec(TypeAdapter(DirectDebitReturnEvent), apply_direct_debit_return),
}


def _unmatched(replay: Replay, on: date, expected: list[Cents]) -> list[Mismatch]:
    credits = money_in.unmatched_on(replay.services, actor(replay, "accountant"), replay.organism, on)
    actual = [format_amount(credit.amount) for credit in credits]
    wanted = [format_amount(amount) for amount in expected]
    if actual != wanted:
        return [Mismatch("unmatched", "[" + ", ".join(wanted) + "]", "[" + ", ".join(actual) + "]")]
    return []


CHECKS: dict[str, CheckSpec[Any]] = {
    "unmatched": CheckSpec(TypeAdapter(list[Amount]), None, _unmatched),
}
