"""Money in, through the door: bank credits and their unmatched queue, payment references,
SEPA mandates, direct-debit collections and returns (SCENARIOS.md "Money in (normative)").

The debtor's space calls ``payment_reference`` and ``sign_mandate`` (form ``electronic``) on
behalf of the signed-in debtor's actor; the back office calls the same commands.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from recouvre.domain.errors import BatchRejected
from recouvre.domain.money import Cents, format_amount
from recouvre.security.authorization import Actor, Subject
from recouvre.service import decisions, door, money_in, references, refunds, sepa
from recouvre.service.context import Services
from recouvre.service.door import guard, guard_debtor, on_claim

CreditLine = money_in.CreditLine
CreditView = money_in.CreditView
MandateView = money_in.MandateView
Collection = money_in.Collection


def _describe_credit(credit: CreditView) -> dict[str, object]:
    return {
        "credit": credit.id,
        "amount": format_amount(credit.amount),
        "status": credit.status,
        "claim": credit.claim_ref,
        "reason": credit.reason,
    }


def receive_bank_credit(
    services: Services, actor: Actor, organism: str, line: CreditLine, why: str = ""
) -> CreditView:
    """Record one credit line of a bank statement: booked on the claim its reference names, or
    left in the unmatched queue. A line already received (same statement and entry) books nothing."""
    guard(services, actor, "bank.receive", Subject(organism=organism))
    with door.act(
        services,
        actor,
        "bank.receive",
        organism=organism,
        subject=f"relevé {line.statement_id} écriture {line.entry_id}",
        on=line.booked_on,
        why=why,
    ) as current:
        credit = money_in.receive_credit(services, organism, line)
        current.note(**_describe_credit(credit))
    return credit


def bank_credits(
    services: Services, actor: Actor, organism: str, *, status: str | None = None, on: date | None = None
) -> list[CreditView]:
    """The organism's bank credits (the unmatched queue with ``status="unmatched"``)."""
    guard(services, actor, "bank.read", Subject(organism=organism))
    return money_in.credits(services, organism, status=status, on=on)


def unmatched_on(services: Services, actor: Actor, organism: str, on: date) -> list[CreditView]:
    """The credits booked on ``on`` that matched no claim, in the order received."""
    guard(services, actor, "bank.read", Subject(organism=organism))
    return money_in.unmatched_on(services, organism, on)


def book_unmatched_credit(
    services: Services, actor: Actor, organism: str, credit_id: int, claim_ref: str, on: date, why: str = ""
) -> CreditView:
    """The accountant's one action on an unmatched credit: book it on the chosen claim."""
    guard(services, actor, "bank.assign", Subject(organism=organism))
    return on_claim(
        services,
        actor,
        "bank.assign",
        organism,
        claim_ref,
        on,
        why,
        lambda: money_in.book_unmatched(services, organism, credit_id, claim_ref, on, by=actor.user),
        _describe_credit,
    )


def return_unmatched_credit(
    services: Services, actor: Actor, organism: str, credit_id: int, on: date, reason: str
) -> CreditView:
    """The accountant's other action on an unmatched credit: send it back to the payer."""
    guard(services, actor, "bank.assign", Subject(organism=organism))
    with door.act(
        services, actor, "bank.assign", organism=organism, subject=f"crédit {credit_id}", on=on, why=reason
    ) as current:
        credit = money_in.return_unmatched(services, organism, credit_id, on, reason, by=actor.user)
        current.note(**_describe_credit(credit))
    return credit


def payment_reference(services: Services, actor: Actor, organism: str, claim_ref: str) -> str:
    """The claim's ISO 11649 payment reference (``RF…``), to quote on a transfer."""
    door.guard_claim(services, actor, "claims.read", organism, claim_ref)
    return references.reference_of(services, organism, claim_ref)


