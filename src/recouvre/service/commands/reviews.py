"""Closing a review before enforcement by a decision on the file, not by a contact: propose a
write-off (the proposal, then the task closed ``write_off_proposed``) or keep the claim in
amicable recovery (``kept_amicable``, with its reason). Drafting the enforcement title is done on
the enforcement pages, which close the review when the title is drafted."""

from __future__ import annotations

from datetime import date

from recouvre.domain.errors import DomainError
from recouvre.security.authorization import Actor
from recouvre.service import back_office, queues
from recouvre.service.commands.decisions import propose_write_off
from recouvre.service.commands.queues import TaskChange, close_task
from recouvre.service.context import Services

REVIEWS = ("review", "prescription_review")
KEEP_AMICABLE = "kept_amicable"
WRITE_OFF_PROPOSED = "write_off_proposed"


def decide_review(
    services: Services,
    actor: Actor,
    organism: str,
    task_id: int,
    decision: str,
    on: date,
    why: str,
    *,
    authority: str = "board",
    reasons: str = "",
) -> TaskChange:
    """``decision``: ``kept_amicable`` or ``write_off_proposed`` (which proposes the write-off of
    the task's claim first, as ``write_offs.propose`` does, then closes the task)."""
    kind = back_office.task_type(services, organism, task_id)
    if kind not in REVIEWS:
        raise DomainError("tâche", task_id, "seul un examen de dossier se clôt par une décision")
    if not why.strip():
        raise DomainError("motif", why, "le motif de la décision est à renseigner")
    if decision == WRITE_OFF_PROPOSED:
        claim = queues.task_claim(services, organism, task_id)
        if claim is None:
            raise DomainError("tâche", task_id, "cet examen ne porte sur aucune créance")
        propose_write_off(services, actor, organism, claim, on, authority=authority, reasons=reasons, why=why)
    elif decision != KEEP_AMICABLE:
        raise DomainError(
            "décision", decision, "choisir : proposer une admission en non-valeur ou maintenir en amiable"
        )
    return close_task(services, actor, organism, task_id, decision, on, why)
