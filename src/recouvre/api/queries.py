"""What the back office reads: debtor search, the debtor file, a claim, the queues.

Framework-free (no FastAPI here): the API's routes and, later, the web pages call the same
functions, after ``authorize``. Each returns the response model of ``recouvre.api.models``.

* NIR and IBAN leave this module masked (``domain.identifiers.mask``) and nowhere else.
* A user attached to an agency (``agency``) sees only the claims placed with it on ``today``
  (the day of the request), and the debtors who have one.
* Balances and statuses are those at the end of ``on`` (a parameter, never the clock): claim
  statuses come from ``service.claims.view_claim``, so the file, the claim page and the reports
  agree.

Queue priority (corbeilles, MISSION.md "Queues"): tasks whose claim becomes prescribed within
``PRESCRIPTION_HORIZON_DAYS`` come first, soonest first; then the largest balance; then the
oldest task. Each task carries its rank and the reasons, so the order can be explained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from recouvre.api import models
from recouvre.domain.identifiers import mask
from recouvre.domain.ledger import Movement
from recouvre.domain.model import DomainError
from recouvre.domain.money import format_amount, format_eur
from recouvre.domain.prescription import prescription_state as decide
from recouvre.security.subjects import debtors_placed_with, placed_claims, placed_on
from recouvre.service import claims as claim_service
from recouvre.service import plans, reports
from recouvre.service.context import Services
from recouvre.service.errors import NotFound
from recouvre.service.prescription import load_facts, terms_of
from recouvre.storage import repository
from recouvre.storage.back_office_tables import ClaimAuthorRow, PlacementRow
from recouvre.storage.tables import ClaimRow, DebtorRow, LetterClaimRow, LetterRow, MovementRow, TaskRow

PRESCRIPTION_HORIZON_DAYS = 90
MAX_QUEUE_PAGE = 500


def masked(field: str, value: str | None) -> str | None:
    return None if value is None else mask(field, value)


def movement_out(claim_ref: str, movement: Movement) -> models.MovementOut:
    return models.MovementOut(
        claim=claim_ref,
        sequence=movement.sequence,
        kind=movement.kind.value,
        amount=format_amount(movement.amount),
        signed=format_amount(movement.signed),
        booked_on=movement.booked_on,
        channel=movement.channel,
        reverses=movement.reverses,
        note=movement.note,
        key=movement.key,
    )


def _totals(session: Session, claim_ids: Sequence[int], on: date) -> dict[int, int]:
    """Signed ledger total of each claim at the end of ``on`` (positive: owed; negative: credit)."""
    found: dict[int, int] = {}
    for part in repository.chunks(sorted(set(claim_ids))):
        query = (
            select(MovementRow.claim_id, func.sum(MovementRow.signed_cents))
            .where(MovementRow.claim_id.in_(part), MovementRow.booked_on <= on)
            .group_by(MovementRow.claim_id)
        )
        found.update({claim_id: int(total) for claim_id, total in session.execute(query)})
    return found


def _placements(session: Session, claim_ids: Sequence[int], on: date) -> dict[int, str]:
    found: dict[int, str] = {}
    for part in repository.chunks(sorted(set(claim_ids))):
        query = select(PlacementRow.claim_id, PlacementRow.agency).where(
            PlacementRow.claim_id.in_(part), placed_on(on)
        )
        found.update({claim_id: agency for claim_id, agency in session.execute(query)})
    return found


# Organisms ---------------------------------------------------------------------------------------


def organisms(services: Services, scope: str | None) -> list[models.OrganismOut]:
    """The organisms of the installation, or only the user's own."""
    with services.db.unit_of_work() as session:
        found = repository.list_organisms(session)
    return [
        models.OrganismOut(code=o.code, country=o.country.value, name=o.name)
        for o in found
        if scope is None or o.code == scope
    ]


# Debtors -----------------------------------------------------------------------------------------


