"""What the back office reads: debtor search, the debtor file, a claim, the queues.

Framework-free (no FastAPI here): the API's routes and, later, the web pages call the same
functions, after ``authorize``. Each returns the response model of ``recouvre.service.models``.

* NIR and IBAN leave this module masked (``domain.identifiers.mask``) and nowhere else.
* A user attached to an agency (``agency``) sees only the claims placed with it on ``today``
  (the day of the request), and the debtors who have one.
* Balances and statuses are those at the end of ``on`` (a parameter, never the clock): claim
  statuses come from ``service.claims.view_claim``, so the file, the claim page and the reports
  agree.

The queues and their priority order are ``service.queues``'s; this module turns them into
the API's response models.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from recouvre.domain.errors import NotFound
from recouvre.domain.identifiers import mask
from recouvre.domain.ledger import Movement
from recouvre.domain.model import DomainError
from recouvre.domain.money import format_amount
from recouvre.service import appeals, models, plans, queues, reports
from recouvre.service import claims as claim_service
from recouvre.service.context import Services
from recouvre.service.subjects import debtors_placed_with, placed_claims, placed_on
from recouvre.storage import repository
from recouvre.storage.back_office_tables import ClaimAuthorRow, PlacementRow
from recouvre.storage.tables import (
    ClaimEventRow,
    ClaimRow,
    DebtorRow,
    LetterClaimRow,
    LetterRow,
    MovementRow,
)

PRESCRIPTION_HORIZON_DAYS = queues.PRESCRIPTION_HORIZON_DAYS
MAX_QUEUE_PAGE = queues.MAX_QUEUE_PAGE


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


def appeal_out(view: appeals.AppealView) -> models.AppealOut:
    return models.AppealOut(
        claim=view.claim_ref,
        stage=view.stage.value,
        filed_by=view.filed_by.value,
        filed_on=view.filed_on,
        status=view.status.value,
        filing_deadline=view.filing_deadline,
        implicit_rejection_on=view.implicit_rejection_on,
        court_deadline=view.court_deadline,
        suspends=view.suspends,
        decided_on=view.decided_on,
        outcome=None if view.outcome is None else view.outcome.value,
        new_principal=None if view.new_principal is None else format_amount(view.new_principal),
        cancellation=format_amount(view.cancellation),
        refund=format_amount(view.refund),
    )


def open_appeal(services: Services, organism: str, claim_ref: str, on: date) -> appeals.AppealView | None:
    """The claim's appeal awaiting a decision at ``on`` (``appeals.awaiting_decision``)."""
    return appeals.awaiting_decision(appeals.appeals_of(services, organism, claim_ref, on))


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
    ice = (criteria.ice or "").replace(" ", "")
    if not (name or nir or ref or ice):
        raise DomainError("search", "", "saisissez un nom, un NIR ou une référence")
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        query = select(DebtorRow).where(DebtorRow.organism_id == organism_id)
        if name:
            query = query.where(func.lower(DebtorRow.name).contains(name.lower(), autoescape=True))
        if nir:
            query = query.where(DebtorRow.nir == nir)
        if ref:
            query = query.where(or_(DebtorRow.ref == ref, DebtorRow.ref.startswith(ref, autoescape=True)))
        if ice:
            query = query.where(DebtorRow.ice == ice)
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


def ranked_task_out(task: queues.RankedTask) -> models.TaskOut:
    return models.TaskOut(
        id=task.id,
        type=task.type,
        status=task.status,
        claim=task.claim,
        debtor=task.debtor,
        debtor_name=task.debtor_name,
        created_on=task.created_on,
        due_on=task.due_on,
        assignee=task.assignee,
        balance=format_amount(task.balance),
        prescription_date=task.prescription_date,
        priority=task.priority,
        reasons=list(task.reasons),
        closed_on=task.closed_on,
        closed_by=task.closed_by,
        close_reason=task.close_reason,
        close_reason_text=queues.close_reason_text(task.close_reason),
    )


