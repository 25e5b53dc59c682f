"""Money in (SCENARIOS.md "Money in (normative)"; RULES.md §1.5, §12): payment references,
bank credits and their unmatched queue, SEPA direct-debit mandates, collections and returns.

* **Payment references.** Every claim has an ISO 11649 creditor reference, chosen once among
  ``domain.money_in.candidate_references`` (the readable one unless another claim of the
  organism already holds it) and stored in ``payment_references`` for the lookups of bank
  credits. Claims get theirs when established (``assign_references``), or, for claims written by
  another path, the first time one is asked for (``ensure_references``).
* **Bank credits.** ``receive_credit`` records a credit line once per (statement, entry): a valid
  reference of a claim of the organism books a ``payment`` (channel ``transfer``) on it, like any
  payment (beyond the balance it is the debtor's credit; it interrupts prescription); otherwise
  the credit waits in the unmatched queue, with the reason, until an accountant books it on a
  chosen claim (``book_unmatched``) or returns it to the payer (``return_unmatched``).
* **Direct debits.** ``record_mandate`` keeps a debtor's mandate (RUM, IBAN checked, signature
  date, paper or electronic); ``run_direct_debits`` collects each plan instalment due that day on
  the claims of debtors with a usable mandate, capped at the balance; ``return_direct_debit``
  books a ``reversal`` of the claim's last direct-debit payment, so that the instalment counts
  as unpaid for the monthly cycle (whose coverage is net of reversals, ``service.cycle``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from recouvre.domain import money_in as rules
from recouvre.domain.errors import NotFound, Problem
from recouvre.domain.ledger import MovementKind, MovementRequest
from recouvre.domain.model import DomainError, Organism, PaymentChannel
from recouvre.domain.money import Cents
from recouvre.service import payments, queues
from recouvre.service.context import Services, refuse
from recouvre.service.plans import plan_rows_for
from recouvre.service.references import claim_of_reference, ensure_references
from recouvre.storage import repository
from recouvre.storage.money_in_tables import BankCreditRow, DebitMandateRow
from recouvre.storage.tables import ClaimRow, DebtorRow, MovementRow

MATCHED = "matched"
UNMATCHED = "unmatched"
BOOKED = "booked"
RETURNED = "returned"
MANDATE_FORMS = ("paper", "electronic")


# Bank credits ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditLine:
    """One credit line of a bank statement."""

    statement_id: str
    entry_id: str
    booked_on: date
    amount: Cents
    reference: str
    payer_name: str = ""
    payer_iban: str | None = None
    source: str = "api"


@dataclass(frozen=True)
class CreditView:
    id: int
    statement_id: str
    entry_id: str
    booked_on: date
    amount: Cents
    reference: str
    payer_name: str
    source: str
    status: str
    reason: str
    claim_ref: str | None
    movement_key: str | None


def _credit_view(row: BankCreditRow, claim_ref: str | None) -> CreditView:
    return CreditView(
        id=row.id,
        statement_id=row.statement_id,
        entry_id=row.entry_id,
        booked_on=row.booked_on,
        amount=row.amount_cents,
        reference=row.reference,
        payer_name=row.payer_name,
        source=row.source,
        status=row.status,
        reason=row.reason,
        claim_ref=claim_ref,
        movement_key=row.movement_key,
    )


def _claim_ref(session: Session, claim_id: int | None) -> str | None:
    if claim_id is None:
        return None
    return session.scalar(select(ClaimRow.ref).where(ClaimRow.id == claim_id))


def _payment_key(organism_code: str, claim_ref: str, line: CreditLine) -> str:
    return f"{organism_code}:{claim_ref}:payment:bank:{line.statement_id}:{line.entry_id}"[:200]


def _book_credit(
    session: Session,
    services: Services,
    organism: tuple[int, Organism],
    claim: ClaimRow,
    line: CreditLine,
    note: str,
) -> str:
    """Book a bank credit as a transfer ``payment`` on ``claim`` (matched by its reference, or
    assigned from the unmatched queue), close the tasks of a claim it settles; its key."""
    organism_id, known = organism
    key = _payment_key(known.code, claim.ref, line)
    payments.post(
        session,
        services,
        claim,
        MovementRequest(
            key=key,
            kind=MovementKind.PAYMENT,
            amount=line.amount,
            booked_on=line.booked_on,
            channel=PaymentChannel.TRANSFER.value,
            note=note,
        ),
    )
    queues.close_tasks_of_ended_claims(
        session, organism_id, line.booked_on, [claim.id], policy=services.policy(known)
    )
    return key


def match(
    session: Session, organism_id: int, organism_code: str, line: CreditLine
) -> tuple[ClaimRow | None, str]:
    """The claim a credit line's reference names, or ``None`` and why not (French)."""
    problem = rules.reference_problem(line.reference)
    if problem is not None:
        return None, f"référence {line.reference or '(vide)'} : {problem}"
    ensure_references(session, organism_id, organism_code)
    row = claim_of_reference(session, organism_id, rules.compact_reference(line.reference))
    if row is None:
        return None, f"la référence {line.reference} ne désigne aucune créance de l'organisme"
    if line.booked_on < row.established_on:
        return None, f"la créance {row.ref} n'est constatée que le {row.established_on:%d/%m/%Y}"
    return row, ""


