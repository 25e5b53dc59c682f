"""Adjusting recovery (PM241 procedure 8): change of plan or withholding amount, suspension,
consolidation of several claims, change of debtor.

Each command is a decision of a named person with a reason (``by``, ``why``), recorded as a
dated claim event in the same transaction as its effect. Bounds come from the policy: a plan
agreed at the launch of recovery may not exceed ``recovery.max_plan_months`` (CSS D133-2-3);
a withholding amount set above the PRP scale needs the debtor's written consent (the scale
is the legal protection of what is left to live on, CSS D553-1; RULES.md §1.4).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from recouvre.domain.defaults import add_months
from recouvre.domain.errors import NotFound
from recouvre.domain.model import DomainError
from recouvre.domain.money import Cents
from recouvre.domain.withholding import RecoverableClaim, allocation_order
from recouvre.service import suspensions
from recouvre.service.claims import find_claim, movement_key
from recouvre.service.context import Services
from recouvre.service.plans import PlanView, agree_plan
from recouvre.storage import repository
from recouvre.storage.repository import LetterDraft
from recouvre.storage.tables import ClaimRow, DebtorRow, WithholdingOverrideRow


def _require_author(by: str, why: str) -> None:
    if not by.strip():
        raise DomainError("by", by, "un ajustement nomme qui l'a décidé")
    if not why.strip():
        raise DomainError("why", why, "un ajustement donne son motif")


def change_plan(
    services: Services,
    organism_code: str,
    claim_ref: str,
    monthly: Cents,
    first_due: date,
    on: date,
    *,
    by: str,
    why: str,
    within_launch_bounds: bool = False,
) -> PlanView:
    """Replace the claim's plan; ``within_launch_bounds`` applies the 12-month maximum."""
    _require_author(by, why)
    return agree_plan(
        services,
        organism_code,
        claim_ref,
        monthly,
        first_due,
        on,
        key=f"adjust:{on.isoformat()}:{monthly}:{first_due.isoformat()}",
        origin="adjusted",
        by=by,
        why=why,
        enforce_max_months=within_launch_bounds,
    )


def set_withholding_amount(
    services: Services,
    organism_code: str,
    debtor_ref: str,
    monthly: Cents,
    valid_from: date,
    *,
    valid_until: date | None = None,
    scale_amount: Cents | None = None,
    debtor_consents: bool = False,
    by: str,
    why: str,
) -> None:
    """Set the monthly withholding of a debtor in place of the scale, from a date (to a date).

    Lowering it is a case worker's decision; raising it above the scale amount
    (``scale_amount``, the PRP on that date) needs the debtor's consent.
    """
    _require_author(by, why)
    if monthly < 0:
        raise DomainError("withholding.monthly", monthly, "ne peut pas être négatif")
    if valid_until is not None and valid_until < valid_from:
        raise DomainError("withholding.valid_until", valid_until.isoformat(), "avant le début de validité")
    if scale_amount is not None and monthly > scale_amount and not debtor_consents:
        raise DomainError(
            "withholding.monthly",
            monthly,
            f"au-dessus du barème PRP ({scale_amount} centimes) sans l'accord du débiteur",
        )
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        debtor_id = repository.debtor_ids(session, organism_id, [debtor_ref]).get(debtor_ref)
        if debtor_id is None:
            raise NotFound("debtor", debtor_ref, f"débiteur introuvable dans {organism_code}")
        key = f"{organism_code}:{debtor_ref}:withholding_amount:{valid_from.isoformat()}"
        if (
            session.scalar(select(WithholdingOverrideRow.id).where(WithholdingOverrideRow.key == key))
            is not None
        ):
            return
        session.add(
            WithholdingOverrideRow(
                key=key,
                debtor_id=debtor_id,
                valid_from=valid_from,
                valid_until=valid_until,
                monthly_cents=monthly,
                reason=why,
                decided_by=by,
            )
        )


def withholding_override(session: Session, debtor_id: int, on: date) -> Cents | None:
    """The monthly withholding set for the debtor on ``on`` (the latest in force), if any."""
    return withholding_overrides(session, [debtor_id], on).get(debtor_id)


def withholding_overrides(session: Session, debtor_ids: Sequence[int], on: date) -> dict[int, Cents]:
    """The monthly withholdings set by decision and in force on ``on``, for many debtors at once."""
    found: dict[int, Cents] = {}
    for part in repository.chunks(sorted(set(debtor_ids))):
        query = (
            select(WithholdingOverrideRow.debtor_id, WithholdingOverrideRow.monthly_cents)
            .where(
                repository.one_of(session, WithholdingOverrideRow.debtor_id, part),
                WithholdingOverrideRow.valid_from <= on,
            )
            .where(
                (WithholdingOverrideRow.valid_until.is_(None)) | (WithholdingOverrideRow.valid_until >= on)
            )
            .order_by(WithholdingOverrideRow.valid_from, WithholdingOverrideRow.id)
        )
        for debtor_id, monthly in session.execute(query):
            found[debtor_id] = monthly  # the latest in force wins
    return found