def debtor_file(
    services: Services, organism: str, debtor_ref: str, on: date, *, agency: str | None, today: date
) -> models.DebtorFileOut:
    """The debtor with its claims (balance, status, phase), ledger, letters and tasks at ``on``."""
    with services.db.unit_of_work() as session:
        organism_id, found_organism = services.organism(session, organism)
        debtor = session.scalar(
            select(DebtorRow).where(DebtorRow.organism_id == organism_id, DebtorRow.ref == debtor_ref)
        )
        if debtor is None:
            raise NotFound("debtor", debtor_ref, f"débiteur introuvable dans {organism}")
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
        ).all()
        letters: dict[int, models.LetterOut] = {}
        visible = set(claim_refs.values())
        # An agency is shown a letter only when it may see every claim the letter names: a letter
        # also about a claim not placed with it would show that claim and the total.
        hidden = {letter.id for letter, ref in letter_rows if ref not in visible}
        for letter, ref in letter_rows:
            if ref not in visible or (agency is not None and letter.id in hidden):
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
        task_out = (
            []
            if agency is not None
            else [
                ranked_task_out(task)
                for task in queues.debtor_tasks(services, session, organism, debtor.id, on)
            ]
        )
        rows = repository.claim_rows(session, organism_id, claim_refs.values())
        views = claim_service.view_claims(services, session, found_organism, list(rows.values()), on)
        claim_appeals = appeals.appeals_of_claims(session, claim_refs, on)
    summaries: list[models.ClaimSummaryOut] = []
    movements: list[models.MovementOut] = []
    total = 0
    for claim_id, ref in claim_refs.items():
        view = views[claim_id]
        row = rows[ref]
        pending = appeals.awaiting_decision(claim_appeals[claim_id])
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
                appeal=None if pending is None else appeal_out(pending),
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
    with services.db.unit_of_work() as session:
        found, row = claim_service.find_claim(services, session, organism, claim_ref)
        view = claim_service.view_claims(
            services, session, found, [claim_service.established_by(row, on)], on
        )[row.id]
        plan = plans.plan_view(claim_ref, plans.plan_rows_for(session, [row.id], on).get(row.id))
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
    """A queue (corbeille): ``service.queues.queue`` as the API's response."""
    found = queues.queue(
        services,
        organism,
        on,
        type=type,
        status=status,
        assignee=assignee,
        unassigned=unassigned,
        agency=agency,
        today=today,
        limit=limit,
        offset=offset,
    )
    return models.QueueOut(
        organism=found.organism,
        on=found.on,
        total=found.total,
        tasks=[ranked_task_out(t) for t in found.tasks],
    )


def queue_counts(
    services: Services, organism: str, *, agency: str | None, today: date
) -> list[models.QueueCount]:
    """Tasks by type and status, with how many nobody has taken."""
    return [
        models.QueueCount(type=c.type, status=c.status, count=c.count, unassigned=c.unassigned)
        for c in queues.queue_counts(services, organism, agency=agency, today=today)
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


def claim_events(
    services: Services, organism: str, refs: Sequence[str], on: date
) -> list[tuple[str, ClaimEventRow]]:
    """The events of these claims up to ``on`` (the debtor file's timeline), claim by claim,
    read together."""
    if not refs:
        return []
    found: list[tuple[str, ClaimEventRow]] = []
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        rows = repository.claim_rows(session, organism_id, list(refs))
        events = repository.claims_events(session, [row.id for row in rows.values()], until=on)
        for ref, row in rows.items():
            found.extend((ref, event) for event in events[row.id])
    return found


# What a day produced (the scenario runner's checks read them; interfaces never reach storage) ---


def refused_events(services: Services, organism: str, on: date) -> list[str]:
    """The keys of the events refused on ``on``, in the order they were refused."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        return [row.event for row in repository.refusals_on(session, organism_id, on)]


def letters_issued(services: Services, organism: str, on: date) -> list[tuple[str, list[str], str]]:
    """The letters issued on ``on``: their type, claims and debtor."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        return [
            (row.type, claims, debtor)
            for row, claims, debtor in repository.letters_on(session, organism_id, on)
        ]


def letter_claims(services: Services, organism: str, debtor_ref: str, letter_id: int) -> list[str]:
    """The refs of the claims letter ``letter_id`` of debtor ``debtor_ref`` names; ``NotFound``
    when it is not one of that debtor's letters in ``organism``."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        letter = session.scalar(
            select(LetterRow.id)
            .join(DebtorRow, DebtorRow.id == LetterRow.debtor_id)
            .where(
                LetterRow.id == letter_id,
                LetterRow.organism_id == organism_id,
                DebtorRow.ref == debtor_ref,
            )
        )
        if letter is None:
            raise NotFound("letter", letter_id, "ce courrier n'est pas adressé à ce débiteur")
        query = (
            select(ClaimRow.ref)
            .join(LetterClaimRow, LetterClaimRow.claim_id == ClaimRow.id)
            .where(LetterClaimRow.letter_id == letter_id)
            .order_by(ClaimRow.ref)
        )
        return list(session.scalars(query))


def tasks_created(services: Services, organism: str, on: date) -> list[tuple[str, str | None]]:
    """The tasks created on ``on``: their type and claim."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        return [(task.type, claim) for task, claim in repository.tasks_on(session, organism_id, on)]