def sign_mandate(
    services: Services,
    actor: Actor,
    organism: str,
    debtor_ref: str,
    iban: str,
    signed_on: date,
    *,
    form: str = "paper",
    rum: str | None = None,
    bic: str | None = None,
    why: str = "",
) -> MandateView:
    """Record a SEPA direct-debit mandate signed by the debtor (``paper``, or ``electronic`` in
    the debtor's space). A bad IBAN is refused with the field named; nothing is recorded."""
    subject = guard_debtor(services, actor, "debit_mandates.record", organism, debtor_ref)
    with door.act(
        services,
        actor,
        "debit_mandates.record",
        organism=organism,
        subject=subject.describe(),
        on=signed_on,
        why=why,
    ) as current:
        mandate = money_in.record_mandate(
            services, organism, debtor_ref, iban, signed_on, form=form, rum=rum, bic=bic, by=actor.user
        )
        current.note(mandate=mandate.rum, iban=mandate.iban_masked, form=mandate.form)
    return mandate


def debtor_mandates(services: Services, actor: Actor, organism: str, debtor_ref: str) -> list[MandateView]:
    guard_debtor(services, actor, "debtors.read", organism, debtor_ref)
    return money_in.mandates_of(services, organism, debtor_ref)


def run_direct_debits(services: Services, actor: Actor, organism: str, on: date) -> list[Collection]:
    """Collect every plan instalment due on ``on`` from the debtors with a usable mandate."""
    guard(services, actor, "direct_debits.run", Subject(organism=organism))
    with door.act(
        services, actor, "direct_debits.run", organism=organism, subject="prélèvements du jour", on=on
    ) as current:
        collected = money_in.run_direct_debits(services, organism, on)
        current.note(
            collections=len(collected),
            total=format_amount(Cents(sum(item.amount for item in collected))),
        )
    return collected


def return_direct_debit(
    services: Services, actor: Actor, organism: str, claim_ref: str, on: date, reason: str
) -> None:
    """The bank returns the claim's last direct-debit collection: a reversal of the same amount."""
    on_claim(
        services,
        actor,
        "direct_debits.return",
        organism,
        claim_ref,
        on,
        reason,
        lambda: money_in.return_direct_debit(services, organism, claim_ref, on, reason),
        lambda request: {"reversal": request.key, "amount": format_amount(request.amount), "reason": reason},
    )


StatementResult = money_in.StatementResult
Suggestion = money_in.Suggestion
BulkPayment = money_in.BulkPayment


def import_bank_statement(
    services: Services,
    actor: Actor,
    organism: str,
    lines: Sequence[CreditLine],
    *,
    currency: str | None = None,
    source: str = "",
) -> StatementResult:
    """Import the credit lines of a bank statement, all or nothing: every problem is listed
    (``BatchRejected``) before anything is booked; a line already received books nothing."""
    guard(services, actor, "bank.receive", Subject(organism=organism))
    problems = money_in.check_statement(services, organism, lines, currency)
    with door.act(
        services,
        actor,
        "bank.receive",
        organism=organism,
        subject=f"relevé {source}".strip(),
        on=min((line.booked_on for line in lines), default=None),
    ) as current:
        if problems:
            raise BatchRejected(problems)
        result = money_in.import_statement(services, organism, lines)
        current.note(
            statements=sorted({line.statement_id for line in lines}),
            received=result.received,
            matched=result.matched,
            unmatched=result.unmatched,
            replayed=result.replayed,
        )
    return result


def credit_suggestions(services: Services, actor: Actor, organism: str, credit_id: int) -> list[Suggestion]:
    """The claims an unmatched credit may be for, best first (amount, name, number, date)."""
    guard(services, actor, "bank.read", Subject(organism=organism))
    return money_in.suggestions(services, organism, credit_id)


