"""Queues and tasks (corbeilles, MISSION.md "Queues"): what people work on, in priority order, and
the writes on tasks — assignment, closing by a person, and closing by the system when the claim
a task was for has ended.

Ranking: tasks whose claim becomes prescribed within ``PRESCRIPTION_HORIZON_DAYS`` come first,
soonest first; then the largest balance; then the oldest task. Each ranked task carries its rank
and the reasons (amounts in the organism's currency), so the order can be explained. Balances and
prescription dates are read set-based once per request (``service.prescription.standings``),
the dates only for the claims that may rank as near.

Tasks follow their claim: an open task closes itself (status ``done``, ``closed_by`` =
``system``, ``close_reason`` one of ``CLOSE_REASONS``) when what it was for ends — the claim is
settled, suspended, written off, discharged, cancelled, transferred, prescribed, not recovered
(under its benefit's minimum), or placed with an agency (who then works the file).
``close_tasks_of_ended_claims`` derives "ended" from the claim's status at the act's date, by the
rule every other reader applies (``domain.status.status_of`` on the ledger's figures, with the
suspension, prescription and transfer facts read set-based), then a placement running that day.
It is called in the unit of work of each act that can end a claim (for that claim), and once at
the end of the batch runs (monthly cycle, withholding run, prescription watch: the organism).
A ``prescription_review`` task stays open on a suspended or placed claim: prescription runs on
while recovery is suspended or done by an agency, and interrupting it is what the task is for.

Plain frozen dataclasses out (no API model here): ``recouvre.api`` turns them into its responses.
Authorisation stays with the callers (``recouvre.api.commands``).
"""

from __future__ import annotations

import threading
import time
from bisect import insort
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Numeric, and_, case, func, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session, aliased

from recouvre.domain.errors import NotFound
from recouvre.domain.ledger import MovementKind
from recouvre.domain.model import ClaimStatus, DomainError, Organism
from recouvre.domain.money import format_money
from recouvre.domain.status import StatusFacts, status_of
from recouvre.domain.thresholds import recovery_minimums, under_minimum
from recouvre.policy import Policy
from recouvre.service import prescription, subjects, suspensions, trail
from recouvre.service.context import Services
from recouvre.storage import repository
from recouvre.storage.back_office_tables import PlacementRow, UserRow
from recouvre.storage.tables import ClaimEventRow, ClaimRow, DebtorRow, MovementRow, TaskRow

PRESCRIPTION_HORIZON_DAYS = 90
MAX_QUEUE_PAGE = 500
RANKING_REUSE_FROM = 2_000
"""A queue of at least this many tasks reuses the balances and prescription dates its ranking
read (``RANKING_REUSE_SECONDS``): at 1,000,000 claims a queue of 40,000 tasks took 2.8 s to rank
at every page (docs/operations.md, "Load")."""
RANKING_REUSE_SECONDS = 120.0
"""How old the figures a large queue is ranked with may be: only the order may lag behind the
payments by that much (the tasks, their count and the figures shown are read at every page).
Reading them for 40,000 tasks costs PostgreSQL 0.6 to 1.4 s; every 30 s in each server process
it was a quarter of the database's time under the load scenario (issue 15, load)."""
TASK_OPEN = "open"
TASK_DONE = "done"
SYSTEM = "system"
"""Who closed a task its claim's end closed."""

PLACED = "placed"
CLOSE_REASONS: dict[str, str] = {
    ClaimStatus.SETTLED.value: "créance soldée",
    ClaimStatus.SUSPENDED.value: "recouvrement suspendu (recours, surendettement, remise en cours…)",
    ClaimStatus.WRITTEN_OFF.value: "créance admise en non-valeur",
    PLACED: "créance confiée à un organisme de recouvrement",
    ClaimStatus.PRESCRIBED.value: "créance prescrite",
    ClaimStatus.CANCELLED.value: "créance annulée",
    ClaimStatus.DISCHARGED.value: "créance effacée (rétablissement personnel)",
    ClaimStatus.TRANSFERRED.value: "créance transférée",
    "title_drafted": "titre exécutoire rédigé (contrainte ou injonction de payer)",
    ClaimStatus.NOT_RECOVERED.value: "créance non recouvrée (sous le seuil de recouvrement)",
}
"""Why the system closed a task (``tasks.close_reason``, a stable code) and what the pages say."""
KEEP_PRESCRIPTION_REVIEW = frozenset({ClaimStatus.SUSPENDED.value, PLACED})
"""The endings that leave a ``prescription_review`` task (``prescription.REVIEW_TASK``) open:
prescription still runs."""


