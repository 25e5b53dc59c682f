"""SEPA Core direct debits (RULES.md §1.5, §12): pre-notification, collection files (pain.008)
and the bank's returns and rejects (pain.002, camt.054).

* **Pre-notification.** ``prenotify`` records, for each plan instalment due on a date from the
  debtors with a usable mandate, the notice of its amount and date (one per claim and due
  date), and issues the debtor's letter ``debit_prenotification`` (one per debtor and due date,
  in the outbox like every letter: printed, or sent by the channels). A collection is put in a
  file only when its notice was given at least ``sepa.prenotification_days`` days before the
  due date (policy: the SEPA Core rulebook's 14 days, an organism may override it).
* **Collection files.** ``collection_file`` writes the pain.008.001.02 file of a due date with
  ``sepaxml``, which validates it against the pain.008 XSD it ships. Every IBAN and BIC is
  checked with ``schwifty`` first, and the creditor identifier (ICS) with python-stdnum
  (``eu.at_02``): a collection whose IBAN fails never reaches the file, it is listed apart with
  the reason. The sequence type is ``FRST`` for a mandate's first collection, ``RCUR`` after.
* **Returns and rejects.** ``parse_returns`` reads a pain.002 (``TxInfAndSts`` with ``TxSts``
  ``RJCT``) or a camt.054 (returned debits: ``RtrInf``) into (end-to-end id, reason code);
  ``book_returns`` reverses each named collection's payment (a ``reversal`` of the same amount:
  the instalment counts as unpaid for the monthly cycle), once.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import date

import schwifty
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaDD
from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.eu import at_02

from recouvre.domain import money_in as rules
from recouvre.domain.errors import BatchRejected, NotFound, Problem
from recouvre.domain.ledger import MovementKind, MovementRequest
from recouvre.domain.model import DomainError
from recouvre.domain.money import Cents
from recouvre.service import payments
from recouvre.service.context import Services
from recouvre.service.money_in import _totals_on, _usable_mandates
from recouvre.service.plans import plan_rows_for
from recouvre.storage import repository
from recouvre.storage.money_in_tables import DebitMandateRow, DebitNoticeRow
from recouvre.storage.repository import LetterDraft
from recouvre.storage.tables import ClaimRow, DebtorRow, MovementRow

PRENOTIFICATION_KEY = "sepa.prenotification_days"


@dataclass(frozen=True)
class Notice:
    claim_ref: str
    debtor_ref: str
    due_on: date
    amount: Cents
    notified_on: date


def prenotify(services: Services, organism_code: str, due_on: date, notified_on: date) -> list[Notice]:
    """Record the pre-notification of every instalment due on ``due_on`` from debtors with a
    mandate usable that day (amount: the instalment capped at the balance on ``notified_on``)."""
    if notified_on > due_on:
        raise DomainError("notified_on", notified_on.isoformat(), "après la date d'échéance")
    notices: list[Notice] = []
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        mandates = _usable_mandates(session, organism_id, due_on)
        if not mandates:
            return []
        claims = list(
            session.execute(
                select(ClaimRow, DebtorRow.ref)
                .join(DebtorRow, DebtorRow.id == ClaimRow.debtor_id)
                .where(
                    ClaimRow.organism_id == organism_id,
                    repository.one_of(session, ClaimRow.debtor_id, sorted(mandates)),
                )
                .order_by(ClaimRow.ref)
            )
        )
        plans = plan_rows_for(session, [claim.id for claim, _ in claims], due_on)
        totals = _totals_on(session, [claim.id for claim, _ in claims], notified_on)
        letters: dict[int, list[tuple[int, int]]] = {}
        for claim, debtor_ref in claims:
            plan = plans.get(claim.id)
            if plan is None or not rules.instalment_due_on(plan.first_due, due_on):
                continue
            amount = rules.collection_amount(plan.monthly_cents, totals.get(claim.id, 0))
            if amount <= 0:
                continue
            existing = session.scalar(
                select(DebitNoticeRow).where(
                    DebitNoticeRow.claim_id == claim.id, DebitNoticeRow.due_on == due_on
                )
            )
            if existing is None:
                existing = DebitNoticeRow(
                    organism_id=organism_id,
                    claim_id=claim.id,
                    mandate_id=mandates[claim.debtor_id].id,
                    due_on=due_on,
                    amount_cents=amount,
                    notified_on=notified_on,
                    recorded_at=services.clock(),
                )
                session.add(existing)
            notices.append(Notice(claim.ref, debtor_ref, due_on, existing.amount_cents, existing.notified_on))
            letters.setdefault(claim.debtor_id, []).append((claim.id, existing.amount_cents))
        session.flush()
        repository.insert_letters(
            session,
            [
                LetterDraft(
                    key=f"{organism_code}:{debtor_id}:debit_prenotification:{due_on.isoformat()}",
                    organism_id=organism_id,
                    debtor_id=debtor_id,
                    type="debit_prenotification",
                    issued_on=notified_on,
                    claim_ids=tuple(claim_id for claim_id, _ in covered),
                    data={
                        "deadline": due_on.isoformat(),
                        "amount_cents": sum(amount for _, amount in covered),
                        "mandate": mandates[debtor_id].rum,
                    },
                )
                for debtor_id, covered in sorted(letters.items())
            ],
        )
    return notices


@dataclass(frozen=True)
class Creditor:
    """The organism as the creditor of its collections."""

    name: str
    iban: str
    bic: str
    creditor_id: str
    """The SEPA creditor identifier (ICS), e.g. ``FR72ZZZ123456``."""


@dataclass(frozen=True)
class CollectionFile:
    xml: bytes
    included: tuple[Notice, ...]
    excluded: tuple[Problem, ...]
    """Collections left out, with the reason (index: position among the due date's notices)."""
    total: Cents


def checked_creditor(creditor: Creditor) -> Creditor:
    problems: list[Problem] = []
    try:
        iban = str(schwifty.IBAN(creditor.iban).compact)
    except SchwiftyException as error:
        problems.append(Problem(0, "creditor.iban", "…", f"IBAN du créancier invalide ({error})"))
        iban = creditor.iban
    try:
        bic = str(schwifty.BIC(creditor.bic).compact)
    except SchwiftyException as error:
        problems.append(Problem(0, "creditor.bic", creditor.bic, f"BIC du créancier invalide ({error})"))
        bic = creditor.bic
    if not at_02.is_valid(creditor.creditor_id):
        problems.append(
            Problem(
                0, "creditor.creditor_id", creditor.creditor_id, "identifiant créancier SEPA (ICS) invalide"
            )
        )
    if not creditor.name.strip():
        problems.append(Problem(0, "creditor.name", creditor.name, "nom du créancier absent"))
    if problems:
        raise BatchRejected(problems)
    return Creditor(creditor.name.strip(), iban, bic, at_02.compact(creditor.creditor_id))


def collection_file(
    services: Services, organism_code: str, due_on: date, creditor: Creditor
) -> CollectionFile:
    """The pain.008.001.02 file of the collections due on ``due_on``, validated against its XSD."""
    checked = checked_creditor(creditor)
    included: list[Notice] = []
    excluded: list[Problem] = []
    document = SepaDD(
        {
            "name": checked.name,
            "IBAN": checked.iban,
            "BIC": checked.bic,
            "batch": True,
            "creditor_id": checked.creditor_id,
            "currency": "EUR",
        },
        schema="pain.008.001.02",
        clean=True,
    )
    with services.db.unit_of_work() as session:
        organism_id, organism = services.organism(session, organism_code)
        notice_days = services.policy(organism).whole(PRENOTIFICATION_KEY, due_on)
        rows = list(
            session.execute(
                select(DebitNoticeRow, ClaimRow, DebtorRow, DebitMandateRow)
                .join(ClaimRow, ClaimRow.id == DebitNoticeRow.claim_id)
                .join(DebtorRow, DebtorRow.id == ClaimRow.debtor_id)
                .join(DebitMandateRow, DebitMandateRow.id == DebitNoticeRow.mandate_id)
                .where(DebitNoticeRow.organism_id == organism_id, DebitNoticeRow.due_on == due_on)
                .order_by(ClaimRow.ref)
            )
        )
        totals = _totals_on(session, [claim.id for _, claim, _, _ in rows], due_on)
        for index, (notice, claim, debtor, mandate) in enumerate(rows):
            reason = _excluded(notice, mandate, due_on, notice_days)
            try:
                iban = schwifty.IBAN(mandate.iban)
                bic = (
                    str(schwifty.BIC(mandate.bic).compact)
                    if mandate.bic
                    else (iban.bic and str(iban.bic.compact))
                )
            except SchwiftyException as error:
                reason = reason or f"IBAN ou BIC du mandat {mandate.rum} invalide ({error})"
                bic = None
            amount = min(notice.amount_cents, max(totals.get(claim.id, 0), 0))
            if reason is None and amount <= 0:
                reason = "plus rien à prélever"
            if reason is not None:
                excluded.append(Problem(index, "claim", claim.ref, reason))
                continue
            payment: dict[str, object] = {
                "name": debtor.name or debtor.ref,
                "IBAN": str(iban.compact),
                "amount": amount,
                "type": rules.sequence_type(mandate.last_collected_on),
                "collection_date": due_on,
                "mandate_id": mandate.rum,
                "mandate_date": mandate.signed_on,
                "description": f"Remboursement creance {claim.ref}"[:140],
                "endtoend_id": rules.end_to_end_id(claim.id, due_on),
            }
            if bic:
                payment["BIC"] = bic
            document.add_payment(payment)
            included.append(Notice(claim.ref, debtor.ref, due_on, amount, notice.notified_on))
    if not included:
        raise DomainError("due_on", due_on.isoformat(), "aucun prélèvement à présenter à cette date")
    return CollectionFile(
        document.export(validate=True),
        tuple(included),
        tuple(excluded),
        Cents(sum(item.amount for item in included)),
    )


def _excluded(notice: DebitNoticeRow, mandate: DebitMandateRow, due_on: date, notice_days: int) -> str | None:
    if not rules.prenotified_in_time(notice.notified_on, due_on, notice_days):
        return (
            f"pré-notification du {notice.notified_on:%d/%m/%Y} : moins de "
            f"{notice_days} jours avant l'échéance"
        )
    facts = rules.MandateFacts(mandate.signed_on, mandate.last_collected_on, mandate.revoked_on)
    if not rules.mandate_usable(facts, due_on):
        return f"mandat {mandate.rum} caduc ou révoqué"
    return None


# Returns and rejects ----------------------------------------------------------------------------

PAIN_002 = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:pain\.002\.001\.\d{2}$")
CAMT_054 = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.054\.001\.\d{2}$")


@dataclass(frozen=True)
class ReturnedCollection:
    end_to_end_id: str
    reason: str
    on: date | None


def parse_returns(data: bytes) -> tuple[list[ReturnedCollection], list[Problem]]:
    """The rejected or returned collections of a pain.002 or a camt.054, and every problem."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        return [], [Problem(0, "fichier", "", f"XML illisible : {error}")]
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    ns = {"c": namespace}
    found: list[ReturnedCollection] = []
    problems: list[Problem] = []
    if PAIN_002.match(namespace):
        for index, item in enumerate(root.iterfind(".//c:TxInfAndSts", ns)):
            status = item.findtext("c:TxSts", default="", namespaces=ns).strip()
            if status != "RJCT":
                continue
            e2e = item.findtext("c:OrgnlEndToEndId", default="", namespaces=ns).strip()
            reason = item.findtext("c:StsRsnInf/c:Rsn/c:Cd", default="", namespaces=ns).strip() or "RJCT"
            if not e2e:
                problems.append(Problem(index, "OrgnlEndToEndId", "", "identifiant de bout en bout absent"))
                continue
            found.append(ReturnedCollection(e2e, reason, None))
        return found, problems
    if CAMT_054.match(namespace):
        for index, entry in enumerate(root.iterfind(".//c:Ntry", ns)):
            booked_text = entry.findtext("c:BookgDt/c:Dt", default="", namespaces=ns).strip()
            try:
                booked = date.fromisoformat(booked_text) if booked_text else None
            except ValueError:
                problems.append(Problem(index, "BookgDt", booked_text, "date AAAA-MM-JJ attendue"))
                continue
            for detail in entry.iterfind("c:NtryDtls/c:TxDtls", ns):
                if detail.find("c:RtrInf", ns) is None:
                    continue
                e2e = detail.findtext("c:Refs/c:EndToEndId", default="", namespaces=ns).strip()
                reason = detail.findtext("c:RtrInf/c:Rsn/c:Cd", default="", namespaces=ns).strip() or "RTRN"
                if not e2e:
                    problems.append(Problem(index, "EndToEndId", "", "identifiant de bout en bout absent"))
                    continue
                found.append(ReturnedCollection(e2e, reason, booked))
        return found, problems
    return [], [Problem(0, "Document", namespace, "pain.002 ou camt.054 (ISO 20022) attendu")]


def check_returns(
    services: Services, organism_code: str, returned: list[ReturnedCollection]
) -> list[Problem]:
    problems: list[Problem] = []
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        for index, item in enumerate(returned):
            if _collection(session, organism_id, organism_code, item.end_to_end_id) is None:
                problems.append(
                    Problem(
                        index, "EndToEndId", item.end_to_end_id, "ne désigne aucun prélèvement de l'organisme"
                    )
                )
    return problems


def _collection(session: Session, organism_id: int, organism_code: str, e2e: str) -> MovementRow | None:
    parsed = rules.parse_end_to_end_id(e2e)
    if parsed is None:
        return None
    claim_id, due_on = parsed
    claim = session.scalar(
        select(ClaimRow).where(ClaimRow.id == claim_id, ClaimRow.organism_id == organism_id)
    )
    if claim is None:
        return None
    key = f"{organism_code}:{claim.ref}:payment:direct_debit:{due_on.isoformat()}"
    return session.scalar(select(MovementRow).where(MovementRow.key == key))


def book_returns(services: Services, organism_code: str, returned: list[ReturnedCollection], on: date) -> int:
    """Reverse each returned collection's payment once; returns how many are new."""
    new = 0
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        for item in returned:
            target = _collection(session, organism_id, organism_code, item.end_to_end_id)
            if target is None:
                raise NotFound("EndToEndId", item.end_to_end_id, "aucun prélèvement")
            already = session.scalar(select(MovementRow.id).where(MovementRow.reverses_key == target.key))
            if already is not None:  # returned before (this file again, or a return by hand)
                continue
            claim = session.get(ClaimRow, target.claim_id)
            assert claim is not None
            _, booked = payments.post(
                session,
                services,
                claim,
                MovementRequest(
                    key=f"{target.key}:reversal",
                    kind=MovementKind.REVERSAL,
                    amount=target.amount_cents,
                    booked_on=max(item.on or on, target.booked_on),
                    reverses=target.key,
                    note=f"prélèvement rejeté ({item.reason})",
                ),
            )
            new += int(booked)
    return new
