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
   back, then records the refusal and an audit row ``refused`` in a new transaction;
4. when anything else fails (a bug, the database), rolls it back, then records an audit row
   ``failed`` (the error's class and a short message, no personal data) and raises the error.

Acts are serialised (``Database.act``: ``BEGIN IMMEDIATE`` on SQLite, an advisory lock on
PostgreSQL), so that concurrent acts on one claim, from threads or processes, read each other's
work. An act on a claim (``on_claim``) that still meets a transient conflict (the database busy
or locked, a serialization failure, a deadlock, a unique key taken by a racing act) is rolled
back and done again, whole, up to ``ATTEMPTS`` times; then it is audited ``failed`` and ``Busy``
is raised (the API answers 503 with ``Retry-After``). An idempotency key replayed by a retry
books nothing the second time, as any replay.

``on``, the date the rules apply, is always the caller's parameter; ``authorize`` is asked
about the day the act is done (the stamping clock's date, in UTC): nobody backdates their way
into a mandate or a placement.

``RECOUVRE_FAULT=after_act`` kills the process (SIGKILL) between an act and its audit row: a
fault-injection point for the test that proves the two are one transaction.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Final, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from recouvre.domain.errors import AmountError, BatchRejected, Busy, DomainError, Refused
from recouvre.security.authorization import NOTHING, Actor, Forbidden, Subject, authorize
from recouvre.service import claim_actions, placements, subjects, trail
from recouvre.service.context import Services
from recouvre.service.queries import claim_snapshot
from recouvre.storage import repository

T = TypeVar("T")
NETWORK = "(réseau)"
"""The organism scope of a network-level user, as a subject: a local user never matches it."""
REFUSALS: tuple[type[Exception], ...] = (DomainError, AmountError, BatchRejected)
"""What the rules refuse (as opposed to what the roles forbid, ``Forbidden``)."""
FAULT_VARIABLE = "RECOUVRE_FAULT"
ATTEMPTS = 5
"""How many times an act on a claim is done before a transient conflict is given up (``Busy``)."""
RETRY_PAUSE = 0.05
"""Seconds before the first retry, doubled at each one."""
RETRY_AFTER = 1
"""Seconds a client is asked to wait before asking again (``Busy``)."""
TRANSIENT_STATES = frozenset({"40001", "40P01", "55P03"})
"""PostgreSQL: serialization failure, deadlock detected, lock not available."""
TRANSIENT_MESSAGES = ("database is locked", "database table is locked", "database is busy")
MESSAGE_LENGTH = 200
_IDENTIFIERS = re.compile(r"\b[A-Z]{2}\d{2}[A-Z0-9 ]{10,30}\b|\d[\d ]{8,}\d")
"""What could be an IBAN or a NIR (or any long number) in an error's message: never audited."""
log = logging.getLogger(__name__)


def transient(error: BaseException) -> bool:
    """Whether ``error`` is a conflict with a concurrent transaction, gone if the act is retried."""
    if isinstance(error, Busy | IntegrityError):
        return True
    if isinstance(error, DBAPIError):
        state = getattr(error.orig, "sqlstate", None)
        if state in TRANSIENT_STATES:
            return True
        if isinstance(error, OperationalError):
            return any(text in str(error.orig).lower() for text in TRANSIENT_MESSAGES)
    return False


def short_message(error: BaseException) -> str:
    """The first line of an error's message, cut short, long numbers (NIR, IBAN) masked."""
    source = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    lines = str(source).strip().splitlines()
    return _IDENTIFIERS.sub("…", lines[0] if lines else "")[:MESSAGE_LENGTH]


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


def _record_failed(services: Services, entry: trail.Entry, error: BaseException) -> None:
    """The audit row of an act that failed (its transaction already rolled back)."""
    after = {**(entry.after or {}), "failed": short_message(error), "error": type(error).__name__}
    try:
        trail.record(services, replace(entry, outcome="failed", after=after))
    except Exception:  # the database itself is gone: say so, and raise the act's own error
        log.exception("the failure of %s could not be audited", entry.action)


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
    retried: bool = False,
    scope: str | None = None,
) -> Iterator[Act]:
    """One act in one transaction, its audit row included; call it once ``guard`` has passed.

    ``before`` reads the state the audit row keeps as "before", inside the act's transaction.
    What the body adds with ``Act.note`` becomes the row's "after". ``audited_inside``: the
    service function appends the act's own row (users, mandates, placements, proposals keep
    their own before and after); the door then records only a refusal. Any other error is
    audited ``failed``, except a transient conflict when the caller will do the act again
    (``retried``). ``scope``: the one debtor's file the act is confined to, if it is
    (``Database.act``).
    """
    entry = trail.Entry(actor.user, action, organism=organism, subject=subject, on=on, why=why)
    current = Act(entry)
    try:
        with trail.unit_of_work(services, act=True, scope=scope) as session:
            state = before() if before is not None else None
            current.entry = replace(entry, before=state)
            yield current
            _fault("after_act")
            if not audited_inside:
                trail.append(session, replace(current.entry, after=current.after), services.clock())
    except REFUSALS as error:
        _record_refused(services, replace(current.entry, after=current.after), error)
        raise
    except Exception as error:
        if not (retried and transient(error)):
            _record_failed(services, replace(current.entry, after=current.after), error)
        raise


@contextmanager
def audited_claim_act(
    services: Services, actor: Actor, action: str, organism: str, claim_ref: str, on: date, why: str
) -> Iterator[Act]:
    """An act on one claim whose service function appends its own audit row (placements,
    proposals): authorised on the claim's facts, one transaction, a refusal audited."""
    subject = guard_claim(services, actor, action, organism, claim_ref)
    with act(
        services,
        actor,
        action,
        organism=organism,
        subject=subject.describe(),
        on=on,
        why=why,
        audited_inside=True,
    ) as current:
        yield current


DEBTOR_CONFINED: Final = frozenset({"contacts.record", "payments.record", "promises.record"})
"""The acts on a claim that read and write nothing but its debtor's file (the claim, its ledger,
the debtor's tasks and letters) and the audit chain: on PostgreSQL they wait only for the acts on
the same debtor (``Database.act``), so that case workers recording contacts and payments on
different files do not queue behind each other (issue 15, load). Any other act is done alone."""


def debtor_scope(organism: str, debtor: str | None) -> str | None:
    """The lock scope of one debtor's file (``None``, every act, when the debtor is not known)."""
    return None if debtor is None else f"debtor:{organism}:{debtor}"


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
    after kept in the audit row. A transient conflict rolls it back and does it again, whole
    (``ATTEMPTS`` at most, then ``Busy``). An act the claim's state no longer allows (an act of
    recovery on a transferred claim, a promise on a settled one: ``service.claim_actions``) is
    refused and recorded."""
    subject = guard_claim(services, actor, action, organism, claim_ref)
    claim_actions.refusal_of(services, organism, claim_ref, action, on)
    for attempt in range(ATTEMPTS):
        last = attempt == ATTEMPTS - 1
        try:
            with act(
                services,
                actor,
                action,
                organism=organism,
                subject=subject.describe(),
                on=on,
                why=why,
                before=lambda: claim_snapshot(services, organism, claim_ref, on),
                retried=not last,
                scope=debtor_scope(organism, subject.owner) if action in DEBTOR_CONFINED else None,
            ) as current:
                result = run()
                current.note(
                    **{**(claim_snapshot(services, organism, claim_ref, on) or {}), **describe(result)}
                )
            return result
        except Exception as error:
            if not transient(error):
                raise
            if last:
                raise Busy(action, RETRY_AFTER) from error
            time.sleep(RETRY_PAUSE * 2**attempt)
    raise AssertionError("unreachable")


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
    except Exception as error:
        _record_failed(services, entry, error)
        raise
    after = dict(describe(result))
    if organism is not None and on is not None:
        # A batch may end claims (a withholding run settles them): their placements follow.
        recalled = placements.recall_if_ended(services, organism, None, on)
        if recalled:
            after["placements_recalled"] = recalled
    trail.record(services, replace(entry, after=after))
    return result
