"""Remission requests and the maker-checker decisions (procedures 14, 15): a write-off or a
remission is proposed by one person and decided by another, by the competent authority."""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from recouvre.security.authorization import Actor, Subject
from recouvre.service import (
    decisions,
    door,
    remission,
    subjects,
)
from recouvre.service.context import Services
from recouvre.service.door import guard, guard_claim, on_claim, today
from recouvre.service.queries import claim_snapshot

T = TypeVar("T")
TASK_OPEN = "open"
TASK_DONE = "done"
REFUSALS = door.REFUSALS


def request_remission(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    on: date,
    requested_by: str,
    channel: str = "",
    trace: str = "",
    why: str = "",
) -> remission.RemissionCaseView:
    return on_claim(
        services,
        actor,
        "remissions.request",
        organism,
        claim_ref,
        on,
        why,
        lambda: remission.request_remission(
            services, organism, claim_ref, on, requested_by, channel, trace, actor=actor.user, why=why
        ),
        lambda case: {"remission_request": {"route": case.route.value, "status": case.status.value}},
    )


# Maker-checker -----------------------------------------------------------------------------------


def propose_write_off(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    on: date,
    *,
    authority: str,
    reasons: str,
    why: str,
) -> decisions.ProposalView:
    subject = guard_claim(services, actor, "write_offs.propose", organism, claim_ref)
    with door.act(
        services,
        actor,
        "write_offs.propose",
        organism=organism,
        subject=subject.describe(),
        on=on,
        why=why,
        audited_inside=True,
    ):
        return decisions.propose_write_off(
            services, organism, claim_ref, on, authority=authority, reasons=reasons, by=actor.user, why=why
        )


def propose_remission(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    on: date,
    rate: str,
    *,
    reasons: str,
    why: str,
) -> decisions.ProposalView:
    subject = guard_claim(services, actor, "remissions.propose", organism, claim_ref)
    with door.act(
        services,
        actor,
        "remissions.propose",
        organism=organism,
        subject=subject.describe(),
        on=on,
        why=why,
        audited_inside=True,
    ):
        return decisions.propose_remission(
            services, organism, claim_ref, on, rate, reasons=reasons, by=actor.user, why=why
        )


def decide_proposal(
    services: Services,
    actor: Actor,
    organism: str,
    kind: decisions.ProposalKind,
    proposal_id: int,
    approve: bool,
    on: date,
    why: str,
) -> decisions.ProposalView:
    """Decide a proposal: the action depends on its kind and route (board or services)."""
    first = "write_offs.decide" if kind is decisions.ProposalKind.WRITE_OFF else None
    if first is not None:
        guard(services, actor, first, Subject(organism=organism))
    elif not any(
        door.allowed(services, actor, action, organism)
        for action in ("remissions.decide_services", "remissions.decide_board")
    ):
        guard(services, actor, "remissions.decide_services", Subject(organism=organism))
    proposal = decisions.get_proposal(services, organism, kind, proposal_id)
    claim = subjects.claim_subject(services, organism, proposal.claim_ref, today(services))
    subject = Subject(
        organism=organism,
        claim=proposal.claim_ref,
        established_by=claim.established_by,
        placed_with=claim.placed_with,
        proposed_by=proposal.proposed_by,
    )
    guard(services, actor, proposal.decide_action, subject)
    with door.act(
        services,
        actor,
        proposal.decide_action,
        organism=organism,
        subject=f"créance {proposal.claim_ref}",
        on=on,
        why=why,
        before=lambda: {
            **proposal.audit(),
            **(claim_snapshot(services, organism, proposal.claim_ref, on) or {}),
        },
    ) as current:
        decided = decisions.decide_proposal(
            services, organism, kind, proposal_id, approve, on, by=actor.user, why=why
        )
        current.note(
            **{**decided.audit(), **(claim_snapshot(services, organism, proposal.claim_ref, on) or {})}
        )
    return decided
