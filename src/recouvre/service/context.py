"""What every service command needs: the database, the policies, the wall clock for stamps.

Rules never read the clock: dates are parameters of every command. ``clock`` only
stamps when a row was recorded, for the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from recouvre import policy as policies
from recouvre.adapters.card_payments import CardPayments
from recouvre.adapters.messaging import Transport
from recouvre.domain.errors import NotFound, Refused
from recouvre.domain.model import Organism
from recouvre.security.throttle import SignInThrottle
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
    _organisms: dict[str, tuple[int, Organism]] = field(default_factory=dict, repr=False, compare=False)
    throttle: SignInThrottle = field(default_factory=SignInThrottle, repr=False, compare=False)
    """Sign-in failures per client address and per name (``recouvre.security.throttle``)."""
    transports: Mapping[str, Transport] | None = field(default=None, repr=False, compare=False)
    """E-mail and SMS transports (``recouvre.adapters.messaging``); ``None``: from the environment."""
    card_payments: CardPayments | None = field(default=None, repr=False, compare=False)
    """The card-payment hand-off (``recouvre.adapters.card_payments``); ``None``: from the environment."""
    codes_throttle: SignInThrottle = field(default_factory=SignInThrottle, repr=False, compare=False)
    """Failed one-time codes of the debtor space, per client address and per debtor file."""

    def policy(self, organism: Organism) -> policies.Policy:
        cached = self._policies.get(organism.code)
        if cached is None:
            cached = policies.for_organism(organism.country.value, organism.code, self.policy_dir)
            if self.policy_values:
                cached = cached.with_values(self.policy_values, origin="scenario", check_bounds=False)
            self._policies[organism.code] = cached
        return cached

    def organism(self, session: Session, code: str) -> tuple[int, Organism]:
        """The organism ``code`` and its id, read once by this process: an organism is never
        changed nor removed once added (``repository.add_organism`` only inserts), and a page
        asks for it in every transaction. One added by a transaction not yet committed is kept
        for that transaction only."""
        found = self._organisms.get(code)
        if found is not None:
            return found
        known: dict[str, tuple[int, Organism]] = session.info.setdefault("recouvre_organisms", {})
        found = known.get(code)
        if found is None:
            read = repository.organism_with_id(session, code)
            if read is None:
                raise NotFound(
                    "organism", code, "organisme inconnu ; créez-le avec « recouvre organisms add »"
                )
            found = known[code] = read
        if not session.info.get(repository.ORGANISM_ADDED):
            self._organisms[code] = found
        return found


def open_services(url: str | None, policy_dir: Path | None = None) -> Services:
    """The services on the database at ``url`` (default ``sqlite:///recouvre.db``): how an
    interface opens them without reaching into storage."""
    return Services(Database(url), policy_dir=policy_dir)


def organism_codes(services: Services) -> list[str]:
    """The codes of the organisms this installation manages."""
    with services.db.unit_of_work() as session:
        return [item.code for item in repository.list_organisms(session)]


def refuse(
    services: Services, organism_code: str, on: date, event: str, subject: str, message: str
) -> Refused:
    """The error to raise for an event the rules forbid, its refusal recorded (``record_refusal``)."""
    error = Refused(event, subject, message)
    record_refusal(services, organism_code, on, error)
    return error


def record_refusal(services: Services, organism_code: str, on: date, error: Refused) -> None:
    """Record, in its own transaction, that an event was refused.

    The refused command's own unit of work rolls back; the refusal must survive it. Inside an act
    (``service.door``), the act's transaction is still open: the refusal is left to the door,
    which records it once the act has rolled back.
    """
    error.organism = organism_code
    error.on = on
    if services.db.in_act():
        return
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        repository.add_refusal(session, organism_id, on, error.event, error.subject, error.reason)
    error.recorded = True


@contextmanager
def refusals(services: Services, organism_code: str, on: date) -> Iterator[None]:
    """Record a ``Refused`` raised inside (``record_refusal``) and let it go on up.

    Put it *outside* the unit of work: the command's transaction is rolled back first, so that
    nothing it started is kept and the refusal's own transaction does not wait on it.
    """
    try:
        yield
    except Refused as error:
        if not error.recorded and error.organism is None:
            record_refusal(services, organism_code, on, error)
        raise