def close_reason_text(code: str | None) -> str | None:
    """The French words of a close reason code (the code itself when unknown)."""
    return None if code is None else CLOSE_REASONS.get(code, code)


# Reads: the queues ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedTask:
    """A task of a queue with its rank and why (amounts in cents, reasons in French)."""

    id: int
    type: str
    status: str
    claim: str | None
    debtor: str
    debtor_name: str
    created_on: date
    due_on: date | None
    assignee: str | None
    balance: int
    prescription_date: date | None
    priority: int
    reasons: tuple[str, ...]
    closed_on: date | None
    closed_by: str | None
    close_reason: str | None


@dataclass(frozen=True)
class Queue:
    organism: str
    on: date
    total: int
    tasks: tuple[RankedTask, ...]


@dataclass(frozen=True)
class QueueCount:
    type: str
    status: str
    count: int
    unassigned: int


@dataclass(frozen=True)
class _Task:
    """A task's columns shown in a queue (no ORM object)."""

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
    closed_on: date | None
    closed_by: str | None
    close_reason: str | None


def ranking_facts(
    session: Session, conditions: Sequence[ColumnElement[bool]]
) -> list[tuple[int, int | None, date]]:
    """(id, claim id, created on) of the tasks meeting ``conditions``: what the ranking needs of
    every task (a queue may hold tens of thousands; the rest is read for the page only)."""
    statement = select(TaskRow.id, TaskRow.claim_id, TaskRow.created_on).where(*conditions)
    result = session.connection().execute(statement)
    if session.get_bind().dialect.name == "postgresql":
        # psycopg gives ints and dates as they are: read the cursor's tuples at once, without
        # building a row object per task (40,000 tasks: 0.05 s instead of 0.1 to 0.4 s)
        rows = [tuple(row) for row in result.cursor.fetchall()]
        result.close()
        return rows
    return [(ident, claim_id, created_on) for ident, claim_id, created_on in result.all()]


def task_fingerprint(session: Session, conditions: Sequence[ColumnElement[bool]]) -> tuple[int, int, int]:
    """How many tasks meet ``conditions``, the sum of their ids and of their squares: the same
    three numbers mean the same tasks (ids are unique, a task's claim and creation day never
    change), read in one aggregate instead of tens of thousands of rows."""
    count, total, squares = session.execute(
        select(
            func.count(), func.sum(TaskRow.id), func.sum(sql_cast(TaskRow.id, Numeric) * TaskRow.id)
        ).where(*conditions)
    ).one()
    return int(count), int(total or 0), int(squares or 0)


def task_rows(session: Session, ids: Sequence[int]) -> dict[int, _Task]:
    """The columns shown of the tasks ``ids`` (a page), by id."""
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
            TaskRow.closed_on,
            TaskRow.closed_by,
            TaskRow.close_reason,
        )
        .join(DebtorRow, DebtorRow.id == TaskRow.debtor_id)
        .outerjoin(ClaimRow, ClaimRow.id == TaskRow.claim_id)
    )
    found: dict[int, _Task] = {}
    for part in repository.chunks(sorted(set(ids))):
        for row in session.connection().execute(statement.where(TaskRow.id.in_(part))):
            task = _Task(*tuple(row))
            found[task.id] = task
    return found


def currency_of(services: Services, organism: Organism, on: date) -> str:
    """The organism's currency (policy ``currency``, ISO 4217), ``EUR`` when the policy has none."""
    policy = services.policy(organism)
    return policy.text("currency", on) if policy.has("currency") else "EUR"