def search_debtors(
    services: Services, organism: str, criteria: models.DebtorSearch, *, agency: str | None, today: date
) -> list[models.DebtorListItem]:
    """Debtors by name (contains, any case), NIR (exact, spaces ignored) or reference (exact or
    beginning), all criteria given applying together; at most ``criteria.limit``, by reference."""
    name = (criteria.name or "").strip()
    nir = (criteria.nir or "").replace(" ", "").upper()
    ref = (criteria.ref or "").strip()
    if not (name or nir or ref):
        raise DomainError("search", "", "give a name, a NIR or a reference")
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        query = select(DebtorRow).where(DebtorRow.organism_id == organism_id)
        if name:
            query = query.where(func.lower(DebtorRow.name).contains(name.lower(), autoescape=True))
        if nir:
            query = query.where(DebtorRow.nir == nir)
        if ref:
            query = query.where(or_(DebtorRow.ref == ref, DebtorRow.ref.startswith(ref, autoescape=True)))
        if agency is not None:
            query = query.where(DebtorRow.id.in_(debtors_placed_with(agency, today)))
        rows = list(session.scalars(query.order_by(DebtorRow.ref).limit(criteria.limit)))
        claims_query = select(ClaimRow.id, ClaimRow.debtor_id).where(
            ClaimRow.debtor_id.in_([row.id for row in rows]), ClaimRow.established_on <= criteria.on
        )
        if agency is not None:
            claims_query = claims_query.where(ClaimRow.id.in_(placed_claims(agency, today)))
        by_debtor: dict[int, list[int]] = {}
        for claim_id, debtor_id in session.execute(claims_query):
            by_debtor.setdefault(debtor_id, []).append(claim_id)
        totals = _totals(session, [c for ids in by_debtor.values() for c in ids], criteria.on)
        return [
            models.DebtorListItem(
                ref=row.ref,
                kind=row.kind,
                name=row.name,
                nir=masked("nir", row.nir),
                iban=masked("iban", row.iban),
                siren=row.siren,
                claims=len(by_debtor.get(row.id, [])),
                balance=format_amount(sum(max(totals.get(c, 0), 0) for c in by_debtor.get(row.id, []))),
            )
            for row in rows
        ]


@dataclass(frozen=True)
class _Task:
    """A task's columns (no ORM object: a queue may hold tens of thousands)."""

    id: int
    type: str
    status: str
    claim_id: int | None
    created_on: date
    due_on: date | None
    assignee: str | None
    claim_ref: str | None
    debtor_ref: str
    debtor_name: str


def _task_rows(session: Session, conditions: Sequence[ColumnElement[bool]]) -> list[_Task]:
    statement = (
        select(
            TaskRow.id,
            TaskRow.type,
            TaskRow.status,
            TaskRow.claim_id,
            TaskRow.created_on,
            TaskRow.due_on,
            TaskRow.assignee,
            ClaimRow.ref,
            DebtorRow.ref,
            DebtorRow.name,
        )
        .join(DebtorRow, DebtorRow.id == TaskRow.debtor_id)
        .outerjoin(ClaimRow, ClaimRow.id == TaskRow.claim_id)
        .where(*conditions)
    )
    return [
        _Task(ident, kind, status, claim_id, created_on, due_on, assignee, claim_ref, debtor_ref, name)
        for ident, kind, status, claim_id, created_on, due_on, assignee, claim_ref, debtor_ref, name in (
            session.execute(statement)
        )
    ]


def _prioritised(
    services: Services,
    session: Session,
    organism: str,
    tasks: list[_Task],
    on: date,
    page: slice = slice(None),
) -> list[models.TaskOut]:
    """Rank tasks: prescription near first (soonest first), then largest balance, then oldest;
    return the ``page`` of the ranking (only its tasks become response models)."""
    claim_ids = [task.claim_id for task in tasks if task.claim_id is not None]
    totals = _totals(session, claim_ids, on)
    prescription: dict[int, date] = {}
    _, found = services.organism(session, organism)
    terms = terms_of(services.policy(found))
    horizon = on + timedelta(days=PRESCRIPTION_HORIZON_DAYS)
    if terms is not None and claim_ids:
        for claim_id, loaded in load_facts(
            session, claim_ids, on, positive_only=True, due_by=(terms, horizon)
        ).items():
            state = decide(loaded, terms, on)
            if state.prescription_date is not None and on < state.prescription_date <= horizon:
                prescription[claim_id] = state.prescription_date

    def facts(task: _Task) -> tuple[date | None, int]:
        if task.claim_id is None:
            return None, 0
        return prescription.get(task.claim_id), max(totals.get(task.claim_id, 0), 0)

    def key(task: _Task) -> tuple[int, date, int, date, int]:
        near, balance = facts(task)
        return (0 if near else 1, near or date.max, -balance, task.created_on, task.id)

    ranked = list(enumerate(sorted(tasks, key=key), start=1))
    result: list[models.TaskOut] = []
    for rank, task in ranked[page]:
        near, balance = facts(task)
        reasons: list[str] = []
        if near is not None:
            reasons.append(f"prescription le {near.isoformat()} (dans {(near - on).days} j)")
        reasons.append(f"solde {format_eur(balance)}")
        reasons.append(f"en attente depuis {max((on - task.created_on).days, 0)} j")
        result.append(
            models.TaskOut(
                id=task.id,
                type=task.type,
                status=task.status,
                claim=task.claim_ref,
                debtor=task.debtor_ref,
                debtor_name=task.debtor_name,
                created_on=task.created_on,
                due_on=task.due_on,
                assignee=task.assignee,
                balance=format_amount(balance),
                prescription_date=near,
                priority=rank,
                reasons=reasons,
            )
        )
    return result


