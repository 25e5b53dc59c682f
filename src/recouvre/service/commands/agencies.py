"""Delegated recovery beyond the placement itself (SCENARIOS.md "Agencies"): the agencies'
contracts, the payments they collect with their commission, the recall on request of a
claim's placement with a named agency."""

from __future__ import annotations

from datetime import date

from recouvre.domain.money import Cents, format_amount
from recouvre.security.authorization import Actor, Subject
from recouvre.service import door, placements
from recouvre.service.context import Services
from recouvre.service.door import guard, on_claim


def save_agency(
    services: Services, actor: Actor, organism: str, spec: placements.AgencySpec, why: str = ""
) -> placements.AgencyView:
    """Register an agency or bailiff under contract, or change its contract."""
    guard(services, actor, "agencies.manage", Subject(organism=organism))
    with door.act(
        services, actor, "agencies.manage", organism=organism, subject=f"agence {spec.code}", why=why
    ) as current:
        view, new = placements.save_agency(services, organism, spec)
        current.note(**view.audit(), new=new)
        return view


def list_agencies(services: Services, actor: Actor, organism: str) -> list[placements.AgencyView]:
    guard(services, actor, "agencies.read", Subject(organism=organism))
    return placements.list_agencies(services, organism)


def record_agency_payment(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    agency: str,
    amount: Cents,
    on: date,
    key: str,
    why: str = "",
) -> placements.AgencyPaymentView:
    """A payment collected by ``agency`` on a claim placed with it (its commission accrues). An
    agency's own user books only for its own agency."""
    if actor.agency is not None:  # an agency books what it collected itself, nothing else
        agency = actor.agency
    return on_claim(
        services,
        actor,
        "payments.record",
        organism,
        claim_ref,
        on,
        why,
        lambda: placements.record_agency_payment(services, organism, claim_ref, agency, amount, on, key),
        lambda done: {
            "agency_payment": done.movement_key,
            "agency": done.agency,
            "amount": format_amount(done.amount),
            "commission": format_amount(done.commission),
        },
    )


def recall_claim(
    services: Services, actor: Actor, organism: str, claim_ref: str, agency: str, on: date, why: str = ""
) -> placements.PlacementState:
    """Recall the claim's placement with ``agency`` (the organism's request)."""
    return on_claim(
        services,
        actor,
        "placements.manage",
        organism,
        claim_ref,
        on,
        why,
        lambda: placements.recall_claim(services, organism, claim_ref, agency, on, by=actor.user, why=why),
        lambda done: {"recalled": done.placement_id, "agency": done.agency},
    )