def prioritised(
    services: Services,
    session: Session,
    organism: str,
    conditions: Sequence[ColumnElement[bool]],
    on: date,
    page: slice = slice(None),
    reuse: Hashable | None = None,
) -> tuple[int, list[RankedTask]]:
    """Rank the tasks meeting ``conditions``: prescription near first (soonest first), then
    largest balance, then oldest; return how many there are and the ``page`` of the ranking
    (only its tasks are read in full).

    ``reuse``: a key naming ``conditions`` (a queue's filters). A queue of at least
    ``RANKING_REUSE_FROM`` tasks then ranks with the balances and prescription dates read for the
    same queue by this process less than ``RANKING_REUSE_SECONDS`` ago (read now only for the
    claims not read then): the tasks and their count are those of now, the figures shown on the
    page are read now, the order may be up to that many seconds behind the payments.

    The balances and the prescription dates are read set-based, once per request, for the claims
    of these tasks (``service.prescription.standings``): the dates are computed only for the
    claims that may become prescribed within the horizon.
    """
    tasks: Sequence[TaskFacts] | None = None
    if reuse is not None and session.get_bind().dialect.name == "postgresql":
        # A large queue unchanged since its last ranking in this process is recognised by an
        # aggregate (PostgreSQL: 40,000 tasks, 10 ms instead of 30 ms and 15 ms of CPU here).
        last = _last_ranked(services, (organism, on, reuse))
        if last is not None and task_fingerprint(session, conditions) == last.fingerprint:
            tasks = last.tasks
    if tasks is None:
        tasks = ranking_facts(session, conditions)
    _, found = services.organism(session, organism)
    terms = prescription.terms_of(services.policy(found))
    currency = currency_of(services, found, on)
    horizon = on + timedelta(days=PRESCRIPTION_HORIZON_DAYS)
    claims = select(TaskRow.claim_id).where(*conditions, TaskRow.claim_id.is_not(None))
    kept: _Standings | None = None
    if reuse is not None and len(tasks) >= RANKING_REUSE_FROM:
        kept = _reused_standings(services, session, (organism, on, reuse), tasks, claims, on, terms, horizon)
        standing = kept.standing
    else:
        standing = prescription.standings(session, claims, on, terms, horizon) if tasks else {}

    def facts(claim_id: int | None) -> tuple[date | None, int]:
        claim = None if claim_id is None else standing.get(claim_id)
        if claim is None:
            return None, 0
        near = claim.prescription_date
        if near is not None and not on < near <= horizon:
            near = None
        return near, max(claim.total, 0)

    def key(task: tuple[int, int | None, date]) -> tuple[int, date, int, date, int]:
        ident, claim_id, created_on = task
        near, balance = facts(claim_id)
        return (0 if near else 1, near or date.max, -balance, created_on, ident)

    if kept is not None:
        kept.ranked = order_again(kept.ranked, tasks, key)
        order = kept.ranked.order
    else:
        order = sorted(tasks, key=key)
    ranked = list(enumerate(order[page], start=(page.start or 0) + 1))  # the page only, ranked
    shown = task_rows(session, [ident for _, (ident, _, _) in ranked])
    if reuse is not None and len(tasks) >= RANKING_REUSE_FROM:
        # the order may be a few seconds old; the figures shown are read now
        page_claims = [claim_id for _, (_, claim_id, _) in ranked if claim_id is not None]
        standing = prescription.standings(
            session, select(ClaimRow.id).where(ClaimRow.id.in_(page_claims)), on, terms, horizon
        )
    result: list[RankedTask] = []
    for rank, (ident, _, _) in ranked:
        task = shown[ident]
        near, balance = facts(task.claim_id)
        reasons: list[str] = []
        if near is not None:
            reasons.append(f"prescription le {near.isoformat()} (dans {(near - on).days} j)")
        reasons.append(f"solde {format_money(balance, currency)}")
        reasons.append(f"en attente depuis {max((on - task.created_on).days, 0)} j")
        result.append(
            RankedTask(
                id=task.id,
                type=task.type,
                status=task.status,
                claim=task.claim_ref,
                debtor=task.debtor_ref,
                debtor_name=task.debtor_name,
                created_on=task.created_on,
                due_on=task.due_on,
                assignee=task.assignee,
                balance=balance,
                prescription_date=near,
                priority=rank,
                reasons=tuple(reasons),
                closed_on=task.closed_on,
                closed_by=task.closed_by,
                close_reason=task.close_reason,
            )
        )
    return len(tasks), result