def receive_credit(services: Services, organism_code: str, line: CreditLine) -> CreditView:
    """Record a bank credit once: booked on the claim its reference names, else left unmatched."""
    if line.amount <= 0:
        raise DomainError("amount", line.amount, "un crédit bancaire est un montant positif")
    with services.db.unit_of_work() as session:
        organism_id, organism = services.organism(session, organism_code)
        existing = session.scalar(
            select(BankCreditRow).where(
                BankCreditRow.organism_id == organism_id,
                BankCreditRow.statement_id == line.statement_id,
                BankCreditRow.entry_id == line.entry_id,
            )
        )
        if existing is not None:
            if existing.amount_cents != line.amount or existing.booked_on != line.booked_on:
                raise DomainError(
                    "entry_id",
                    line.entry_id,
                    f"écriture {line.statement_id}/{line.entry_id} déjà reçue avec un autre montant"
                    " ou une autre date",
                )
            return _credit_view(existing, _claim_ref(session, existing.claim_id))
        claim, reason = match(session, organism_id, organism_code, line)
        row = BankCreditRow(
            organism_id=organism_id,
            statement_id=line.statement_id,
            entry_id=line.entry_id,
            booked_on=line.booked_on,
            amount_cents=line.amount,
            reference=line.reference[:140],
            payer_name=line.payer_name[:140],
            payer_iban=line.payer_iban,
            source=line.source,
            status=UNMATCHED if claim is None else MATCHED,
            reason=reason,
            claim_id=None if claim is None else claim.id,
            recorded_at=services.clock(),
        )
        if claim is not None:
            row.movement_key = _book_credit(
                session, services, (organism_id, organism), claim, line, f"virement {line.reference}"
            )
        session.add(row)
        session.flush()
        return _credit_view(row, None if claim is None else claim.ref)


