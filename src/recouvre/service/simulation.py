"""Month-by-month simulation of a portfolio: benefit payments, debtor behaviour, monthly cycles.

For demos, tests, benchmarks and policy what-if. It plays the world outside the organism (the
benefit-payment system, the debtors and the cashiers who book their money), so it books through
the service functions beneath the authorised commands, with no actor and no audit row: a
simulated month writes hundreds of thousands of movements that no person did. Each month:

1. the benefit payment run on the 5th for the debtors still receiving benefits (regular
   amounts, and arrears for some), withheld by the PRP engine;
2. the debtors without benefits behave (RULES.md "Numbers for realistic synthetic data",
   assumptions marked [A] there): after the notification, some pay in full, some agree an
   instalment plan of at most 12 months, the others default; plans are honoured most months;
   reminders and phone calls cure part of the defaults; a few pay in the contentious phase;
3. for the CNSS (country MA), employers declare the contributions of the previous month, due on
   the 10th: a share of them (``NEW_UNPAID_SHARE``) leaves them unpaid, and the cycle surcharges
   and pursues them (reminders, last notice, commandement) month after month;
4. the monthly cycle runs on the first day of the next month.

Every draw comes from a generator seeded by (seed, month): the same seed gives the same run.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from recouvre.domain.defaults import add_months
from recouvre.domain.errors import Refused
from recouvre.domain.model import (
    Benefit,
    Claim,
    Creditor,
    DomainError,
    PaymentChannel,
    Responsibility,
    UndueLine,
)
from recouvre.domain.withholding import BenefitPayment
from recouvre.service.context import Services
from recouvre.service.contributions import establish_contributions
from recouvre.service.cycle import run_cycle
from recouvre.service.payments import record_payment
from recouvre.service.plans import agree_plan
from recouvre.service.withholding import apply_benefit_payments
from recouvre.storage.tables import (
    ClaimRow,
    ClaimStateRow,
    DebtorRow,
    LetterRow,
    MovementRow,
    OrganismRow,
    PlanRow,
    TaskRow,
)

CHUNK = 2_000
PAY_IN_FULL_AT_NOTIFICATION = 0.30
PLAN_AT_NOTIFICATION = 0.35
INSTALMENT_KEPT = 0.85
CURED_AFTER_REMINDER = 0.25
PLAN_AFTER_REMINDER = 0.15
PAID_IN_CONTENTIOUS = 0.05
ARREARS_SHARE = 0.10
NEW_UNPAID_SHARE = 0.03
"""[A] Share of employers whose monthly declaration goes unpaid at its due date (RULES.md §11.3:
a 92–93 % collection rate of contributions)."""
CONTRIBUTION_DUE_DAY = 10


def months_from(start: date, count: int) -> Iterator[date]:
    for index in range(count):
        yield add_months(start, index)


@dataclass
class MonthActivity:
    month: str
    established: int = 0
    withheld: int = 0
    paid: int = 0
    stock: int = 0
    surcharged: int = 0
    """CNSS surcharges and commandement costs booked in the month."""
    letters: Counter[str] = field(default_factory=Counter)
    tasks: int = 0


def _rng(seed: int, month: date) -> np.random.Generator:
    return np.random.default_rng([seed, month.year, month.month])


def _benefit_run(
    services: Services, organism: str, session_rows: list[tuple[int, str]], month: date, seed: int
) -> None:
    rng = _rng(seed, month)
    paid_on = month + timedelta(days=4)
    payments: list[BenefitPayment] = []
    for debtor_id, ref in session_rows:
        regular = {"AF": 15_000 + (debtor_id % 25) * 1_000, "AL": 12_000 + (debtor_id % 17) * 1_500}
        arrears = {"AF": int(rng.integers(2_000, 30_000))} if rng.random() < ARREARS_SHARE else {}
        payments.append(BenefitPayment(ref, paid_on, regular, arrears))
    for start in range(0, len(payments), CHUNK):
        apply_benefit_payments(
            services, organism, payments[start : start + CHUNK], run_id=f"SIM-{month:%Y-%m}"
        )


@dataclass(frozen=True)
class _Open:
    ref: str
    notified_on: date
    balance: int
    step: str | None
    phase: str
    plan_monthly: int | None
    plan_first_due: date | None


def _open_claims_without_benefits(session: Session, organism_id: int, on: date) -> list[_Open]:
    totals = (
        select(MovementRow.claim_id, func.sum(MovementRow.signed_cents).label("total"))
        .where(MovementRow.booked_on <= on)
        .group_by(MovementRow.claim_id)
        .subquery()
    )
    query = (
        select(
            ClaimRow.ref,
            ClaimRow.notified_on,
            totals.c.total,
            ClaimStateRow.step,
            ClaimStateRow.phase,
            PlanRow.monthly_cents,
            PlanRow.first_due,
        )
        .join(totals, totals.c.claim_id == ClaimRow.id)
        .join(DebtorRow, DebtorRow.id == ClaimRow.debtor_id)
        .join(ClaimStateRow, ClaimStateRow.claim_id == ClaimRow.id)
        .outerjoin(PlanRow, and_(PlanRow.claim_id == ClaimRow.id, PlanRow.status == "active"))
        .where(
            ClaimRow.organism_id == organism_id,
            DebtorRow.receives_benefits.is_(False),
            ClaimRow.notified_on.is_not(None),
            ClaimRow.established_on <= on,
            totals.c.total > 0,
        )
        .order_by(ClaimRow.id)
    )
    return [
        _Open(ref, notified, int(total), step, phase, monthly, first)
        for ref, notified, total, step, phase, monthly, first in session.execute(query)
    ]


def _claim_rng(seed: int, month: date, ref: str) -> np.random.Generator:
    """A generator of its own for one claim and month: the claim's behaviour does not depend on
    which other claims are still open (two policies compared see the same debtors)."""
    return np.random.default_rng([seed, month.year, month.month, zlib.crc32(ref.encode())])


def _behave(
    services: Services, organism: str, organism_id: int, month: date, seed: int, *, per_claim: bool = False
) -> None:
    shared = _rng(seed + 1, month)
    on = month + timedelta(days=9)
    with services.db.unit_of_work() as session:
        claims = _open_claims_without_benefits(session, organism_id, on)
    for claim in claims:
        rng = _claim_rng(seed + 1, month, claim.ref) if per_claim else shared
        draw = rng.random()
        try:
            if claim.plan_monthly is not None and claim.plan_first_due is not None:
                if claim.plan_first_due <= on + timedelta(days=20) and draw < INSTALMENT_KEPT:
                    amount = min(claim.plan_monthly, claim.balance)
                    record_payment(
                        services,
                        organism,
                        claim.ref,
                        amount,
                        on,
                        PaymentChannel.DIRECT_DEBIT,
                        f"sim-{month:%Y-%m}",
                    )
            elif claim.phase == "contentious":
                if draw < PAID_IN_CONTENTIOUS:
                    record_payment(
                        services,
                        organism,
                        claim.ref,
                        claim.balance,
                        on,
                        PaymentChannel.TRANSFER,
                        f"sim-{month:%Y-%m}",
                    )
            elif claim.step is None and add_months(claim.notified_on, 1) > month:
                if draw < PAY_IN_FULL_AT_NOTIFICATION:
                    record_payment(
                        services,
                        organism,
                        claim.ref,
                        claim.balance,
                        on,
                        PaymentChannel.CARD,
                        f"sim-{month:%Y-%m}",
                    )
                elif draw < PAY_IN_FULL_AT_NOTIFICATION + PLAN_AT_NOTIFICATION:
                    _plan(services, organism, claim, on, rng, month)
            elif claim.step in {"reminder_1", "reminder_2", "formal_notice", "last_notice", "commandement"}:
                if draw < CURED_AFTER_REMINDER:
                    record_payment(
                        services,
                        organism,
                        claim.ref,
                        claim.balance,
                        on,
                        PaymentChannel.TRANSFER,
                        f"sim-{month:%Y-%m}",
                    )
                elif draw < CURED_AFTER_REMINDER + PLAN_AFTER_REMINDER:
                    _plan(services, organism, claim, on, rng, month)
        except (Refused, DomainError):
            continue  # a behaviour the rules refuse is simply not taken


def _new_contributions(
    services: Services, organism: str, employers: list[str], month: date, seed: int
) -> None:
    """The month's unpaid declarations: contributions of the previous month, due on the 10th."""
    rng = np.random.default_rng([seed, month.year, month.month, 11])
    chosen = [
        ref
        for ref, draw in zip(employers, rng.random(len(employers)), strict=True)
        if draw < NEW_UNPAID_SHARE
    ]
    cents = np.maximum(np.rint(rng.lognormal(8.5, 1.3, len(chosen)) * 100), 10_000).astype(np.int64)
    due_on = month.replace(day=CONTRIBUTION_DUE_DAY)
    period = f"{add_months(month, -1):%Y-%m}"
    items = [
        (
            Claim(
                ref=f"SIM-{ref}-{period}",
                organism=organism,
                debtor_ref=ref,
                benefit=Benefit.CONTRIB,
                creditor=Creditor.OWN,
                responsibility=Responsibility.DEBTOR_ERROR,
                lines=(UndueLine(due_on, int(amount)),),
                established_on=due_on,
                notified_on=due_on,
                detected_on=due_on,
                reason=f"cotisations de la période {period}",
            ),
            due_on,
        )
        for ref, amount in zip(chosen, cents.tolist(), strict=True)
    ]
    if items:
        establish_contributions(services, organism, items)