TaskFacts = tuple[int, int | None, date]
"""(id, claim id, created on): what ``prioritised`` ranks a task by, with its claim's figures."""


@dataclass(frozen=True)
class Ranked:
    """Tasks ranked with one set of figures: the tasks as read, their ids, and their order."""

    tasks: Sequence[TaskFacts]
    ids: frozenset[int]
    order: list[TaskFacts]

    @cached_property
    def fingerprint(self) -> tuple[int, int, int]:
        """What ``task_fingerprint`` reads for these tasks (computed once: they never change)."""
        return len(self.ids), sum(self.ids), sum(ident * ident for ident in self.ids)

    def new_among(self, tasks: Sequence[TaskFacts]) -> list[TaskFacts]:
        """The tasks of ``tasks`` not ranked here (a task's claim and creation day never change:
        its id says which it is)."""
        return [] if tasks == self.tasks else [task for task in tasks if task[0] not in self.ids]


def order_again(last: Ranked | None, tasks: Sequence[TaskFacts], key: Callable[[TaskFacts], Any]) -> Ranked:
    """The order of ``tasks`` by ``key``, from the order ``last`` of the tasks ranked before with
    the same figures: a task closed since is taken out and a task created since is put in its
    place, rather than sorting tens of thousands of tasks again (between two requests to a large
    queue, a few tasks change). Gives exactly ``sorted(tasks, key=key)``: ``key`` ends with the
    task's id, so no two tasks tie."""
    if last is not None and (tasks is last.tasks or tasks == last.tasks):
        return last
    ids = frozenset(task[0] for task in tasks)
    if last is None:
        return Ranked(tasks, ids, sorted(tasks, key=key))
    gone = last.ids - ids
    created = last.new_among(tasks)
    if 10 * (len(gone) + len(created)) > len(tasks):
        return Ranked(tasks, ids, sorted(tasks, key=key))
    order = [task for task in last.order if task[0] not in gone] if gone else list(last.order)
    for task in sorted(created, key=key):
        insort(order, task, key=key)
    return Ranked(tasks, ids, order)


@dataclass
class _Standings:
    read_at: float
    claims: set[int]
    standing: dict[int, prescription.Standing]
    ranked: Ranked | None = None
    """The tasks last ranked with these figures, and their order (replaced as one value)."""


_standings: dict[Hashable, _Standings] = {}
_gates: dict[Hashable, threading.Lock] = {}
_standings_lock = threading.Lock()


def _keep(full_key: Hashable, kept: _Standings, gate: threading.Lock) -> None:
    with _standings_lock:
        now = time.monotonic()
        for old in [k for k, v in _standings.items() if now - v.read_at > 10 * RANKING_REUSE_SECONDS]:
            del _standings[old]
            _gates.pop(old, None)
        _standings[full_key] = kept
        _gates.setdefault(full_key, gate)


def _read_again(
    services: Services,
    full_key: Hashable,
    gate: threading.Lock,
    wanted: set[int],
    claims: Any,
    on: date,
    terms: Any,
    horizon: date,
) -> None:
    """Read a queue's figures again in a transaction of its own (a thread of its own), then
    let the next reader in (``gate``, acquired by the caller)."""
    try:
        with services.db.unit_of_work() as session:
            standing = prescription.standings(session, claims, on, terms, horizon)
        _keep(full_key, _Standings(time.monotonic(), wanted, standing), gate)
    finally:
        gate.release()


def _full_key(services: Services, key: Hashable) -> Hashable:
    return (services.db.url, services.db.schema, id(services), key)


def _last_ranked(services: Services, key: Hashable) -> Ranked | None:
    """The tasks of the queue ``key`` last ranked by this process with its kept figures."""
    with _standings_lock:
        kept = _standings.get(_full_key(services, key))
    return None if kept is None else kept.ranked


