"""Refunds of a debtor's credit under maker-checker: proposed by a case worker, decided by an
accountant (never by the proposer), booked as a ``refund`` movement, paid by a pain.001 transfer
file valid against its XSD, each refund transferred once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sepaxml
import xmlschema

from recouvre.domain.model import (
    Benefit,
    Claim,
    Creditor,
    Debtor,
    DebtorKind,
    DomainError,
    PaymentChannel,
    Responsibility,
    UndueLine,
)
from recouvre.security.authorization import Actor, Forbidden
from recouvre.service import Services, commands
from recouvre.service.claims import establish_claims, view_claim
from recouvre.service.commands import money_in
from recouvre.service.decisions import ProposalKind, ProposalStatus
from recouvre.service.registry import register_debtors

ORG = "CAF-TEST"
CASE_WORKER = Actor("tech", frozenset({"case_worker"}), organism=ORG)
ACCOUNTANT = Actor("compta", frozenset({"accountant"}), organism=ORG)
ON = date(2026, 3, 2)
XSD = Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd"


@pytest.fixture
def ready(any_services: Services) -> Services:
    services = any_services
    register_debtors(
        services,
        ORG,
        [
            Debtor(
                organism=ORG,
                ref="D1",
                kind=DebtorKind.PERSON,
                name="Jean Dupont",
                iban="FR1420041010050500013M02606",
            ),
            Debtor(organism=ORG, ref="D2", kind=DebtorKind.PERSON, name="Sans Compte"),
        ],
    )
    claims = [
        Claim(
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
        for ref, debtor in (("C1", "D1"), ("C2", "D2"))
    ]
    establish_claims(services, ORG, claims)
    for ref in ("C1", "C2"):
        commands.record_payment(
            services,
            ACCOUNTANT,
            ORG,
            ref,
            20_000,
            ON,
            PaymentChannel.TRANSFER,
            f"k-{ref}",
            confirm_overpayment=True,  # the credit the refunds repay
        )
    return services


def test_a_refund_is_proposed_decided_booked_and_transferred_once(ready: Services) -> None:
    proposal = money_in.propose_refund(ready, CASE_WORKER, ORG, "C1", ON, "trop-perçu de 50 €")
    assert proposal.kind is ProposalKind.REFUND and proposal.payload["amount_cents"] == 5_000
    assert proposal.payload["iban_masked"] == "FR14 **** **** 2606"
    with pytest.raises(Forbidden):  # a case worker does not decide
        commands.decide_proposal(ready, CASE_WORKER, ORG, ProposalKind.REFUND, proposal.id, True, ON, "ok")
    decided = commands.decide_proposal(
        ready, ACCOUNTANT, ORG, ProposalKind.REFUND, proposal.id, True, ON, "ok"
    )
    assert decided.status is ProposalStatus.APPROVED
    view = view_claim(ready, ORG, "C1", ON)
    assert (view.balance, view.credit) == (0, 0)
    produced = money_in.refund_transfer_file(
        ready,
        ACCOUNTANT,
        ORG,
        date(2026, 3, 4),
        name="CAF TEST",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
    )
    assert produced.refunds == (("C1", 5_000),)
    xmlschema.XMLSchema(str(XSD)).validate(produced.xml.decode())
    assert "FR1420041010050500013M02606" in produced.xml.decode()
    with pytest.raises(DomainError):  # already transferred: nothing left
        money_in.refund_transfer_file(
            ready,
            ACCOUNTANT,
            ORG,
            date(2026, 3, 5),
            name="CAF TEST",
            iban="FR7630006000011234567890189",
            bic="AGRIFRPP",
        )


def test_no_refund_without_credit_or_account(ready: Services) -> None:
    with pytest.raises(DomainError):  # no IBAN known for D2
        money_in.propose_refund(ready, CASE_WORKER, ORG, "C2", ON, "trop-perçu")
    with pytest.raises(DomainError):  # nothing to repay before the payment
        money_in.propose_refund(ready, CASE_WORKER, ORG, "C1", date(2026, 3, 1), "trop-perçu")


def test_the_proposer_never_decides(ready: Services) -> None:
    proposer = Actor("compta2", frozenset({"accountant", "case_worker"}), organism=ORG)
    proposal = money_in.propose_refund(ready, proposer, ORG, "C1", ON, "trop-perçu")
    with pytest.raises(Forbidden):
        commands.decide_proposal(ready, proposer, ORG, ProposalKind.REFUND, proposal.id, True, ON, "moi")
