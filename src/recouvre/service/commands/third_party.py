"""Recovery on behalf of a third party (procedure 10) and the SATD received (the organism as
garnishee), through the door (``service.door``): authorised by role, audited, one transaction."""

from __future__ import annotations

from datetime import date

from recouvre.domain.money import format_amount
from recouvre.domain.third_party import Funder
from recouvre.security.authorization import Actor, Subject
from recouvre.service import third_party
from recouvre.service.context import Services
from recouvre.service.door import guard, guard_claim, on_claim


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
