"""Recovery on behalf of a third party (procedure 10) and the SATD received (the organism as
garnishee), through the door (``service.door``): authorised by role, audited, one transaction."""

from __future__ import annotations

from datetime import date, datetime

from recouvre.domain.money import Cents, format_amount
from recouvre.domain.satd import DebtKind
from recouvre.domain.third_party import Funder
from recouvre.security.authorization import Actor, Subject
from recouvre.service import door, satd, third_party
from recouvre.service.context import Services
from recouvre.service.door import guard, guard_claim, guard_debtor, on_claim


def _described(view: third_party.TransferView) -> dict[str, object]:
    return {
        "transfer": view.id,
        "kind": view.kind,
        "departement": view.departement,
        "from_departement": view.from_departement,
        "balance_transferred": format_amount(view.balance),
    }


def transfer_claim(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    on: date,
    *,
    departement: str | None = None,
    benefits_ended_on: date | None = None,
    reason: str = "",
    why: str = "",
) -> third_party.TransferView:
    """Transfer an RSA claim to the département (R-TIERS-1): status ``transferred``."""
    return on_claim(
        services,
        actor,
        "third_party.transfer",
        organism,
        claim_ref,
        on,
        why,
        lambda: third_party.transfer(
            services,
            organism,
            claim_ref,
            on,
            departement=departement,
            benefits_ended_on=benefits_ended_on,
            reason=reason,
            actor=actor.user,
            why=why,
        ),
        _described,
    )


def move_claim(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    on: date,
    departement: str,
    *,
    reason: str = "",
    why: str = "",
) -> third_party.TransferView:
    """The debtor moved: the claim is recovered for the new département from ``on``."""
    return on_claim(
        services,
        actor,
        "third_party.transfer",
        organism,
        claim_ref,
        on,
        why,
        lambda: third_party.move(
            services, organism, claim_ref, on, departement, reason=reason, actor=actor.user, why=why
        ),
        _described,
    )


def transfers(
    services: Services, actor: Actor, organism: str, claim_ref: str
) -> list[third_party.TransferView]:
    guard_claim(services, actor, "claims.read", organism, claim_ref)
    return third_party.transfers_of(services, organism, claim_ref)


def transfer_file(
    services: Services, actor: Actor, organism: str, claim_ref: str
) -> list[third_party.FileRow]:
    guard_claim(services, actor, "third_party.read", organism, claim_ref)
    return third_party.transfer_file(services, organism, claim_ref)


def statement(
    services: Services,
    actor: Actor,
    organism: str,
    month: str,
    funder: Funder,
    departement: str | None = None,
) -> third_party.Statement:
    guard(services, actor, "third_party.read", Subject(organism=organism))
    return third_party.statement(services, organism, month, funder, departement)


def statement_pdf(statement: third_party.Statement) -> bytes:
    """The statement (already read through ``statement``) as a PDF."""
    return third_party.statement_pdf(statement)


# SATD received ------------------------------------------------------------------------------------


def _notice(view: satd.NoticeView) -> dict[str, object]:
    return {
        "satd": view.id,
        "creditor": view.creditor,
        "reference": view.reference,
        "kind": view.kind.value,
        "amount": format_amount(view.amount),
        "status": view.status,
    }


def record_satd(
    services: Services,
    actor: Actor,
    organism: str,
    debtor_ref: str,
    *,
    creditor: str,
    reference: str,
    kind: DebtKind,
    amount: Cents,
    received_on: date,
    received_at: datetime | None = None,
    why: str = "",
) -> satd.NoticeView:
    """Record a SATD received against the debtor's benefits (R-TIERS-2)."""
    subject = guard_debtor(services, actor, "satd.record", organism, debtor_ref)
    with door.act(
        services, actor, "satd.record", organism=organism, subject=subject.describe(), on=received_on, why=why
    ) as current:
        view = satd.record_notice(
            services,
            organism,
            debtor_ref,
            creditor=creditor,
            reference=reference,
            kind=kind,
            amount=amount,
            received_on=received_on,
            received_at=received_at,
            actor=actor.user,
            why=why,
        )
        current.note(**_notice(view))
    return view


def release_satd(
    services: Services, actor: Actor, organism: str, notice_id: int, on: date, why: str = ""
) -> satd.NoticeView:
    """The seizing creditor lifts its notice (mainlevée)."""
    guard(services, actor, "satd.release", Subject(organism=organism))
    with door.act(
        services, actor, "satd.release", organism=organism, subject=f"saisie {notice_id}", on=on, why=why
    ) as current:
        view = satd.release(services, organism, notice_id, on, actor=actor.user, why=why)
        current.note(**_notice(view))
    return view


def pay_satd(
    services: Services, actor: Actor, organism: str, payable_id: int, on: date, why: str = ""
) -> satd.PayableView:
    """Record the payment to the seizing creditor of what a benefit payment set aside."""
    guard(services, actor, "satd.pay", Subject(organism=organism))
    with door.act(
        services, actor, "satd.pay", organism=organism, subject=f"reversement {payable_id}", on=on, why=why
    ) as current:
        view = satd.pay(services, organism, payable_id, on)
        current.note(payable=view.id, amount=format_amount(view.amount), due_on=view.due_on.isoformat())
    return view


def satd_notices(
    services: Services, actor: Actor, organism: str, debtor_ref: str | None = None
) -> list[satd.NoticeView]:
    if debtor_ref is None:
        guard(services, actor, "debtors.read", Subject(organism=organism))
    else:
        guard_debtor(services, actor, "debtors.read", organism, debtor_ref)
    return satd.notices(services, organism, debtor_ref)


def satd_payables(
    services: Services, actor: Actor, organism: str, status: str | None = satd.DUE
) -> list[satd.PayableView]:
    guard(services, actor, "satd.pay", Subject(organism=organism))
    return satd.payables(services, organism, status=status)
