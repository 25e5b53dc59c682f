"""What the back office's role pages read (managers, directors, the board, auditors,
administrators): the workload per agent, the cycle's results month by month, the letters outbox
by print batch, the appeals list, the proposals with their debtor and balance, the audit trail
filtered, the pending changes of users. Nothing here authorises: ``service.commands.back_office``
guards each read, as the other authorised reads do. Nothing here writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import case, func, select

from recouvre.domain.appeals import AppealStatus
from recouvre.domain.errors import NotFound
from recouvre.service import appeals, claims, decisions, queues, trail
from recouvre.service.context import Services
from recouvre.storage import repository
from recouvre.storage.back_office_tables import AuditRow, UserChangeRow, UserRow
from recouvre.storage.claim_life_tables import AppealRow
from recouvre.storage.tables import ClaimRow, DebtorRow, LetterRow, TaskRow

if TYPE_CHECKING:
    from recouvre.service.remission import RemissionCaseView

AGENT_ROLES = frozenset({"case_worker", "phone_operator", "accountant"})
"""The roles whose users work the queues (a manager assigns tasks to them)."""


@dataclass(frozen=True)
class AgentLoad:
    user: str | None
    """``None``: the tasks nobody holds yet."""
    open: int = 0
    overdue: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


def agents(services: Services, organism: str) -> list[str]:
    """The active users of the organism who work the queues (no agency user)."""
    with services.db.unit_of_work() as session:
        rows = session.scalars(
            select(UserRow)
            .where(UserRow.organism == organism, UserRow.active.is_(True))
            .order_by(UserRow.username)
        )
        return [row.username for row in rows if row.agency is None and AGENT_ROLES & set(row.roles or [])]


def workload(services: Services, organism: str, on: date) -> list[AgentLoad]:
    """Open tasks per assignee (and those nobody holds), every agent listed even with none."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        query = (
            select(
                TaskRow.assignee,
                TaskRow.type,
                func.count(),
                func.sum(case((TaskRow.due_on < on, 1), else_=0)),
            )
            .where(TaskRow.organism_id == organism_id, TaskRow.status == "open")
            .group_by(TaskRow.assignee, TaskRow.type)
        )
        rows = list(session.execute(query))
    loads: dict[str | None, AgentLoad] = {name: AgentLoad(name) for name in agents(services, organism)}
    loads.setdefault(None, AgentLoad(None))
    for assignee, kind, count, overdue in rows:
        found = loads.get(assignee) or AgentLoad(assignee)
        loads[assignee] = replace(
            found,
            open=found.open + int(count),
            overdue=found.overdue + int(overdue or 0),
            by_type={**found.by_type, kind: found.by_type.get(kind, 0) + int(count)},
        )
    return sorted(loads.values(), key=lambda load: (load.user is None, load.user or ""))


@dataclass(frozen=True)
class CycleResult:
    month: str
    run_on: date | None
    by: str
    recorded_at: datetime
    facts: dict[str, object]


def cycle_results(services: Services, organism: str, limit: int = 36) -> list[CycleResult]:
    """The monthly cycles run for the organism, newest first, with their counts (audit rows)."""
    found: dict[str, CycleResult] = {}
    for row in trail.show(services, 500, action="cycle.run", organism=organism):
        if row.outcome != "done":
            continue
        month = row.subject.removeprefix("cycle ").strip()
        if month in found:
            continue
        found[month] = CycleResult(month, row.occurred_on, row.actor, row.recorded_at, dict(row.after or {}))
    # Cycles run by a batch without their own audit row (a simulation): their letters say what
    # they did, month by month.
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        letters: dict[str, dict[str, int]] = {}
        days: dict[str, date] = {}
        for cycle_month, kind, issued_on, count in session.execute(
            select(LetterRow.cycle, LetterRow.type, func.min(LetterRow.issued_on), func.count())
            .where(LetterRow.organism_id == organism_id, LetterRow.cycle.is_not(None))
            .group_by(LetterRow.cycle, LetterRow.type)
        ):
            letters.setdefault(str(cycle_month), {})[str(kind)] = int(count)
            days[str(cycle_month)] = min(days.get(str(cycle_month), issued_on), issued_on)
    for month, counts in letters.items():
        if month not in found:
            found[month] = CycleResult(month, days[month], "", datetime.min, {"letters": counts})
    return sorted(found.values(), key=lambda result: result.month, reverse=True)[:limit]


@dataclass(frozen=True)
class PrintBatch:
    issued_on: date
    type: str
    total: int
    by_status: dict[str, int]


