"""The audit trail: every act done through the door (``service.door``), tamper-evident.

Each row says who (``actor``), when (``recorded_at``, the clock's stamp, and ``occurred_on``,
the business date of the command), what (``action``, ``organism``, ``subject``), why, the
outcome (``done``, ``denied``, ``refused``, ``failed``) and the state before and after as JSON.

Chain: each row stores ``prev_hash`` (the previous row's ``hash``; 64 zeros for the first) and
``hash`` = HMAC-SHA256, with a key kept outside the database (``service.audit_keys``), of the
canonical JSON of all its fields, ``prev_hash`` included, so that:

* editing a row changes its content: its hash no longer matches (``verify`` names it);
* deleting a row leaves a gap in ``seq`` and a ``prev_hash`` that names no previous row;
* rewriting a row *and* its hash breaks the next row's ``prev_hash``.

The table is append-only in the database (triggers, migration 0004), so tampering needs a
privileged user who drops the triggers first; the chain shows it afterwards. Rewriting a range
and rehashing the rows after it needs the key, which is not in the database. Deleting the newest
rows, or rewriting with the key, cannot be seen from inside the database: ``close_day`` exports
the head (seq, hash, day) to an append-only heads file outside it, and ``verify`` compares the
chain with every exported head (a head whose row is gone, or whose hash differs, is named).

Rows written before the key was introduced (plain SHA-256, an installation upgraded from an
earlier version) verify as *legacy* rows only as a prefix of the chain: after the first keyed
row, every row must be keyed; the exported heads pin the transition once a day has been closed.

Personal data (NIR, IBAN) is never put in a row: callers pass masked values only.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from recouvre.service import audit_keys
from recouvre.service.context import Services
from recouvre.storage.back_office_tables import AuditRow

GENESIS = "0" * 64
OUTCOMES = frozenset({"done", "denied", "refused", "failed"})
APPEND_ATTEMPTS = 20
_append_lock = threading.RLock()
CHAIN_LOCK = 7_263_314
"""PostgreSQL advisory lock key held while a transaction appends to the chain (until it ends)."""


def jsonable(value: Any) -> Any:
    """A JSON value for ``value``: dates as ISO text, amounts as text, enums by value."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((jsonable(item) for item in value), key=str)
    return str(value)


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def stamp(moment: datetime) -> str:
    """A recording time as UTC ISO text to the microsecond (SQLite gives it back naive)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Entry:
    """What to record; ``before`` and ``after`` are made JSON by ``jsonable``."""

    actor: str
    action: str
    outcome: str = "done"
    organism: str | None = None
    subject: str = ""
    on: date | None = None
    why: str = ""
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome={self.outcome!r}: one of {sorted(OUTCOMES)}")


@dataclass(frozen=True)
class AuditView:
    seq: int
    recorded_at: datetime
    actor: str
    action: str
    outcome: str
    organism: str | None
    subject: str
    occurred_on: date | None
    why: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    hash: str


def _fields(row: AuditRow) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "recorded_at": stamp(row.recorded_at),
        "actor": row.actor,
        "action": row.action,
        "outcome": row.outcome,
        "organism": row.organism,
        "subject": row.subject,
        "occurred_on": None if row.occurred_on is None else row.occurred_on.isoformat(),
        "why": row.why,
        "before": row.before,
        "after": row.after,
        "prev_hash": row.prev_hash,
    }


def content_hash(row: AuditRow, key: bytes | None = None) -> str:
    """The row's HMAC-SHA256 with ``key``; without a key, its plain SHA-256 (legacy rows)."""
    content = canonical(_fields(row)).encode("utf-8")
    if key is None:
        return hashlib.sha256(content).hexdigest()
    return hmac.new(key, content, hashlib.sha256).hexdigest()


def _bind_url(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=False)


def installation(services: Services) -> str:
    """The database's address as its engine has it: where the key and the heads are found."""
    return services.db.engine.url.render_as_string(hide_password=False)


def chain_key(services: Services) -> bytes:
    """The key of this installation's audit chain (kept outside the database)."""
    return audit_keys.audit_key(installation(services))


def _view(row: AuditRow) -> AuditView:
    return AuditView(
        seq=row.seq,
        recorded_at=row.recorded_at.replace(tzinfo=UTC)
        if row.recorded_at.tzinfo is None
        else row.recorded_at,
        actor=row.actor,
        action=row.action,
        outcome=row.outcome,
        organism=row.organism,
        subject=row.subject,
        occurred_on=row.occurred_on,
        why=row.why,
        before=row.before,
        after=row.after,
        hash=row.hash,
    )


view_of = _view
"""An audit row as its readers see it (``service.back_office``'s filtered trail)."""


def append(session: Session, entry: Entry, recorded_at: datetime) -> AuditView:
    """Append one row inside the caller's unit of work (written with it or not at all)."""
    if session.get_bind().dialect.name == "postgresql":
        # One appender at a time across processes: the head is read after the previous
        # appender's commit, so an act never fails on the chain's uniqueness at its very end.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    head = session.execute(select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)).first()
    seq, previous = (1, GENESIS) if head is None else (int(head[0]) + 1, str(head[1]))
    row = AuditRow(
        seq=seq,
        recorded_at=recorded_at.astimezone(UTC),
        actor=entry.actor[:64],
        action=entry.action[:64],
        outcome=entry.outcome,
        organism=None if entry.organism is None else entry.organism[:32],
        subject=entry.subject[:200],
        occurred_on=entry.on,
        why=entry.why,
        before=None if entry.before is None else jsonable(entry.before),
        after=None if entry.after is None else jsonable(entry.after),
        prev_hash=previous,
        hash="",
    )
    row.hash = content_hash(row, audit_keys.audit_key(_bind_url(session)))
    session.add(row)
    session.flush()
    return _view(row)


