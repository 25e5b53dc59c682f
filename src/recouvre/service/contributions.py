"""Contributions (CNSS): the due date from which late-payment surcharges run.

Dahir 1-72-184 art. 26 (RULES.md §11.1, R-CNSS-1): 3 % of the principal for the first
month or part of a month of delay, then a monthly rate for each further month started;
the monthly cycle books them (``service.cycle``, step ``surcharges``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from recouvre.domain.model import Benefit, Claim, DomainError
from recouvre.service.claims import establish_claims, find_claim, movement_key
from recouvre.service.context import Services
from recouvre.storage import repository
from recouvre.storage.tables import ClaimEventRow


def set_contribution_due(
    services: Services, organism_code: str, claim_ref: str, due_on: date, on: date
) -> None:
    with services.db.unit_of_work() as session:
        _, row = find_claim(services, session, organism_code, claim_ref)
        if row.benefit != Benefit.CONTRIB.value:
            raise DomainError(
                "claim.benefit",
                row.benefit,
                "une date d'exigibilité de cotisation ne vaut que pour les créances de cotisations (CONTRIB)",
            )
        repository.add_claim_event(
            session,
            movement_key(organism_code, claim_ref, "contribution_due", due_on.isoformat()),
            row.id,
            on,
            "contribution_due",
            {"due_on": due_on.isoformat()},
        )


def employers(services: Services, organism_code: str, refs: Iterable[str]) -> dict[str, str | None]:
    """The known employers among ``refs``: affiliation number → recorded ICE (or ``None``)."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        return {ref: row.ice for ref, row in repository.debtor_rows(session, organism_id, refs).items()}


@dataclass(frozen=True)
class ContributionsResult:
    created: int
    unchanged: int
    due_dates: int
    """``contribution_due`` events recorded (a replayed file records none)."""


def establish_contributions(
    services: Services, organism_code: str, items: Sequence[tuple[Claim, date]]
) -> ContributionsResult:
    """Establish contribution claims and record their due dates, in one unit of work (all or
    nothing: inside an act, the act's transaction). A replayed file changes nothing."""
    claims = [claim for claim, _ in items]
    with services.db.unit_of_work() as session:
        done = establish_claims(services, organism_code, claims)
        organism_id, _ = services.organism(session, organism_code)
        rows = repository.claim_rows(session, organism_id, (claim.ref for claim in claims))
        events = {
            movement_key(organism_code, claim.ref, "contribution_due", due_on.isoformat()): (claim, due_on)
            for claim, due_on in items
        }
        known = repository.existing_keys(session, ClaimEventRow.key, events)
        new = [key for key in events if key not in known]
        for key in new:
            claim, due_on = events[key]
            session.add(
                ClaimEventRow(
                    key=key,
                    claim_id=rows[claim.ref].id,
                    occurred_on=claim.established_on,
                    kind="contribution_due",
                    data={"due_on": due_on.isoformat()},
                )
            )
    return ContributionsResult(done.created, done.unchanged, len(new))
