"""Refunds of debtors' credits (SCENARIOS.md "Movement kinds": ``refund``, +, repaying a credit;
ledger invariant 3: a refund never exceeds the credit) by SEPA credit transfer (pain.001).

Maker-checker (``service.decisions``, kind ``refund``): a case worker proposes refunding a
claim's credit to the debtor's account (the IBAN of the debtor's file, else of their latest SEPA
mandate, checked with schwifty); an accountant, another person, approves it, which books the
``refund`` movement; ``transfer_file`` then writes the pain.001.001.03 file of the approved
refunds not yet transferred (``sepaxml``, validated against its XSD), once each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import schwifty
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaTransfer
from sqlalchemy import select
from sqlalchemy.orm import Session

from recouvre.domain import money_in as rules
from recouvre.domain.errors import BatchRejected, NotFound, Problem
from recouvre.domain.ledger import MovementKind, MovementRequest
from recouvre.domain.model import DomainError
from recouvre.domain.money import Cents
from recouvre.service import payments
from recouvre.service.context import Services
from recouvre.storage import repository
from recouvre.storage.back_office_tables import ProposalRow
from recouvre.storage.money_in_tables import DebitMandateRow
from recouvre.storage.tables import ClaimRow, DebtorRow

REFUND = "refund"


def payee_account(session: Session, debtor_id: int) -> tuple[str, str] | None:
    """(IBAN, where it comes from) for a refund: the debtor's file, else the latest mandate."""
    debtor = session.get(DebtorRow, debtor_id)
    candidates: list[tuple[str, str]] = []
    if debtor is not None and debtor.iban:
        candidates.append((debtor.iban, "debtor"))
    mandate = session.scalar(
        select(DebitMandateRow)
        .where(DebitMandateRow.debtor_id == debtor_id)
        .order_by(DebitMandateRow.signed_on.desc(), DebitMandateRow.id.desc())
        .limit(1)
    )
    if mandate is not None:
        candidates.append((mandate.iban, f"mandate:{mandate.id}"))
    for iban, source in candidates:
        try:
            return str(schwifty.IBAN(iban).compact), source
        except SchwiftyException:
            continue
    return None


def refund_payload(services: Services, organism: str, claim_ref: str, on: date) -> dict[str, object]:
    """What a refund proposal records: the credit to repay and the account it goes to."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        claim = repository.claim_row(session, organism_id, claim_ref)
        if claim is None:
            raise NotFound("claim", claim_ref, f"créance introuvable dans {organism}")
        credit = repository.load_ledger(session, claim.id, until=on).credit
        if credit <= 0:
            raise DomainError("claim", claim_ref, f"aucun trop-perçu à rembourser le {on:%d/%m/%Y}")
        account = payee_account(session, claim.debtor_id)
        if account is None:
            raise DomainError("iban", claim_ref, "aucun IBAN valide du débiteur (dossier ou mandat SEPA)")
        iban, source = account
        return {"amount_cents": credit, "iban_masked": rules.masked_iban(iban), "iban_source": source}


def book_refund(
    services: Services, organism: str, claim_ref: str, proposal_id: int, amount: Cents, on: date
) -> None:
    """The approved refund's ``refund`` movement (refused by the ledger beyond the credit)."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        claim = repository.claim_row(session, organism_id, claim_ref)
        if claim is None:
            raise NotFound("claim", claim_ref, f"créance introuvable dans {organism}")
        credit = repository.load_ledger(session, claim.id, until=on).credit
        if credit < amount:
            raise DomainError("amount", amount, f"le trop-perçu n'est plus que de {credit / 100:.2f}")
        payments.post(
            session,
            services,
            claim,
            MovementRequest(
                key=f"{organism}:{claim_ref}:refund:{proposal_id}",
                kind=MovementKind.REFUND,
                amount=amount,
                booked_on=on,
                note=f"remboursement par virement SEPA (proposition {proposal_id})",
            ),
        )


@dataclass(frozen=True)
class Debtor:
    name: str
    iban: str
    bic: str


@dataclass(frozen=True)
class TransferFile:
    xml: bytes
    refunds: tuple[tuple[str, Cents], ...]
    excluded: tuple[Problem, ...]
    total: Cents


def transfer_file(
    services: Services, organism: str, on: date, *, name: str, iban: str, bic: str
) -> TransferFile:
    """The pain.001.001.03 file of the approved refunds not yet transferred, executed on ``on``."""
    problems: list[Problem] = []
    try:
        own_iban = str(schwifty.IBAN(iban).compact)
    except SchwiftyException as error:
        problems.append(Problem(0, "debtor.iban", "…", f"IBAN de l'organisme invalide ({error})"))
        own_iban = iban
    try:
        own_bic = str(schwifty.BIC(bic).compact)
    except SchwiftyException as error:
        problems.append(Problem(0, "debtor.bic", bic, f"BIC de l'organisme invalide ({error})"))
        own_bic = bic
    if problems:
        raise BatchRejected(problems)
    document = SepaTransfer(
        {"name": name, "IBAN": own_iban, "BIC": own_bic, "batch": True, "currency": "EUR"},
        schema="pain.001.001.03",
        clean=True,
    )
    done: list[tuple[str, Cents]] = []
    excluded: list[Problem] = []
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        rows = list(
            session.execute(
                select(ProposalRow, ClaimRow, DebtorRow)
                .join(ClaimRow, ClaimRow.id == ProposalRow.claim_id)
                .join(DebtorRow, DebtorRow.id == ClaimRow.debtor_id)
                .where(
                    ProposalRow.organism_id == organism_id,
                    ProposalRow.kind == REFUND,
                    ProposalRow.status == "approved",
                )
                .order_by(ProposalRow.id)
            )
        )
        for index, (proposal, claim, debtor) in enumerate(rows):
            payload = dict(proposal.payload)
            if payload.get("transferred_on"):
                continue
            account = payee_account(session, debtor.id)
            if account is None:
                excluded.append(Problem(index, "claim", claim.ref, "aucun IBAN valide du débiteur"))
                continue
            payee = schwifty.IBAN(account[0])
            amount = int(str(payload["amount_cents"]))
            payment: dict[str, object] = {
                "name": debtor.name or debtor.ref,
                "IBAN": str(payee.compact),
                "amount": amount,
                "execution_date": on,
                "description": f"Remboursement trop-percu creance {claim.ref}"[:140],
                "endtoend_id": f"RFD-{proposal.id}",
            }
            if payee.bic is not None:
                payment["BIC"] = str(payee.bic.compact)
            document.add_payment(payment)
            payload["transferred_on"] = on.isoformat()
            proposal.payload = payload
            done.append((claim.ref, amount))
        if not done:
            raise DomainError("on", on.isoformat(), "aucun remboursement approuvé à virer")
        xml = document.export(validate=True)
        session.flush()
    return TransferFile(xml, tuple(done), tuple(excluded), Cents(sum(amount for _, amount in done)))
