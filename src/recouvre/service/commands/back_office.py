"""The authorised reads of the role pages (managers, directors, the board, auditors,
administrators): each guarded by the action its page needs, as ``commands.reads`` does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from recouvre.security.authorization import Actor, Subject
from recouvre.service import back_office, decisions, trail
from recouvre.service.context import Services
from recouvre.service.door import allowed, guard, guard_claim, guard_debtor


def workload(services: Services, actor: Actor, organism: str, on: date) -> list[back_office.AgentLoad]:
    guard(services, actor, "tasks.assign", Subject(organism=organism))
    guard(services, actor, "queues.read", Subject(organism=organism))
    return back_office.workload(services, organism, on)


def agents(services: Services, actor: Actor, organism: str) -> list[str]:
    guard(services, actor, "tasks.assign", Subject(organism=organism))
    return back_office.agents(services, organism)


def cycle_results(services: Services, actor: Actor, organism: str) -> list[back_office.CycleResult]:
    guard(services, actor, "reports.portfolio", Subject(organism=organism))
    return back_office.cycle_results(services, organism)


def print_batches(services: Services, actor: Actor, organism: str) -> list[back_office.PrintBatch]:
    guard(services, actor, "reports.portfolio", Subject(organism=organism))
    return back_office.print_batches(services, organism)


def appeals(
    services: Services, actor: Actor, organism: str, on: date, *, only_pending: bool = True
) -> list[back_office.AppealLine]:
    """The appeals list: whoever reads claims and may file or decide an appeal, or read proposals."""
    subject = Subject(organism=organism)
    for action in ("appeals.file", "appeals.decide_board", "appeals.decide_court", "proposals.read"):
        if allowed(services, actor, action, organism):
            guard(services, actor, action, subject)
            break
    else:
        guard(services, actor, "appeals.file", subject)
    return back_office.appeal_lines(services, organism, on, only_pending=only_pending)


def proposals(services: Services, actor: Actor, organism: str, on: date) -> list[back_office.ProposalLine]:
    """The pending proposals with their debtor, balance and amounts."""
    guard(services, actor, "proposals.read", Subject(organism=organism))
    pending = decisions.list_proposals(services, organism, status=decisions.ProposalStatus.PENDING)
    return back_office.proposal_lines(services, organism, pending, on)


def decidable_count(services: Services, actor: Actor, organism: str) -> int:
    """How many pending proposals ``actor`` may decide (the count in the menu); nothing recorded
    when the actor may not read proposals (0)."""
    if not allowed(services, actor, "proposals.read", organism):
        return 0
    pending = decisions.list_proposals(services, organism, status=decisions.ProposalStatus.PENDING)
    return sum(
        1
        for proposal in pending
        if proposal.proposed_by != actor.user and allowed(services, actor, proposal.decide_action, organism)
    )


def audit_page(
    services: Services,
    actor: Actor,
    filters: back_office.AuditFilters,
    limit: int,
    offset: int,
) -> tuple[list[trail.AuditView], int]:
    guard(services, actor, "audit.read")
    return back_office.audit_page(services, actor.organism, filters, limit, offset)


def pending_user_changes(services: Services, actor: Actor) -> list[back_office.PendingUserChange]:
    guard(services, actor, "users.read")
    return back_office.pending_user_changes(services, actor.organism)


def claim_guidances(
    services: Services, actor: Actor, organism: str, debtor: str, claim_refs: Sequence[str], on: date
) -> dict[str, back_office.ClaimGuidance]:
    """What the forms of these claims of one debtor's file propose at ``on`` (the plan's range
    and instalment, a pending remission request's rate and route), read together."""
    if actor.agency is None:
        guard_debtor(services, actor, "claims.read", organism, debtor)
    else:  # an agency reads only the claims placed with it: each one is checked
        for claim_ref in claim_refs:
            guard_claim(services, actor, "claims.read", organism, claim_ref)
    return back_office.claim_guidances(services, organism, debtor, claim_refs, on)
