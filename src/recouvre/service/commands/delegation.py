"""Delegated recovery: placing a claim with a collection agency or a bailiff, and recalling it."""

from __future__ import annotations

from datetime import date

from recouvre.security.authorization import Actor, Subject
from recouvre.service import (
    door,
    subjects,
)
from recouvre.service.context import Services
from recouvre.service.door import guard

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
    with door.audited_claim_act(services, actor, "placements.manage", organism, claim_ref, placed_from, why):
        return subjects.place_claim(
            services, organism, claim_ref, agency, placed_from, by=actor.user, why=why
        )


def recall_placement(
    services: Services, actor: Actor, organism: str, placement_id: int, on: date, why: str = ""
) -> subjects.PlacementView:
    guard(services, actor, "placements.manage", Subject(organism=organism))
    found = subjects.get_placement(services, organism, placement_id)
    with door.audited_claim_act(services, actor, "placements.manage", organism, found.claim_ref, on, why):
        return subjects.recall_placement(services, organism, placement_id, on, by=actor.user, why=why)
