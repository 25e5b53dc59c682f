"""Instalment plans, promises to pay and payments by debtor (PM241 procedures 2 and 8).

A plan is an acknowledgment of the debt (C. civ. 2240, RULES.md §3.2); at the launch of
recovery it may not exceed ``recovery.max_plan_months`` (CSS D133-2-3, R133-9-2). A
payment received for a debtor rather than a claim is allocated like a withholding: oldest
notification first, then the smallest balance (D553-4); what exceeds every balance stays
as the debtor's credit on the last claim, never lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from recouvre.domain.errors import NotFound
from recouvre.domain.ledger import MovementKind, MovementRequest
from recouvre.domain.model import DomainError, PaymentChannel
from recouvre.domain.money import Cents
from recouvre.domain.withholding import RecoverableClaim, allocation_order
from recouvre.service.claims import find_claim, movement_key
from recouvre.service.context import Services, refuse
from recouvre.service.payments import post
from recouvre.storage import repository
from recouvre.storage.tables import ClaimEventRow, ClaimRow, PlanRow


@dataclass(frozen=True)
class PlanView:
    claim_ref: str
    agreed_on: date
    first_due: date
    monthly: Cents
    total: Cents
    status: str
    months: int


def _months(total: Cents, monthly: Cents) -> int:
    return -(-total // monthly)


def agree_plan(
    services: Services,
    organism_code: str,
    claim_ref: str,
    monthly: Cents,
    first_due: date,
    on: date,
    *,
    key: str,
    origin: str = "agreed",
    by: str = "",
    why: str = "",
    enforce_max_months: bool = False,
) -> PlanView:
    """Agree an instalment plan on a claim's balance at ``on``; it replaces any active plan.

    ``enforce_max_months`` applies the launch rule (at most ``recovery.max_plan_months``
    instalments); adjustments by a case worker and over-indebtedness plans may be longer.
    """
    if monthly <= 0:
        raise DomainError("plan.monthly", monthly, "doit être positif")
    if first_due < on:
        raise DomainError(
            "plan.first_due", first_due.isoformat(), f"avant la date de l'accord ({on.isoformat()})"
        )
    with services.db.unit_of_work() as session:
        organism, row = find_claim(services, session, organism_code, claim_ref)
        plan_key = movement_key(organism_code, claim_ref, "plan", key)
        existing = session.scalar(select(PlanRow).where(PlanRow.key == plan_key))
        if existing is not None:
            return _view(claim_ref, existing)
        ledger = repository.load_ledger(session, row.id, until=on)
        if ledger.balance <= 0:
            raise refuse(
                services, organism_code, on, "plan", claim_ref, f"la créance {claim_ref} n'a plus de solde"
            )
        months = _months(ledger.balance, monthly)
        policy = services.policy(organism)
        if enforce_max_months and "recovery.max_plan_months" in policy:
            maximum = int(policy.get("recovery.max_plan_months", on))
            if months > maximum:
                raise DomainError(
                    "plan.monthly", monthly, f"{months} mensualités, plus que le maximum de {maximum}"
                )
        session.execute(
            update(PlanRow)
            .where(PlanRow.claim_id == row.id, PlanRow.status == "active")
            .values(status="replaced", ended_on=on)
        )
        plan = PlanRow(
            key=plan_key,
            claim_id=row.id,
            agreed_on=on,
            first_due=first_due,
            monthly_cents=monthly,
            total_cents=ledger.balance,
            status="active",
            origin=origin,
            data={"by": by, "why": why, "months": months},
        )
        session.add(plan)
        repository.add_claim_event(
            session,
            plan_key,
            row.id,
            on,
            "plan",
            {"monthly": monthly, "first_due": first_due.isoformat(), "by": by},
        )
        return _view(claim_ref, plan)


def _view(claim_ref: str, plan: PlanRow) -> PlanView:
    return PlanView(
        claim_ref=claim_ref,
        agreed_on=plan.agreed_on,
        first_due=plan.first_due,
        monthly=plan.monthly_cents,
        total=plan.total_cents,
        status=plan.status,
        months=_months(plan.total_cents, plan.monthly_cents),
    )


def active_plan(services: Services, organism_code: str, claim_ref: str, on: date) -> PlanView | None:
    with services.db.unit_of_work() as session:
        _, row = find_claim(services, session, organism_code, claim_ref)
        return plan_view(claim_ref, plan_rows_for(session, [row.id], on).get(row.id))


def plan_view(claim_ref: str, plan: PlanRow | None) -> PlanView | None:
    """The view of the claim's plan row (``plan_rows_for``), if it has one."""
    return None if plan is None else _view(claim_ref, plan)


