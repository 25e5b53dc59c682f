"""Queues and tasks: assigning a task to an agent, closing it with its outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sqlalchemy import select

from recouvre.domain.errors import DomainError, NotFound
from recouvre.security.authorization import Actor, Subject
from recouvre.service import (
    door,
    subjects,
    trail,
)
from recouvre.service.context import Services
from recouvre.service.door import guard, today
from recouvre.storage.back_office_tables import UserRow
from recouvre.storage.tables import ClaimRow, TaskRow

T = TypeVar("T")
TASK_OPEN = "open"
TASK_DONE = "done"
REFUSALS = door.REFUSALS


# Queues ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskChange:
    id: int
    type: str
    status: str
    assignee: str | None


def _task_subject(services: Services, organism: str, task_id: int) -> tuple[Subject, str | None]:
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        task = session.get(TaskRow, task_id)
        if task is None or task.organism_id != organism_id:
            raise NotFound("task", task_id, f"no such task in {organism}")
        claim_id = task.claim_id
    if claim_id is None:
        return Subject(organism=organism), None
    with services.db.unit_of_work() as session:
        ref = session.scalar(select(ClaimRow.ref).where(ClaimRow.id == claim_id))
    assert ref is not None
    return subjects.claim_subject(services, organism, ref, today(services)), ref


def _change_task(
    services: Services,
    actor: Actor,
    action: str,
    organism: str,
    task_id: int,
    on: date,
    why: str,
    change: Callable[[TaskRow], None],
) -> TaskChange:
    guard(services, actor, action, Subject(organism=organism))
    subject, _ = _task_subject(services, organism, task_id)
    guard(services, actor, action, subject)
    with trail.unit_of_work(services) as session:
        task = session.get(TaskRow, task_id)
        assert task is not None
        before = {"status": task.status, "assignee": task.assignee}
        change(task)
        recorded = (task.data or {}).get("history")
        history: list[object] = list(recorded) if isinstance(recorded, list) else []
        history.append({"action": action, "on": on.isoformat(), "by": actor.user, "why": why})
        task.data = {**(task.data or {}), "history": history}
        after = {"status": task.status, "assignee": task.assignee}
        trail.append(
            session,
            trail.Entry(
                actor.user,
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


def assign_task(
    services: Services,
    actor: Actor,
    organism: str,
    task_id: int,
    assignee: str | None,
    on: date,
    why: str = "",
) -> TaskChange:
    """Give an open task to a user of the organism (``None``: back to the queue)."""
    if assignee is not None:
        with services.db.unit_of_work() as session:
            user = session.scalar(select(UserRow).where(UserRow.username == assignee))
            if user is None or not user.active:
                raise NotFound("assignee", assignee, "no such active user")
            if user.organism is not None and user.organism != organism:
                raise DomainError("assignee", assignee, f"works for {user.organism}, not {organism}")

    def change(task: TaskRow) -> None:
        if task.status != TASK_OPEN:
            raise DomainError("task", task_id, f"is {task.status}: only an open task is assigned")
        task.assignee = assignee

    return _change_task(services, actor, "tasks.assign", organism, task_id, on, why, change)


def close_task(
    services: Services, actor: Actor, organism: str, task_id: int, outcome: str, on: date, why: str = ""
) -> TaskChange:
    """Close an open task with its outcome (reached, no answer, promise…)."""

    def change(task: TaskRow) -> None:
        if task.status != TASK_OPEN:
            raise DomainError("task", task_id, f"is already {task.status}")
        if on < task.created_on:
            raise DomainError(
                "on", on.isoformat(), f"before the task's creation {task.created_on.isoformat()}"
            )
        task.status = TASK_DONE
        task.data = {
            **(task.data or {}),
            "outcome": outcome,
            "closed_on": on.isoformat(),
            "closed_by": actor.user,
        }
        if task.assignee is None:
            task.assignee = actor.user

    return _change_task(services, actor, "tasks.close", organism, task_id, on, why, change)
