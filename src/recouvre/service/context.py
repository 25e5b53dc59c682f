"""What every service command needs: the database, the policies, the wall clock for stamps.

Rules never read the clock: dates are parameters of every command. ``clock`` only
stamps when a row was recorded, for the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from recouvre import policy as policies
from recouvre.domain.model import Organism
from recouvre.service.errors import NotFound, Refused
from recouvre.storage import repository
from recouvre.storage.database import Database


def default_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    db: Database
    policy_dir: Path | None = None
    policy_values: Mapping[str, Any] | None = None
    """Parameters that replace the national defaults outright (a scenario's ``policy:``)."""
    clock: Callable[[], datetime] = default_clock
    _policies: dict[str, policies.Policy] = field(default_factory=dict, repr=False)

    def policy(self, organism: Organism) -> policies.Policy:
        cached = self._policies.get(organism.code)
        if cached is None:
            cached = policies.for_organism(organism.country.value, organism.code, self.policy_dir)
            if self.policy_values:
                cached = cached.with_values(self.policy_values, origin="scenario", check_bounds=False)
            self._policies[organism.code] = cached
        return cached

    def organism(self, session: Session, code: str) -> tuple[int, Organism]:
        found = repository.get_organism(session, code)
        ident = repository.organism_id(session, code)
        if found is None or ident is None:
            raise NotFound("organism", code, "no such organism; create it with 'recouvre organisms add'")
        return ident, found


def refuse(
    services: Services, organism_code: str, on: date, event: str, subject: str, message: str
) -> Refused:
    """Record, in its own transaction, that an event was refused; return the error to raise.

    The refused command's own unit of work rolls back; the refusal must survive it.
    """
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        repository.add_refusal(session, organism_id, on, event, subject, message)
    return Refused(event, subject, message)
