"""The door every act goes through: authorise, act, audit — in one transaction.

An act is asked for by an interface (the API, the web pages, the command line, the scenario
runner) on behalf of an ``Actor``. Whatever the interface, the same command

1. asks ``authorize`` (``guard``) with the organism alone first, so that a role that may not do
   the action is refused before anything is looked up and an unknown reference is no way to
   probe, then with the facts of its subject (author, placement, proposer, route). A refusal is
   appended to the audit trail as ``denied``, in a transaction of its own, and raised;
2. opens the act's one transaction (``act``): the service functions it calls open their units
   of work as usual and they all join it, so the act, its movements, its letters and tasks and
   its audit row (who, what, why, the state before and after) commit together or not at all;
3. when the rules refuse the act (``Refused``, a ``DomainError``, a rejected batch), rolls it
   back, then records the refusal and an audit row ``refused`` in a new transaction.

``on``, the date the rules apply, is always the caller's parameter; ``authorize`` is asked
about the day the act is done (the stamping clock's date, in UTC): nobody backdates their way
into a mandate or a placement.

``RECOUVRE_FAULT=after_act`` kills the process (SIGKILL) between an act and its audit row: a
fault-injection point for the test that proves the two are one transaction.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, TypeVar

from recouvre.domain.errors import AmountError, BatchRejected, DomainError, Refused
from recouvre.security.authorization import NOTHING, Actor, Forbidden, Subject, authorize
from recouvre.service import subjects, trail
from recouvre.service.context import Services
from recouvre.service.queries import claim_snapshot
from recouvre.storage import repository

T = TypeVar("T")
NETWORK = "(réseau)"
"""The organism scope of a network-level user, as a subject: a local user never matches it."""
REFUSALS: tuple[type[Exception], ...] = (DomainError, AmountError, BatchRejected)
"""What the rules refuse (as opposed to what the roles forbid, ``Forbidden``)."""
FAULT_VARIABLE = "RECOUVRE_FAULT"


def today(services: Services) -> date:
    """The day an act is done (for mandates and placements), from the stamping clock."""
    return services.clock().date()


def guard(services: Services, actor: Actor, action: str, subject: Subject = NOTHING) -> date:
    """``authorize`` for today; a refusal is appended to the audit trail, then raised.

    Asked before the act opens, never inside it: a denial must outlive the act's rollback."""
    on = today(services)
    try:
        authorize(actor, action, on, subject)
    except Forbidden as error:
        trail.record(
            services,
            trail.Entry(
                actor.user,
                action,
                "denied",
                organism=subject.organism,
                subject=subject.describe(),
                why=error.reason,
            ),
        )
        raise
    return on


def allowed(services: Services, actor: Actor, action: str, organism: str | None) -> bool:
    """Whether ``actor`` may do ``action`` in ``organism`` today (nothing recorded)."""
    try:
        authorize(actor, action, today(services), Subject(organism=organism or NETWORK))
    except Forbidden:
        return False
    return True


def guard_any(services: Services, actor: Actor, actions: Sequence[str], subject: Subject) -> date:
    """``guard`` passing when any of ``actions`` is allowed; refused (and recorded) under the first."""
    for name in actions:
        if allowed(services, actor, name, subject.organism):
            return guard(services, actor, name, subject)
    return guard(services, actor, actions[0], subject)


def guard_claim(services: Services, actor: Actor, action: str, organism: str, claim_ref: str) -> Subject:
    guard(services, actor, action, Subject(organism=organism))
    subject = subjects.claim_subject(services, organism, claim_ref, today(services))
    guard(services, actor, action, subject)
    return subject


def guard_debtor(services: Services, actor: Actor, action: str, organism: str, debtor_ref: str) -> Subject:
    guard(services, actor, action, Subject(organism=organism))
    subject = subjects.debtor_subject(services, organism, debtor_ref, today(services))
    guard(services, actor, action, subject)
    return subject


@dataclass
class Act:
    """The act in progress: what its audit row will say once it is done."""

    entry: trail.Entry
    after: dict[str, object] = field(default_factory=dict)

    def note(self, **facts: object) -> None:
        """Add facts to the audit row's ``after``."""
        self.after.update(facts)


def _fault(point: str) -> None:
    if os.environ.get(FAULT_VARIABLE) == point:
        os.kill(os.getpid(), signal.SIGKILL)


def _record_refused(services: Services, entry: trail.Entry, error: Exception) -> None:
    with trail.unit_of_work(services) as session:
        if isinstance(error, Refused) and not error.recorded and error.organism is not None:
            organism_id = repository.organism_id(session, error.organism)
            if organism_id is not None:
                on = error.on or entry.on
                assert on is not None
                repository.add_refusal(session, organism_id, on, error.event, error.subject, error.reason)
            error.recorded = True
        after = {**(entry.after or {}), "refused": str(error)}
        trail.append(session, replace(entry, outcome="refused", after=after), services.clock())


@contextmanager
def act(
    services: Services,
    actor: Actor,
    action: str,
    *,
    organism: str | None,
    subject: str = "",
    on: date | None = None,
    why: str = "",
    before: Callable[[], Mapping[str, Any] | None] | None = None,
    audited_inside: bool = False,
) -> Iterator[Act]:
    """One act in one transaction, its audit row included; call it once ``guard`` has passed.

    ``before`` reads the state the audit row keeps as "before", inside the act's transaction.
    What the body adds with ``Act.note`` becomes the row's "after". ``audited_inside``: the
    service function appends the act's own row (users, mandates, placements, proposals keep
    their own before and after); the door then records only a refusal.
    """
    entry = trail.Entry(actor.user, action, organism=organism, subject=subject, on=on, why=why)
    current = Act(entry)
    try:
        with trail.unit_of_work(services, act=True) as session:
            state = before() if before is not None else None
            current.entry = replace(entry, before=state)
            yield current
            _fault("after_act")
            if not audited_inside:
                trail.append(session, replace(current.entry, after=current.after), services.clock())
    except REFUSALS as error:
        _record_refused(services, replace(current.entry, after=current.after), error)
        raise


def on_claim(
    services: Services,
    actor: Actor,
    action: str,
    organism: str,
    claim_ref: str,
    on: date,
    why: str,
    run: Callable[[], T],
    describe: Callable[[T], Mapping[str, object]],
) -> T:
    """An act on one claim: authorised on its facts, its balance, status and phase before and
    after kept in the audit row."""
    subject = guard_claim(services, actor, action, organism, claim_ref)
    with act(
        services,
        actor,
        action,
        organism=organism,
        subject=subject.describe(),
        on=on,
        why=why,
        before=lambda: claim_snapshot(services, organism, claim_ref, on),
    ) as current:
        result = run()
        current.note(**{**(claim_snapshot(services, organism, claim_ref, on) or {}), **describe(result)})
    return result


def batch(
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
    """A batch act (a withholding run, a monthly cycle, an import): call it once ``guard`` has
    passed. Its unit of work is its chunk or shard, each a transaction that also records itself
    as done, so that a run killed at any point and started again ends like an uninterrupted one;
    the audit row, written once the run is over, keeps what it did (or why it was refused)."""
    entry = trail.Entry(actor.user, action, organism=organism, subject=subject, on=on, why=why)
    try:
        result = run()
    except REFUSALS as error:
        _record_refused(services, entry, error)
        raise
    trail.record(services, replace(entry, after=dict(describe(result))))
    return result