def print_batches(services: Services, organism: str, limit: int = 60) -> list[PrintBatch]:
    """The letters by day of issue and type (one print batch), with their delivery statuses."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        query = (
            select(LetterRow.issued_on, LetterRow.type, LetterRow.status, func.count())
            .where(LetterRow.organism_id == organism_id)
            .group_by(LetterRow.issued_on, LetterRow.type, LetterRow.status)
        )
        rows = list(session.execute(query))
    batches: dict[tuple[date, str], dict[str, int]] = {}
    for issued_on, kind, status, count in rows:
        batches.setdefault((issued_on, kind), {})[status] = int(count)
    ordered = sorted(batches.items(), key=lambda item: (item[0][0], item[0][1]), reverse=True)[:limit]
    return [PrintBatch(day, kind, sum(counts.values()), counts) for (day, kind), counts in ordered]


@dataclass(frozen=True)
class AppealLine:
    appeal: appeals.AppealView
    debtor: str
    debtor_name: str
    balance: int


def appeal_lines(
    services: Services, organism: str, on: date, *, only_pending: bool = True, limit: int = 500
) -> list[AppealLine]:
    """The organism's appeals with their debtor and the claim's balance: the pending ones (and
    those implicitly rejected, still awaiting a decision) by default, nearest deadline first."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        query = (
            select(AppealRow.claim_id, ClaimRow.ref, DebtorRow.ref, DebtorRow.name)
            .join(ClaimRow, ClaimRow.id == AppealRow.claim_id)
            .join(DebtorRow, DebtorRow.id == ClaimRow.debtor_id)
            .where(AppealRow.organism_id == organism_id)
            .distinct()
            .limit(limit)
        )
        if only_pending:
            query = query.where(AppealRow.status.in_(["pending", "implicitly_rejected"]))
        rows = list(session.execute(query))
    lines: list[AppealLine] = []
    for _, claim_ref, debtor_ref, name in rows:
        views = appeals.appeals_of(services, organism, claim_ref, on)
        balance = claims.view_claim(services, organism, claim_ref, on).balance
        for view in views:
            waiting = view.status in (AppealStatus.PENDING, AppealStatus.IMPLICITLY_REJECTED)
            if only_pending and not waiting:
                continue
            lines.append(AppealLine(view, debtor_ref, name, balance))
    lines.sort(key=lambda line: (line.appeal.implicit_rejection_on or date.max, line.appeal.claim_ref))
    return lines


@dataclass(frozen=True)
class ProposalLine:
    proposal: decisions.ProposalView
    debtor: str
    debtor_name: str
    balance: int
    principal: int


def proposal_lines(
    services: Services, organism: str, found: list[decisions.ProposalView], on: date
) -> list[ProposalLine]:
    """Each proposal with its claim's debtor, balance and principal on ``on``."""
    refs = sorted({proposal.claim_ref for proposal in found})
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        debtors = {
            ref: (debtor, name)
            for ref, debtor, name in session.execute(
                select(ClaimRow.ref, DebtorRow.ref, DebtorRow.name)
                .join(DebtorRow, DebtorRow.id == ClaimRow.debtor_id)
                .where(ClaimRow.organism_id == organism_id, ClaimRow.ref.in_(refs))
            )
        }
    views = {ref: claims.view_claim(services, organism, ref, on) for ref in refs}
    return [
        ProposalLine(
            proposal,
            debtors.get(proposal.claim_ref, ("", ""))[0],
            debtors.get(proposal.claim_ref, ("", ""))[1],
            views[proposal.claim_ref].balance,
            views[proposal.claim_ref].principal,
        )
        for proposal in found
    ]


@dataclass(frozen=True)
class AuditFilters:
    actor: str | None = None
    action: str | None = None
    outcome: str | None = None
    since: date | None = None
    until: date | None = None


def audit_page(
    services: Services, organism: str | None, filters: AuditFilters, limit: int, offset: int
) -> tuple[list[trail.AuditView], int]:
    """The audit rows matching ``filters`` (newest first, ``limit`` from ``offset``) and their total;
    ``organism`` limits them to one organism's rows (a local auditor)."""
    conditions = []
    if organism is not None:
        conditions.append(AuditRow.organism == organism)
    if filters.actor:
        conditions.append(AuditRow.actor == filters.actor)
    if filters.action:
        conditions.append(AuditRow.action.startswith(filters.action, autoescape=True))
    if filters.outcome:
        conditions.append(AuditRow.outcome == filters.outcome)
    if filters.since is not None:
        conditions.append(AuditRow.recorded_at >= datetime.combine(filters.since, time.min))
    if filters.until is not None:
        conditions.append(AuditRow.recorded_at <= datetime.combine(filters.until, time.max))
    with services.db.unit_of_work() as session:
        total = int(session.scalar(select(func.count()).select_from(AuditRow).where(*conditions)) or 0)
        rows = session.scalars(
            select(AuditRow).where(*conditions).order_by(AuditRow.seq.desc()).limit(limit).offset(offset)
        )
        return [trail.view_of(row) for row in rows], total


@dataclass(frozen=True)
class PendingUserChange:
    username: str
    full_name: str
    organism: str | None
    kind: str
    roles: tuple[str, ...]
    previous_roles: tuple[str, ...] | None
    proposed_by: str
    proposed_at: datetime
    why: str