def credits(
    services: Services, organism_code: str, *, status: str | None = None, on: date | None = None
) -> list[CreditView]:
    """The bank credits of the organism, in the order they were received; ``status`` and ``on``
    (the credit's booking date) narrow the list."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        query = (
            select(BankCreditRow, ClaimRow.ref)
            .outerjoin(ClaimRow, ClaimRow.id == BankCreditRow.claim_id)
            .where(BankCreditRow.organism_id == organism_id)
            .order_by(BankCreditRow.id)
        )
        if status is not None:
            query = query.where(BankCreditRow.status == status)
        if on is not None:
            query = query.where(BankCreditRow.booked_on == on)
        return [_credit_view(row, ref) for row, ref in session.execute(query)]


def unmatched_on(services: Services, organism_code: str, on: date) -> list[CreditView]:
    """The credits booked on ``on`` that matched no claim (SCENARIOS.md check ``unmatched``):
    whatever was done with them later, they did not match when received."""
    return [credit for credit in credits(services, organism_code, on=on) if credit.status != MATCHED]


def _pending_credit(session: Session, organism_id: int, credit_id: int) -> BankCreditRow:
    row = session.scalar(
        select(BankCreditRow)
        .where(BankCreditRow.id == credit_id, BankCreditRow.organism_id == organism_id)
        .with_for_update()
    )
    if row is None:
        raise NotFound("credit", credit_id, "aucun crédit bancaire de ce numéro dans l'organisme")
    if row.status != UNMATCHED:
        raise DomainError("credit", credit_id, f"ce crédit n'est plus en attente (état : {row.status})")
    return row


def book_unmatched(
    services: Services, organism_code: str, credit_id: int, claim_ref: str, on: date, *, by: str
) -> CreditView:
    """An accountant books an unmatched credit on a chosen claim: a ``payment`` (transfer) dated
    the credit's booking date (the day the money came in)."""
    with services.db.unit_of_work() as session:
        organism_id, organism = services.organism(session, organism_code)
        row = _pending_credit(session, organism_id, credit_id)
        claim = repository.claim_row(session, organism_id, claim_ref)
        if claim is None:
            raise NotFound("claim", claim_ref, f"créance introuvable dans {organism_code}")
        if row.booked_on < claim.established_on:
            raise DomainError("claim", claim_ref, "créance constatée après la date du crédit")
        line = CreditLine(row.statement_id, row.entry_id, row.booked_on, row.amount_cents, row.reference)
        key = _book_credit(
            session,
            services,
            (organism_id, organism),
            claim,
            line,
            f"virement non rapproché n° {row.id} affecté le {on.isoformat()}",
        )
        row.status = BOOKED
        row.claim_id = claim.id
        row.movement_key = key
        row.decided_by = by
        row.decided_on = on
        session.flush()
        return _credit_view(row, claim.ref)


def return_unmatched(
    services: Services, organism_code: str, credit_id: int, on: date, reason: str, *, by: str
) -> CreditView:
    """An accountant sends an unmatched credit back to the payer: nothing is booked on a claim."""
    if not reason.strip():
        raise DomainError("reason", reason, "indiquez le motif du renvoi")
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        row = _pending_credit(session, organism_id, credit_id)
        row.status = RETURNED
        row.reason = f"{row.reason} — renvoyé : {reason}" if row.reason else f"renvoyé : {reason}"
        row.decided_by = by
        row.decided_on = on
        session.flush()
        return _credit_view(row, None)


# SEPA mandates and direct debits -----------------------------------------------------------------


@dataclass(frozen=True)
class MandateView:
    id: int
    debtor_ref: str
    rum: str
    iban_masked: str
    bic: str | None
    signed_on: date
    form: str
    last_collected_on: date | None
    revoked_on: date | None
    lapses_on: date


def _mandate_view(row: DebitMandateRow, debtor_ref: str) -> MandateView:
    facts = rules.MandateFacts(row.signed_on, row.last_collected_on, row.revoked_on)
    return MandateView(
        id=row.id,
        debtor_ref=debtor_ref,
        rum=row.rum,
        iban_masked=rules.masked_iban(row.iban),
        bic=row.bic,
        signed_on=row.signed_on,
        form=row.form,
        last_collected_on=row.last_collected_on,
        revoked_on=row.revoked_on,
        lapses_on=rules.mandate_lapses_on(facts),
    )