def _plan(
    services: Services, organism: str, claim: _Open, on: date, rng: np.random.Generator, month: date
) -> None:
    months = int(rng.integers(3, 13))
    monthly = -(-claim.balance // months)
    agree_plan(
        services,
        organism,
        claim.ref,
        monthly,
        on + timedelta(days=5),
        on,
        key=f"sim-{month:%Y-%m}",
        enforce_max_months=True,
    )


def simulate(
    services: Services,
    organism: str,
    start: date,
    months: int,
    seed: int,
    progress: Callable[[str], None] | None = None,
    *,
    per_claim: bool = False,
) -> list[MonthActivity]:
    """Simulate ``months`` months from ``start`` (a first day of month); return the activity table.

    ``per_claim``: each claim's behaviour is drawn from a generator seeded by (seed, month, claim)
    rather than from one stream for the month, so that a policy what-if (``service.whatif``)
    replays the same debtors' behaviour whatever the policy changed."""
    if start.day != 1:
        raise DomainError("start", start.isoformat(), "une simulation commence le premier jour d'un mois")
    with services.db.unit_of_work() as session:
        organism_id = session.scalar(select(OrganismRow.id).where(OrganismRow.code == organism))
        if organism_id is None:
            raise DomainError("organism", organism, "organisme inconnu")
        receiving = [
            (ident, ref)
            for ident, ref in session.execute(
                select(DebtorRow.id, DebtorRow.ref)
                .where(DebtorRow.organism_id == organism_id, DebtorRow.receives_benefits.is_(True))
                .order_by(DebtorRow.id)
            )
        ]
        employers = (
            [
                ref
                for (ref,) in session.execute(
                    select(DebtorRow.ref).where(DebtorRow.organism_id == organism_id).order_by(DebtorRow.id)
                )
            ]
            if session.scalar(select(OrganismRow.country).where(OrganismRow.id == organism_id)) == "MA"
            else []
        )
    for month in months_from(start, months):
        _benefit_run(services, organism, receiving, month, seed)
        if employers:
            _new_contributions(services, organism, employers, month, seed)
        _behave(services, organism, organism_id, month, seed, per_claim=per_claim)
        run_cycle(services, organism, f"{month:%Y-%m}", add_months(month, 1))
        if progress is not None:
            progress(f"{month:%Y-%m}")
    return monthly_activity(services, organism_id, start, months)


def monthly_activity(services: Services, organism_id: int, start: date, months: int) -> list[MonthActivity]:
    """The month-by-month table: amounts established, withheld, paid, stock at month end,
    letters by type, tasks created (all read back from the ledger, letters and tasks)."""
    rows: list[MonthActivity] = []
    with services.db.unit_of_work() as session:
        for month in months_from(start, months):
            end = add_months(month, 1) - timedelta(days=1)
            activity = MonthActivity(f"{month:%Y-%m}")
            activity.established = int(
                session.scalar(
                    select(func.coalesce(func.sum(ClaimRow.principal_cents), 0)).where(
                        ClaimRow.organism_id == organism_id, ClaimRow.established_on.between(month, end)
                    )
                )
                or 0
            )
            moved = select(MovementRow.kind, func.sum(MovementRow.amount_cents)).join(
                ClaimRow, ClaimRow.id == MovementRow.claim_id
            )
            moved = moved.where(
                ClaimRow.organism_id == organism_id, MovementRow.booked_on.between(month, end)
            )
            sums = {kind: int(total) for kind, total in session.execute(moved.group_by(MovementRow.kind))}
            activity.withheld = sums.get("withholding", 0)
            activity.paid = sums.get("payment", 0)
            activity.surcharged = sums.get("surcharge", 0) + sums.get("costs", 0)
            totals = (
                select(func.sum(MovementRow.signed_cents).label("total"))
                .join(ClaimRow, ClaimRow.id == MovementRow.claim_id)
                .where(ClaimRow.organism_id == organism_id, MovementRow.booked_on <= end)
                .group_by(MovementRow.claim_id)
                .subquery()
            )
            activity.stock = int(
                session.scalar(select(func.coalesce(func.sum(totals.c.total), 0)).where(totals.c.total > 0))
                or 0
            )
            letters = select(LetterRow.type, func.count()).where(
                LetterRow.organism_id == organism_id,
                or_(
                    LetterRow.cycle == f"{month:%Y-%m}",
                    and_(LetterRow.cycle.is_(None), LetterRow.issued_on.between(month, end)),
                ),
            )
            activity.letters.update(
                {kind: int(n) for kind, n in session.execute(letters.group_by(LetterRow.type))}
            )
            activity.tasks = int(
                session.scalar(
                    select(func.count())
                    .select_from(TaskRow)
                    .where(
                        TaskRow.organism_id == organism_id,
                        TaskRow.created_on.between(month + timedelta(days=1), add_months(month, 1)),
                    )
                )
                or 0
            )
            rows.append(activity)
    return rows
