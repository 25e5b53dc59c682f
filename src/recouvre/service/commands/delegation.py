"""Delegated recovery: placing a claim with a collection agency or a bailiff, and recalling it."""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from recouvre.security.authorization import Actor, Subject
from recouvre.service import (
    door,
    subjects,
)
from recouvre.service.context import Services
from recouvre.service.door import guard, guard_claim

T = TypeVar("T")
TASK_OPEN = "open"
TASK_DONE = "done"
REFUSALS = door.REFUSALS


# Placements --------------------------------------------------------------------------------------


def place_claim(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    agency: str,
    placed_from: date,
    why: str = "",
) -> subjects.PlacementView:
    subject = guard_claim(services, actor, "placements.manage", organism, claim_ref)
    with door.act(
        services,
        actor,
        "placements.manage",
        organism=organism,
        subject=subject.describe(),
        on=placed_from,
        why=why,
        audited_inside=True,
    ):
        return subjects.place_claim(
            services, organism, claim_ref, agency, placed_from, by=actor.user, why=why
        )


def recall_placement(
    services: Services, actor: Actor, organism: str, placement_id: int, on: date, why: str = ""
) -> subjects.PlacementView:
    guard(services, actor, "placements.manage", Subject(organism=organism))
    found = subjects.get_placement(services, organism, placement_id)
    subject = guard_claim(services, actor, "placements.manage", organism, found.claim_ref)
    with door.act(
        services,
        actor,
        "placements.manage",
        organism=organism,
        subject=subject.describe(),
        on=on,
        why=why,
        audited_inside=True,
    ):
        return subjects.recall_placement(services, organism, placement_id, on, by=actor.user, why=why)