def record_mandate(
    services: Services,
    organism_code: str,
    debtor_ref: str,
    iban: str,
    signed_on: date,
    *,
    form: str = "paper",
    rum: str | None = None,
    bic: str | None = None,
    by: str,
) -> MandateView:
    """Record a SEPA mandate signed by the debtor (paper, or electronic in the debtor's space).

    A bad IBAN, RUM or form is refused with the field named; the same RUM recorded again with
    the same IBAN and date is a replay (nothing new)."""
    if form not in MANDATE_FORMS:
        raise refuse(
            services,
            organism_code,
            signed_on,
            "mandate",
            debtor_ref,
            f"form : « {form} » n'est ni paper ni electronic",
        )
    try:
        compact = rules.checked_iban(iban)
        chosen = rules.checked_rum(rum or rules.default_rum(organism_code, debtor_ref, signed_on))
    except DomainError as error:
        raise refuse(
            services, organism_code, signed_on, "mandate", debtor_ref, f"{error.field} : {error.reason}"
        ) from None
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        debtor = session.scalar(
            select(DebtorRow).where(DebtorRow.organism_id == organism_id, DebtorRow.ref == debtor_ref)
        )
        if debtor is None:
            raise NotFound("debtor", debtor_ref, f"débiteur introuvable dans {organism_code}")
        existing = session.scalar(
            select(DebitMandateRow).where(
                DebitMandateRow.organism_id == organism_id, DebitMandateRow.rum == chosen
            )
        )
        if existing is not None:
            if existing.debtor_id != debtor.id or existing.iban != compact or existing.signed_on != signed_on:
                raise refuse(
                    services,
                    organism_code,
                    signed_on,
                    "mandate",
                    debtor_ref,
                    f"rum : le mandat {chosen} existe déjà",
                )
            return _mandate_view(existing, debtor_ref)
        row = DebitMandateRow(
            organism_id=organism_id,
            debtor_id=debtor.id,
            rum=chosen,
            iban=compact,
            bic=bic,
            signed_on=signed_on,
            form=form,
            recorded_by=by,
            recorded_at=services.clock(),
            data={},
        )
        session.add(row)
        session.flush()
        return _mandate_view(row, debtor_ref)


def mandates_of(services: Services, organism_code: str, debtor_ref: str) -> list[MandateView]:
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        query = (
            select(DebitMandateRow)
            .join(DebtorRow, DebtorRow.id == DebitMandateRow.debtor_id)
            .where(DebitMandateRow.organism_id == organism_id, DebtorRow.ref == debtor_ref)
            .order_by(DebitMandateRow.signed_on, DebitMandateRow.id)
        )
        return [_mandate_view(row, debtor_ref) for row in session.scalars(query)]


def _usable_mandates(session: Session, organism_id: int, on: date) -> dict[int, DebitMandateRow]:
    """For each debtor, the latest mandate usable on ``on``."""
    query = (
        select(DebitMandateRow)
        .where(DebitMandateRow.organism_id == organism_id, DebitMandateRow.signed_on <= on)
        .order_by(DebitMandateRow.debtor_id, DebitMandateRow.signed_on, DebitMandateRow.id)
    )
    found: dict[int, DebitMandateRow] = {}
    for row in session.scalars(query):
        if rules.mandate_usable(rules.MandateFacts(row.signed_on, row.last_collected_on, row.revoked_on), on):
            found[row.debtor_id] = row
    return found


def _totals_on(session: Session, claim_ids: list[int], on: date) -> dict[int, int]:
    """The signed sum of the movements booked on or before ``on`` on each claim."""
    found: dict[int, int] = {}
    for part in repository.chunks(sorted(claim_ids)):
        query = (
            select(MovementRow.claim_id, func.sum(MovementRow.signed_cents))
            .where(repository.one_of(session, MovementRow.claim_id, part), MovementRow.booked_on <= on)
            .group_by(MovementRow.claim_id)
        )
        found.update({claim_id: int(total) for claim_id, total in session.execute(query)})
    return found


@dataclass(frozen=True)
class Collection:
    claim_ref: str
    debtor_ref: str
    rum: str
    amount: Cents
    movement_key: str


