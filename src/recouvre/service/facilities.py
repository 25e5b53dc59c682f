"""CNSS payment facilities: granted under the CNSS's conditions, and tracked (rules and sources in
``recouvre.domain.facilities``; policy ``cnss.facility_max_months``, ``cnss.facility_down_payment``).

A facility is an instalment plan (``service.plans.agree_plan``, origin ``facility``) granted
after its conditions are checked, with its down payment booked as a payment the same day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from recouvre.domain.amnesty import instalments
from recouvre.domain.facilities import (
    RULES_SHARE_INSTALMENTS_LATE,
    RULES_SHARE_NOT_HONOURED,
    HonouredShare,
    PlanFacts,
    down_payment_required,
    facility_refusal,
    honoured_share,
)
from recouvre.domain.ledger import MovementKind
from recouvre.domain.model import Benefit, PaymentChannel
from recouvre.domain.money import Cents
from recouvre.service.claims import find_claim
from recouvre.service.context import Services, refuse
from recouvre.service.payments import record_payment
from recouvre.service.plans import PlanView, agree_plan
from recouvre.storage import repository
from recouvre.storage.tables import ClaimEventRow, ClaimRow, MovementRow, PlanRow

MAX_KEY = "cnss.facility_max_months"
DOWN_KEY = "cnss.facility_down_payment"
CONTRIBUTION = Benefit.CONTRIB.value
EVENT = "facility"
CREDIT_KINDS = (MovementKind.PAYMENT.value, MovementKind.WITHHOLDING.value)


def _due_dates(session: Session, claim_ids: list[int], on: date) -> dict[int, date]:
    found: dict[int, date] = {}
    query = (
        select(ClaimEventRow.claim_id, ClaimEventRow.data)
        .where(
            ClaimEventRow.claim_id.in_(claim_ids),
            ClaimEventRow.kind == "contribution_due",
            ClaimEventRow.occurred_on <= on,
        )
        .order_by(ClaimEventRow.occurred_on, ClaimEventRow.id)
    )
    for claim_id, data in session.execute(query):
        found[claim_id] = date.fromisoformat(str(data["due_on"]))
    return found


def grant_facility(
    services: Services,
    organism_code: str,
    claim_ref: str,
    monthly: Cents,
    first_due: date,
    on: date,
    *,
    down_payment: Cents = 0,
    key: str,
    by: str = "",
) -> PlanView:
    """Grant a payment facility on a contribution claim, under the CNSS's conditions (refused
    otherwise, with the reason); the down payment is booked first, then the plan on the rest."""
    subject = f"claim {claim_ref}"
    with services.db.unit_of_work() as session:
        organism, row = find_claim(services, session, organism_code, claim_ref)
        policy = services.policy(organism)
        balance = repository.load_ledger(session, row.id, until=on).balance
        others = list(
            session.scalars(
                select(ClaimRow).where(
                    ClaimRow.debtor_id == row.debtor_id,
                    ClaimRow.benefit == CONTRIBUTION,
                    ClaimRow.id != row.id,
                    ClaimRow.established_on <= on,
                )
            )
        )
        dues = _due_dates(session, [row.id, *(other.id for other in others)], on)
        own_due = dues.get(row.id, row.established_on)
        current_unpaid = [
            other.ref
            for other in sorted(others, key=lambda other: other.ref)
            if own_due < dues.get(other.id, other.established_on) <= on
            and repository.load_ledger(session, other.id, until=on).balance > 0
        ]
        rate = policy.percent(DOWN_KEY, on) if DOWN_KEY in policy else Decimal(0)
        maximum = policy.whole(MAX_KEY, on) if MAX_KEY in policy else 0
    if balance <= 0:
        raise refuse(services, organism_code, on, EVENT, subject, "rien n'est dû sur cette créance")
    if monthly <= 0:
        raise refuse(services, organism_code, on, EVENT, subject, "l'échéance mensuelle doit être positive")
    required = down_payment_required(balance, rate)
    count = instalments(max(balance - down_payment, 1), monthly)
    why = facility_refusal(row.benefit, count, maximum, down_payment, required, current_unpaid)
    if why is not None:
        raise refuse(services, organism_code, on, EVENT, subject, why)
    if down_payment > 0:
        record_payment(
            services, organism_code, claim_ref, down_payment, on, PaymentChannel.TRANSFER, f"acompte:{key}"
        )
    return agree_plan(
        services,
        organism_code,
        claim_ref,
        monthly,
        first_due,
        on,
        key=key,
        origin=EVENT,
        by=by,
        why=f"arrangement de facilités de paiement, {count} échéances",
    )


@dataclass(frozen=True)
class FacilityStats:
    organism: str
    on: date
    share: HonouredShare
    rules_share_not_honoured: Decimal = RULES_SHARE_NOT_HONOURED
    rules_share_instalments_late: Decimal = RULES_SHARE_INSTALMENTS_LATE
    facilities: int = 0
    """Plans granted as CNSS facilities (``recouvre facility grant``) among them."""


def facility_stats(services: Services, organism_code: str, on: date) -> FacilityStats:
    """The organism's own share of plans not honoured on ``on`` (every plan agreed by then, a
    replaced one judged at its end), next to RULES.md's 53 %."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        plans = list(
            session.scalars(
                select(PlanRow)
                .join(ClaimRow, ClaimRow.id == PlanRow.claim_id)
                .where(ClaimRow.organism_id == organism_id, PlanRow.agreed_on <= on)
                .order_by(PlanRow.id)
            )
        )
        target = aliased(MovementRow)
        credits: dict[int, list[tuple[date, int]]] = defaultdict(list)
        claim_ids = sorted({plan.claim_id for plan in plans})
        for part in repository.chunks(claim_ids):
            query = (
                select(MovementRow.claim_id, MovementRow.booked_on, MovementRow.signed_cents)
                .outerjoin(target, target.key == MovementRow.reverses_key)
                .where(
                    MovementRow.claim_id.in_(part),
                    MovementRow.booked_on <= on,
                    (MovementRow.kind.in_(CREDIT_KINDS)) | (target.kind.in_(CREDIT_KINDS)),
                )
            )
            for claim_id, booked_on, signed in session.execute(query):
                credits[claim_id].append((booked_on, -int(signed)))
    facts: list[PlanFacts] = []
    for plan in plans:
        until = min(on, plan.ended_on) if plan.ended_on is not None else on
        received = sum(amount for day, amount in credits[plan.claim_id] if plan.agreed_on <= day <= until)
        facts.append(PlanFacts(plan.first_due, plan.monthly_cents, plan.total_cents, received, until))
    share = honoured_share(facts, on)
    return FacilityStats(
        organism_code, on, share, facilities=sum(1 for plan in plans if plan.origin == EVENT)
    )