def pending_user_changes(services: Services, organism: str | None) -> list[PendingUserChange]:
    """The user creations and changes of roles awaiting approval (of ``organism``'s users, or all
    for a network-level reader)."""
    with services.db.unit_of_work() as session:
        query = (
            select(UserChangeRow, UserRow)
            .join(UserRow, UserRow.id == UserChangeRow.user_id)
            .where(UserChangeRow.status == "pending")
            .order_by(UserChangeRow.proposed_at)
        )
        if organism is not None:
            query = query.where(UserRow.organism == organism)
        return [
            PendingUserChange(
                user.username,
                user.full_name,
                user.organism,
                change.kind,
                tuple(change.roles),
                None if change.previous_roles is None else tuple(change.previous_roles),
                change.proposed_by,
                change.proposed_at,
                change.why,
            )
            for change, user in session.execute(query)
        ]


def currency(services: Services, organism: str, on: date) -> str:
    with services.db.unit_of_work() as session:
        _, found = services.organism(session, organism)
    return queues.currency_of(services, found, on)


def task_type(services: Services, organism: str, task_id: int) -> str | None:
    """The type of a task of ``organism`` (``None`` when there is no such task: the command's
    own checks say so)."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        task = session.get(TaskRow, task_id)
        if task is None or task.organism_id != organism_id:
            return None
        return task.type


@dataclass(frozen=True)
class TaskOutcome:
    outcome: str
    note: str


def task_outcomes(services: Services, organism: str, task_ids: list[int]) -> dict[int, TaskOutcome]:
    """The outcome and note recorded when each task (closed by a person) was closed."""
    if not task_ids:
        return {}
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        rows = session.execute(
            select(TaskRow.id, TaskRow.data).where(
                TaskRow.organism_id == organism_id, TaskRow.id.in_(sorted(set(task_ids)))
            )
        )
        found: dict[int, TaskOutcome] = {}
        for ident, data in rows:
            if isinstance(data, dict) and data.get("outcome"):
                found[int(ident)] = TaskOutcome(str(data["outcome"]), str(data.get("note") or ""))
        return found


def claims_established_after(services: Services, organism: str, on: date) -> int:
    """How many of the organism's claims are established after ``on`` (a summary at ``on`` does
    not count them: said beside it, so that it agrees with what was generated or imported)."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        return int(
            session.scalar(
                select(func.count())
                .select_from(ClaimRow)
                .where(ClaimRow.organism_id == organism_id, ClaimRow.established_on > on)
            )
            or 0
        )


@dataclass(frozen=True)
class ClaimGuidance:
    """What the claim's forms propose: the plan's allowed range and instalment, the pending
    remission request's proposed rate and route."""

    balance: int
    max_months: int | None
    min_monthly: int | None
    proposed_monthly: int | None
    remission_pending: bool
    remission_rate: str | None
    remission_route: str | None


def claim_guidances(
    services: Services, organism: str, debtor_ref: str, claim_refs: Sequence[str], on: date
) -> dict[str, ClaimGuidance]:
    """What the forms of these claims of the debtor's file propose at ``on``, by reference, read
    together; a claim unknown, not the debtor's or not yet established at ``on`` is ``NotFound``."""
    from recouvre.service import remission

    with services.db.unit_of_work() as session:
        organism_id, found = services.organism(session, organism)
        rows = repository.claim_rows(session, organism_id, claim_refs)
        debtor_id = repository.debtor_ids(session, organism_id, [debtor_ref]).get(debtor_ref)
        for ref in claim_refs:
            if ref not in rows or rows[ref].debtor_id != debtor_id:
                raise NotFound("claim", ref, f"créance introuvable dans {organism}")
            claims.established_by(rows[ref], on)
        views = claims.view_claims(services, session, found, list(rows.values()), on)
        cases = remission.cases_of_claims(session, {row.id: ref for ref, row in rows.items()}, on)
    policy = services.policy(found)
    max_months = (
        int(policy.get("recovery.max_plan_months", on)) if "recovery.max_plan_months" in policy else None
    )
    return {
        ref: _guidance(max(views[row.id].balance, 0), max_months, cases.get(row.id))
        for ref, row in rows.items()
    }


def _guidance(balance: int, max_months: int | None, case: RemissionCaseView | None) -> ClaimGuidance:
    min_monthly = None if not max_months or not balance else -(-balance // max_months)
    proposed = None if min_monthly is None else -(-min_monthly // 100) * 100  # whole units, rounded up
    if proposed is not None:
        proposed = min(proposed, balance)
    pending = case is not None and case.status.value == "pending"
    return ClaimGuidance(
        balance,
        max_months,
        min_monthly,
        proposed,
        pending,
        None
        if not pending or case is None or case.proposed_rate is None
        else f"{case.proposed_rate.normalize():f}",
        None if not pending or case is None else case.route.value,
    )
