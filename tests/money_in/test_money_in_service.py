"""Money in through the door (``service.commands.money_in``): stored references, idempotent
credits, the unmatched queue's two actions, mandates. On SQLite."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from recouvre.domain.errors import Refused
from recouvre.domain.model import (
    Benefit,
    Claim,
    Creditor,
    Debtor,
    DebtorKind,
    DomainError,
    Responsibility,
    UndueLine,
)
from recouvre.security.authorization import Actor, Forbidden
from recouvre.service import Services
from recouvre.service.claims import establish_claims, view_claim
from recouvre.service.commands import money_in
from recouvre.service.registry import register_debtors
from recouvre.storage.money_in_tables import PaymentReferenceRow

ORG = "CAF-TEST"
ON = date(2026, 3, 2)
ACCOUNTANT = Actor("compta", frozenset({"accountant"}), organism=ORG)
CASE_WORKER = Actor("tech", frozenset({"case_worker"}), organism=ORG)


def claim(ref: str, debtor: str = "D1") -> Claim:
    return Claim(
        organism=ORG,
        ref=ref,
        debtor_ref=debtor,
        benefit=Benefit.AF,
        creditor=Creditor.OWN,
        responsibility=Responsibility.ORGANISM_ERROR,
        lines=(UndueLine(paid_on=date(2026, 1, 5), amount=15_000),),
        notified_on=date(2026, 2, 3),
        established_on=date(2026, 2, 3),
        detected_on=date(2026, 2, 3),
    )


@pytest.fixture
def ready(any_services: Services) -> Services:
    services = any_services
    register_debtors(services, ORG, [Debtor(organism=ORG, ref="D1", kind=DebtorKind.PERSON)])
    # "C-1" and "C1" read the same once punctuation is dropped: the second gets another reference.
    establish_claims(services, ORG, [claim("C1"), claim("C-1")])
    return services


def line(entry: str, reference: str, amount: int = 5_000) -> money_in.CreditLine:
    return money_in.CreditLine("STMT-1", entry, ON, amount, reference, payer_name="M. DUPONT")


def test_claims_get_distinct_stored_references(ready: Services) -> None:
    first = money_in.payment_reference(ready, ACCOUNTANT, ORG, "C1")
    second = money_in.payment_reference(ready, ACCOUNTANT, ORG, "C-1")
    assert first == "RF19CAFTESTC1"
    assert second != first and second.startswith("RF")
    with ready.db.unit_of_work() as session:
        assert len(session.scalars(select(PaymentReferenceRow)).all()) == 2


def test_a_credit_is_received_once_and_books_on_its_claim(ready: Services) -> None:
    reference = money_in.payment_reference(ready, ACCOUNTANT, ORG, "C-1")
    credit = money_in.receive_bank_credit(ready, ACCOUNTANT, ORG, line("E1", reference))
    again = money_in.receive_bank_credit(ready, ACCOUNTANT, ORG, line("E1", reference))
    assert credit.status == "matched" and credit.claim_ref == "C-1" and again.id == credit.id
    assert view_claim(ready, ORG, "C-1", ON).balance == 10_000
    assert view_claim(ready, ORG, "C1", ON).balance == 15_000
    with pytest.raises(DomainError):
        money_in.receive_bank_credit(ready, ACCOUNTANT, ORG, line("E1", reference, amount=1))


def test_the_accountant_books_or_returns_an_unmatched_credit(ready: Services) -> None:
    first = money_in.receive_bank_credit(ready, ACCOUNTANT, ORG, line("E1", "C1 DUPONT"))
    second = money_in.receive_bank_credit(ready, ACCOUNTANT, ORG, line("E2", "RF20CAFTESTC1"))
    assert first.status == second.status == "unmatched"
    assert "RF" in first.reason and "contrôle" in second.reason
    queue = money_in.bank_credits(ready, ACCOUNTANT, ORG, status="unmatched")
    assert [item.id for item in queue] == [first.id, second.id]
    booked = money_in.book_unmatched_credit(ready, ACCOUNTANT, ORG, first.id, "C1", date(2026, 3, 5))
    assert booked.status == "booked" and view_claim(ready, ORG, "C1", ON).balance == 10_000
    later = date(2026, 3, 5)
    returned = money_in.return_unmatched_credit(ready, ACCOUNTANT, ORG, second.id, later, "inconnu")
    assert returned.status == "returned"
    assert money_in.bank_credits(ready, ACCOUNTANT, ORG, status="unmatched") == []
    # Both were unmatched when they came in: the day's check still lists them.
    assert [item.amount for item in money_in.unmatched_on(ready, ACCOUNTANT, ORG, ON)] == [5_000, 5_000]
    with pytest.raises(DomainError):
        money_in.book_unmatched_credit(ready, ACCOUNTANT, ORG, first.id, "C1", date(2026, 3, 5))


def test_a_case_worker_may_not_touch_the_queue(ready: Services) -> None:
    credit = money_in.receive_bank_credit(ready, ACCOUNTANT, ORG, line("E1", "?"))
    with pytest.raises(Forbidden):
        money_in.book_unmatched_credit(ready, CASE_WORKER, ORG, credit.id, "C1", ON)
    with pytest.raises(Forbidden):
        money_in.receive_bank_credit(ready, CASE_WORKER, ORG, line("E2", "?"))


def test_a_mandate_with_a_bad_iban_is_refused_naming_the_field(ready: Services) -> None:
    with pytest.raises(Refused) as raised:
        money_in.sign_mandate(ready, CASE_WORKER, ORG, "D1", "FR15 2004 1010 0505 0001 3M02 606", ON)
    assert "iban" in raised.value.reason and "IBAN invalide" in raised.value.reason
    assert money_in.debtor_mandates(ready, CASE_WORKER, ORG, "D1") == []
    mandate = money_in.sign_mandate(
        ready, CASE_WORKER, ORG, "D1", "FR1420041010050500013M02606", ON, form="electronic"
    )
    assert mandate.form == "electronic" and mandate.iban_masked == "FR14 **** **** 2606"
    assert mandate.lapses_on == date(2029, 3, 2)
    assert [item.rum for item in money_in.debtor_mandates(ready, CASE_WORKER, ORG, "D1")] == [mandate.rum]
