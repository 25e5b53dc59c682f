"""A claim transferred to the département (status ``transferred``) is no longer recovered by the
organism: a payment received for it is still booked, but a plan, a promise, a remission request,
a contrainte or an agency placement is refused with a French message naming the transfer, and
the cycle gives it no reminder task."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from recouvre.domain.enforcement import TitleKind
from recouvre.domain.errors import Refused
from recouvre.domain.model import PaymentChannel
from recouvre.security.authorization import Actor
from recouvre.service import Services, commands, debtor_space, placements, third_party
from recouvre.service.claims import view_claim
from recouvre.service.commands import debtor_space as space
from recouvre.service.cycle import run_cycle
from recouvre.storage.tables import RefusalRow, TaskRow

from .conftest import ORG, Setup, make_claim

ON = date(2026, 4, 2)
AFTER = date(2026, 4, 10)
WORKER = Actor("t:case_worker", frozenset({"case_worker", "manager", "director"}), organism=ORG)

REFUSED: dict[str, Callable[[Services], object]] = {
    "plan": lambda s: commands.agree_plan(s, WORKER, ORG, "C1", 5_000, date(2026, 5, 5), AFTER),
    "promise": lambda s: commands.promise_to_pay(s, WORKER, ORG, "C1", 5_000, date(2026, 5, 5), AFTER),
    "remission": lambda s: commands.request_remission(s, WORKER, ORG, "C1", AFTER, "debtor", "guichet"),
    "contrainte": lambda s: commands.draft_title(s, WORKER, ORG, "C1", AFTER, TitleKind.CONTRAINTE),
    "placement": lambda s: commands.place_claim(s, WORKER, ORG, "C1", "acme", AFTER),
    # In his space, a plan the policy does not grant at once would become a task: refused too.
    "space plan request": lambda s: space.ask_plan(
        s, debtor_space.debtor_actor(ORG, "D2"), "C1", 100, date(2026, 12, 5), AFTER
    ),
}


@pytest.fixture
def transferred(services: Services, setup: Setup) -> Services:
    setup(make_claim("C1", debtor="D2"))
    placements.save_agency(services, ORG, placements.AgencySpec("acme", "amicable", Decimal("8.00")))
    third_party.transfer(services, ORG, "C1", ON, departement="44", reason="fin de droits RSA", actor="ac")
    return services


@pytest.mark.parametrize("act", sorted(REFUSED))
def test_an_act_of_recovery_on_a_transferred_claim_is_refused(transferred: Services, act: str) -> None:
    with pytest.raises(Refused) as raised:
        REFUSED[act](transferred)
    assert "transférée" in raised.value.reason and "département" in raised.value.reason
    with transferred.db.unit_of_work() as session:
        messages = [row.message for row in session.scalars(select(RefusalRow))]
    assert any("transférée" in message for message in messages)


def test_a_payment_on_a_transferred_claim_is_still_booked(transferred: Services) -> None:
    commands.record_payment(transferred, WORKER, ORG, "C1", 2_000, AFTER, PaymentChannel.CHEQUE, "chq-1")
    assert view_claim(transferred, ORG, "C1", AFTER).balance == 58_000


def test_before_the_transfer_a_plan_is_agreed(services: Services, setup: Setup) -> None:
    setup(make_claim("C1", debtor="D2"))
    commands.agree_plan(services, WORKER, ORG, "C1", 5_000, date(2026, 3, 5), date(2026, 3, 1))
    third_party.transfer(services, ORG, "C1", ON, departement="44")


def test_the_cycle_gives_a_transferred_claim_no_reminder_task(transferred: Services) -> None:
    run_cycle(transferred, ORG, "2026-05", date(2026, 5, 4))
    with transferred.db.unit_of_work() as session:
        assert list(session.scalars(select(TaskRow.type).where(TaskRow.created_on >= ON))) == []
