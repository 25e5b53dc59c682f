"""Contributions (CNSS): the due date from which late-payment surcharges run.

Dahir 1-72-184 art. 26 (RULES.md §11.1, R-CNSS-1): 3 % of the principal for the first
month or part of a month of delay, then a monthly rate for each further month started;
the monthly cycle books them (``service.cycle``, step ``surcharges``).
"""

from __future__ import annotations

from datetime import date

from recouvre.domain.model import Benefit, DomainError
from recouvre.service.claims import find_claim, movement_key
from recouvre.service.context import Services
from recouvre.storage import repository


def set_contribution_due(
    services: Services, organism_code: str, claim_ref: str, due_on: date, on: date
) -> None:
    with services.db.unit_of_work() as session:
        _, row = find_claim(services, session, organism_code, claim_ref)
        if row.benefit != Benefit.CONTRIB.value:
            raise DomainError(
                "claim.benefit", row.benefit, "a contribution due date applies to CONTRIB claims only"
            )
        repository.add_claim_event(
            session,
            movement_key(organism_code, claim_ref, "contribution_due", due_on.isoformat()),
            row.id,
            on,
            "contribution_due",
            {"due_on": due_on.isoformat()},
        )