def active_plans(
    services: Services, organism_code: str, claim_refs: Iterable[str], on: date
) -> dict[str, PlanView]:
    """``active_plan`` for several claims of the organism, read together: the claims with a plan
    in force on ``on``, by reference (an unknown reference has none)."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        refs = {row.id: ref for ref, row in repository.claim_rows(session, organism_id, claim_refs).items()}
        return {
            refs[claim_id]: _view(refs[claim_id], plan)
            for claim_id, plan in plan_rows_for(session, list(refs), on).items()
        }


def promise_to_pay(
    services: Services,
    organism_code: str,
    claim_ref: str,
    amount: Cents,
    due_on: date,
    on: date,
    *,
    by: str = "",
) -> None:
    """Record a dated promise; the monthly cycle holds the claim's reminders until it is due,
    then finds it kept (credits since ``on`` reach ``amount``) or broken."""
    if amount <= 0:
        raise DomainError("promise.amount", amount, "doit être positif")
    if due_on < on:
        raise DomainError("promise.due_on", due_on.isoformat(), "avant la date de la promesse")
    with services.db.unit_of_work() as session:
        _, row = find_claim(services, session, organism_code, claim_ref)
        key = movement_key(organism_code, claim_ref, "promise", on.isoformat())
        repository.add_claim_event(
            session, key, row.id, on, "promise", {"amount": amount, "due_on": due_on.isoformat(), "by": by}
        )


@dataclass(frozen=True)
class DebtorPayment:
    allocations: tuple[tuple[str, Cents], ...]
    credit: Cents


def pay_debtor(
    services: Services,
    organism_code: str,
    debtor_ref: str,
    amount: Cents,
    on: date,
    channel: PaymentChannel,
    key: str,
) -> DebtorPayment:
    """A payment for the debtor as a whole, allocated to the claims in the withholding order."""
    if amount <= 0:
        raise DomainError("payment.amount", amount, "doit être positif")
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        debtor_id = repository.debtor_ids(session, organism_id, [debtor_ref]).get(debtor_ref)
        if debtor_id is None:
            raise NotFound("debtor", debtor_ref, f"débiteur introuvable dans {organism_code}")
        marker = f"{organism_code}:{debtor_ref}:debtor_payment:{key}"
        recorded = session.scalar(select(ClaimEventRow).where(ClaimEventRow.key == marker))
        if recorded is not None:  # a replay: the payment was allocated once, books nothing more
            allocated = recorded.data["allocations"]
            assert isinstance(allocated, list)
            return DebtorPayment(
                tuple((str(r), int(a)) for r, a in allocated), int(str(recorded.data["credit"]))
            )
        rows = {
            row.ref: row
            for row in session.scalars(
                select(ClaimRow).where(ClaimRow.debtor_id == debtor_id, ClaimRow.established_on <= on)
            )
        }
        claims = [
            RecoverableClaim(
                ref, row.notified_on or row.established_on, repository.load_ledger(session, row.id).balance
            )
            for ref, row in rows.items()
        ]
        if not claims:
            message = f"debtor {debtor_ref} has no claim"
        else:
            ordered = (
                allocation_order([claim for claim in claims if claim.balance > 0])
                or allocation_order(claims)[-1:]
            )
            left = amount
            allocations: list[tuple[str, Cents]] = []
            for position, claim in enumerate(ordered):
                share = left if position == len(ordered) - 1 else min(left, claim.balance)
                if share <= 0:
                    continue
                request = MovementRequest(
                    key=f"{organism_code}:{claim.ref}:payment:{key}",
                    kind=MovementKind.PAYMENT,
                    amount=share,
                    booked_on=on,
                    channel=channel.value,
                    note=f"paiement débiteur {debtor_ref}",
                )
                post(session, services, rows[claim.ref], request)
                allocations.append((claim.ref, share))
                left -= share
            credit = max(amount - sum(claim.balance for claim in ordered), 0)
            repository.add_claim_event(
                session,
                marker,
                rows[ordered[0].ref].id,
                on,
                "debtor_payment",
                {"amount": amount, "channel": channel.value, "allocations": allocations, "credit": credit},
            )
            return DebtorPayment(tuple(allocations), credit)
    raise refuse(services, organism_code, on, "payment", debtor_ref, message)


def plan_rows_for(session: Session, claim_ids: list[int], on: date) -> dict[int, PlanRow]:
    """The plan in force on ``on`` for each claim (the latest agreed, not ended)."""
    found: dict[int, PlanRow] = {}
    for part in repository.chunks(sorted(claim_ids)):
        query = (
            select(PlanRow)
            .where(repository.one_of(session, PlanRow.claim_id, part), PlanRow.agreed_on <= on)
            .where((PlanRow.ended_on.is_(None)) | (PlanRow.ended_on > on))
            .order_by(PlanRow.claim_id, PlanRow.agreed_on, PlanRow.id)
        )
        for plan in session.scalars(query):
            found[plan.claim_id] = plan
    return found