def _reused_standings(
    services: Services,
    session: Session,
    key: Hashable,
    tasks: Sequence[tuple[int, int | None, date]],
    claims: Any,
    on: date,
    terms: Any,
    horizon: date,
) -> _Standings:
    """The standings of a large queue's claims, read at most ``RANKING_REUSE_SECONDS`` ago by
    this process (``prioritised``'s ``reuse``). When they are older, one request reads them
    again — in the background while they are less than ``4 × RANKING_REUSE_SECONDS`` old, the
    requests meanwhile ranking with those kept; else at once, the others waiting for it."""
    full_key = _full_key(services, key)
    with _standings_lock:
        kept = _standings.get(full_key)
        gate = _gates.setdefault(full_key, threading.Lock())
    age = None if kept is None else time.monotonic() - kept.read_at

    def claims_of(these: Sequence[TaskFacts]) -> set[int]:
        return {claim_id for _, claim_id, _ in these if claim_id is not None}

    if kept is not None and age is not None and RANKING_REUSE_SECONDS < age <= 4 * RANKING_REUSE_SECONDS:
        if gate.acquire(blocking=False):
            arguments = (services, full_key, gate, claims_of(tasks), claims, on, terms, horizon)
            threading.Thread(target=_read_again, args=arguments, daemon=True).start()
    elif age is None or age > RANKING_REUSE_SECONDS:
        with gate:
            with _standings_lock:
                kept = _standings.get(full_key)
            if kept is None or time.monotonic() - kept.read_at > RANKING_REUSE_SECONDS:
                kept = _Standings(
                    time.monotonic(),
                    claims_of(tasks),
                    prescription.standings(session, claims, on, terms, horizon),
                )
                _keep(full_key, kept, gate)
    assert kept is not None
    # Only a task not ranked with these figures may bring a claim they lack.
    missing = sorted(claims_of(tasks if kept.ranked is None else kept.ranked.new_among(tasks)) - kept.claims)
    if not missing:
        return kept
    standing = dict(kept.standing)
    for part in repository.chunks(missing):
        these = select(ClaimRow.id).where(ClaimRow.id.in_(part))
        standing.update(prescription.standings(session, these, on, terms, horizon))
    # Kept for the next requests: the figures of the claims ranked before are unchanged, so the
    # order kept stays that of these figures.
    merged = _Standings(kept.read_at, kept.claims | set(missing), standing, kept.ranked)
    with _standings_lock:
        if _standings.get(full_key) is kept:
            _standings[full_key] = merged
    return merged


def debtor_tasks(
    services: Services, session: Session, organism: str, debtor_id: int, on: date
) -> list[RankedTask]:
    """The debtor's tasks created by ``on``, open and closed, in priority order (a debtor file)."""
    return prioritised(
        services, session, organism, [TaskRow.debtor_id == debtor_id, TaskRow.created_on <= on], on
    )[1]


def queue(
    services: Services,
    organism: str,
    on: date,
    *,
    type: str | None = None,
    status: str | None = TASK_OPEN,
    assignee: str | None = None,
    unassigned: bool = False,
    agency: str | None = None,
    today: date,
    limit: int = 50,
    offset: int = 0,
) -> Queue:
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
            conditions.append(TaskRow.claim_id.in_(subjects.placed_claims(agency, today)))
        total, page = prioritised(
            services,
            session,
            organism,
            conditions,
            on,
            slice(offset, offset + min(limit, MAX_QUEUE_PAGE)),
            reuse=("queue", type, status, assignee, unassigned, agency, today),
        )
    return Queue(organism=organism, on=on, total=total, tasks=tuple(page))


def queue_counts(services: Services, organism: str, *, agency: str | None, today: date) -> list[QueueCount]:
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
            query = query.where(TaskRow.claim_id.in_(subjects.placed_claims(agency, today)))
        return [
            QueueCount(type=kind, status=status, count=int(count), unassigned=int(count) - int(taken))
            for kind, status, count, taken in session.execute(query)
        ]


# Writes: a person's acts on a task -------------------------------------------------------------


@dataclass(frozen=True)
class TaskChange:
    id: int
    type: str
    status: str
    assignee: str | None


