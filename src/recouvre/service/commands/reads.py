"""What a person may read, authorised like an act: the organisms, the search for debtors, the
debtor file, a claim, the portfolio summary. The agency scope (an agency user sees only the
files placed with it) follows from the actor, never from what the interface passes."""

from __future__ import annotations

from datetime import date

from recouvre.security.authorization import Actor, Subject
from recouvre.service import models, queries
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


def claim(services: Services, actor: Actor, organism: str, claim_ref: str, on: date) -> models.ClaimOut:
    guard_claim(services, actor, "claims.read", organism, claim_ref)
    return queries.claim(services, organism, claim_ref, on)


def summary(services: Services, actor: Actor, organism: str, on: date) -> models.SummaryOut:
    guard(services, actor, "reports.portfolio", Subject(organism=organism))
    return queries.summary(services, organism, on)