def debtor_file(
    services: Services, organism: str, debtor_ref: str, on: date, *, agency: str | None, today: date
) -> models.DebtorFileOut:
    """The debtor with its claims (balance, status, phase), ledger, letters and tasks at ``on``."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        debtor = session.scalar(
            select(DebtorRow).where(DebtorRow.organism_id == organism_id, DebtorRow.ref == debtor_ref)
        )
        if debtor is None:
            raise NotFound("debtor", debtor_ref, f"no such debtor in {organism}")
        claim_query = (
            select(ClaimRow.id, ClaimRow.ref)
            .where(ClaimRow.debtor_id == debtor.id, ClaimRow.established_on <= on)
            .order_by(ClaimRow.established_on, ClaimRow.ref)
        )
        if agency is not None:
            claim_query = claim_query.where(ClaimRow.id.in_(placed_claims(agency, today)))
        claim_refs: dict[int, str] = {claim_id: ref for claim_id, ref in session.execute(claim_query)}
        placements = _placements(session, list(claim_refs), on)
        letter_rows = session.execute(
            select(LetterRow, ClaimRow.ref)
            .join(LetterClaimRow, LetterClaimRow.letter_id == LetterRow.id)
            .join(ClaimRow, ClaimRow.id == LetterClaimRow.claim_id)
            .where(LetterRow.debtor_id == debtor.id, LetterRow.issued_on <= on)
            .order_by(LetterRow.issued_on, LetterRow.id)
        )
        letters: dict[int, models.LetterOut] = {}
        for letter, ref in letter_rows:
            if ref not in claim_refs.values():
                continue
            entry = letters.setdefault(
                letter.id,
                models.LetterOut(
                    id=letter.id,
                    type=letter.type,
                    issued_on=letter.issued_on,
                    status=letter.status,
                    claims=[],
                ),
            )
            entry.claims.append(ref)
        # An agency works the files placed with it, not the organism's queues: no tasks.
        tasks = (
            []
            if agency is not None
            else _task_rows(session, [TaskRow.debtor_id == debtor.id, TaskRow.created_on <= on])
        )
        task_out = _prioritised(services, session, organism, tasks, on)
        rows = repository.claim_rows(session, organism_id, claim_refs.values())
    summaries: list[models.ClaimSummaryOut] = []
    movements: list[models.MovementOut] = []
    total = 0
    for claim_id, ref in claim_refs.items():
        view = claim_service.view_claim(services, organism, ref, on)
        row = rows[ref]
        total += view.balance
        summaries.append(
            models.ClaimSummaryOut(
                ref=ref,
                benefit=row.benefit,
                responsibility=row.responsibility,
                established_on=row.established_on,
                principal=format_amount(view.principal),
                balance=format_amount(view.balance),
                credit=format_amount(view.credit),
                status=view.status.value,
                phase=view.phase.value,
                placed_with=placements.get(claim_id),
            )
        )
        movements.extend(movement_out(ref, movement) for movement in view.movements)
    movements.sort(key=lambda m: (m.booked_on, m.claim, m.sequence))
    return models.DebtorFileOut(
        organism=organism,
        ref=debtor.ref,
        kind=debtor.kind,
        name=debtor.name,
        nir=masked("nir", debtor.nir),
        iban=masked("iban", debtor.iban),
        siren=debtor.siren,
        siret=debtor.siret,
        ice=debtor.ice,
        email=debtor.email,
        phone=debtor.phone,
        address=debtor.address,
        receives_benefits=debtor.receives_benefits,
        on=on,
        balance=format_amount(total),
        claims=summaries,
        movements=movements,
        letters=list(letters.values()),
        tasks=sorted(task_out, key=lambda t: (t.status != "open", t.priority)),
    )


# Claims ------------------------------------------------------------------------------------------


def claim(services: Services, organism: str, claim_ref: str, on: date) -> models.ClaimOut:
    view = claim_service.view_claim(services, organism, claim_ref, on)
    plan = plans.active_plan(services, organism, claim_ref, on)
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        row = repository.claim_row(session, organism_id, claim_ref)
        if row is None:
            raise NotFound("claim", claim_ref, f"no such claim in {organism}")
        debtor_ref = session.scalar(select(DebtorRow.ref).where(DebtorRow.id == row.debtor_id)) or ""
        author = session.scalar(
            select(ClaimAuthorRow.established_by).where(ClaimAuthorRow.claim_id == row.id)
        )
        placed = _placements(session, [row.id], on).get(row.id)
    return models.ClaimOut(
        organism=organism,
        ref=claim_ref,
        debtor=debtor_ref,
        benefit=row.benefit,
        responsibility=row.responsibility,
        creditor=row.creditor,
        established_on=row.established_on,
        notified_on=row.notified_on,
        on=on,
        principal=format_amount(view.principal),
        balance=format_amount(view.balance),
        credit=format_amount(view.credit),
        status=view.status.value,
        phase=view.phase.value,
        plan=None
        if plan is None
        else models.PlanOut(
            claim=claim_ref,
            agreed_on=plan.agreed_on,
            first_due=plan.first_due,
            monthly=format_amount(plan.monthly),
            total=format_amount(plan.total),
            months=plan.months,
            status=plan.status,
        ),
        placed_with=placed,
        established_by=author,
        movements=[movement_out(claim_ref, movement) for movement in view.movements],
    )


def claim_snapshot(services: Services, organism: str, claim_ref: str, on: date) -> dict[str, object] | None:
    """A claim's balance, status and phase at ``on``, for the audit trail (``None`` if not yet)."""
    try:
        view = claim_service.view_claim(services, organism, claim_ref, on)
    except NotFound:
        return None
    return {
        "claim": claim_ref,
        "on": on.isoformat(),
        "balance": format_amount(view.balance),
        "credit": format_amount(view.credit),
        "status": view.status.value,
        "phase": view.phase.value,
        "movements": len(view.movements),
    }