def task_claim(services: Services, organism: str, task_id: int) -> str | None:
    """The reference of the claim a task of ``organism`` is for (``None``: a debtor's task);
    ``NotFound`` for a task of no such organism."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        task = session.get(TaskRow, task_id)
        if task is None or task.organism_id != organism_id:
            raise NotFound("task", task_id, f"tâche introuvable dans {organism}")
        if task.claim_id is None:
            return None
        ref = session.scalar(select(ClaimRow.ref).where(ClaimRow.id == task.claim_id))
    assert ref is not None
    return ref


def change_task(
    services: Services,
    action: str,
    organism: str,
    task_id: int,
    on: date,
    change: Callable[[TaskRow], None],
    *,
    by: str,
    why: str = "",
) -> TaskChange:
    """Apply ``change`` to a task, add it to the task's history, and append ``action`` with the
    task's status and assignee before and after to the audit trail, in one transaction."""
    with trail.unit_of_work(services) as session:
        task = session.get(TaskRow, task_id)
        assert task is not None
        before = {"status": task.status, "assignee": task.assignee}
        change(task)
        recorded = (task.data or {}).get("history")
        history: list[object] = list(recorded) if isinstance(recorded, list) else []
        history.append({"action": action, "on": on.isoformat(), "by": by, "why": why})
        task.data = {**(task.data or {}), "history": history}
        after = {"status": task.status, "assignee": task.assignee}
        trail.append(
            session,
            trail.Entry(
                by,
                action,
                organism=organism,
                subject=f"tâche {task_id} {task.type}",
                on=on,
                why=why,
                before=before,
                after=after,
            ),
            services.clock(),
        )
        return TaskChange(task.id, task.type, task.status, task.assignee)


def check_assignee(services: Services, organism: str, assignee: str) -> None:
    """An assignee is an active user of the organism (or of the network)."""
    with services.db.unit_of_work() as session:
        user = session.scalar(select(UserRow).where(UserRow.username == assignee))
        if user is None or not user.active:
            raise NotFound("assignee", assignee, "aucun utilisateur actif de ce nom")
        if user.organism is not None and user.organism != organism:
            raise DomainError("assignee", assignee, f"travaille pour {user.organism}, pas pour {organism}")


def assign_task(
    services: Services,
    organism: str,
    task_id: int,
    assignee: str | None,
    on: date,
    *,
    by: str,
    why: str = "",
    action: str = "tasks.assign",
) -> TaskChange:
    """Give an open task to a user of the organism (``None``: back to the queue)."""
    if assignee is not None:
        check_assignee(services, organism, assignee)

    def change(task: TaskRow) -> None:
        if task.status != TASK_OPEN:
            raise DomainError("task", task_id, "n'est plus ouverte : seule une tâche ouverte s'attribue")
        task.assignee = assignee

    return change_task(services, action, organism, task_id, on, change, by=by, why=why)


def close_task(
    services: Services,
    organism: str,
    task_id: int,
    outcome: str,
    on: date,
    *,
    by: str,
    why: str = "",
    action: str = "tasks.close",
) -> TaskChange:
    """Close an open task with its outcome, one of the codes of ``call_outcomes.yaml`` (reached,
    no answer, promise…): any other code is refused."""
    from recouvre.service.campaigns import check_outcome

    check_outcome(outcome)

    def change(task: TaskRow) -> None:
        if task.status != TASK_OPEN:
            raise DomainError("task", task_id, "est déjà close")
        if on < task.created_on:
            raise DomainError(
                "on", on.isoformat(), f"avant la création de la tâche ({task.created_on.isoformat()})"
            )
        task.status = TASK_DONE
        task.data = {**(task.data or {}), "outcome": outcome, "closed_on": on.isoformat(), "closed_by": by}
        if why:
            task.data = {**task.data, "note": why}  # shown on the debtor's timeline
        task.closed_on, task.closed_by = on, by
        if task.assignee is None:
            task.assignee = by

    return change_task(services, action, organism, task_id, on, change, by=by, why=why)


# Writes: tasks follow their claim ---------------------------------------------------------------


