"""Batch runs and installation acts started by an operator: imports, the withholding file, the
prescription watch, printing letters, test data, organisms. Each is authorised for its actor (the
``system`` account when nobody is named at the command line, see ``roles.yaml``), then run in
its own chunks and recorded once in the audit trail with what it did (``door.batch``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import TypeVar

from recouvre.domain.model import Claim, Debtor, Organism
from recouvre.security.authorization import Actor, Subject
from recouvre.service import door, registry
from recouvre.service.claims import ClaimResult, establish_claims
from recouvre.service.context import Services
from recouvre.service.door import NETWORK, guard

T = TypeVar("T")


def run_batch(
    services: Services,
    actor: Actor,
    action: str,
    *,
    organism: str | None,
    subject: str,
    on: date | None,
    run: Callable[[], T],
    describe: Callable[[T], Mapping[str, object]],
    why: str = "",
) -> T:
    """A batch act of ``action``: authorised for ``organism``, then ``run`` (its chunks are its
    transactions), then one audit row with what ``describe`` says of the result."""
    guard(services, actor, action, Subject(organism=organism or NETWORK))
    return door.batch(
        services,
        actor,
        action,
        organism=organism,
        subject=subject,
        on=on,
        run=run,
        describe=describe,
        why=why,
    )


def import_debtors(
    services: Services, actor: Actor, organism: str, debtors: Sequence[Debtor], *, source: str = ""
) -> registry.DebtorResult:
    """Register a file of debtors, all or nothing."""
    return run_batch(
        services,
        actor,
        "imports.run",
        organism=organism,
        subject=f"débiteurs {source}".strip(),
        on=None,
        run=lambda: registry.register_debtors(services, organism, debtors),
        describe=lambda done: {
            "debtors": len(debtors),
            "created": done.created,
            "updated": done.updated,
            "unchanged": done.unchanged,
        },
    )


def import_claims(
    services: Services, actor: Actor, organism: str, claims: Sequence[Claim], *, source: str = ""
) -> ClaimResult:
    """Establish a file of claims, all or nothing."""
    return run_batch(
        services,
        actor,
        "imports.run",
        organism=organism,
        subject=f"créances {source}".strip(),
        on=None,
        run=lambda: establish_claims(services, organism, claims),
        describe=lambda done: {"claims": len(claims), "created": done.created, "unchanged": done.unchanged},
    )


def add_organism(services: Services, actor: Actor, organism: Organism, why: str = "") -> bool:
    """Create an organism (no change if it exists with the same country); ``True`` if created."""
    guard(services, actor, "organisms.manage", Subject(organism=NETWORK))
    with door.act(
        services, actor, "organisms.manage", organism=organism.code, subject=organism.code, why=why
    ) as current:
        created = registry.ensure_organism(services, organism)
        current.note(country=organism.country.value, name=organism.name, created=created)
    return created