def run_direct_debits(services: Services, organism_code: str, on: date) -> list[Collection]:
    """Collect, by direct debit, every plan instalment due on ``on`` on the claims whose debtor
    has a usable mandate: a ``payment`` (channel ``direct_debit``) of the instalment, capped at
    the balance (nothing when the balance is nil). Idempotent: the key names the claim and day."""
    collected: list[Collection] = []
    with services.db.unit_of_work() as session:
        organism_id, organism = services.organism(session, organism_code)
        mandates = _usable_mandates(session, organism_id, on)
        if not mandates:
            return []
        claims = list(
            session.execute(
                select(ClaimRow, DebtorRow.ref)
                .join(DebtorRow, DebtorRow.id == ClaimRow.debtor_id)
                .where(
                    ClaimRow.organism_id == organism_id,
                    repository.one_of(session, ClaimRow.debtor_id, sorted(mandates)),
                    ClaimRow.established_on <= on,
                )
                .order_by(ClaimRow.ref)
            )
        )
        plans = plan_rows_for(session, [claim.id for claim, _ in claims], on)
        totals = _totals_on(session, [claim.id for claim, _ in claims], on)
        for claim, debtor_ref in claims:
            plan = plans.get(claim.id)
            if plan is None or not rules.instalment_due_on(plan.first_due, on):
                continue
            amount = rules.collection_amount(plan.monthly_cents, totals.get(claim.id, 0))
            if amount <= 0:
                continue
            mandate = mandates[claim.debtor_id]
            key = f"{organism_code}:{claim.ref}:payment:direct_debit:{on.isoformat()}"
            payments.post(
                session,
                services,
                claim,
                MovementRequest(
                    key=key,
                    kind=MovementKind.PAYMENT,
                    amount=amount,
                    booked_on=on,
                    channel=PaymentChannel.DIRECT_DEBIT.value,
                    note=f"prélèvement SEPA, mandat {mandate.rum}",
                ),
            )
            mandate.last_collected_on = max(mandate.last_collected_on or on, on)
            collected.append(Collection(claim.ref, debtor_ref, mandate.rum, amount, key))
        if collected:
            refs = {item.claim_ref for item in collected}
            ids = [claim.id for claim, _ in claims if claim.ref in refs]
            queues.close_tasks_of_ended_claims(
                session, organism_id, on, ids, policy=services.policy(organism)
            )
        session.flush()
    return collected


def return_direct_debit(
    services: Services, organism_code: str, claim_ref: str, on: date, reason: str
) -> MovementRequest:
    """The bank returns the claim's last direct-debit collection (``reason``: an ISO 20022 code
    such as AM04): a ``reversal`` of that payment, of the same amount. Refused when the claim has
    no direct-debit payment, or when its last one is already reversed (a return is for one
    collection: it never reaches back to an earlier one)."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        claim = repository.claim_row(session, organism_id, claim_ref)
        if claim is None:
            raise NotFound("claim", claim_ref, f"créance introuvable dans {organism_code}")
        reversed_keys = set(
            session.scalars(
                select(MovementRow.reverses_key).where(
                    MovementRow.claim_id == claim.id, MovementRow.reverses_key.is_not(None)
                )
            )
        )
        target = session.scalar(
            select(MovementRow)
            .where(
                MovementRow.claim_id == claim.id,
                MovementRow.kind == MovementKind.PAYMENT.value,
                MovementRow.channel == PaymentChannel.DIRECT_DEBIT.value,
                MovementRow.booked_on <= on,
            )
            .order_by(MovementRow.sequence.desc())
            .limit(1)
        )
        if target is None or target.key in reversed_keys:
            raise refuse(
                services,
                organism_code,
                on,
                "direct_debit_return",
                claim_ref,
                (
                    f"la créance {claim_ref} n'a aucun prélèvement à rejeter"
                    if target is None
                    else f"le dernier prélèvement de la créance {claim_ref} est déjà rejeté"
                ),
            )
        request = MovementRequest(
            key=f"{target.key}:reversal",
            kind=MovementKind.REVERSAL,
            amount=target.amount_cents,
            booked_on=on,
            reverses=target.key,
            note=f"prélèvement rejeté ({reason})",
        )
        payments.post(session, services, claim, request)
        return request


# Statements, suggestions, bulk payments ----------------------------------------------------------

CURRENCIES = {"FR": "EUR", "MA": "MAD"}


@dataclass(frozen=True)
class StatementResult:
    received: int
    """Credit lines new in this import (the others were already received: nothing booked)."""
    matched: int
    unmatched: int
    replayed: int


def check_statement(
    services: Services, organism_code: str, lines: Sequence[CreditLine], currency: str | None
) -> list[Problem]:
    """Every reason to refuse a statement before anything is booked: a currency other than the
    organism's, an entry twice in the file, an entry already received with other content."""
    problems: list[Problem] = []
    with services.db.unit_of_work() as session:
        organism_id, organism = services.organism(session, organism_code)
        expected = CURRENCIES.get(organism.country.value)
        if currency is not None and expected is not None and currency != expected:
            problems.append(Problem(0, "devise", currency, f"l'organisme tient ses comptes en {expected}"))
        seen: dict[tuple[str, str], int] = {}
        for index, line in enumerate(lines):
            key = (line.statement_id, line.entry_id)
            if key in seen:
                problems.append(
                    Problem(
                        index,
                        "entry_id",
                        line.entry_id,
                        f"écriture en double (aussi élément {seen[key] + 1})",
                    )
                )
            seen[key] = index
            if line.amount <= 0:
                problems.append(Problem(index, "amount", line.amount, "un crédit est un montant positif"))
            existing = session.scalar(
                select(BankCreditRow).where(
                    BankCreditRow.organism_id == organism_id,
                    BankCreditRow.statement_id == line.statement_id,
                    BankCreditRow.entry_id == line.entry_id,
                )
            )
            if existing is not None and (
                existing.amount_cents != line.amount or existing.booked_on != line.booked_on
            ):
                problems.append(
                    Problem(
                        index, "entry_id", line.entry_id, "déjà reçue avec un autre montant ou une autre date"
                    )
                )
    return problems