# Queues ------------------------------------------------------------------------------------------


def queue(
    services: Services,
    organism: str,
    on: date,
    *,
    type: str | None = None,
    status: str | None = "open",
    assignee: str | None = None,
    unassigned: bool = False,
    agency: str | None = None,
    today: date,
    limit: int = 50,
    offset: int = 0,
) -> models.QueueOut:
    """A queue (corbeille): the organism's tasks created by ``on``, filtered, in priority order."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        conditions: list[ColumnElement[bool]] = [TaskRow.organism_id == organism_id, TaskRow.created_on <= on]
        if type is not None:
            conditions.append(TaskRow.type == type)
        if status is not None:
            conditions.append(TaskRow.status == status)
        if assignee is not None:
            conditions.append(TaskRow.assignee == assignee)
        if unassigned:
            conditions.append(TaskRow.assignee.is_(None))
        if agency is not None:
            conditions.append(TaskRow.claim_id.in_(placed_claims(agency, today)))
        tasks = _task_rows(session, conditions)
        page = _prioritised(
            services, session, organism, tasks, on, slice(offset, offset + min(limit, MAX_QUEUE_PAGE))
        )
    return models.QueueOut(organism=organism, on=on, total=len(tasks), tasks=page)


def queue_counts(
    services: Services, organism: str, *, agency: str | None, today: date
) -> list[models.QueueCount]:
    """Tasks by type and status, with how many nobody has taken."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        query = (
            select(
                TaskRow.type,
                TaskRow.status,
                func.count(),
                func.count(TaskRow.assignee),
            )
            .where(TaskRow.organism_id == organism_id)
            .group_by(TaskRow.type, TaskRow.status)
            .order_by(TaskRow.type, TaskRow.status)
        )
        if agency is not None:
            query = query.where(TaskRow.claim_id.in_(placed_claims(agency, today)))
        return [
            models.QueueCount(type=kind, status=status, count=int(count), unassigned=int(count) - int(taken))
            for kind, status, count, taken in session.execute(query)
        ]


# Reports -----------------------------------------------------------------------------------------


def summary(services: Services, organism: str, on: date) -> models.SummaryOut:
    found = reports.portfolio_summary(services, organism, on)

    def bucket(item: reports.Bucket) -> models.BucketOut:
        return models.BucketOut(
            key=item.key,
            count=item.count,
            principal=format_amount(item.principal),
            balance=format_amount(item.balance),
        )

    return models.SummaryOut(
        organism=found.organism,
        currency=found.currency,
        on=found.on,
        by_benefit=[bucket(b) for b in found.by_benefit],
        by_responsibility=[bucket(b) for b in found.by_responsibility],
        by_status=[bucket(b) for b in found.by_status],
        total=bucket(found.total),
    )