def _open_task_claims(
    session: Session, organism_id: int, on: date, claim_ids: Iterable[int] | None
) -> list[int]:
    """The claims (of ``claim_ids``, or all) that have an open task created by ``on``."""
    query = (
        select(TaskRow.claim_id)
        .where(
            TaskRow.organism_id == organism_id,
            TaskRow.status == TASK_OPEN,
            TaskRow.created_on <= on,
            TaskRow.claim_id.is_not(None),
        )
        .distinct()
    )
    if claim_ids is None:
        return sorted(ident for ident in session.scalars(query) if ident is not None)
    found: set[int] = set()
    for part in repository.chunks(sorted(set(claim_ids))):
        found.update(
            ident
            for ident in session.scalars(query.where(repository.one_of(session, TaskRow.claim_id, part)))
            if ident is not None
        )
    return sorted(found)


@dataclass(frozen=True)
class _Figures:
    id: int
    benefit: str
    principal: int
    total: int
    kept: int
    closing: MovementKind | None
    transferred: bool
    placed: bool


def _figures(session: Session, part: Sequence[int], on: date) -> list[_Figures]:
    """The claims of ``part`` established by ``on``: signed total, money recovered and kept, the
    kind of the last effective reducing movement at the end of ``on`` (the figures
    ``domain.status.status_of`` takes, read as ``service.reports`` reads them), whether the claim
    was transferred, and whether a placement runs that day. Two statements at most."""
    reversal = aliased(MovementRow)
    effective = and_(MovementRow.kind != MovementKind.REVERSAL.value, reversal.id.is_(None))
    recovered = (MovementKind.PAYMENT.value, MovementKind.WITHHOLDING.value)
    kept = case(
        (and_(effective, MovementRow.kind.in_(recovered)), MovementRow.amount_cents),
        (and_(effective, MovementRow.kind == MovementKind.REFUND.value), -MovementRow.amount_cents),
        else_=0,
    )
    last = func.max(case((and_(effective, MovementRow.signed_cents < 0), MovementRow.sequence), else_=None))
    transferred = (
        select(ClaimEventRow.id)
        .where(
            ClaimEventRow.claim_id == ClaimRow.id,
            ClaimEventRow.kind == "transferred",
            ClaimEventRow.occurred_on <= on,
        )
        .exists()
    )
    placed = (
        select(PlacementRow.id).where(PlacementRow.claim_id == ClaimRow.id, subjects.placed_on(on)).exists()
    )
    query = (
        select(
            ClaimRow.id,
            ClaimRow.benefit,
            ClaimRow.principal_cents,
            func.sum(MovementRow.signed_cents),
            func.coalesce(func.sum(kept), 0),
            last,
            transferred,
            placed,
        )
        .join(MovementRow, MovementRow.claim_id == ClaimRow.id)
        .outerjoin(
            reversal,
            and_(
                reversal.claim_id == MovementRow.claim_id,  # a reversal is on its movement's claim
                reversal.reverses_key == MovementRow.key,
                reversal.booked_on <= on,
            ),
        )
        .where(
            repository.one_of(session, ClaimRow.id, part),
            ClaimRow.established_on <= on,
            MovementRow.booked_on <= on,
        )
        .group_by(ClaimRow.id, ClaimRow.benefit, ClaimRow.principal_cents)
    )
    connection = session.connection()
    rows = list(connection.execute(query))
    wanted = {(int(row[0]), int(row[5])) for row in rows if row[3] <= 0 and row[5]}
    kinds: dict[tuple[int, int], str] = {}
    if wanted:
        closing = select(MovementRow.claim_id, MovementRow.sequence, MovementRow.kind).where(
            repository.one_of(session, MovementRow.claim_id, sorted({ident for ident, _ in wanted})),
            MovementRow.signed_cents < 0,
        )
        kinds = {
            (ident, sequence): kind
            for ident, sequence, kind in connection.execute(closing)
            if (ident, sequence) in wanted
        }
    found: list[_Figures] = []
    for ident, benefit, principal, total, kept_cents, sequence, was_transferred, is_placed in rows:
        kind = kinds.get((int(ident), int(sequence))) if sequence else None
        found.append(
            _Figures(
                id=int(ident),
                benefit=str(benefit),
                principal=int(principal),
                total=int(total),
                kept=int(kept_cents),
                closing=None if kind is None else MovementKind(kind),
                transferred=bool(was_transferred),
                placed=bool(is_placed),
            )
        )
    return found


