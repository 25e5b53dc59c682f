"""Queues and tasks: assigning a task to an agent, closing it with its outcome. The task's own
writes and its audit row are one transaction in ``service.queues``; a task on a claim is
authorised on the claim's facts (placement, agency scope)."""

from __future__ import annotations

from datetime import date

from recouvre.security.authorization import Actor, Subject
from recouvre.service import back_office, door, outcomes, queues, subjects
from recouvre.service.context import Services
from recouvre.service.queues import TaskChange as TaskChange


def _guard_task(services: Services, actor: Actor, action: str, organism: str, task_id: int) -> None:
    door.guard(services, actor, action, Subject(organism=organism))
    ref = queues.task_claim(services, organism, task_id)
    subject = (
        Subject(organism=organism)
        if ref is None
        else subjects.claim_subject(services, organism, ref, door.today(services))
    )
    door.guard(services, actor, action, subject)


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
        queues.check_assignee(services, organism, assignee)
    _guard_task(services, actor, "tasks.assign", organism, task_id)
    with door.act(
        services,
        actor,
        "tasks.assign",
        organism=organism,
        subject=f"tâche {task_id}",
        on=on,
        why=why,
        audited_inside=True,
    ):
        return queues.assign_task(services, organism, task_id, assignee, on, by=actor.user, why=why)


def close_task(
    services: Services, actor: Actor, organism: str, task_id: int, outcome: str, on: date, why: str = ""
) -> TaskChange:
    """Close an open task with its outcome (reached, no answer, promise…): one of the outcomes
    of ``service/call_outcomes.yaml`` allowed for the task's type (a review is closed by a decision)."""
    _guard_task(services, actor, "tasks.close", organism, task_id)
    kind = back_office.task_type(services, organism, task_id)
    if kind in outcomes.USES:
        outcomes.check(kind, outcome)
    with door.act(
        services,
        actor,
        "tasks.close",
        organism=organism,
        subject=f"tâche {task_id}",
        on=on,
        why=why,
        audited_inside=True,
    ):
        return queues.close_task(services, organism, task_id, outcome, on, by=actor.user, why=why)
