"""What a person may read, authorised like an act: the organisms, the search for debtors, the
debtor file, a claim, the portfolio summary. The agency scope (an agency user sees only the
files placed with it) follows from the actor, never from what the interface passes."""

from __future__ import annotations

from datetime import date

from recouvre.security.authorization import Actor, Subject
from recouvre.service import accounts, decisions, letters, mandates, models, queries, trail
from recouvre.service.context import Services
from recouvre.service.door import guard, guard_claim, guard_debtor, today


def organisms(services: Services, actor: Actor) -> list[models.OrganismOut]:
    guard(services, actor, "organisms.read")
    return queries.organisms(services, actor.organism)


def search_debtors(
    services: Services, actor: Actor, organism: str, criteria: models.DebtorSearch
) -> list[models.DebtorListItem]:
    guard(services, actor, "debtors.search", Subject(organism=organism))
    return queries.search_debtors(services, organism, criteria, agency=actor.agency, today=today(services))


def debtor_file(
    services: Services, actor: Actor, organism: str, debtor: str, on: date
) -> models.DebtorFileOut:
    guard_debtor(services, actor, "debtors.read", organism, debtor)
    return queries.debtor_file(services, organism, debtor, on, agency=actor.agency, today=today(services))


def letter_pdf(services: Services, actor: Actor, organism: str, debtor: str, letter_id: int) -> bytes:
    """The PDF of one of the debtor's letters, when ``actor`` may read the debtor and every claim
    the letter names: a letter is served whole or not at all (an agency is refused a letter that
    also names a claim not placed with it; the refusal is recorded as denied)."""
    guard_debtor(services, actor, "debtors.read", organism, debtor)
    refs = queries.letter_claims(services, organism, debtor, letter_id)
    for ref in refs:
        guard_claim(services, actor, "claims.read", organism, ref)
    return letters.render(services, letter_id)


def claim(services: Services, actor: Actor, organism: str, claim_ref: str, on: date) -> models.ClaimOut:
    guard_claim(services, actor, "claims.read", organism, claim_ref)
    return queries.claim(services, organism, claim_ref, on)


def summary(services: Services, actor: Actor, organism: str, on: date) -> models.SummaryOut:
    guard(services, actor, "reports.portfolio", Subject(organism=organism))
    return queries.summary(services, organism, on)


def queue_counts(services: Services, actor: Actor, organism: str) -> list[models.QueueCount]:
    guard(services, actor, "queues.read", Subject(organism=organism))
    return queries.queue_counts(services, organism, agency=actor.agency, today=today(services))


def queue(
    services: Services,
    actor: Actor,
    organism: str,
    on: date,
    *,
    type: str | None = None,
    status: str | None = "open",
    assignee: str | None = None,
    unassigned: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> models.QueueOut:
    guard(services, actor, "queues.read", Subject(organism=organism))
    return queries.queue(
        services,
        organism,
        on,
        type=type,
        status=status,
        assignee=assignee,
        unassigned=unassigned,
        agency=actor.agency,
        today=today(services),
        limit=limit,
        offset=offset,
    )


def proposals(
    services: Services,
    actor: Actor,
    organism: str,
    *,
    kind: decisions.ProposalKind | None = None,
    status: decisions.ProposalStatus | None = decisions.ProposalStatus.PENDING,
) -> list[decisions.ProposalView]:
    guard(services, actor, "proposals.read", Subject(organism=organism))
    return decisions.list_proposals(services, organism, kind=kind, status=status)


def users(services: Services, actor: Actor) -> list[accounts.UserView]:
    """The users a network-level actor sees, or those of the actor's own organism."""
    guard(services, actor, "users.read")
    return [view for view in accounts.list_users(services) if _visible(actor, view.organism)]


def _visible(actor: Actor, organism: str | None) -> bool:
    return actor.organism is None or organism == actor.organism


def mandates_of(services: Services, actor: Actor, username: str | None = None) -> list[mandates.MandateView]:
    guard(services, actor, "mandates.read")
    return mandates.list_mandates(services, username=username, organism=actor.organism)


def audit_rows(
    services: Services, actor: Actor, limit: int, user: str | None = None
) -> list[trail.AuditView]:
    guard(services, actor, "audit.read")
    return trail.show(services, limit, actor=user, organism=actor.organism)


def audit_verification(services: Services, actor: Actor) -> trail.Verification:
    guard(services, actor, "audit.verify")
    return trail.verify(services)