def import_bulk_payments(
    services: Services, actor: Actor, organism: str, items: Sequence[BulkPayment], *, source: str = ""
) -> int:
    """Book a file of cheques and cash-desk payments, all or nothing; returns how many are new."""
    guard(services, actor, "payments.record", Subject(organism=organism))
    problems = money_in.check_bulk_payments(services, organism, items)
    with door.act(
        services,
        actor,
        "payments.record",
        organism=organism,
        subject=f"remise de paiements {source}".strip(),
        on=min((item.paid_on for item in items), default=None),
    ) as current:
        if problems:
            raise BatchRejected(problems)
        new = money_in.book_bulk_payments(services, organism, items)
        current.note(payments=len(items), new=new)
    return new


Notice = sepa.Notice
Creditor = sepa.Creditor
CollectionFile = sepa.CollectionFile
ReturnedCollection = sepa.ReturnedCollection


def prenotify_collections(
    services: Services, actor: Actor, organism: str, due_on: date, notified_on: date
) -> list[Notice]:
    """Pre-notify every collection due on ``due_on`` (at least 14 days before it, to be filed)."""
    guard(services, actor, "direct_debits.run", Subject(organism=organism))
    with door.act(
        services,
        actor,
        "direct_debits.run",
        organism=organism,
        subject=f"pré-notification {due_on}",
        on=notified_on,
    ) as current:
        notices = sepa.prenotify(services, organism, due_on, notified_on)
        current.note(due_on=due_on, notices=len(notices))
    return notices


def collection_file(
    services: Services, actor: Actor, organism: str, due_on: date, creditor: Creditor, on: date
) -> CollectionFile:
    """The pain.008 file of the collections due on ``due_on`` (IBAN and BIC checked, XSD-valid)."""
    guard(services, actor, "direct_debits.run", Subject(organism=organism))
    with door.act(
        services, actor, "direct_debits.run", organism=organism, subject=f"fichier pain.008 {due_on}", on=on
    ) as current:
        produced = sepa.collection_file(services, organism, due_on, creditor)
        current.note(
            due_on=due_on,
            collections=len(produced.included),
            total=format_amount(produced.total),
            excluded=[f"{problem.value}: {problem.reason}" for problem in produced.excluded],
        )
    return produced


def import_direct_debit_returns(
    services: Services, actor: Actor, organism: str, data: bytes, on: date, *, source: str = ""
) -> int:
    """Book the returns and rejects of a pain.002 or camt.054 as reversals, all or nothing."""
    guard(services, actor, "direct_debits.return", Subject(organism=organism))
    returned, problems = sepa.parse_returns(data)
    if not problems:
        problems = sepa.check_returns(services, organism, returned)
    with door.act(
        services, actor, "direct_debits.return", organism=organism, subject=f"rejets {source}".strip(), on=on
    ) as current:
        if problems:
            raise BatchRejected(problems)
        new = sepa.book_returns(services, organism, returned, on)
        current.note(returned=len(returned), new=new)
    return new


TransferFile = refunds.TransferFile


def propose_refund(
    services: Services, actor: Actor, organism: str, claim_ref: str, on: date, why: str
) -> decisions.ProposalView:
    """A case worker proposes repaying the claim's credit by SEPA transfer; an accountant, another
    person, decides it (``commands.decide_proposal`` with kind ``refund``), which books the
    ``refund`` movement."""
    with door.audited_claim_act(services, actor, "refunds.propose", organism, claim_ref, on, why):
        return decisions.propose_refund(services, organism, claim_ref, on, by=actor.user, why=why)


def refund_transfer_file(
    services: Services, actor: Actor, organism: str, on: date, *, name: str, iban: str, bic: str
) -> TransferFile:
    """The pain.001 file of the approved refunds not yet transferred (each one once)."""
    guard(services, actor, "refunds.transfer", Subject(organism=organism))
    with door.act(
        services,
        actor,
        "refunds.transfer",
        organism=organism,
        subject=f"virements de remboursement {on}",
        on=on,
    ) as current:
        produced = refunds.transfer_file(services, organism, on, name=name, iban=iban, bic=bic)
        current.note(refunds=[ref for ref, _ in produced.refunds], total=format_amount(produced.total))
    return produced