@contextmanager
def unit_of_work(services: Services, *, act: bool = False, scope: str | None = None) -> Iterator[Session]:
    """A unit of work that appends to the trail: one writer of the chain at a time in this
    process (another process racing for the same head fails on ``prev_hash``'s uniqueness, or
    waits for it on PostgreSQL). With ``act``, the one transaction of an act (``service.door``):
    every unit of work opened inside joins it; an act confined to a ``scope`` on PostgreSQL
    waits only for the acts of its scope (``Database.act``) and for the chain's lock at its
    append, not for every act of this process."""
    if act and scope is not None and services.db.dialect == "postgresql":
        with services.db.act(scope) as session:
            yield session
        return
    with _append_lock:
        if act:
            with services.db.act() as session:
                yield session
        else:
            with services.db.unit_of_work() as session:
                yield session


def record(services: Services, entry: Entry) -> AuditView:
    """Append one row in its own transaction; a writer that raced for the same head retries."""
    if services.db.in_act():
        raise RuntimeError("record() inside an act would roll back with it: append() to the act's row")
    for attempt in range(APPEND_ATTEMPTS):
        try:
            with unit_of_work(services) as session:
                return append(session, entry, services.clock())
        except (IntegrityError, OperationalError):
            if attempt == APPEND_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Broken:
    seq: int
    row_id: int
    reason: str


@dataclass(frozen=True)
class Verification:
    rows: int
    head: str
    """The hash of the newest row (64 zeros for an empty trail): keep it to compare later."""
    broken: Broken | None
    heads_checked: int = 0
    """How many exported heads (``close_day``) the chain was compared with."""
    legacy: int = 0
    """Rows hashed before the key was introduced (plain SHA-256, a prefix of the chain)."""

    @property
    def ok(self) -> bool:
        return self.broken is None


def _rows(session: Session) -> Iterator[AuditRow]:
    query = select(AuditRow).order_by(AuditRow.seq, AuditRow.id).execution_options(yield_per=2000)
    yield from session.scalars(query)


def verify(services: Services) -> Verification:
    """Walk the chain from its first row, stop at the first broken one and say why; then
    compare it with every head exported at a day's close (``close_day``)."""
    count = 0
    legacy = 0
    keyed = False
    previous = GENESIS
    expected = 1
    key = chain_key(services)
    heads = audit_keys.exported_heads(installation(services))
    pinned = {head.seq for head in heads}
    seen: dict[int, tuple[str, int]] = {}
    with services.db.unit_of_work() as session:
        for row in _rows(session):
            count += 1
            reason: str | None = None
            if row.seq != expected:
                missing = f"{expected}" if row.seq == expected + 1 else f"{expected} à {row.seq - 1}"
                reason = (
                    f"ligne(s) {missing} absente(s) : supprimée(s)"
                    if row.seq > expected
                    else f"numéro {row.seq} en double ou déplacé"
                )
            elif row.prev_hash != previous:
                reason = (
                    "prev_hash ne correspond pas à la ligne précédente : "
                    "une ligne a été supprimée ou réécrite"
                )
            elif hmac.compare_digest(content_hash(row, key), row.hash):
                keyed = True
            elif not keyed and content_hash(row) == row.hash:
                legacy += 1
            else:
                reason = (
                    "contenu modifié depuis son enregistrement (empreinte HMAC différente : "
                    "ligne réécrite, ou réempreinte sans la clé)"
                )
            if reason is not None:
                return Verification(count, previous, Broken(row.seq, row.id, reason), legacy=legacy)
            if row.seq in pinned:
                seen[row.seq] = (row.hash, row.id)
            previous = row.hash
            expected += 1
    last = expected - 1
    for head in sorted(heads, key=lambda found: found.seq):
        if head.seq > last:
            return Verification(
                count,
                previous,
                Broken(
                    head.seq,
                    0,
                    f"tête exportée le {head.day.isoformat()} (ligne n° {head.seq}) absente : "
                    f"ligne(s) {last + 1} à {head.seq} supprimée(s) (les plus récentes)",
                ),
                len(heads),
                legacy,
            )
        found_hash, row_id = seen[head.seq]
        if not hmac.compare_digest(found_hash, head.hash):
            return Verification(
                count,
                previous,
                Broken(
                    head.seq,
                    row_id,
                    f"empreinte différente de la tête exportée le {head.day.isoformat()} : "
                    f"la piste a été réécrite jusqu'à cette ligne",
                ),
                len(heads),
                legacy,
            )
    return Verification(count, previous, None, len(heads), legacy)


def close_day(services: Services, day: date, *, by: str = "system") -> audit_keys.Head:
    """Close ``day``: append a row saying so, then export the chain's head (that row) to the
    append-only heads file outside the database; ``verify`` compares the chain with it."""
    row = record(services, Entry(by, "audit.close_day", on=day, subject=f"journée {day.isoformat()}"))
    head = audit_keys.Head(day, row.seq, row.hash, stamp(services.clock()))
    audit_keys.append_head(installation(services), head)
    return head


def show(
    services: Services,
    limit: int = 20,
    *,
    actor: str | None = None,
    action: str | None = None,
    organism: str | None = None,
) -> list[AuditView]:
    """The newest rows first, optionally those of one actor, action or organism."""
    query = select(AuditRow).order_by(AuditRow.seq.desc()).limit(limit)
    if actor is not None:
        query = query.where(AuditRow.actor == actor)
    if action is not None:
        query = query.where(AuditRow.action == action)
    if organism is not None:
        query = query.where(AuditRow.organism == organism)
    with services.db.unit_of_work() as session:
        return [_view(row) for row in session.scalars(query)]