def ended_claims(
    session: Session, claim_ids: Sequence[int], on: date, policy: Policy | None
) -> dict[int, str]:
    """The claims among ``claim_ids`` that have ended at the end of ``on``, with the reason code
    (``CLOSE_REASONS``): their status when it is not ``open`` (``status_of``, the rule of
    ``view_claim`` and the reports), else ``placed`` when a placement runs that day.

    Without ``policy`` (a caller that has none at hand), prescription and the recovery minimum
    are not looked at: the claim's other endings are.
    """
    found: dict[int, str] = {}
    minimums = recovery_minimums(policy, on) if policy is not None else None
    for part in repository.chunks(sorted(set(claim_ids))):
        figures = _figures(session, part, on)
        owing = [claim.id for claim in figures if claim.total > 0 and not claim.transferred]
        suspended = suspensions.suspended_claims(session, owing, on) if owing else set()
        prescribed = prescription.prescribed_claims(session, owing, on, policy) if owing and policy else set()
        for claim in figures:
            facts = StatusFacts(
                below_minimum=minimums is not None
                and under_minimum(minimums, claim.benefit, claim.principal),
                suspended=claim.id in suspended,
                transferred=claim.transferred,
                prescribed=claim.id in prescribed,
            )
            status = status_of(max(claim.total, 0), claim.closing, claim.kept, facts)
            if status is not ClaimStatus.OPEN:
                found[claim.id] = status.value
            elif claim.placed:
                found[claim.id] = PLACED
    return found


def close_tasks_of_ended_claims(
    session: Session,
    organism_id: int,
    on: date,
    claim_ids: Iterable[int] | None = None,
    *,
    policy: Policy | None,
) -> int:
    """Close, in the caller's unit of work, every open task created by ``on`` whose claim (among
    ``claim_ids``, or any of the organism's) has ended at the end of ``on``: status ``done``,
    ``closed_on`` = ``on``, ``closed_by`` = ``system``, ``close_reason`` = why (``ended_claims``).
    Set-based: the claims with an open task are read once, their facts a few statements per chunk
    of claims, then one UPDATE per reason and chunk. Returns how many tasks were closed; a second
    call closes nothing more."""
    from recouvre.service import placements  # the placements' own hook (it reads ended_claims)

    claim_ids = None if claim_ids is None else list(claim_ids)
    placements.recall_ended(session, organism_id, on, claim_ids, policy=policy)  # placements follow too
    candidates = _open_task_claims(session, organism_id, on, claim_ids)
    if not candidates:
        return 0
    by_reason: dict[str, list[int]] = {}
    for claim_id, reason in ended_claims(session, candidates, on, policy).items():
        by_reason.setdefault(reason, []).append(claim_id)
    closed = 0
    for reason, ended in sorted(by_reason.items()):
        for part in repository.chunks(sorted(ended)):
            conditions = [
                TaskRow.organism_id == organism_id,
                TaskRow.status == TASK_OPEN,
                TaskRow.created_on <= on,
                repository.one_of(session, TaskRow.claim_id, part),
            ]
            if reason in KEEP_PRESCRIPTION_REVIEW:
                conditions.append(TaskRow.type != prescription.REVIEW_TASK)
            statement = (
                update(TaskRow)
                .where(*conditions)
                .values(status=TASK_DONE, closed_on=on, closed_by=SYSTEM, close_reason=reason)
                .execution_options(synchronize_session=False)
            )
            closed += cast("CursorResult[Any]", session.execute(statement)).rowcount
    return closed


def close_tasks_of_claims(
    services: Services, session: Session, organism_code: str, on: date, claim_ids: Iterable[int] | None = None
) -> int:
    """``close_tasks_of_ended_claims`` for a service command that has ``services`` at hand (the
    organism's policy is looked up, so prescription and the recovery minimum count)."""
    organism_id, organism = services.organism(session, organism_code)
    return close_tasks_of_ended_claims(session, organism_id, on, claim_ids, policy=services.policy(organism))