def import_statement(services: Services, organism_code: str, lines: Sequence[CreditLine]) -> StatementResult:
    """Receive every credit line of a statement (inside the caller's act: all or nothing)."""
    before = {(item.statement_id, item.entry_id) for item in credits(services, organism_code)}
    matched = unmatched = replayed = 0
    for line in lines:
        if (line.statement_id, line.entry_id) in before:
            replayed += 1
            continue
        credit = receive_credit(services, organism_code, line)
        if credit.status == MATCHED:
            matched += 1
        else:
            unmatched += 1
    return StatementResult(matched + unmatched, matched, unmatched, replayed)


@dataclass(frozen=True)
class Suggestion:
    claim_ref: str
    debtor_ref: str
    debtor_name: str
    balance: Cents
    score: int
    why: tuple[str, ...]


def _words(text: str) -> set[str]:
    return {word for word in re.split(r"[^A-Z0-9]+", text.upper()) if len(word) >= 3}


def suggestions(services: Services, organism_code: str, credit_id: int, limit: int = 5) -> list[Suggestion]:
    """Claims an unmatched credit may be for, best first: the same balance or instalment as the
    amount, the payer's name like the debtor's, the claim's or debtor's number in the text, a
    claim notified before the credit. Only claims with something owed on the credit's date."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        row = session.scalar(
            select(BankCreditRow).where(
                BankCreditRow.id == credit_id, BankCreditRow.organism_id == organism_id
            )
        )
        if row is None:
            raise NotFound("credit", credit_id, "aucun crédit bancaire de ce numéro dans l'organisme")
        on = row.booked_on
        totals = (
            select(MovementRow.claim_id, func.sum(MovementRow.signed_cents).label("total"))
            .join(ClaimRow, ClaimRow.id == MovementRow.claim_id)
            .where(ClaimRow.organism_id == organism_id, MovementRow.booked_on <= on)
            .group_by(MovementRow.claim_id)
            .subquery()
        )
        words = _words(row.payer_name)
        text = row.reference.upper()
        name_filters = [DebtorRow.name.ilike(f"%{word}%") for word in sorted(words)[:5]]
        query = (
            select(ClaimRow, DebtorRow, totals.c.total)
            .join(DebtorRow, DebtorRow.id == ClaimRow.debtor_id)
            .join(totals, totals.c.claim_id == ClaimRow.id)
            .where(totals.c.total > 0)
            .where(or_(totals.c.total == row.amount_cents, *name_filters, ClaimRow.ref.in_(_words(text))))
            .limit(200)
        )
        found = list(session.execute(query))
        plans = plan_rows_for(session, [claim.id for claim, _, _ in found], on)
        ranked: list[Suggestion] = []
        for claim, debtor, total in found:
            why: list[str] = []
            score = 0
            if int(total) == row.amount_cents:
                score += 3
                why.append("montant égal au solde")
            plan = plans.get(claim.id)
            if plan is not None and plan.monthly_cents == row.amount_cents:
                score += 3
                why.append("montant égal à l'échéance")
            common = words & _words(debtor.name)
            if common:
                score += 2 * len(common)
                why.append("nom du payeur proche du débiteur")
            if claim.ref.upper() in text or debtor.ref.upper() in text:
                score += 4
                why.append("numéro cité dans le libellé")
            if claim.notified_on is not None and claim.notified_on <= on:
                score += 1
            if score:
                ranked.append(Suggestion(claim.ref, debtor.ref, debtor.name, int(total), score, tuple(why)))
        ranked.sort(key=lambda item: (-item.score, item.claim_ref))
        return ranked[:limit]


@dataclass(frozen=True)
class BulkPayment:
    payment_id: str
    claim_ref: str | None
    reference: str | None
    amount: Cents
    paid_on: date
    channel: PaymentChannel


def check_bulk_payments(
    services: Services, organism_code: str, items: Sequence[BulkPayment]
) -> list[Problem]:
    """Every problem of a file of cheques and cash-desk payments (nothing is booked with one)."""
    problems: list[Problem] = []
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        ensure_references(session, organism_id, organism_code)
        for index, item in enumerate(items):
            claim = _bulk_claim(session, organism_id, item)
            if claim is None:
                field_name, value = (
                    ("claim", item.claim_ref) if item.claim_ref else ("reference", item.reference)
                )
                problems.append(Problem(index, field_name, value, "ne désigne aucune créance de l'organisme"))
            elif item.paid_on < claim.established_on:
                problems.append(
                    Problem(index, "paid_on", item.paid_on.isoformat(), "avant la constatation de la créance")
                )
    return problems


def _bulk_claim(session: Session, organism_id: int, item: BulkPayment) -> ClaimRow | None:
    if item.claim_ref is not None:
        return repository.claim_row(session, organism_id, item.claim_ref)
    if item.reference is None or rules.reference_problem(item.reference) is not None:
        return None
    return claim_of_reference(session, organism_id, rules.compact_reference(item.reference))


def book_bulk_payments(services: Services, organism_code: str, items: Sequence[BulkPayment]) -> int:
    """Book each payment once (``payment_id`` is its idempotency key); returns how many are new."""
    new = 0
    with services.db.unit_of_work() as session:
        organism_id, organism = services.organism(session, organism_code)
        touched: list[int] = []
        for item in items:
            claim = _bulk_claim(session, organism_id, item)
            if claim is None:  # checked before: never here
                raise DomainError("claim", item.claim_ref or item.reference, "ne désigne aucune créance")
            _, booked = payments.post(
                session,
                services,
                claim,
                MovementRequest(
                    key=f"{organism_code}:{claim.ref}:payment:file:{item.payment_id}"[:200],
                    kind=MovementKind.PAYMENT,
                    amount=item.amount,
                    booked_on=item.paid_on,
                    channel=item.channel.value,
                    note=f"remise {item.payment_id}",
                ),
            )
            new += int(booked)
            touched.append(claim.id)
        for day in sorted({item.paid_on for item in items}):
            queues.close_tasks_of_ended_claims(
                session, organism_id, day, touched, policy=services.policy(organism)
            )
    return new
