"""Remission requests and the maker-checker decisions (procedures 14, 15): a write-off or a
remission is proposed by one person and decided by another, by the competent authority."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from recouvre.domain.errors import NotFound
from recouvre.domain.money import format_amount
from recouvre.domain.remission import RemissionStatus, Route
from recouvre.security.authorization import Actor, Subject
from recouvre.service import (
    decisions,
    door,
    remission,
    subjects,
    write_offs,
)
from recouvre.service.context import Services
from recouvre.service.door import guard, guard_any, guard_claim, on_claim, today
from recouvre.service.queries import claim_snapshot


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
    with door.audited_claim_act(services, actor, "write_offs.propose", organism, claim_ref, on, why):
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
    with door.audited_claim_act(services, actor, "remissions.propose", organism, claim_ref, on, why):
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
    first = {
        decisions.ProposalKind.WRITE_OFF: "write_offs.decide",
        decisions.ProposalKind.REFUND: "refunds.decide",
    }.get(kind)
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


# Decisions taken directly (the command line): the competent authority follows the route ---------

REMISSION_DECISIONS = ("remissions.decide_services", "remissions.decide_board")
"""Who decides a remission: the services under the threshold, the board above it."""


def remission_decide_action(case: remission.RemissionCaseView | None) -> str | None:
    """The action deciding the pending request needs: its route's (never the caller's choice)."""
    if case is None or case.status is not RemissionStatus.PENDING:
        return None
    return "remissions.decide_board" if case.route is Route.BOARD else "remissions.decide_services"


def decide_remission(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    on: date,
    rate: str,
    *,
    reasons: str = "",
    why: str = "",
) -> remission.RemissionCaseView:
    """Decide the claim's pending remission request: by the board when it was routed to the board,
    by the services otherwise (competence by route), and by another person than the one who
    recorded the request (maker-checker). The authority written on the decision follows the
    route (the département for its own claims), never a choice of the caller."""
    guard_any(services, actor, REMISSION_DECISIONS, Subject(organism=organism))
    claim = guard_claim(services, actor, "claims.read", organism, claim_ref)
    case = remission.case_on(services, organism, claim_ref, on)
    action = remission_decide_action(case) or next(
        name for name in REMISSION_DECISIONS if door.allowed(services, actor, name, organism)
    )
    subject = replace(claim, proposed_by=(case.recorded_by or None) if case is not None else None)
    guard(services, actor, action, subject)
    with door.act(
        services,
        actor,
        action,
        organism=organism,
        subject=subject.describe(),
        on=on,
        why=why,
        before=lambda: claim_snapshot(services, organism, claim_ref, on),
    ) as current:
        decided = remission.decide_remission(
            services,
            organism,
            claim_ref,
            on,
            rate,
            "",
            reasons,
            actor=actor.user,
            why=why,
            actor_roles=actor.roles,
        )
        current.note(
            **(claim_snapshot(services, organism, claim_ref, on) or {}),
            remission_decision={
                "route": decided.route.value,
                "authority": decided.authority,
                "status": decided.status.value,
                "rate": None if decided.decided_rate is None else str(decided.decided_rate),
                "amount": format_amount(decided.amount),
            },
        )
    return decided


def pending_write_off(services: Services, organism: str, claim_ref: str) -> decisions.ProposalView:
    """The claim's pending write-off proposal (the one a decision bears on)."""
    found = [
        proposal
        for proposal in decisions.list_proposals(services, organism, kind=decisions.ProposalKind.WRITE_OFF)
        if proposal.claim_ref == claim_ref
    ]
    if not found:
        raise NotFound(
            "write_off_proposal",
            claim_ref,
            f"aucune proposition d'admission en non-valeur en attente pour {claim_ref}",
        )
    return found[-1]


def revive_write_off(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    on: date,
    *,
    reasons: str = "",
    why: str = "",
) -> write_offs.WriteOffResult:
    """Reverse the claim's standing write-off (return to better fortune)."""
    return on_claim(
        services,
        actor,
        "write_offs.revive",
        organism,
        claim_ref,
        on,
        why,
        lambda: write_offs.revive(services, organism, claim_ref, on, reasons, actor=actor.user, why=why),
        lambda done: {"revived": format_amount(done.amount)},
    )


def record_debtor_fact(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    on: date,
    fact: write_offs.DebtorFact,
    *,
    why: str = "",
) -> bool:
    """Record that the claim's debtor is insolvent, deceased or unreachable; ``False`` if known."""
    return on_claim(
        services,
        actor,
        "write_offs.record_fact",
        organism,
        claim_ref,
        on,
        why,
        lambda: write_offs.record_fact(services, organism, claim_ref, on, fact, actor=actor.user, why=why),
        lambda new: {"fact": fact.value, "new": new},
    )