def suspend_recovery(
    services: Services, organism_code: str, claim_ref: str, on: date, until: date, *, by: str, why: str
) -> None:
    """Suspend recovery of a claim until a date (included): no withholding, no reminder."""
    _require_author(by, why)
    if until < on:
        raise DomainError("suspension.until", until.isoformat(), f"avant le {on.isoformat()}")
    with services.db.unit_of_work() as session:
        _, row = find_claim(services, session, organism_code, claim_ref)
        suspensions.suspend(
            session,
            row.id,
            "adjustment",
            on,
            key=movement_key(organism_code, claim_ref, "suspend", on.isoformat()),
            until=until,
            by=by,
            why=why,
        )


def resume_recovery(
    services: Services, organism_code: str, claim_ref: str, on: date, *, by: str, why: str
) -> None:
    _require_author(by, why)
    with services.db.unit_of_work() as session:
        _, row = find_claim(services, session, organism_code, claim_ref)
        suspensions.resume(
            session,
            row.id,
            "adjustment",
            on,
            key=movement_key(organism_code, claim_ref, "resume", on.isoformat()),
            by=by,
            why=why,
        )


@dataclass(frozen=True)
class Consolidation:
    plans: tuple[PlanView, ...]
    months: int


def consolidate(
    services: Services,
    organism_code: str,
    claim_refs: Sequence[str],
    monthly: Cents,
    first_due: date,
    on: date,
    *,
    by: str,
    why: str,
) -> Consolidation:
    """One instalment for several claims of the same debtor, paid off in the withholding order.

    The claims are ordered oldest notification first, then smallest balance (D553-4); each
    gets a plan of ``monthly`` starting when the previous one is paid off, so that the debtor
    pays one amount a month and the monthly cycle reads ordinary plans.
    """
    _require_author(by, why)
    if len(set(claim_refs)) < 2:
        raise DomainError("claims", list(claim_refs), "un regroupement porte sur au moins deux créances")
    with services.db.unit_of_work() as session:
        rows = [find_claim(services, session, organism_code, ref)[1] for ref in claim_refs]
        debtors = {row.debtor_id for row in rows}
        if len(debtors) != 1:
            raise DomainError(
                "claims", list(claim_refs), "les créances appartiennent à des débiteurs différents"
            )
        claims = [
            RecoverableClaim(
                row.ref,
                row.notified_on or row.established_on,
                repository.load_ledger(session, row.id, until=on).balance,
            )
            for row in rows
        ]
    plans: list[PlanView] = []
    offset = 0
    group = f"consolidation:{on.isoformat()}:{'+'.join(sorted(claim_refs))}"
    for claim in allocation_order([claim for claim in claims if claim.balance > 0]):
        plans.append(
            agree_plan(
                services,
                organism_code,
                claim.ref,
                monthly,
                add_months(first_due, offset),
                on,
                key=group,
                origin="consolidated",
                by=by,
                why=why,
            )
        )
        offset += plans[-1].months
    return Consolidation(tuple(plans), offset)


def change_debtor(
    services: Services,
    organism_code: str,
    claim_ref: str,
    new_debtor_ref: str,
    on: date,
    *,
    by: str,
    why: str,
) -> None:
    """Transfer a claim to another debtor (e.g. the other member of a separated couple), with
    a letter to the new debtor that notifies the claim to them."""
    _require_author(by, why)
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        _, row = find_claim(services, session, organism_code, claim_ref)
        new_id = repository.debtor_ids(session, organism_id, [new_debtor_ref]).get(new_debtor_ref)
        if new_id is None:
            raise NotFound("debtor", new_debtor_ref, f"débiteur introuvable dans {organism_code}")
        if new_id == row.debtor_id:
            raise DomainError("debtor", new_debtor_ref, "est déjà le débiteur de la créance")
        old_ref = session.scalar(select(DebtorRow.ref).where(DebtorRow.id == row.debtor_id))
        key = movement_key(organism_code, claim_ref, "debtor_changed", on.isoformat())
        if not repository.add_claim_event(
            session,
            key,
            row.id,
            on,
            "debtor_changed",
            {"from": old_ref, "to": new_debtor_ref, "by": by, "why": why},
        ):
            return
        session.execute(update(ClaimRow).where(ClaimRow.id == row.id).values(debtor_id=new_id))
        repository.insert_letters(
            session,
            [
                LetterDraft(
                    key=f"{key}:letter",
                    organism_id=organism_id,
                    debtor_id=new_id,
                    type="change_of_debtor",
                    issued_on=on,
                    claim_ids=(row.id,),
                    data={"previous_debtor": old_ref, "why": why},
                )
            ],
        )
